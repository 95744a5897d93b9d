/**
 * Validation of one input record (SPEC §3b) and the event the producer publishes for it.
 *
 * Values of the wrong type are invalid, never coerced: a numeric `transactionId` would become a
 * different external id in Salesforce than the string the source system meant. Reasons name the
 * field and what was expected; they never quote payload contents (they reach logs and the audit
 * table).
 */

/** Kinesis accepts at most 1 MiB per record, counting the data blob plus the partition key. */
export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;
/** Kinesis partition keys are at most 256 Unicode characters. */
export const KINESIS_MAX_PARTITION_KEY_CHARS = 256;
export const MAX_TRANSACTION_ID_CHARS = 128;
export const RISK_RATINGS = ["LOW", "MEDIUM", "HIGH"] as const;
export type RiskRating = (typeof RISK_RATINGS)[number];

/** What the case creator reads from each Kinesis record (JSON, UTF-8). */
export interface PipelineEvent {
  transactionId: string;
  customerId: string;
  eventType: string;
  /** ISO-8601 UTC; stamped by the producer when the record had none. */
  producedAt: string;
  riskRating?: RiskRating;
  payload?: Record<string, unknown>;
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

/** The record's transaction id when it is usable as an audit key and external id, else undefined. */
export function usableTransactionId(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" && value.length <= MAX_TRANSACTION_ID_CHARS ? value : undefined;
}

// Date and time with a zone: a time without one means different instants in different places.
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses and validates one record's text and builds its Kinesis data. */
export function validateRecord(text: string, context: ValidationContext): RecordValidation {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `record is not valid JSON${jsonErrorWhere(error)}` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: `record must be a JSON object, got ${describeType(parsed)}` };
  }
  return validateObject(parsed as Record<string, unknown>, context);
}

function validateObject(record: Record<string, unknown>, context: ValidationContext): RecordValidation {
  const transactionId = usableTransactionId(record.transactionId);
  const fail = (reason: string): RecordValidation => ({ ok: false, reason, ...(transactionId ? { transactionId } : {}) });

  if (transactionId === undefined) return fail(transactionIdProblem(record.transactionId));
  for (const field of ["customerId", "eventType"] as const) {
    const value = record[field];
    if (typeof value !== "string" || value.trim() === "") {
      return fail(value === undefined ? `${field} is missing` : `${field} must be a non-empty string, got ${describeType(value)}`);
    }
  }

  // null is JSON's way of saying "no value": accepted for optional fields, and treated as absent.
  const producedAt = record.producedAt ?? undefined;
  let stamped = context.now.toISOString();
  if (producedAt !== undefined) {
    if (typeof producedAt !== "string") return fail(`producedAt must be an ISO-8601 timestamp string, got ${describeType(producedAt)}`);
    const time = Date.parse(producedAt);
    if (!ISO_TIMESTAMP.test(producedAt) || Number.isNaN(time)) {
      return fail(`producedAt ${quoteShort(producedAt)} is not an ISO-8601 timestamp with a time zone (e.g. 2026-11-26T08:00:00Z)`);
    }
    stamped = new Date(time).toISOString();
  }

  const riskRating = record.riskRating ?? undefined;
  if (riskRating !== undefined && !(RISK_RATINGS as readonly unknown[]).includes(riskRating)) {
    return fail(
      typeof riskRating === "string"
        ? `riskRating ${quoteShort(riskRating)} is not one of ${RISK_RATINGS.join(", ")}`
        : `riskRating must be one of ${RISK_RATINGS.join(", ")}, got ${describeType(riskRating)}`,
    );
  }

  const payload = record.payload ?? undefined;
  if (payload !== undefined && (typeof payload !== "object" || Array.isArray(payload))) {
    return fail(`payload must be a JSON object, got ${describeType(payload)}`);
  }

  // Only the contract's fields travel on: the case creator reads nothing else, and anything a
  // source needs passed through belongs in `payload`.
  const event: PipelineEvent = {
    transactionId,
    customerId: record.customerId as string,
    eventType: record.eventType as string,
    producedAt: stamped,
    ...(riskRating !== undefined ? { riskRating: riskRating as RiskRating } : {}),
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    sourceObject: context.sourceObject,
  };
  const partitionKey = `${context.partitionKeyPrefix}${transactionId}`;
  if (partitionKey.length > KINESIS_MAX_PARTITION_KEY_CHARS) {
    return fail(`partition key is ${partitionKey.length} characters; Kinesis allows at most ${KINESIS_MAX_PARTITION_KEY_CHARS}`);
  }
  const data = Buffer.from(JSON.stringify(event), "utf8");
  const size = data.length + Buffer.byteLength(partitionKey, "utf8");
  if (size > KINESIS_MAX_RECORD_BYTES) {
    return fail(`record is ${size} bytes with its partition key; Kinesis accepts at most ${KINESIS_MAX_RECORD_BYTES} bytes per record`);
  }
  return { ok: true, event, partitionKey, data, transactionId };
}

function transactionIdProblem(value: unknown): string {
  if (value === undefined) return "transactionId is missing";
  if (typeof value !== "string") return `transactionId must be a non-empty string, got ${describeType(value)}`;
  if (value.trim() === "") return "transactionId is blank";
  return `transactionId is ${value.length} characters; at most ${MAX_TRANSACTION_ID_CHARS} are allowed`;
}

/** The JSON type of a value, for reasons (never the value itself). */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return value.trim() === "" ? "a blank string" : "a string";
  return `a ${typeof value}`;
}

/** Short enumerations and timestamps may be quoted; long values are cut so a reason stays a reason. */
function quoteShort(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/**
 * Where JSON.parse stopped, without its message: V8 quotes the start of the input in some messages,
 * and that would copy record contents into logs and the audit table.
 */
function jsonErrorWhere(error: unknown): string {
  const match = error instanceof Error ? /position (\d+)/.exec(error.message) : null;
  return match ? ` (syntax error at character ${Number(match[1]) + 1})` : "";
}
