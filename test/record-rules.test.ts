/**
 * The record rules shared by the producer and the case creator (`handlers/lib/record-rules.ts`) and
 * the bounded JSON under them: hostile nesting, ids that are not what they look like, numbers that
 * must keep every digit, and timestamps that cannot exist. Pure functions: no emulator.
 */
import type { KinesisStreamRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { toSObject } from "../handlers/case-creator/case-mapping.js";
import { decodeKinesisRecord } from "../handlers/case-creator/kinesis-record.js";
import { validateRecord } from "../handlers/event-producer/record-validation.js";
import { JsonNumber, isWellFormedText, parseJson, writeJson } from "../handlers/lib/json-text.js";
import { MAX_NESTING_DEPTH, checkTimestamp, checkTransactionId } from "../handlers/lib/record-rules.js";

const context = {
  partitionKeyPrefix: "bbkyc-cta-",
  sourceObject: "s3://in/f.ndjson",
  now: new Date("2026-11-26T09:00:00.000Z"),
};
const base = (extra: Record<string, unknown> = {}) => ({
  transactionId: "TXN-1",
  customerId: "C1",
  eventType: "KYC_REVIEW",
  ...extra,
});
const text = (extra: Record<string, unknown> = {}) => JSON.stringify(base(extra));
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
const kinesisRecord = (data: string): KinesisStreamRecord =>
  ({
    kinesis: {
      data: Buffer.from(data, "utf8").toString("base64"),
      sequenceNumber: "1",
      approximateArrivalTimestamp: 0,
    },
  }) as unknown as KinesisStreamRecord;

describe("nesting is bounded while parsing, never by the call stack (defect 1)", () => {
  it("rejects a payload nested 5,000 and 200,000 levels deep with a reason, without throwing", () => {
    for (const depth of [5_000, 200_000]) {
      const result = validateRecord(
        `{"transactionId":"TXN-1","customerId":"C1","eventType":"E","payload":${nested(depth)}}`,
        context,
      );
      // Not parsed, so audited under its position key; the reason says why.
      expect(result).toMatchObject({ ok: false });
      expect(result.ok === false && result.reason).toMatch(
        new RegExp(`^record is nested deeper than ${MAX_NESTING_DEPTH} levels \\(at character \\d+\\)$`),
      );
    }
  });

  it("accepts the deepest payload the bound allows and writes it back unchanged", () => {
    const payload = nested(MAX_NESTING_DEPTH - 1); // the record itself is level 1
    const result = validateRecord(
      `{"transactionId":"TXN-1","customerId":"C1","eventType":"E","payload":${payload}}`,
      context,
    );
    expect(result.ok).toBe(true);
    expect(result.ok && result.data.toString()).toContain(`"payload":${payload}`);
  });

  it("the case creator rejects a deep record read from the stream the same way", () => {
    const decoded = decodeKinesisRecord(
      kinesisRecord(
        `{"transactionId":"TXN-1","customerId":"C1","eventType":"E","payload":${nested(10_000)}}`,
      ),
    );
    expect(decoded).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^record is nested deeper than 64 levels/),
    });
  });

  it("writes 100,000 levels without recursion", () => {
    let value: unknown = 1;
    for (let i = 0; i < 100_000; i++) value = [value];
    expect(writeJson(value as never)).toHaveLength(200_001);
  });
});

describe("numbers pass through exactly as written (defect 6)", () => {
  const numbers =
    '{"big":12345678901234567890,"huge":1e400,"tiny":-0.000000000000000000001,"neg":-0,"exp":1E+2,"dec":100.10}';

  it("keeps every digit from the file to the Kinesis data and on to the Salesforce description", () => {
    const result = validateRecord(
      `{"transactionId":"TXN-1","customerId":"C1","eventType":"E","payload":${numbers}}`,
      context,
    );
    expect(result.ok).toBe(true);
    const data = result.ok ? result.data.toString("utf8") : "";
    expect(data).toContain(`"payload":${numbers}`);
    const decoded = decodeKinesisRecord(kinesisRecord(data));
    expect(decoded.ok).toBe(true);
    const sobject = toSObject(decoded.ok ? decoded.record : (undefined as never), {
      objectName: "Case",
      externalIdField: "KYC_Transaction_Id__c",
    });
    expect(sobject.Description).toBe(numbers);
  });

  it("refuses what is not a JSON number instead of guessing", () => {
    for (const bad of ["01", "1.", ".5", "+1", "NaN", "Infinity", "1e", "--1"]) {
      expect(parseJson(`{"n":${bad}}`, { maxDepth: 4 }).ok, bad).toBe(false);
    }
    expect(parseJson("123456789012345678901234567890", { maxDepth: 1 })).toEqual({
      ok: true,
      value: new JsonNumber("123456789012345678901234567890"),
    });
  });

  it("rejects a member name given twice instead of silently keeping the last value", () => {
    const result = validateRecord(
      '{"transactionId":"TXN-1","customerId":"C1","eventType":"E","payload":{"amount":1,"amount":2}}',
      context,
    );
    expect(result).toMatchObject({
      ok: false,
      reason: "record is not valid JSON: an object has the same member name twice (at character 90)",
    });
  });

  it("keeps a member called __proto__ as data", () => {
    const parsed = parseJson('{"__proto__":{"polluted":true}}', { maxDepth: 4 });
    expect(parsed.ok && writeJson(parsed.value)).toBe('{"__proto__":{"polluted":true}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("transaction ids (defect 2, defect 7 and the white-space, invisible and normalisation rules)", () => {
  it.each([
    ["TXN-\ud800", "transactionId is not well-formed Unicode (it holds a lone surrogate)"],
    ["TXN-\udc00-1", "transactionId is not well-formed Unicode (it holds a lone surrogate)"],
    ["TXN\n1", "transactionId contains a control character (U+000A at character 4)"],
    ["TXN\u00851", "transactionId contains a control character (U+0085 at character 4)"],
    ["TXN\u200b1", "transactionId contains an invisible character (U+200B at character 4)"],
    ["\u200b\u200d", "transactionId holds only invisible characters"],
    ["\u00a0 ", "transactionId is blank"],
    [
      " TXN-1",
      "transactionId has leading or trailing white space (it is not trimmed: that would change the id)",
    ],
    [
      "TXN-1\u3000",
      "transactionId has leading or trailing white space (it is not trimmed: that would change the id)",
    ],
    ["Caf\u0065\u0301", "transactionId is not in Unicode normalisation form NFC (send it NFC-normalised)"],
    [
      "#record:s3://in/f.ndjson#1",
      "transactionId starts with '#', which is reserved for the platform's own audit keys",
    ],
    ["😀".repeat(129), "transactionId is 129 characters; at most 128 are allowed"],
  ])("rejects %j", (id, reason) => {
    expect(checkTransactionId(id)).toEqual({ ok: false, reason });
    // Not usable as an audit key either: the producer audits it under its position key. (In JSON text
    // a lone surrogate is escaped, and the parser refuses it before the id rules see it.)
    const parserReason =
      "record is not valid JSON: a string is not well-formed Unicode (it holds a lone surrogate) (at character 18)";
    expect(validateRecord(JSON.stringify(base({ transactionId: id })), context)).toEqual({
      ok: false,
      reason: isWellFormedText(id) ? reason : parserReason,
    });
  });

  it("counts characters in code points: 128 emoji are one id, and its NFC form is accepted", () => {
    expect(checkTransactionId("😀".repeat(128))).toEqual({ ok: true, transactionId: "😀".repeat(128) });
    expect(checkTransactionId("Caf\u00e9")).toEqual({ ok: true, transactionId: "Café" });
  });

  it("rejects an escaped lone surrogate anywhere in the record, so nothing sent to AWS is altered", () => {
    const escaped = '{"transactionId":"TXN-\\ud800","customerId":"C1","eventType":"E"}';
    expect(validateRecord(escaped, context)).toEqual({
      ok: false,
      reason:
        "record is not valid JSON: a string is not well-formed Unicode (it holds a lone surrogate) (at character 18)",
    });
    const inPayload = validateRecord(
      '{"transactionId":"TXN-1","customerId":"C1","eventType":"E","payload":{"name":"\\udfff"}}',
      context,
    );
    expect(inPayload).toMatchObject({ ok: false, reason: expect.stringMatching(/lone surrogate/) });
  });

  it("the case creator applies the same id rules to what it reads from the stream", () => {
    expect(decodeKinesisRecord(kinesisRecord(text({ transactionId: "#file:s3://in/f" })))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/reserved for the platform/),
    });
    expect(decodeKinesisRecord(kinesisRecord(text({ customerId: "C\u00001" })))).toMatchObject({
      ok: false,
      transactionId: "TXN-1",
      reason: "customerId contains a control character (U+0000)",
    });
  });
});

describe("timestamps: strict ISO-8601 with a zone and real calendar values (defect 6)", () => {
  it.each([
    ["2026-02-30T08:00:00Z", "is not a real time: day 30 does not exist in 2026-02"],
    ["2026-02-29T08:00:00Z", "is not a real time: day 29 does not exist in 2026-02"],
    ["2026-11-26T24:00:00Z", "is not a real time: hour 24 does not exist (00–23; 24:00 is not accepted)"],
    ["0000-01-01T00:00:00Z", "is not a real time: year 0000 does not exist (years 0001–9999)"],
    ["0001-01-01T00:30:00+01:00", "is not a real time: in UTC it falls outside the years 0001–9999"],
    [
      "2026-11-26T08:00:60Z",
      "is not a real time: second 60 is not accepted (leap seconds cannot be represented)",
    ],
    ["2026-13-01T08:00:00Z", "is not a real time: month 13 does not exist"],
    ["2026-11-26T08:00:00+25:00", "is not a real time: time zone offset +25:00 does not exist"],
    ["2026-11-26T08:00:00", "is not an ISO-8601 timestamp with a time zone (e.g. 2026-11-26T08:00:00Z)"],
    ["2026-11-26 08:00:00Z", "is not an ISO-8601 timestamp with a time zone (e.g. 2026-11-26T08:00:00Z)"],
  ])("rejects %s", (value, reason) => {
    expect(checkTimestamp(value)).toEqual({ ok: false, reason });
    expect(validateRecord(text({ producedAt: value }), context)).toEqual({
      ok: false,
      transactionId: "TXN-1",
      reason: `producedAt ${JSON.stringify(value)} ${reason}`,
    });
  });

  it("accepts real instants and carries them in UTC with their fraction as written", () => {
    expect(checkTimestamp("2028-02-29T23:30:00-01:30")).toMatchObject({
      ok: true,
      canonical: "2028-03-01T01:00:00.000Z",
    });
    expect(checkTimestamp("2026-11-26T08:00:00.123456789+0100")).toMatchObject({
      ok: true,
      canonical: "2026-11-26T07:00:00.123456789Z",
    });
    expect(checkTimestamp("0001-01-01T00:00Z")).toMatchObject({
      ok: true,
      canonical: "0001-01-01T00:00:00.000Z",
      epochMs: -62135596800000,
    });
  });
});
