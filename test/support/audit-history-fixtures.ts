/**
 * Audit tables full of realistic items for the migration tests and benchmark: mixed final statuses,
 * long retry histories, the reserved `#record:` / `#file:` / `#kinesis:` keys, and the producer's
 * `#ledger:` items. Every audit item is built by the processor's own `mergeEvent`, event by event,
 * so it is exactly what the audit processor would have written.
 */
import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { mergeEvent, type AuditItem } from "../../handlers/audit-processor/audit-item.js";
import type { AuditEvent } from "../../handlers/lib/audit-event.js";
import {
  fileKey,
  fileLedgerKey,
  recordPositionKey,
  s3Uri,
  streamRecordKey,
} from "../../handlers/lib/audit-keys.js";

export const RETENTION_DAYS = 2555;
const START = Date.parse("2026-10-01T00:00:00.000Z");

/** A small deterministic generator (mulberry32), so every run builds the same table. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function transactionIdOf(i: number): string {
  if (i % 50 === 7)
    return recordPositionKey(s3Uri("bbkyc-cta-input-sit-euw2", `in/file-${i}.ndjson`), (i % 13) + 1);
  if (i % 97 === 11) return fileKey(s3Uri("bbkyc-cta-input-sit-euw2", `in/broken-${i}.json`));
  if (i % 89 === 5)
    return streamRecordKey("bbkyc-cta-event-stream-sit", `4963${String(i).padStart(20, "0")}`);
  return `TXN-${String(i).padStart(7, "0")}`;
}

/** The events of one transaction, oldest first: received, published, retries, an ending. */
function eventsOf(transactionId: string, i: number, random: () => number): AuditEvent[] {
  let t = START + i * 7_000 + Math.floor(random() * 5_000);
  const at = () => {
    t += 1_000 + Math.floor(random() * 60_000);
    return new Date(t).toISOString();
  };
  const producer = "cta-event-producer";
  const creator = "cta-case-creator";
  if (transactionId.startsWith("#file:")) {
    return [
      {
        transactionId,
        status: "FAILED",
        component: producer,
        occurredAt: at(),
        reason: "file is not valid NDJSON at line 3",
        attributes: { records: 0 },
      },
    ];
  }
  const events: AuditEvent[] = [
    { transactionId, status: "RECEIVED", component: producer, occurredAt: at() },
    { transactionId, status: "PUBLISHED", component: producer, occurredAt: at() },
  ];
  // One item in twenty has a long history (8–20 failed attempts before its ending), three in ten one
  // retry. moto's response serialiser costs ~0.2–0.5 ms per attribute value on this machine, so the
  // mix is kept realistic rather than every item long: each full read of 5,000 items costs a minute.
  const chance = random();
  const retries = chance < 0.05 ? 8 + Math.floor(random() * 13) : chance < 0.35 ? 1 : 0;
  for (let r = 0; r < retries; r++) {
    events.push({
      transactionId,
      status: "FAILED",
      component: creator,
      occurredAt: at(),
      reason: `Salesforce answered 503 on attempt ${r + 1}`,
    });
  }
  const ending = random();
  if (ending < 0.8)
    events.push({
      transactionId,
      status: "PROCESSED",
      component: creator,
      occurredAt: at(),
      attributes: { salesforceId: `500${i}` },
    });
  else if (ending < 0.95)
    events.push({
      transactionId,
      status: "FAILED",
      component: creator,
      occurredAt: at(),
      reason: "customerId is blank",
    });
  // else: left PUBLISHED (still in flight when the table was read)
  return events;
}

/** Folds events into an item with the processor's own rule, recorded a few seconds after each happened. */
export function foldEvents(
  events: readonly AuditEvent[],
  start?: AuditItem,
  messagePrefix = "m",
): AuditItem | undefined {
  let item = start;
  events.forEach((event, k) => {
    const result = mergeEvent(item, event, {
      now: new Date(Date.parse(event.occurredAt) + 2_000),
      retentionDays: RETENTION_DAYS,
      messageId: `${messagePrefix}-${event.transactionId}-${k}`,
    });
    if (result.kind === "written") item = result.item;
  });
  return item;
}

/** `count` audit items, deterministic for a seed. */
export function buildAuditItems(count: number, seed = 12): AuditItem[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const id = transactionIdOf(i);
    return foldEvents(eventsOf(id, i, random))!;
  });
}

/** The event producer's ledger item of one object version (never copied, never verified). */
export function ledgerItem(
  bucket: string,
  key: string,
  version: string,
  state: "IN_PROGRESS" | "COMPLETED",
): Record<string, unknown> {
  const sourceObject = s3Uri(bucket, key);
  return {
    transactionId: fileLedgerKey(sourceObject, version),
    kind: "file-ledger",
    state,
    sourceObject,
    version,
    ...(state === "COMPLETED" ? { completedAt: "2026-11-30T10:00:00.000Z" } : {}),
  };
}

/** Loads items into an empty table (fixtures only: a plain BatchWriteItem, 25 at a time, retried until done). */
export async function loadItems(
  dynamodb: DynamoDBClient,
  tableName: string,
  items: ReadonlyArray<object>,
): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests: WriteRequest[] = items
      .slice(i, i + 25)
      .map((item) => ({ PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) } }));
    while (requests.length > 0) {
      const response = await dynamodb.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = response.UnprocessedItems?.[tableName] ?? [];
    }
  }
}
