/**
 * The Glue job role's least-privilege policy: its own script and helpers, the one Iceberg table (its
 * catalog entry, and its files: S3 + KMS, or Lake Formation), the pipeline's stream, the audit queue,
 * its own bookmark item, its metric namespaces, Glue's log groups and the platform key.
 */
import * as pulumi from "@pulumi/pulumi";
import { glueBookmarkKey } from "../handlers/lib/audit-keys.js";
import type { GlueTableAccess } from "./glue-job-config.js";
import { HELPERS_KEY, SCRIPT_KEY } from "./glue-job-assets.js";
import { glueNetworkStatements } from "./glue-job-connection.js";
import type { GlueJobArgs } from "./glue-job.js";
import { kmsUseStatement, type PolicyStatement } from "./iam.js";

/** What the statements are built from besides the job's args. */
export interface JobRoleContext {
  account: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  assetsBucketArn: pulumi.Input<string>;
  /** The job's own custom metric namespace. */
  namespace: string;
  /** The Glue job's physical name (its bookmark item is keyed by it). */
  jobName: string;
}

export function jobRoleStatements(
  args: GlueJobArgs,
  context: JobRoleContext,
): pulumi.Input<PolicyStatement>[] {
  const [database, table] = args.job.icebergTable.split(".") as [string, string];
  const arn = (service: string, resource: string) =>
    pulumi.interpolate`arn:${context.partition}:${service}:${args.naming.region}:${context.account}:${resource}`;
  const bucketArn = context.assetsBucketArn;
  return [
    {
      Sid: "ReadOwnScriptAndHelpers",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: [
        pulumi.interpolate`${bucketArn}/${SCRIPT_KEY}`,
        pulumi.interpolate`${bucketArn}/${HELPERS_KEY}`,
      ],
    },
    {
      // Iceberg's GlueCatalog loads the table (and its metadata tables `refs`, `history`) with GetTable.
      Sid: "ReadIcebergTableMetadata",
      Effect: "Allow",
      Action: ["glue:GetDatabase", "glue:GetTable"],
      Resource: [
        arn("glue", "catalog"),
        arn("glue", `database/${database}`),
        arn("glue", `table/${database}/${table}`),
      ],
    },
    ...tableFileStatements(args.job.tableAccess, context.partition),
    {
      Sid: "PublishToPipelineStream",
      Effect: "Allow",
      Action: "kinesis:PutRecords",
      Resource: args.streamArn,
    },
    {
      Sid: "SendFailedAuditEvents",
      Effect: "Allow",
      Action: "sqs:SendMessage",
      Resource: args.auditQueueArn,
    },
    {
      // The bookmark is one item of the audit table; the role may read and write that item only.
      // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html (dynamodb:LeadingKeys)
      Sid: "ReadAndAdvanceOwnBookmark",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:PutItem"],
      Resource: args.auditTableArn,
      Condition: {
        "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [glueBookmarkKey(context.jobName)] },
      },
    },
    // Unlike Lambda's EMF, Glue sends its own job metrics (`--enable-metrics`, namespace `Glue`) with
    // PutMetricData under the job's role, so that namespace needs the right as well.
    {
      Sid: "PublishOwnAndGlueMetrics",
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": [context.namespace, "Glue"] } },
    },
    {
      // Glue creates its log groups under /aws-glue/ and, with a security configuration, ties them to the key.
      Sid: "WriteGlueLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
      Resource: arn("logs", "log-group:/aws-glue/*"),
    },
    // Encrypt as well as decrypt: Glue encrypts bookmarks client-side (CSE-KMS) with the role's rights.
    { ...kmsUseStatement(args.kmsKeyArn), Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"] },
    // Only in a VPC (issue #20): ENI rights and the job's own connection.
    ...glueNetworkStatements(args, context),
  ];
}

/**
 * Read rights on the table's files. With `s3`, Iceberg's S3FileIO reads `metadata/*.json`, the
 * manifests and the data files with the job role's own credentials, so the role needs the table's
 * prefix and its KMS key (without them a run fails with AccessDenied on the first metadata.json).
 * With `lake-formation`, Lake Formation vends credentials for the registered location instead.
 */
function tableFileStatements(access: GlueTableAccess, partition: pulumi.Input<string>): PolicyStatement[] {
  if (access.mode === "lake-formation") {
    // GetDataAccess has no resource-level permissions; Lake Formation grants decide what is readable.
    // https://docs.aws.amazon.com/glue/latest/dg/security-access-control-fta.html
    return [
      {
        Sid: "ReadTableThroughLakeFormation",
        Effect: "Allow",
        Action: "lakeformation:GetDataAccess",
        Resource: "*",
      },
    ];
  }
  const { bucket, prefix } = splitS3Location(access.location);
  const statements: PolicyStatement[] = [
    {
      Sid: "ReadTableFiles",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: pulumi.interpolate`arn:${partition}:s3:::${bucket}/${prefix === "" ? "*" : `${prefix}/*`}`,
    },
    {
      // Not needed to read known keys, but without it S3 answers a missing file with 403 instead of 404.
      Sid: "ListTableFiles",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: pulumi.interpolate`arn:${partition}:s3:::${bucket}`,
      ...(prefix === "" ? {} : { Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}/*`] } } }),
    },
  ];
  // Reading an SSE-KMS object needs kms:Decrypt on its key (S3 calls KMS on the reader's behalf).
  if (access.kmsKeyArn)
    statements.push({
      Sid: "DecryptTableFiles",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: access.kmsKeyArn,
    });
  return statements;
}

export function splitS3Location(location: string): { bucket: string; prefix: string } {
  const [bucket, ...rest] = location.replace(/^s3:\/\//, "").split("/");
  return { bucket: bucket ?? "", prefix: rest.filter((p) => p !== "").join("/") };
}
