/**
 * Lambda shell of the event producer: S3 ObjectCreated notification → each object produced once
 * (`produceFromS3Event`, with the ledger in the audit table). Clients are built once per container
 * from the environment the EventPipeline component sets; metrics are flushed once per invocation,
 * and hold only the objects this invocation completed.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { Context, S3Event } from "aws-lambda";
import { AuditSender } from "../lib/audit-sender.js";
import { awsClientConfig, loopRetriedClientConfig } from "../lib/aws-config.js";
import { Logger, type LogLevel } from "../lib/logger.js";
import { flushMetrics, invocationLogger, metricsSinkFromEnv } from "../lib/invocation.js";
import { Metrics } from "../lib/metrics.js";
import { FileLedger } from "./file-ledger.js";
import { produceFromS3Event, type ObjectOutcome } from "./produce-from-s3.js";
import { decodeS3Key, readProducerSettings } from "./settings.js";

export { decodeS3Key };

const {
  environment,
  namespace,
  auditQueueUrl,
  ledger: ledgerSettings,
  config,
} = readProducerSettings(process.env);

const logger = new Logger({
  service: `${config.pipelineName}-event-producer`,
  level: process.env.LOG_LEVEL as LogLevel | undefined,
});
const s3 = new S3Client(awsClientConfig());
// The Kinesis client defaults to HTTP/2 (needed only for SubscribeToShard); PutRecords works over
// HTTP/1.1, which also works against plain-http endpoints such as the local emulator. Both clients
// serve only calls whose retries the publisher / audit sender own (see aws-config.ts).
const kinesis = new KinesisClient({ ...loopRetriedClientConfig(), requestHandler: new NodeHttpHandler() });
const sqs = new SQSClient(loopRetriedClientConfig());
const ledger = new FileLedger({ dynamodb: new DynamoDBClient(awsClientConfig()), ...ledgerSettings });
const sink = metricsSinkFromEnv();

export async function handler(
  event: S3Event,
  context: Pick<Context, "awsRequestId"> & Partial<Pick<Context, "getRemainingTimeInMillis">>,
): Promise<ObjectOutcome[]> {
  const log = invocationLogger(logger, context);
  const metrics = new Metrics({ component: "event-producer", namespace, environment, sink });
  const audit = new AuditSender({ sqs, queueUrl: auditQueueUrl, logger: log });
  try {
    return await produceFromS3Event({ s3, kinesis, audit, ledger, metrics, logger: log, config }, event, {
      requestId: context.awsRequestId,
      remainingTimeMs: context.getRemainingTimeInMillis?.bind(context),
    });
  } finally {
    // Only completed objects' counts are in `metrics`. A metrics outage must not fail (and so re-run)
    // an invocation whose records are already out; the counts also stay on each ledger item.
    await flushMetrics(metrics, log);
  }
}
