/**
 * Lambda shell of the audit processor: builds clients once per container from the environment the
 * AuditStore component sets, then hands each SQS batch to the core.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { awsClientConfig } from "../lib/aws-config.js";
import { Logger } from "../lib/logger.js";
import { invocationLogger, metricsSinkFromEnv } from "../lib/invocation.js";
import { EmfSink, Metrics } from "../lib/metrics.js";
import { OutcomeMetrics } from "./outcome-metrics.js";
import { processAuditBatch } from "./process-audit-batch.js";
import { readAuditProcessorSettings } from "./settings.js";

const { environment, namespace, tableName, retentionDays, caseOutcomeNamespaces } =
  readAuditProcessorSettings(process.env);

const dynamodb = new DynamoDBClient(awsClientConfig());
const sink = metricsSinkFromEnv();
const logger = new Logger({ service: "audit-processor", context: { environment } });

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const log = invocationLogger(logger, context);
  const outcomes = new OutcomeMetrics({
    audit: new Metrics({ component: "audit-processor", namespace, environment, sink }),
    caseOutcomeNamespaces,
    caseMetrics: (caseNamespace) =>
      new Metrics({ component: "case-creator", namespace: caseNamespace, environment, sink }),
    logger: log,
    // A log line per count costs nothing with EMF and survives a later timeout (outcome-metrics.ts).
    flushEachOutcome: sink instanceof EmfSink,
  });
  return processAuditBatch(
    {
      dynamodb,
      tableName,
      retentionDays,
      outcomes,
      logger: log,
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
    },
    event,
  );
}
