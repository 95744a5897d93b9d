/**
 * The event pipeline's input bucket: where data providers upload files. Private, TLS-only, SSE-KMS
 * with a bucket key, versioned (an overwritten file can be recovered), and emptied by lifecycle rules
 * once files are processed and kept long enough for re-runs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bucketUploaderStatement } from "./cross-account-access.js";

export interface InputBucketArgs {
  /** Physical bucket name (global: carries the region code). */
  bucketName: string;
  /** Platform key for default encryption. */
  kmsKeyArn: pulumi.Input<string>;
  /** Days an uploaded file is kept. @default `30` */
  retentionDays?: number;
  /** Days an overwritten or deleted file's previous version is kept. @default `7` */
  noncurrentRetentionDays?: number;
  /**
   * IAM principals of other accounts allowed to upload (`s3:PutObject` only); the platform key's
   * policy grants them the key for this bucket (cross-account-access.ts).
   * @default `[]`
   */
  uploaderPrincipals?: string[];
}

/** Declares the bucket and its settings as children of `parent`; logical names are `${name}-input…`. */
export function createInputBucket(
  name: string,
  args: InputBucketArgs,
  parent: pulumi.Resource,
): aws.s3.Bucket {
  const bucket = new aws.s3.Bucket(`${name}-input`, { bucket: args.bucketName }, { parent });
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-input-public-access`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );
  new aws.s3.BucketPolicy(
    `${name}-input-policy`,
    {
      bucket: bucket.id,
      // A resource policy (it names a principal), so not built with the identity-policy helper.
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          ...(args.uploaderPrincipals?.length
            ? [bucketUploaderStatement(bucket.arn, args.uploaderPrincipals)]
            : []),
        ],
      }),
    },
    // AWS rejects a bucket policy while the public access block is still being applied.
    { parent, dependsOn: [publicAccess, ...uploaderOwnership(name, bucket, args, parent)] },
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-input-encryption`,
    {
      bucket: bucket.id,
      // The bucket key cuts KMS calls (and their cost and throttling) to one per bucket and period.
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
          bucketKeyEnabled: true,
        },
      ],
    },
    { parent },
  );
  const versioning = new aws.s3.BucketVersioning(
    `${name}-input-versioning`,
    { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
    { parent },
  );
  new aws.s3.BucketLifecycleConfiguration(
    `${name}-input-lifecycle`,
    {
      bucket: bucket.id,
      rules: [
        {
          id: "expire-processed-input",
          status: "Enabled",
          filter: {},
          expiration: { days: args.retentionDays ?? 30 },
          noncurrentVersionExpiration: { noncurrentDays: args.noncurrentRetentionDays ?? 7 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
        {
          id: "remove-expired-delete-markers",
          status: "Enabled",
          filter: {},
          expiration: { expiredObjectDeleteMarker: true },
        },
      ],
    },
    { parent, dependsOn: [versioning] },
  );
  return bucket;
}

/**
 * With uploaders in other accounts, this bucket must own what they upload, or the producer (this
 * account) could not read it: ACLs off, bucket owner enforced. It is S3's default for new buckets
 * since April 2023; declared so an account-level or older default cannot change it.
 */
function uploaderOwnership(
  name: string,
  bucket: aws.s3.Bucket,
  args: InputBucketArgs,
  parent: pulumi.Resource,
): aws.s3.BucketOwnershipControls[] {
  if (!args.uploaderPrincipals?.length) return [];
  return [
    new aws.s3.BucketOwnershipControls(
      `${name}-input-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      { parent },
    ),
  ];
}

/**
 * What the producer's once-per-object-version ledger needs (`handlers/event-producer/file-ledger.ts`):
 * - read, claim and complete its ledger items in the audit table, and nothing else there:
 *   `dynamodb:LeadingKeys` limits every call to partition keys matching `#ledger:*` (the condition key
 *   is multivalued, hence `ForAllValues`; GetItem/PutItem/UpdateItem always carry their key, so the
 *   set is never empty: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html);
 * - read exactly the object version the notification names (GetObject with a `versionId` is
 *   authorised as `s3:GetObjectVersion`, not `s3:GetObject`:
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "versionId").
 */
export function producerLedgerStatements(bucket: aws.s3.Bucket, auditTableArn: pulumi.Input<string>) {
  return [
    {
      Sid: "KeepFileLedger",
      Effect: "Allow" as const,
      Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      Resource: auditTableArn,
      Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["#ledger:*"] } },
    },
    {
      Sid: "ReadNotifiedVersion",
      Effect: "Allow" as const,
      Action: "s3:GetObjectVersion",
      Resource: pulumi.interpolate`${bucket.arn}/*`,
    },
  ];
}
