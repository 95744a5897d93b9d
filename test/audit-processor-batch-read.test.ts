/**
 * The audit processor reads a batch's items with one BatchGetItem (not a GetItem per event), against
 * the moto server: fewer calls, and the same optimistic lock — a write made by someone else after the
 * batch read fails the version condition, and the event is merged on top of it after a re-read.
 */
import { BatchGetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { recordAuditEvent } from "../handlers/audit-processor/audit-table.js";
import { processAuditBatchWithSummary } from "../handlers/audit-processor/process-audit-batch.js";
import { auditEvent, eventRecord, NOW, sqsEvent } from "./support/audit-fixtures.js";
import { createTable, dynamodb, harness, scanTable } from "./support/audit-processor-bench.js";

/** The emulator's client, counting commands by name; `before` runs ahead of each command. */
function countingClient(before: (name: string, command: any) => Promise<void> = async () => undefined) {
  const calls = new Map<string, number>();
  const client = {
    send: async (command: any) => {
      const name = command.constructor.name as string;
      calls.set(name, (calls.get(name) ?? 0) + 1);
      await before(name, command);
      return dynamodb.send(command);
    },
  } as unknown as DynamoDBClient;
  return { client, calls };
}

describe("audit processor: one batch read per batch", () => {
  it("reads 20 transactions' items with one BatchGetItem and no GetItem, and writes all 25 events", async () => {
    const tableName = await createTable();
    // Five transactions already have an item; five get two events in the batch.
    for (let i = 0; i < 5; i++)
      await recordAuditEvent(
        { dynamodb, tableName },
        auditEvent(`TXN-B${i}`, "RECEIVED", "2026-11-26T08:00:00Z"),
        {
          now: NOW,
          retentionDays: 30,
        },
      );
    const records = Array.from({ length: 20 }, (_, i) =>
      eventRecord(auditEvent(`TXN-B${i}`, "PUBLISHED", "2026-11-26T08:00:01Z")),
    );
    for (let i = 15; i < 20; i++)
      records.push(eventRecord(auditEvent(`TXN-B${i}`, "PROCESSED", "2026-11-26T08:00:02Z")));
    const counting = countingClient();
    const { deps } = harness(tableName, { dynamodb: counting.client });

    const { response, summary } = await processAuditBatchWithSummary(deps, sqsEvent(...records));

    expect(response.batchItemFailures).toEqual([]);
    expect(summary.written).toBe(25);
    expect(Object.fromEntries(counting.calls)).toEqual({ BatchGetItemCommand: 1, PutItemCommand: 25 });
    const items = new Map((await scanTable(tableName)).map((item) => [item.transactionId, item]));
    expect(items.size).toBe(20);
    expect(items.get("TXN-B0")!.history.map((h) => h.status)).toEqual(["RECEIVED", "PUBLISHED"]);
    expect(items.get("TXN-B0")!.version).toBe(2);
    expect(items.get("TXN-B19")!.history.map((h) => h.status)).toEqual(["PUBLISHED", "PROCESSED"]);
    expect(items.get("TXN-B19")).toMatchObject({ status: "PROCESSED", version: 2 });
  });

  it("loses no event when another writer changes an item after the batch read: the version condition fails, GetItem re-reads", async () => {
    const tableName = await createTable();
    let interfered = false;
    const counting = countingClient(async (name) => {
      if (name !== "PutItemCommand" || interfered) return;
      interfered = true;
      await recordAuditEvent(
        { dynamodb, tableName },
        auditEvent("TXN-R", "PUBLISHED", "2026-11-26T08:00:01Z"),
        {
          now: NOW,
          retentionDays: 30,
        },
      );
    });
    const { deps } = harness(tableName, { dynamodb: counting.client });

    const { response } = await processAuditBatchWithSummary(
      deps,
      sqsEvent(eventRecord(auditEvent("TXN-R", "PROCESSED", "2026-11-26T08:00:02Z"))),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(Object.fromEntries(counting.calls)).toEqual({
      BatchGetItemCommand: 1,
      PutItemCommand: 2, // the first failed its condition (attribute_not_exists) after the other write
      GetItemCommand: 1,
    });
    const [item] = await scanTable(tableName);
    expect(item!.history.map((h) => h.status)).toEqual(["PUBLISHED", "PROCESSED"]);
    expect(item).toMatchObject({ status: "PROCESSED", version: 2 });
  });

  it("falls back to a GetItem per event when the batch read fails (e.g. throttled)", async () => {
    const tableName = await createTable();
    const counting = countingClient(async (_name, command) => {
      if (command instanceof BatchGetItemCommand)
        throw Object.assign(new Error("Rate exceeded"), { name: "ProvisionedThroughputExceededException" });
    });
    const { deps, logs } = harness(tableName, { dynamodb: counting.client });

    const { response, summary } = await processAuditBatchWithSummary(
      deps,
      sqsEvent(
        eventRecord(auditEvent("TXN-F1", "PROCESSED", "2026-11-26T08:00:02Z")),
        eventRecord(auditEvent("TXN-F2", "PROCESSED", "2026-11-26T08:00:02Z")),
      ),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(summary.written).toBe(2);
    expect(Object.fromEntries(counting.calls)).toEqual({
      BatchGetItemCommand: 1,
      GetItemCommand: 2,
      PutItemCommand: 2,
    });
    expect(logs.some((l) => /batch read of audit items failed/.test(l.message))).toBe(true);
  });
});
