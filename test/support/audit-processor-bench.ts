/**
 * The audit processor's test bench on the moto server: DynamoDB and SQS clients, a fresh audit
 * table per test, and `harness()`, the processor's dependencies with metrics and logs captured.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { AuditProcessorDeps } from "../../handlers/audit-processor/process-audit-batch.js";
import { Logger } from "../../handlers/lib/logger.js";
import { MemorySink, Metrics } from "../../handlers/lib/metrics.js";
import { createAuditTable, NOW, scanAuditTable } from "./audit-fixtures.js";
import { testClientConfig } from "./emulator.js";

export const RETENTION_DAYS = 30;

export const dynamodb = new DynamoDBClient(testClientConfig());
export const sqs = new SQSClient(testClientConfig());

export const createTable = () => createAuditTable(dynamodb);
export const scanTable = (tableName: string) => scanAuditTable(dynamodb, tableName);
export const itemOf = async (tableName: string, transactionId: string) => (await scanTable(tableName)).find((i) => i.transactionId === transactionId);

export interface Harness {
  deps: AuditProcessorDeps;
  sink: MemorySink;
  logs: Array<Record<string, any>>;
}

export function harness(tableName: string, overrides: Partial<AuditProcessorDeps> = {}): Harness {
  const sink = new MemorySink();
  const logs: Array<Record<string, any>> = [];
  const deps: AuditProcessorDeps = {
    dynamodb,
    tableName,
    retentionDays: RETENTION_DAYS,
    metrics: new Metrics({ component: "audit-processor", namespace: "bbkyc/audit-processor/sit", environment: "sit", sink }),
    logger: new Logger({ service: "audit-processor", level: "DEBUG", write: (line) => logs.push(JSON.parse(line)) }),
    now: () => NOW,
    ...overrides,
  };
  return { deps, sink, logs };
}
