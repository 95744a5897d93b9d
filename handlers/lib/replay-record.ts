/**
 * What a FAILED audit event keeps so that `npm run ops -- replay` can publish the record again once
 * the cause is fixed (e.g. Salesforce was down): the record's bytes exactly as they were on the stream,
 * and whether replaying could ever succeed.
 *
 * Why in the audit event's attributes: they land in the item's history entry, so the record lives
 * exactly as long as its audit item (DynamoDB TTL = `auditRetentionDays`, never longer), is copied by
 * a region migration with the history, and is never projected into the status index. A record above
 * `MAX_KEPT_RECORD_BYTES` is not kept (the item must stay far below DynamoDB's 400 KB): its FAILED
 * event says so, and replay points at the source instead.
 */
import type { AuditAttributeValue } from "./audit-event.js";

/** KYC records are ~1 KB; a kept record must leave room for the item's history. */
export const MAX_KEPT_RECORD_BYTES = 32 * 1024;

/** Attribute names, read by the ops tool (`ops/operate/replay.ts`). */
export const REPLAY_ATTRIBUTES = {
  /** The record's UTF-8 text as published to the stream. */
  record: "record",
  /** The partition key it was published with (the same shard order on replay). */
  partitionKey: "partitionKey",
  /** false: the record itself is invalid, so replaying it would fail the same way. */
  retryable: "retryable",
  /** Why the record was not kept (too large, not UTF-8). */
  recordNotKept: "recordNotKept",
} as const;

/**
 * Attributes for a FAILED event of a record whose bytes are known (`data`: base64 is not accepted here;
 * callers decode it). `retryable` is false only when
 * the record itself is the cause (invalid input); a failure outside it (an outage, Salesforce's
 * own validation rules, a discarded batch) may succeed when replayed after the fix.
 */
export function replayAttributes(
  record: { data: Uint8Array | string | undefined; partitionKey: string | undefined },
  retryable: boolean,
): Record<string, AuditAttributeValue> {
  const attributes: Record<string, AuditAttributeValue> = { [REPLAY_ATTRIBUTES.retryable]: retryable };
  const bytes = record.data;
  if (bytes === undefined) return attributes;
  if (record.partitionKey) attributes[REPLAY_ATTRIBUTES.partitionKey] = record.partitionKey;
  const size = typeof bytes === "string" ? Buffer.byteLength(bytes, "utf8") : bytes.byteLength;
  if (size > MAX_KEPT_RECORD_BYTES) {
    attributes[REPLAY_ATTRIBUTES.recordNotKept] =
      `the record is ${size} bytes, more than the ${MAX_KEPT_RECORD_BYTES} an audit item keeps`;
    return attributes;
  }
  try {
    attributes[REPLAY_ATTRIBUTES.record] =
      typeof bytes === "string" ? bytes : new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    attributes[REPLAY_ATTRIBUTES.recordNotKept] = "the record is not UTF-8 text";
  }
  return attributes;
}
