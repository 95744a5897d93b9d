/**
 * Audit processor core against the moto server (real DynamoDB and SQS APIs over HTTP): what a batch
 * writes, idempotency on redelivery, ordering, and the status index. Faults, the DLQ path and the
 * Lambda shell are in audit-processor-delivery.test.ts.
 */
import { PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import {
  MAX_HISTORY_ENTRIES,
  MAX_ITEM_BYTES,
  mergeEvent,
  type AuditItem,
} from "../handlers/audit-processor/audit-item.js";
import {
  listByStatusAndDay,
  recordAuditEvent,
  writeAuditItem,
} from "../handlers/audit-processor/audit-table.js";
import {
  processAuditBatch,
  processAuditBatchWithSummary,
} from "../handlers/audit-processor/process-audit-batch.js";
import { auditEvent, eventRecord, NOW, sqsEvent, sqsRecord as record } from "./support/audit-fixtures.js";
import {
  RETENTION_DAYS,
  createTable,
  dynamodb,
  harness,
  itemOf,
  scanTable,
} from "./support/audit-processor-bench.js";

describe("a batch of PROCESSED, FAILED and malformed messages", () => {
  it("writes the good events, reports only the malformed messages as failures, and logs why", async () => {
    // Arrange
    const tableName = await createTable();
    const { deps, sink, logs } = harness(tableName);
    const processed = eventRecord(
      auditEvent("TXN-1", "PROCESSED", "2026-11-26T08:00:00Z", { attributes: { caseId: "500xx01" } }),
      "m-processed",
    );
    const failed = eventRecord(
      auditEvent("TXN-2", "FAILED", "2026-11-26T08:01:00Z", { reason: "customerId is missing" }),
      "m-failed",
    );
    const badJson = record("{not json", "m-bad-json");
    const breaksContract = record(
      JSON.stringify({
        transactionId: "TXN-3",
        status: "FAILED",
        component: "x",
        occurredAt: "2026-11-26T08:00:00Z",
      }),
      "m-no-reason",
    );

    // Act
    const response = await processAuditBatch(deps, sqsEvent(processed, badJson, failed, breaksContract));

    // Assert
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([
      "m-bad-json",
      "m-no-reason",
    ]);
    const items = await scanTable(tableName);
    expect(items.map((i) => i.transactionId)).toEqual(["TXN-1", "TXN-2"]);
    const [txn1, txn2] = items as [AuditItem, AuditItem];
    expect(txn1).toMatchObject({
      status: "PROCESSED",
      component: "cta-case-creator",
      firstSeenAt: "2026-11-26T08:00:00.000Z",
      lastUpdatedAt: "2026-11-26T08:00:00.000Z",
      statusDay: "PROCESSED#2026-11-26",
      expiresAt: Math.floor(NOW.getTime() / 1000) + RETENTION_DAYS * 86_400,
      version: 1,
    });
    expect(txn1.reason).toBeUndefined();
    expect(txn1.history).toHaveLength(1);
    expect(txn1.history[0]).toMatchObject({
      status: "PROCESSED",
      attributes: { caseId: "500xx01" },
      messageId: "m-processed",
      recordedAt: NOW.toISOString(),
    });
    expect(txn2).toMatchObject({
      status: "FAILED",
      reason: "customerId is missing",
      component: "cta-event-producer",
      statusDay: "FAILED#2026-11-26",
    });
    expect(txn2.history.map((h) => h.reason)).toEqual(["customerId is missing"]);

    // One flush per counted outcome (the shell's EMF sink: a log line each, durable before the next
    // write), into the processor's own namespace and, for the case outcome, the case creator's.
    expect(sink.published.map((p) => p.namespace).sort()).toEqual([
      "bbkyc/audit-processor/sit",
      "bbkyc/audit-processor/sit",
      "bbkyc/cta-case-creator/sit",
    ]);
    expect(sink.total("SFCaseCreationSuccess")).toBe(1);
    expect(sink.total("AuditEventWritten", { Status: "PROCESSED" })).toBe(1);
    expect(sink.total("AuditEventWritten", { Status: "FAILED" })).toBe(1);
    expect(sink.total("AuditEventWritten")).toBe(2);

    const malformed = logs.filter((l) => l.message === "malformed audit message");
    expect(malformed.map((l) => l.messageId).sort()).toEqual(["m-bad-json", "m-no-reason"]);
    expect(malformed.find((l) => l.messageId === "m-bad-json")!.reason).toMatch(/^body is not JSON/);
    expect(malformed.find((l) => l.messageId === "m-no-reason")!.reason).toBe(
      "audit event breaks the contract: a FAILED event needs a reason",
    );
    expect(malformed.every((l) => l.level === "ERROR")).toBe(true);
  });

  it("processes an empty batch without writing or publishing anything", async () => {
    const tableName = await createTable();
    const { deps, sink } = harness(tableName);
    expect(await processAuditBatch(deps, sqsEvent())).toEqual({ batchItemFailures: [] });
    expect(await scanTable(tableName)).toEqual([]);
    expect(sink.published).toEqual([]);
  });
});

describe("idempotency and ordering", () => {
  it("leaves the table unchanged when the same batch is delivered again, or the same event comes in another message", async () => {
    const tableName = await createTable();
    const batch = sqsEvent(
      eventRecord(auditEvent("TXN-A", "PUBLISHED", "2026-11-26T08:00:00Z"), "a-1"),
      eventRecord(auditEvent("TXN-A", "PROCESSED", "2026-11-26T08:00:05Z"), "a-2"),
      eventRecord(
        auditEvent("TXN-B", "FAILED", "2026-11-26T08:00:01Z", {
          reason: "Salesforce rejected: REQUIRED_FIELD_MISSING",
        }),
        "b-1",
      ),
    );
    const first = harness(tableName);
    expect((await processAuditBatch(first.deps, batch)).batchItemFailures).toEqual([]);
    const before = await scanTable(tableName);
    expect(before.find((i) => i.transactionId === "TXN-A")!.history).toHaveLength(2);

    // Same messages again (SQS redelivery), at a later processing time.
    const redelivery = harness(tableName, { now: () => new Date(NOW.getTime() + 3_600_000) });
    const { response, summary } = await processAuditBatchWithSummary(redelivery.deps, batch);
    // The same event content sent again as a new message (a sender retry after a lost response).
    const resent = await processAuditBatchWithSummary(
      redelivery.deps,
      sqsEvent(
        eventRecord(
          auditEvent("TXN-B", "FAILED", "2026-11-26T08:00:01Z", {
            reason: "Salesforce rejected: REQUIRED_FIELD_MISSING",
          }),
          "b-resent",
        ),
      ),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(summary).toMatchObject({ received: 3, written: 0, duplicates: 3, malformed: 0, failed: 0 });
    expect(resent.summary).toMatchObject({ written: 0, duplicates: 1 });
    expect(await scanTable(tableName)).toEqual(before);
    expect(redelivery.sink.total("AuditEventWritten")).toBe(0);
  });

  it("keeps the newest status when events arrive out of order, and still records the older ones in the history", async () => {
    const tableName = await createTable();
    const { deps, sink } = harness(tableName);
    await processAuditBatch(
      deps,
      sqsEvent(eventRecord(auditEvent("TXN-O", "PROCESSED", "2026-11-26T09:00:00Z"))),
    );
    // Older events arrive later, in a later batch.
    const response = await processAuditBatch(
      deps,
      sqsEvent(
        eventRecord(
          auditEvent("TXN-O", "FAILED", "2026-11-26T08:30:00Z", { reason: "Salesforce 503, will retry" }),
        ),
        eventRecord(auditEvent("TXN-O", "RECEIVED", "2026-11-26T08:00:00Z")),
      ),
    );

    expect(response.batchItemFailures).toEqual([]);
    const item = (await itemOf(tableName, "TXN-O"))!;
    expect(item).toMatchObject({
      status: "PROCESSED",
      component: "cta-case-creator",
      lastUpdatedAt: "2026-11-26T09:00:00.000Z",
      statusDay: "PROCESSED#2026-11-26",
    });
    expect(item.reason).toBeUndefined(); // the older FAILED's reason does not stick to the newer PROCESSED
    expect(item.firstSeenAt).toBe("2026-11-26T08:00:00.000Z");
    expect(item.history.map((h) => h.status)).toEqual(["RECEIVED", "FAILED", "PROCESSED"]);
    expect(item.history[1]!.reason).toBe("Salesforce 503, will retry");
    expect(sink.total("AuditEventWritten")).toBe(3);
  });

  it("settles equal times by status rank, whatever the delivery order", async () => {
    const tableName = await createTable();
    const { deps } = harness(tableName);
    const at = "2026-11-26T10:00:00Z";
    await processAuditBatch(
      deps,
      sqsEvent(
        eventRecord(auditEvent("TXN-EQ1", "PROCESSED", at)),
        eventRecord(auditEvent("TXN-EQ1", "PUBLISHED", at)),
      ),
    );
    await processAuditBatch(
      deps,
      sqsEvent(
        eventRecord(auditEvent("TXN-EQ2", "PUBLISHED", at)),
        eventRecord(auditEvent("TXN-EQ2", "PROCESSED", at)),
      ),
    );
    // Same instant FAILED vs PROCESSED: FAILED is kept, in both orders.
    await processAuditBatch(
      deps,
      sqsEvent(
        eventRecord(auditEvent("TXN-EQ3", "FAILED", at, { reason: "r" })),
        eventRecord(auditEvent("TXN-EQ3", "PROCESSED", at)),
      ),
    );
    await processAuditBatch(
      deps,
      sqsEvent(
        eventRecord(auditEvent("TXN-EQ4", "PROCESSED", at)),
        eventRecord(auditEvent("TXN-EQ4", "FAILED", at, { reason: "r" })),
      ),
    );

    const items = await scanTable(tableName);
    expect(items.map((i) => [i.transactionId, i.status])).toEqual([
      ["TXN-EQ1", "PROCESSED"],
      ["TXN-EQ2", "PROCESSED"],
      ["TXN-EQ3", "FAILED"],
      ["TXN-EQ4", "FAILED"],
    ]);
    expect(items[2]!.history.map((h) => h.status)).toEqual(items[3]!.history.map((h) => h.status));
  });

  it("merges a concurrent writer's event instead of overwriting it (version conflict → re-read)", async () => {
    const tableName = await createTable();
    const { deps } = harness(tableName);
    await processAuditBatch(
      deps,
      sqsEvent(eventRecord(auditEvent("TXN-C", "RECEIVED", "2026-11-26T08:00:00Z"))),
    );

    // Another processor writes PUBLISHED between this processor's read and its write.
    let interfered = false;
    const racingClient = {
      send: async (command: any) => {
        if (command instanceof PutItemCommand && !interfered) {
          interfered = true;
          await recordAuditEvent(
            { dynamodb, tableName },
            auditEvent("TXN-C", "PUBLISHED", "2026-11-26T08:00:01Z"),
            { now: NOW, retentionDays: 30 },
          );
        }
        return dynamodb.send(command);
      },
    } as unknown as DynamoDBClient;
    const { deps: racing } = harness(tableName, { dynamodb: racingClient });
    const response = await processAuditBatch(
      racing,
      sqsEvent(eventRecord(auditEvent("TXN-C", "PROCESSED", "2026-11-26T08:00:02Z"))),
    );

    expect(interfered).toBe(true);
    expect(response.batchItemFailures).toEqual([]);
    const item = (await itemOf(tableName, "TXN-C"))!;
    expect(item.history.map((h) => h.status)).toEqual(["RECEIVED", "PUBLISHED", "PROCESSED"]);
    expect(item).toMatchObject({ status: "PROCESSED", version: 3 });
  });

  it("caps the history of a transaction retried many times, keeping the newest entries, and the item still stores", async () => {
    // Folding in memory keeps this fast; the final item is then written to prove DynamoDB accepts it.
    const tableName = await createTable();
    let item: AuditItem | undefined;
    for (let i = 0; i < MAX_HISTORY_ENTRIES + 5; i++) {
      const at = new Date(Date.parse("2026-11-26T08:00:00Z") + i * 1000).toISOString();
      const merged = mergeEvent(
        item,
        auditEvent("TXN-MANY", "FAILED", at, { reason: `attempt ${i} ${"x".repeat(900)}` }),
        { now: NOW, retentionDays: 30 },
      );
      if (merged.kind !== "written") throw new Error("every attempt is a new event");
      item = merged.item;
    }
    await writeAuditItem({ dynamodb, tableName }, item!, undefined);

    const stored = (await itemOf(tableName, "TXN-MANY"))!;
    expect(stored.history).toHaveLength(MAX_HISTORY_ENTRIES);
    expect(stored.historyDropped).toBe(5);
    expect(stored.eventKeys).toHaveLength(MAX_HISTORY_ENTRIES + 5); // dropped entries are still recognised as duplicates
    expect(stored.history.at(-1)!.reason).toMatch(new RegExp(`^attempt ${MAX_HISTORY_ENTRIES + 4} `));
    expect(stored.reason).toBe(stored.history.at(-1)!.reason);
    expect(stored.firstSeenAt).toBe("2026-11-26T08:00:00.000Z"); // first sight is kept even when its entry is dropped
  });

  it("drops the oldest history entries when large attributes would outgrow DynamoDB's item limit", async () => {
    const tableName = await createTable();
    let item: AuditItem | undefined;
    for (let i = 0; i < 12; i++) {
      const at = new Date(Date.parse("2026-11-26T08:00:00Z") + i * 1000).toISOString();
      const merged = mergeEvent(
        item,
        auditEvent("TXN-BIG", "FAILED", at, {
          reason: `attempt ${i}`,
          attributes: { detail: "d".repeat(40_000) },
        }),
        { now: NOW, retentionDays: 30 },
      );
      if (merged.kind !== "written") throw new Error("every attempt is a new event");
      item = merged.item;
    }
    expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThanOrEqual(MAX_ITEM_BYTES);
    await writeAuditItem({ dynamodb, tableName }, item!, undefined);
    const stored = (await itemOf(tableName, "TXN-BIG"))!;
    expect(stored.history.length).toBeLessThan(12);
    expect(stored.history.length + stored.historyDropped).toBe(12);
    expect(stored.history.at(-1)!.reason).toBe("attempt 11");
  });
});

describe("the status index", () => {
  it("lists the FAILED transactions of one day with their reasons", async () => {
    const tableName = await createTable();
    const { deps } = harness(tableName);
    await processAuditBatch(
      deps,
      sqsEvent(
        eventRecord(
          auditEvent("TXN-F1", "FAILED", "2026-11-26T07:00:00Z", {
            reason: "transactionId is longer than 128 characters",
          }),
        ),
        eventRecord(
          auditEvent("TXN-F2", "FAILED", "2026-11-26T23:59:59Z", {
            reason: "Kinesis ProvisionedThroughputExceeded after 5 attempts",
          }),
        ),
        eventRecord(
          auditEvent("uploads/a.json#3", "FAILED", "2026-11-26T12:00:00Z", {
            reason: "record is not a JSON object",
          }),
        ),
        eventRecord(auditEvent("TXN-NEXT-DAY", "FAILED", "2026-11-27T00:00:00Z", { reason: "next day" })),
        eventRecord(auditEvent("TXN-OK", "PROCESSED", "2026-11-26T10:00:00Z")),
        // Failed first, then processed on retry: its current status is no longer FAILED.
        eventRecord(
          auditEvent("TXN-RECOVERED", "FAILED", "2026-11-26T09:00:00Z", { reason: "Salesforce 503" }),
        ),
        eventRecord(auditEvent("TXN-RECOVERED", "PROCESSED", "2026-11-26T09:05:00Z")),
      ),
    );

    const failed = await listByStatusAndDay({ dynamodb, tableName }, "FAILED", "2026-11-26");
    expect(failed.map((f) => [f.transactionId, f.reason])).toEqual([
      ["TXN-F1", "transactionId is longer than 128 characters"],
      ["uploads/a.json#3", "record is not a JSON object"],
      ["TXN-F2", "Kinesis ProvisionedThroughputExceeded after 5 attempts"],
    ]);
    expect(failed[0]).toEqual({
      transactionId: "TXN-F1",
      status: "FAILED",
      reason: "transactionId is longer than 128 characters",
      component: "cta-event-producer",
      firstSeenAt: "2026-11-26T07:00:00.000Z",
      lastUpdatedAt: "2026-11-26T07:00:00.000Z",
    });
    const processed = await listByStatusAndDay({ dynamodb, tableName }, "PROCESSED", "2026-11-26");
    expect(processed.map((p) => p.transactionId)).toEqual(["TXN-RECOVERED", "TXN-OK"]);
    await expect(listByStatusAndDay({ dynamodb, tableName }, "FAILED", "26/11/2026")).rejects.toThrow(
      /UTC date/,
    );
  });
});
