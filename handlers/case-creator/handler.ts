/**
 * Lambda shell for the case creator: builds clients once per container from the environment the
 * EventPipeline component sets, then hands each Kinesis batch to `createCases`.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { AuditSender } from "../lib/audit-sender.js";
import { awsClientConfig, requireEnv } from "../lib/aws-config.js";
import { Logger } from "../lib/logger.js";
import { EmfSink, Metrics, PutMetricDataSink, type MetricsSink } from "../lib/metrics.js";
import { SecretTokenClient } from "../lib/token-client.js";
import { createCases, type CaseCreatorConfig } from "./create-cases.js";
import { SalesforceClient } from "./salesforce-client.js";

const environment = requireEnv("ENVIRONMENT");
const component = `${requireEnv("PIPELINE_NAME")}-case-creator`;
const objectName = requireEnv("SALESFORCE_OBJECT");
const externalIdField = requireEnv("SALESFORCE_EXTERNAL_ID_FIELD");
const giveUpAfterSeconds = Number(requireEnv("GIVE_UP_AFTER_SECONDS"));
if (!Number.isFinite(giveUpAfterSeconds) || giveUpAfterSeconds <= 0) {
  throw new Error(`GIVE_UP_AFTER_SECONDS must be a positive number of seconds, got ${process.env.GIVE_UP_AFTER_SECONDS}`);
}

const logger = new Logger({ service: component, context: { environment } });
const config: CaseCreatorConfig = { component, mapping: { objectName, externalIdField }, giveUpAfterSeconds };
const salesforce = new SalesforceClient({
  instanceUrl: requireEnv("SALESFORCE_INSTANCE_URL"),
  apiVersion: requireEnv("SALESFORCE_API_VERSION"),
  objectName,
  externalIdField,
});
const tokenProvider = new SecretTokenClient({
  secretsManager: new SecretsManagerClient(awsClientConfig("SECRETS_MANAGER_ENDPOINT")),
  secretId: requireEnv("TOKEN_SECRET_ID"),
});
const audit = new AuditSender({ sqs: new SQSClient(awsClientConfig()), queueUrl: requireEnv("AUDIT_QUEUE_URL"), logger });
const metricsSink: MetricsSink =
  process.env.METRICS_SINK === "cloudwatch" ? new PutMetricDataSink(new CloudWatchClient(awsClientConfig())) : new EmfSink();
const namespace = requireEnv("METRIC_NAMESPACE");

export async function handler(event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> {
  return createCases(
    {
      salesforce,
      tokenProvider,
      audit,
      metrics: new Metrics({ component: "case-creator", namespace, environment, sink: metricsSink }),
      logger: logger.child({ requestId: context.awsRequestId }),
      now: () => new Date(),
      config,
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
    },
    event,
  );
}
