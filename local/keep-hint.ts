/** What `--keep` prints: where everything is listening and how to look inside with the AWS CLI or SDK. */
import type { LocalEnvironment } from "./local-environment.js";

export function keepHint(environment: LocalEnvironment): string {
  const { gateway, stack, tiaa, salesforce } = environment;
  const endpoint = gateway.url;
  const aws = `AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws --region ${stack.config.region} --endpoint-url ${endpoint}`;
  const dynamo = aws;
  const sqs = aws;
  const auditTable =
    stack.functions.find((f) => f.environment.AUDIT_TABLE_NAME)?.environment.AUDIT_TABLE_NAME ??
    stack.tables[0];
  const auditQueue = stack.sqsSources[0]?.queueUrl;
  const stream = stack.kinesisSources[0]?.streamName ?? stack.streams[0]?.name;
  const bucket = stack.s3Notifications[0]?.bucket ?? stack.buckets[0];
  const namespace = stack.functions.find((f) => stack.kinesisSources.some((k) => k.functionName === f.name))
    ?.environment.METRIC_NAMESPACE;
  const lines = [
    "",
    "--keep: everything stays up until Ctrl-C.",
    `  AWS emulator        ${endpoint}   (every service, through the local gateway; credentials: any, e.g. testing/testing; region ${stack.config.region})`,
    `  TIAA stand-in       ${tiaa.url}   (mutual TLS: only the run's client certificate gets in)`,
    `  Salesforce stand-in ${salesforce.url}`,
    "",
    "Look inside with the AWS CLI:",
    ...(auditTable ? [`  ${dynamo} dynamodb scan --table-name ${auditTable} --max-items 5`] : []),
    ...(auditTable
      ? [
          `  ${dynamo} dynamodb query --table-name ${auditTable} --index-name status-day-index --key-condition-expression 'statusDay = :d' --expression-attribute-values '{":d":{"S":"FAILED#${new Date().toISOString().slice(0, 10)}"}}'`,
        ]
      : []),
    ...(auditQueue
      ? [`  ${sqs} sqs get-queue-attributes --queue-url ${auditQueue} --attribute-names All`]
      : []),
    ...(stream ? [`  ${aws} kinesis describe-stream-summary --stream-name ${stream}`] : []),
    ...(bucket ? [`  ${aws} s3 ls s3://${bucket}/ --recursive`] : []),
    ...(namespace ? [`  ${aws} cloudwatch list-metrics --namespace ${namespace}`] : []),
    "",
    "or with the SDK (any AWS SDK v3 client):",
    `  new DynamoDBClient({ endpoint: "${endpoint}", region: "${stack.config.region}", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } })`,
    "",
  ];
  return lines.join("\n");
}
