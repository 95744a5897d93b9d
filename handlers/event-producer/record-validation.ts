/**
 * One input record → the event the producer publishes for it, or a reason (SPEC §3b). The rules
 * themselves live in `../lib/record-rules.ts`, shared with the case creator; this file adds what
 * only the producer knows: the source object, the `producedAt` stamp for records without one, the
 * partition key, and Kinesis's size limits.
 */
import { writeJson } from "../lib/json-text.js";
import { checkRecord, parseRecordText, type KycRecord } from "../lib/record-rules.js";

export { describeType, usableTransactionId } from "../lib/record-rules.js";

/** Kinesis accepts at most 1 MiB per record, counting the data blob plus the partition key. */
export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;
/**
 * Kinesis partition keys are at most 256 "Unicode characters". Counted here in UTF-16 code units,
 * which is never fewer than code points, so the key fits whichever of the two Kinesis counts
 * (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecordsRequestEntry.html).
 */
export const KINESIS_MAX_PARTITION_KEY_CHARS = 256;

/** What the case creator reads from each Kinesis record (JSON, UTF-8, numbers exactly as written). */
export interface PipelineEvent extends KycRecord {
  /** ISO-8601 UTC; stamped by the producer when the record had none. */
  producedAt: string;
  /** `s3://<bucket>/<key>` of the file the record came from. */
  sourceObject: string;
}

export interface ValidationContext {
  /** `<prefix>-<pipeline>-`: prepended to the transaction id to make the partition key. */
  partitionKeyPrefix: string;
  sourceObject: string;
  /** Time stamped into records without `producedAt`. */
  now: Date;
}

export type RecordValidation =
  | { ok: true; event: PipelineEvent; partitionKey: string; data: Buffer; transactionId: string }
  /** `transactionId` is set when the record has a usable one (so it is audited under it). */
  | { ok: false; reason: string; transactionId?: string };

/** Parses and validates one record's text and builds its Kinesis data. */
export function validateRecord(text: string, context: ValidationContext): RecordValidation {
  const parsed = parseRecordText(text);
  if (!parsed.ok) return parsed;
  const checked = checkRecord(parsed.value);
  if (!checked.ok) return checked;
  const { record } = checked;
  const transactionId = record.transactionId;
  const fail = (reason: string): RecordValidation => ({ ok: false, reason, transactionId });

  // Only the contract's fields travel on: the case creator reads nothing else, and anything a
  // source needs passed through belongs in `payload`.
  const event: PipelineEvent = {
    transactionId,
    customerId: record.customerId,
    eventType: record.eventType,
    producedAt: record.producedAt ?? context.now.toISOString(),
    ...(record.riskRating !== undefined ? { riskRating: record.riskRating } : {}),
    ...(record.payload !== undefined ? { payload: record.payload } : {}),
    sourceObject: context.sourceObject,
  };
  const partitionKey = `${context.partitionKeyPrefix}${transactionId}`;
  if (partitionKey.length > KINESIS_MAX_PARTITION_KEY_CHARS) {
    return fail(
      `partition key is ${partitionKey.length} characters; Kinesis allows at most ${KINESIS_MAX_PARTITION_KEY_CHARS}`,
    );
  }
  // Every string was checked well-formed, so UTF-8 encoding is exact (no U+FFFD replacement).
  const data = Buffer.from(writeJson(event as unknown as Parameters<typeof writeJson>[0]), "utf8");
  const size = data.length + Buffer.byteLength(partitionKey, "utf8");
  if (size > KINESIS_MAX_RECORD_BYTES) {
    return fail(
      `record is ${size} bytes with its partition key; Kinesis accepts at most ${KINESIS_MAX_RECORD_BYTES} bytes per record`,
    );
  }
  return { ok: true, event, partitionKey, data, transactionId };
}
