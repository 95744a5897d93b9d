/**
 * The rules a KYC record must meet (SPEC §3b), in one place: the producer applies them to every
 * record of an uploaded file, and the case creator applies them again to what it reads from Kinesis
 * (anything else may write to the stream: a Glue job, a replay tool). A value of the wrong type is
 * invalid, never coerced, and no value is ever changed on the way: a record either passes as written
 * or is rejected with a reason that names the field and what was expected. Reasons never quote
 * payload contents (they reach logs and the audit table).
 *
 * Identifiers (`transactionId` is the audit key, the Salesforce external id and part of the Kinesis
 * partition key, so it is held to the strictest rule):
 * - a string of 1–128 Unicode code points (a character outside the BMP counts once);
 * - well-formed Unicode: no lone surrogate (it cannot be stored as UTF-8 by any AWS service);
 * - no control character (Unicode category Cc) and no invisible character (Default_Ignorable_Code_Point,
 *   e.g. U+200B ZERO WIDTH SPACE, U+00AD SOFT HYPHEN): two ids that look the same must be the same id;
 * - no leading or trailing white space: it is rejected, not trimmed (trimming would change the id);
 * - in Unicode normalisation form NFC: a decomposed twin (`e` + U+0301 for `é`) is rejected, not
 *   normalised, so one spelling of an id can never be upserted as two cases;
 * - not starting with `#`, which is reserved for the platform's own audit keys (`audit-keys.ts`).
 * `customerId` and `eventType` must be well-formed, non-blank strings without control characters.
 *
 * `producedAt` (optional): strict ISO-8601 date and time with a zone (`Z` or `±hh:mm`), seconds and a
 * fraction of up to 9 digits optional, and real calendar values: years 0001–9999, no 30 February,
 * no hour 24, no leap second 60. It is carried on in UTC with its fraction as written.
 *
 * `payload` (optional): a JSON object, nested at most `MAX_NESTING_DEPTH` levels counting the record
 * itself, every string well-formed, no member name twice in one object; numbers pass as written.
 * `null` for an optional field means absent.
 */
import { RESERVED_ID_PREFIX } from "./audit-keys.js";
import { JsonNumber, isWellFormedText, parseJson, type JsonObject, type JsonValue } from "./json-text.js";

export const MAX_TRANSACTION_ID_CODE_POINTS = 128;
/** Levels of objects/arrays in one record: the record is level 1, its payload level 2. */
export const MAX_NESTING_DEPTH = 64;
export const RISK_RATINGS = ["LOW", "MEDIUM", "HIGH"] as const;
export type RiskRating = (typeof RISK_RATINGS)[number];

/** A record that passed every rule; `producedAt` is canonical UTC when present. */
export interface KycRecord {
  transactionId: string;
  customerId: string;
  eventType: string;
  producedAt?: string;
  riskRating?: RiskRating;
  payload?: JsonObject;
}

export type RecordCheck =
  | { ok: true; record: KycRecord }
  /** `transactionId` is set when the record has a usable one (so it is audited under it). */
  | { ok: false; reason: string; transactionId?: string };

/** Parses one record's JSON text within the nesting bound. */
export function parseRecordText(
  text: string,
): { ok: true; value: JsonValue } | { ok: false; reason: string } {
  const parsed = parseJson(text, { maxDepth: MAX_NESTING_DEPTH });
  if (parsed.ok) return parsed;
  return {
    ok: false,
    reason: parsed.tooDeep ? `record is ${parsed.reason}` : `record is not valid JSON: ${parsed.reason}`,
  };
}

/** Applies every rule to a parsed record. */
export function checkRecord(value: unknown): RecordCheck {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof JsonNumber) {
    return { ok: false, reason: `record must be a JSON object, got ${describeType(value)}` };
  }
  const r = value as Record<string, unknown>;
  const id = checkTransactionId(r.transactionId);
  if (!id.ok) return { ok: false, reason: id.reason };
  const transactionId = id.transactionId;
  const fail = (reason: string): RecordCheck => ({ ok: false, reason, transactionId });

  for (const field of ["customerId", "eventType"] as const) {
    const problem = textProblem(field, r[field]);
    if (problem) return fail(problem);
  }

  const producedAt = r.producedAt ?? undefined;
  let canonicalProducedAt: string | undefined;
  if (producedAt !== undefined) {
    if (typeof producedAt !== "string")
      return fail(`producedAt must be an ISO-8601 timestamp string, got ${describeType(producedAt)}`);
    const time = checkTimestamp(producedAt);
    if (!time.ok) return fail(`producedAt ${quoteShort(producedAt)} ${time.reason}`);
    canonicalProducedAt = time.canonical;
  }

  const riskRating = r.riskRating ?? undefined;
  if (riskRating !== undefined && !(RISK_RATINGS as readonly unknown[]).includes(riskRating)) {
    return fail(
      typeof riskRating === "string"
        ? `riskRating ${quoteShort(riskRating)} is not one of ${RISK_RATINGS.join(", ")}`
        : `riskRating must be one of ${RISK_RATINGS.join(", ")}, got ${describeType(riskRating)}`,
    );
  }

  const payload = r.payload ?? undefined;
  if (
    payload !== undefined &&
    (typeof payload !== "object" || Array.isArray(payload) || payload instanceof JsonNumber)
  ) {
    return fail(`payload must be a JSON object, got ${describeType(payload)}`);
  }

  return {
    ok: true,
    record: {
      transactionId,
      customerId: r.customerId as string,
      eventType: r.eventType as string,
      ...(canonicalProducedAt !== undefined ? { producedAt: canonicalProducedAt } : {}),
      ...(riskRating !== undefined ? { riskRating: riskRating as RiskRating } : {}),
      ...(payload !== undefined ? { payload: payload as JsonObject } : {}),
    },
  };
}

// Invisible or control: category Cc, and code points Unicode says to ignore when rendering.
const CONTROL = /\p{Cc}/u;
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;
const ONLY_SPACE_OR_INVISIBLE = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}]*$/u;
const EDGE_SPACE = /^\p{White_Space}|\p{White_Space}$/u;

/** The id when it meets every identifier rule (see the file comment), else why not. */
export function checkTransactionId(
  value: unknown,
): { ok: true; transactionId: string } | { ok: false; reason: string } {
  const fail = (reason: string) => ({ ok: false as const, reason });
  if (value === undefined) return fail("transactionId is missing");
  if (typeof value !== "string")
    return fail(`transactionId must be a non-empty string, got ${describeType(value)}`);
  if (!isWellFormedText(value))
    return fail("transactionId is not well-formed Unicode (it holds a lone surrogate)");
  if (value === "" || /^\p{White_Space}*$/u.test(value)) return fail("transactionId is blank");
  if (ONLY_SPACE_OR_INVISIBLE.test(value)) return fail("transactionId holds only invisible characters");
  const codePoints = [...value].length;
  if (codePoints > MAX_TRANSACTION_ID_CODE_POINTS)
    return fail(
      `transactionId is ${codePoints} characters; at most ${MAX_TRANSACTION_ID_CODE_POINTS} are allowed`,
    );
  const control = CONTROL.exec(value) ?? INVISIBLE.exec(value);
  if (control) {
    const kind = CONTROL.test(control[0]) ? "a control character" : "an invisible character";
    return fail(
      `transactionId contains ${kind} (${codePointName(control[0])} at character ${[...value.slice(0, control.index)].length + 1})`,
    );
  }
  if (EDGE_SPACE.test(value))
    return fail(
      "transactionId has leading or trailing white space (it is not trimmed: that would change the id)",
    );
  if (value.normalize("NFC") !== value)
    return fail("transactionId is not in Unicode normalisation form NFC (send it NFC-normalised)");
  if (value.startsWith(RESERVED_ID_PREFIX))
    return fail(
      `transactionId starts with '${RESERVED_ID_PREFIX}', which is reserved for the platform's own audit keys`,
    );
  return { ok: true, transactionId: value };
}

/** A usable transaction id of a record that may be invalid otherwise, for its audit key. */
export function usableTransactionId(value: unknown): string | undefined {
  const id = checkTransactionId(value);
  return id.ok ? id.transactionId : undefined;
}

function textProblem(field: string, value: unknown): string | undefined {
  if (value === undefined) return `${field} is missing`;
  if (typeof value !== "string" || value.trim() === "")
    return `${field} must be a non-empty string, got ${describeType(value)}`;
  if (!isWellFormedText(value)) return `${field} is not well-formed Unicode (it holds a lone surrogate)`;
  if (ONLY_SPACE_OR_INVISIBLE.test(value)) return `${field} holds only invisible characters`;
  const control = CONTROL.exec(value);
  if (control) return `${field} contains a control character (${codePointName(control[0])})`;
  return undefined;
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

/**
 * A strict ISO-8601 timestamp with a zone and real calendar values; `canonical` is the same instant
 * in UTC (`YYYY-MM-DDTHH:MM:SS.sss…Z`, the fraction as written, at least milliseconds).
 */
export function checkTimestamp(
  text: string,
): { ok: true; canonical: string; epochMs: number } | { ok: false; reason: string } {
  const m = TIMESTAMP.exec(text);
  const format = "is not an ISO-8601 timestamp with a time zone (e.g. 2026-11-26T08:00:00Z)";
  if (!m) return { ok: false, reason: format };
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const fraction = m[7] ?? "";
  const offsetMinutes =
    m[8] === undefined ? 0 : (m[8] === "-" ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  const impossible = (what: string) => ({ ok: false as const, reason: `is not a real time: ${what}` });
  if (year < 1) return impossible("year 0000 does not exist (years 0001–9999)");
  if (month < 1 || month > 12) return impossible(`month ${m[2]} does not exist`);
  if (day < 1 || day > daysInMonth(year, month))
    return impossible(`day ${m[3]} does not exist in ${m[1]}-${m[2]}`);
  if (hour > 23) return impossible(`hour ${m[4]} does not exist (00–23; 24:00 is not accepted)`);
  if (minute > 59) return impossible(`minute ${m[5]} does not exist`);
  if (second > 59) return impossible(`second ${m[6]} is not accepted (leap seconds cannot be represented)`);
  if (m[10] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59))
    return impossible(`time zone offset ${m[8]}${m[9]}:${m[10]} does not exist`);

  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const epochMs = date.getTime() - offsetMinutes * 60_000;
  const utc = new Date(epochMs);
  if (utc.getUTCFullYear() < 1 || utc.getUTCFullYear() > 9999)
    return impossible("in UTC it falls outside the years 0001–9999");
  const canonical = `${utc.toISOString().slice(0, 19)}.${fraction.padEnd(3, "0")}Z`;
  return { ok: true, canonical, epochMs: epochMs + Number(`0.${fraction || "0"}`) * 1000 };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The JSON type of a value, for reasons (never the value itself). */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof JsonNumber) return "a number";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return value.trim() === "" ? "a blank string" : "a string";
  return `a ${typeof value}`;
}

/** Short enumerations and timestamps may be quoted; long values are cut so a reason stays a reason. */
function quoteShort(value: string): string {
  const codePoints = [...value];
  return JSON.stringify(codePoints.length > 40 ? `${codePoints.slice(0, 40).join("")}…` : value);
}

function codePointName(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}
