/**
 * Turns one Kinesis record into a KYC record (SPEC §3b) or a reason a person can act on. The
 * producer validated it already; checking again here, with the same rules (`../lib/record-rules.ts`),
 * means a record written by anything else (a Glue job, a replay tool) still ends audited with a clear
 * reason instead of a crash. The data is parsed with the bounded parser, so its numbers keep every
 * digit on the way to Salesforce.
 */
import type { KinesisStreamRecord } from "aws-lambda";
import { checkRecord, parseRecordText, type KycRecord, type RecordCheck } from "../lib/record-rules.js";

export { RISK_RATINGS, type KycRecord } from "../lib/record-rules.js";

export type DecodedRecord =
  | { ok: true; record: KycRecord }
  | { ok: false; reason: string; transactionId?: string };

export function decodeKinesisRecord(record: KinesisStreamRecord): DecodedRecord {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(record.kinesis.data, "base64"));
  } catch {
    return { ok: false, reason: "record data is not UTF-8 text" };
  }
  // The decoder has already dropped a leading BOM (ignoreBOM defaults to false).
  const parsed = parseRecordText(text);
  if (!parsed.ok)
    return {
      ok: false,
      reason: parsed.reason.replace(/^record is not valid JSON/, "record data is not valid JSON"),
    };
  return validateKycRecord(parsed.value);
}

/** The shared record rules, applied to an already parsed value. */
export function validateKycRecord(value: unknown): RecordCheck {
  return checkRecord(value);
}
