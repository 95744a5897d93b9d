/**
 * Lambda shell for the case creator: builds clients once per container from the environment the
 * EventPipeline component sets, then hands each Kinesis batch to `createCases`.
 */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { AuditSender } from "../lib/audit-sender.js";
import { awsClientConfig, loopRetriedClientConfig } from "../lib/aws-config.js";
import { Logger } from "../lib/logger.js";
import { invocationLogger, metricsSinkFromEnv } from "../lib/invocation.js";
import { Metrics } from "../lib/metrics.js";
import { SecretTokenClient } from "../lib/token-client.js";
import { createCases } from "./create-cases.js";
import { SalesforceClient } from "./salesforce-client.js";
import { readCaseCreatorSettings } from "./settings.js";

const settings = readCaseCreatorSettings(process.env);
const { environment, namespace, config } = settings;

const logger = new Logger({ service: config.component, context: { environment } });
const salesforce = new SalesforceClient(settings.salesforce);
const tokenProvider = new SecretTokenClient({
  secretsManager: new SecretsManagerClient(awsClientConfig("SECRETS_MANAGER_ENDPOINT")),
  secretId: settings.tokenSecretId,
  refreshMarginMs: settings.tokenRefreshMarginMs,
});
const audit = new AuditSender({
  sqs: new SQSClient(loopRetriedClientConfig()),
  queueUrl: settings.auditQueueUrl,
  logger,
});
const metricsSink = metricsSinkFromEnv();

export async function handler(
  event: KinesisStreamEvent,
  context: Context,
): Promise<KinesisStreamBatchResponse> {
  return createCases(
    {
      salesforce,
      tokenProvider,
      audit,
      metrics: new Metrics({ component: "case-creator", namespace, environment, sink: metricsSink }),
      logger: invocationLogger(logger, context),
      now: () => new Date(),
      config,
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
    },
    event,
  );
}
