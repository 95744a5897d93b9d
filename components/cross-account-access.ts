/**
 * Cross-account use of a pipeline (issue #10, finding 3): a stream read by a consumer in another
 * account (TMS reads `tt`) and an input bucket written by data providers in other accounts. Both are
 * encrypted with the platform key, so each principal needs two grants, and this module makes both
 * from the same config so they cannot disagree:
 * - the resource's own policy (stream resource policy / bucket policy) lets exactly those principals
 *   read / put;
 * - the platform key's policy lets exactly those principals use the key, and only through that
 *   service in this region (`kms:ViaService`) for that resource (the encryption context the service
 *   sets: `aws:kinesis:arn` = the stream ARN; `aws:s3:arn` = the bucket ARN, because the bucket uses
 *   an S3 Bucket Key — https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html).
 * The principals' own account must also allow them these actions on our stream/bucket and key in
 * their identity policies; that half is theirs to grant (README, "Cross-account readers and uploaders").
 * Principals must exist when `pulumi up` runs: KMS, S3 and Kinesis reject a policy naming an unknown one.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PipelineConfig } from "./event-pipeline-config.js";
import type { Naming } from "./naming.js";

/** What a standard (shared-throughput) consumer calls, Lambda event source mappings included. */
export const STREAM_READ_ACTIONS = [
  "kinesis:DescribeStream",
  "kinesis:DescribeStreamSummary",
  "kinesis:GetRecords",
  "kinesis:GetShardIterator",
  "kinesis:ListShards",
];
/** An upload; multipart uploads also need kms:Decrypt (S3 decrypts the parts it combines). */
export const UPLOAD_KMS_ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"];

export interface AccountContext {
  partition: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
}

/** A statement of a resource policy (it names a principal, unlike the identity-policy helper's). */
export interface ResourcePolicyStatement {
  Sid: string;
  Effect: "Allow";
  Principal: { AWS: string[] };
  Action: string[];
  Resource: pulumi.Input<string> | pulumi.Input<string>[];
  Condition?: Record<string, Record<string, pulumi.Input<string>>>;
}

const sidOf = (text: string) => text.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());

/** The platform key statements for every pipeline's cross-account readers and uploaders (none by default). */
export function platformKeyCrossAccountStatements(
  pipelines: PipelineConfig[],
  naming: Naming,
  account: AccountContext,
): ResourcePolicyStatement[] {
  const statements: ResourcePolicyStatement[] = [];
  for (const p of pipelines) {
    if (p.readerPrincipals?.length) {
      const streamArn = pulumiInterpolate(
        account,
        (partition, accountId) =>
          `arn:${partition}:kinesis:${naming.region}:${accountId}:stream/${naming.physicalName("kinesis-stream", `${p.name}-event-stream`)}`,
      );
      statements.push({
        Sid: `${sidOf(p.name)}StreamReadersDecryptViaKinesis`,
        Effect: "Allow",
        Principal: { AWS: [...p.readerPrincipals] },
        Action: ["kms:Decrypt"],
        Resource: "*",
        Condition: {
          StringEquals: {
            "kms:ViaService": `kinesis.${naming.region}.amazonaws.com`,
            "kms:EncryptionContext:aws:kinesis:arn": streamArn,
          },
        },
      });
    }
    if (p.uploaderPrincipals?.length && p.source === "s3") {
      const bucketArn = pulumiInterpolate(
        account,
        (partition) => `arn:${partition}:s3:::${naming.physicalName("s3-bucket", `${p.name}-input`)}`,
      );
      statements.push({
        Sid: `${sidOf(p.name)}UploadersEncryptViaS3`,
        Effect: "Allow",
        Principal: { AWS: [...p.uploaderPrincipals] },
        Action: [...UPLOAD_KMS_ACTIONS],
        Resource: "*",
        Condition: {
          StringEquals: {
            "kms:ViaService": `s3.${naming.region}.amazonaws.com`,
            "kms:EncryptionContext:aws:s3:arn": bucketArn,
          },
        },
      });
    }
  }
  return statements;
}

/** The stream's resource policy statement for its readers. */
export function streamReaderStatement(
  pipelineName: string,
  streamArn: pulumi.Input<string>,
  principals: string[],
): ResourcePolicyStatement {
  return {
    Sid: `${sidOf(pipelineName)}CrossAccountReaders`,
    Effect: "Allow",
    Principal: { AWS: [...principals] },
    Action: [...STREAM_READ_ACTIONS],
    Resource: streamArn,
  };
}

/**
 * The bucket policy statement for uploaders: put objects, nothing else (no read, list or delete).
 * The bucket's default encryption applies the platform key to what they upload.
 */
export function bucketUploaderStatement(
  bucketArn: pulumi.Input<string>,
  principals: string[],
): ResourcePolicyStatement {
  return {
    Sid: "CrossAccountUploaders",
    Effect: "Allow",
    Principal: { AWS: [...principals] },
    Action: ["s3:PutObject"],
    Resource: pulumi.interpolate`${bucketArn}/*`,
  };
}

/** Resolved lazily, so the statements can be declared before the account is known. */
function pulumiInterpolate(
  account: AccountContext,
  make: (partition: string, accountId: string) => string,
): pulumi.Input<string> {
  return pulumi
    .all([account.partition, account.accountId])
    .apply(([partition, accountId]) => make(partition, accountId));
}

/**
 * The stream's resource policy, when the pipeline has cross-account readers; nothing otherwise.
 * A child of the pipeline component, logical name `<name>-stream-policy`.
 */
export function grantStreamReaders(
  name: string,
  pipeline: PipelineConfig,
  streamArn: pulumi.Input<string>,
  parent: pulumi.Resource,
): aws.kinesis.ResourcePolicy | undefined {
  if (!pipeline.readerPrincipals?.length) return undefined;
  return new aws.kinesis.ResourcePolicy(
    `${name}-stream-policy`,
    {
      resourceArn: streamArn,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [streamReaderStatement(pipeline.name, streamArn, pipeline.readerPrincipals)],
      }),
    },
    { parent },
  );
}
