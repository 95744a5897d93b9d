/**
 * Turns one Kinesis record into a KYC record (SPEC §3b) or a reason a person can act on. The
 * producer validated it already; checking again here means a record written by anything else
 * (a Glue job, a replay tool) still ends audited with a clear reason instead of a crash.
 */
import type { KinesisStreamRecord } from "aws-lambda";

export const RISK_RATINGS = ["LOW", "MEDIUM", "HIGH"] as const;
export const MAX_TRANSACTION_ID = 128;

export interface KycRecord {
  transactionId: string;
  customerId: string;
  eventType: string;
  producedAt?: string;
  riskRating?: (typeof RISK_RATINGS)[number];
  payload?: Record<string, unknown>;
}

export type DecodedRecord =
  | { ok: true; record: KycRecord }
  /** `transactionId` is set when the record had a usable one, so the audit item carries it. */
  | { ok: false; reason: string; transactionId?: string };

export function decodeKinesisRecord(record: KinesisStreamRecord): DecodedRecord {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(record.kinesis.data, "base64"));
  } catch {
    return { ok: false, reason: "record data is not UTF-8 text" };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    return { ok: false, reason: `record data is not valid JSON: ${(error as Error).message}` };
  }
  return validateKycRecord(parsed);
}

export function validateKycRecord(value: unknown): DecodedRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, reason: "record is not a JSON object" };
  const r = value as Record<string, unknown>;
  const idProblem = transactionIdProblem(r.transactionId);
  if (idProblem) return { ok: false, reason: idProblem };
  const transactionId = r.transactionId as string;
  const fail = (reason: string): DecodedRecord => ({ ok: false, reason, transactionId });

  for (const field of ["customerId", "eventType"] as const) {
    if (r[field] === undefined) return fail(`${field} is missing`);
    if (typeof r[field] !== "string") return fail(`${field} must be a string, got ${typeName(r[field])}`);
    if ((r[field] as string).trim() === "") return fail(`${field} is blank`);
  }
  if (r.producedAt !== undefined && (typeof r.producedAt !== "string" || Number.isNaN(Date.parse(r.producedAt)))) {
    return fail(`producedAt must be an ISO-8601 time, got ${JSON.stringify(r.producedAt)}`);
  }
  if (r.riskRating !== undefined && !(RISK_RATINGS as readonly unknown[]).includes(r.riskRating)) {
    return fail(`riskRating must be one of ${RISK_RATINGS.join(", ")}, got ${JSON.stringify(r.riskRating)}`);
  }
  if (r.payload !== undefined && (typeof r.payload !== "object" || r.payload === null || Array.isArray(r.payload))) {
    return fail(`payload must be an object, got ${typeName(r.payload)}`);
  }
  return {
    ok: true,
    record: {
      transactionId,
      customerId: r.customerId as string,
      eventType: r.eventType as string,
      ...(r.producedAt !== undefined ? { producedAt: r.producedAt as string } : {}),
      ...(r.riskRating !== undefined ? { riskRating: r.riskRating as KycRecord["riskRating"] } : {}),
      ...(r.payload !== undefined ? { payload: r.payload as Record<string, unknown> } : {}),
    },
  };
}

function transactionIdProblem(id: unknown): string | undefined {
  if (id === undefined) return "transactionId is missing";
  if (typeof id !== "string") return `transactionId must be a string, got ${typeName(id)}`;
  if (id.trim() === "") return "transactionId is blank";
  if (id.length > MAX_TRANSACTION_ID) return `transactionId is longer than ${MAX_TRANSACTION_ID} characters`;
  return undefined;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
