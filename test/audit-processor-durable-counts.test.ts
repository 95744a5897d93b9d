/**
 * Outcome counts survive a Lambda timeout later in the batch (found by a loaded local run: an audit
 * processor killed at its timeout had written 24 of its 25 events, but its counts were to be flushed
 * at the end, so they were lost for good — the redelivered events are duplicates and count nothing).
 * Each count is now flushed as its write lands, and no new write starts when the invocation is about
 * to time out. A fake DynamoDB holds the 4th write forever, as a call whose answer never comes.
 */
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import {
  processAuditBatch,
  STOP_STARTING_WRITES_MS,
} from "../handlers/audit-processor/process-audit-batch.js";
import { Logger } from "../handlers/lib/logger.js";
import { MemorySink } from "../handlers/lib/metrics.js";
import { auditEvent, eventRecord, NOW, sqsEvent } from "./support/audit-fixtures.js";
import { outcomeMetrics } from "./support/audit-processor-bench.js";

/** GetItem finds nothing; PutItem succeeds, except call number `hangOn`, which never answers. */
function fakeDynamoDb(hangOn: number) {
  const state = { updates: 0 };
  const client = {
    send: (command: unknown) => {
      if (command instanceof GetItemCommand) return Promise.resolve({});
      if (command instanceof PutItemCommand) {
        state.updates++;
        return state.updates === hangOn ? new Promise(() => undefined) : Promise.resolve({});
      }
      return Promise.reject(new Error(`unexpected ${(command as object).constructor.name}`));
    },
  };
  return { client, state };
}

const logger = new Logger({ service: "audit-processor", write: () => undefined });
const failedEvents = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    eventRecord(
      auditEvent(`TXN-K${i + 1}`, "FAILED", "2026-11-26T08:00:00Z", {
        component: "cta-case-creator",
        reason: "Salesforce said no",
      }),
    ),
  );

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

describe("audit processor: counts that outlive a timeout", () => {
  it("has published the counts of the writes that landed while a later write of the batch still hangs", async () => {
    const sink = new MemorySink();
    const dynamo = fakeDynamoDb(4);
    const batch = processAuditBatch(
      {
        dynamodb: dynamo.client as never,
        tableName: "audit",
        retentionDays: 30,
        outcomes: outcomeMetrics(sink, logger),
        logger,
        now: () => NOW,
        concurrency: 1,
      },
      sqsEvent(...failedEvents(6)),
    );
    await until(() => dynamo.state.updates === 4);
    // Lambda would kill the invocation now: what it printed so far is what CloudWatch gets.
    expect(sink.total("AuditEventWritten", { Status: "FAILED" })).toBe(3);
    expect(sink.total("SFCaseCreationFailure")).toBe(3);
    void batch;
  });

  it("with PutMetricData (no per-outcome flush) still counts once, at the end", async () => {
    const sink = new MemorySink();
    const dynamo = fakeDynamoDb(0);
    await processAuditBatch(
      {
        dynamodb: dynamo.client as never,
        tableName: "audit",
        retentionDays: 30,
        outcomes: outcomeMetrics(sink, logger, false),
        logger,
        now: () => NOW,
      },
      sqsEvent(...failedEvents(5)),
    );
    expect(sink.published.filter((p) => p.namespace === "bbkyc/audit-processor/sit")).toHaveLength(1);
    expect(sink.total("AuditEventWritten", { Status: "FAILED" })).toBe(5);
  });

  it(`starts no write with less than ${STOP_STARTING_WRITES_MS} ms left: those messages go back to SQS at once`, async () => {
    const sink = new MemorySink();
    const dynamo = fakeDynamoDb(0);
    let left = 20_000;
    const records = failedEvents(4);
    const response = await processAuditBatch(
      {
        dynamodb: {
          send: (command: unknown) => {
            // Each write takes 6 s of the invocation's time.
            if (command instanceof PutItemCommand) left -= 6_000;
            return dynamo.client.send(command);
          },
        } as never,
        tableName: "audit",
        retentionDays: 30,
        outcomes: outcomeMetrics(sink, logger),
        logger,
        now: () => NOW,
        concurrency: 1,
        remainingTimeMs: () => left,
      },
      sqsEvent(...records),
    );
    // 20 s → 14 s → 8 s → 2 s: three writes, then too little time for a fourth.
    expect(dynamo.state.updates).toBe(3);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([records[3]!.messageId]);
    expect(sink.total("AuditEventWritten", { Status: "FAILED" })).toBe(3);
  });
});
