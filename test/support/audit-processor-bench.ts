/**
 * The audit processor's test bench on the moto server: DynamoDB and SQS clients, a fresh audit
 * table per test, and `harness()`, the processor's dependencies with metrics and logs captured.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { OutcomeMetrics } from "../../handlers/audit-processor/outcome-metrics.js";
import type { AuditProcessorDeps } from "../../handlers/audit-processor/process-audit-batch.js";
import { Logger } from "../../handlers/lib/logger.js";
import { MemorySink, Metrics, type MetricsSink } from "../../handlers/lib/metrics.js";
import { createAuditTable, NOW, scanAuditTable } from "./audit-fixtures.js";
import { testClientConfig } from "./emulator.js";

export const RETENTION_DAYS = 30;

export const dynamodb = new DynamoDBClient(testClientConfig());
export const sqs = new SQSClient(testClientConfig());

export const createTable = () => createAuditTable(dynamodb);
export const scanTable = (tableName: string) => scanAuditTable(dynamodb, tableName);
export const itemOf = async (tableName: string, transactionId: string) =>
  (await scanTable(tableName)).find((i) => i.transactionId === transactionId);

export interface Harness {
  deps: AuditProcessorDeps;
  sink: MemorySink;
  logs: Array<Record<string, any>>;
}

/** The sit stack's mapping: the cta case creator's and discard auditor's outcomes count in its namespace. */
export const CASE_NAMESPACE = "bbkyc/cta-case-creator/sit";
export const CASE_OUTCOME_NAMESPACES = {
  "cta-case-creator": CASE_NAMESPACE,
  "cta-discard-auditor": CASE_NAMESPACE,
};

/** The processor's outcome metrics as its Lambda shell builds them (EMF: flushed per outcome), into `sink`. */
export function outcomeMetrics(sink: MetricsSink, logger: Logger, flushEachOutcome = true): OutcomeMetrics {
  return new OutcomeMetrics({
    flushEachOutcome,
    audit: new Metrics({
      component: "audit-processor",
      namespace: "bbkyc/audit-processor/sit",
      environment: "sit",
      sink,
    }),
    caseOutcomeNamespaces: CASE_OUTCOME_NAMESPACES,
    caseMetrics: (namespace) =>
      new Metrics({ component: "case-creator", namespace, environment: "sit", sink }),
    logger,
  });
}

export function harness(tableName: string, overrides: Partial<AuditProcessorDeps> = {}): Harness {
  const sink = new MemorySink();
  const logs: Array<Record<string, any>> = [];
  const logger = new Logger({
    service: "audit-processor",
    level: "DEBUG",
    write: (line) => logs.push(JSON.parse(line)),
  });
  const deps: AuditProcessorDeps = {
    dynamodb,
    tableName,
    retentionDays: RETENTION_DAYS,
    outcomes: outcomeMetrics(sink, logger),
    logger,
    now: () => NOW,
    ...overrides,
  };
  return { deps, sink, logs };
}
