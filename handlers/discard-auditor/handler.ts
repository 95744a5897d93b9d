/**
 * Lambda shell of the discard auditor: SQS event source on a case creator's on-failure queue →
 * `auditDiscardedBatches`. Clients are built once per container from the environment.
 */
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { AuditSender } from "../lib/audit-sender.js";
import { awsClientConfig, loopRetriedClientConfig } from "../lib/aws-config.js";
import { invocationLogger } from "../lib/invocation.js";
import { Logger, type LogLevel } from "../lib/logger.js";
import { auditDiscardedBatches } from "./audit-discarded.js";
import { readDiscardAuditorSettings } from "./settings.js";

const { environment, auditQueueUrl, config } = readDiscardAuditorSettings(process.env);
const logger = new Logger({
  service: config.component,
  level: process.env.LOG_LEVEL as LogLevel | undefined,
  context: { environment },
});
// HTTP/1.1: GetRecords needs no HTTP/2, and the local emulator speaks only HTTP/1.1.
const kinesis = new KinesisClient({ ...awsClientConfig(), requestHandler: new NodeHttpHandler() });
const audit = new AuditSender({
  sqs: new SQSClient(loopRetriedClientConfig()),
  queueUrl: auditQueueUrl,
  logger,
});

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const { batchItemFailures } = await auditDiscardedBatches(
    { kinesis, audit, logger: invocationLogger(logger, context), now: () => new Date(), config },
    event,
  );
  return { batchItemFailures };
}
