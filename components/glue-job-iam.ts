/**
 * The Glue job role's least-privilege policy: its own script and helpers, the one Iceberg table, the
 * pipeline's stream, the audit queue, its metric namespaces, Glue's log groups and the platform key.
 */
import * as pulumi from "@pulumi/pulumi";
import { HELPERS_KEY, SCRIPT_KEY } from "./glue-job-assets.js";
import type { GlueJobArgs } from "./glue-job.js";
import { kmsUseStatement, type PolicyStatement } from "./iam.js";

/** What the statements are built from besides the job's args. */
export interface JobRoleContext {
  account: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  assetsBucketArn: pulumi.Input<string>;
  /** The job's own custom metric namespace. */
  namespace: string;
}

export function jobRoleStatements(args: GlueJobArgs, context: JobRoleContext): pulumi.Input<PolicyStatement>[] {
  const [database, table] = args.job.icebergTable.split(".") as [string, string];
  const arn = (service: string, resource: string) => pulumi.interpolate`arn:${context.partition}:${service}:${args.naming.region}:${context.account}:${resource}`;
  const bucketArn = context.assetsBucketArn;
  return [
    { Sid: "ReadOwnScriptAndHelpers", Effect: "Allow", Action: "s3:GetObject", Resource: [pulumi.interpolate`${bucketArn}/${SCRIPT_KEY}`, pulumi.interpolate`${bucketArn}/${HELPERS_KEY}`] },
    {
      Sid: "ReadIcebergTableMetadata",
      Effect: "Allow",
      Action: ["glue:GetDatabase", "glue:GetTable"],
      Resource: [arn("glue", "catalog"), arn("glue", `database/${database}`), arn("glue", `table/${database}/${table}`)],
    },
    ...icebergDataStatements(args.icebergData, context.partition),
    { Sid: "PublishToPipelineStream", Effect: "Allow", Action: "kinesis:PutRecords", Resource: args.streamArn },
    { Sid: "SendFailedAuditEvents", Effect: "Allow", Action: "sqs:SendMessage", Resource: args.auditQueueArn },
    // Unlike Lambda's EMF, Glue sends its own job metrics (`--enable-metrics`, namespace `Glue`) with
    // PutMetricData under the job's role, so that namespace needs the right as well.
    { Sid: "PublishOwnAndGlueMetrics", Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": [context.namespace, "Glue"] } } },
    {
      // Glue creates its log groups under /aws-glue/ and, with a security configuration, ties them to the key.
      Sid: "WriteGlueLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
      Resource: arn("logs", "log-group:/aws-glue/*"),
    },
    // Encrypt as well as decrypt: Glue encrypts bookmarks client-side (CSE-KMS) with the role's rights.
    { ...kmsUseStatement(args.kmsKeyArn), Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"] },
  ];
}

/** Read rights on the table's files: its own S3 prefix, or Lake Formation's vended credentials. */
function icebergDataStatements(data: GlueJobArgs["icebergData"], partition: pulumi.Input<string>): PolicyStatement[] {
  if (data === undefined) {
    // GetDataAccess has no resource-level permissions; Lake Formation grants decide what is readable.
    return [{ Sid: "ReadTableThroughLakeFormation", Effect: "Allow", Action: "lakeformation:GetDataAccess", Resource: "*" }];
  }
  const [bucket, ...rest] = data.location.replace(/^s3:\/\//, "").split("/");
  const prefix = rest.filter((p) => p !== "").join("/");
  const objects = prefix === "" ? "*" : `${prefix}/*`;
  const statements: PolicyStatement[] = [
    { Sid: "ReadTableFiles", Effect: "Allow", Action: "s3:GetObject", Resource: pulumi.interpolate`arn:${partition}:s3:::${bucket}/${objects}` },
    {
      Sid: "ListTableFiles",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: pulumi.interpolate`arn:${partition}:s3:::${bucket}`,
      ...(prefix === "" ? {} : { Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}/*`] } } }),
    },
  ];
  if (data.kmsKeyArn) statements.push({ Sid: "DecryptTableFiles", Effect: "Allow", Action: "kms:Decrypt", Resource: data.kmsKeyArn });
  return statements;
}
