/**
 * Lambda shell of the audit processor: builds clients once per container from the environment the
 * AuditStore component sets, then hands each SQS batch to the core.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { awsClientConfig, requireEnv } from "../lib/aws-config.js";
import { Logger } from "../lib/logger.js";
import { EmfSink, Metrics, PutMetricDataSink, type MetricsSink } from "../lib/metrics.js";
import { processAuditBatch } from "./process-audit-batch.js";

const environment = requireEnv("ENVIRONMENT");
const namespace = requireEnv("METRIC_NAMESPACE");
const tableName = requireEnv("AUDIT_TABLE_NAME");
const retentionDays = Number(requireEnv("AUDIT_RETENTION_DAYS"));
if (!Number.isInteger(retentionDays) || retentionDays < 1) {
  throw new Error(`AUDIT_RETENTION_DAYS must be a whole number of days (at least 1), got ${process.env.AUDIT_RETENTION_DAYS}`);
}

const dynamodb = new DynamoDBClient(awsClientConfig());
const sink: MetricsSink = process.env.METRICS_SINK === "cloudwatch" ? new PutMetricDataSink(new CloudWatchClient(awsClientConfig())) : new EmfSink();
const logger = new Logger({ service: "audit-processor", context: { environment } });

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const metrics = new Metrics({ component: "audit-processor", namespace, environment, sink });
  return processAuditBatch(
    { dynamodb, tableName, retentionDays, metrics, logger: logger.child({ requestId: context.awsRequestId }) },
    event,
  );
}
