/**
 * Realistic, seeded KYC input records (SPEC §3b) for the local run, with an optional share of the
 * malformed records a real upstream system sends: missing or mistyped fields, blank values,
 * oversized records, duplicate transaction ids and lines that are not JSON at all.
 *
 * The same seed always gives the same file (apart from `producedAt`, which is the generation time so
 * that end-to-end latency means something), so a failing run can be repeated record for record.
 *
 * @example
 * const file = generateRecords({ count: 1000, badShare: 0.02, seed: 7 });
 * await writeFile("records.ndjson", file.text);
 */

/** The ways a generated record can be wrong. */
export const MALFORMED_KINDS = [
  "missing-transaction-id",
  "numeric-transaction-id",
  "blank-customer-id",
  "missing-event-type",
  "bad-risk-rating",
  "payload-not-object",
  "long-transaction-id",
  "oversized",
  "duplicate",
  "not-json",
] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

export interface GenerateOptions {
  /** Records in the file. */
  count: number;
  /** Share (0..1) of records that are malformed. @default `0` */
  badShare?: number;
  /** @default `1` */
  seed?: number;
  /** `ndjson` (one record a line) or `json-array`. @default `"ndjson"` */
  format?: "ndjson" | "json-array";
  /**
   * At most this many records bigger than Kinesis's 1 MiB record limit; further "oversized" picks
   * become over-long transaction ids instead, so a large run does not write gigabytes.
   * @default `3`
   */
  maxOversized?: number;
  /** Stamp for `producedAt`. @default `new Date()` */
  now?: Date;
}

export interface GeneratedFile {
  text: string;
  format: "ndjson" | "json-array";
  count: number;
  /** How many records of each malformed kind the file holds. */
  malformed: Partial<Record<MalformedKind, number>>;
}

const EVENT_TYPES = [
  "KYC_REVIEW",
  "KYC_ONBOARDING",
  "PERIODIC_REVIEW",
  "SANCTIONS_SCREENING",
  "PEP_SCREENING",
  "ADVERSE_MEDIA",
  "ADDRESS_CHANGE",
];
const COUNTRIES = ["GB", "GB", "GB", "IE", "DE", "FR", "NL", "US", "SG", "AE", "IN", "ES"];
const SEGMENTS = ["RETAIL", "PRIVATE", "BUSINESS", "CORPORATE"];
const GIVEN = [
  "Amelia",
  "Oliver",
  "Isla",
  "Noah",
  "Ava",
  "Liam",
  "Sofia",
  "Arjun",
  "Chloe",
  "Mateo",
  "Aisha",
  "Finn",
  "Zara",
  "Hugo",
];
const FAMILY = [
  "Smith",
  "Jones",
  "Patel",
  "O'Brien",
  "Müller",
  "García",
  "Nguyen",
  "Khan",
  "Murphy",
  "Rossi",
  "Kowalski",
  "Dubois",
];
const REASONS = [
  "scheduled review",
  "address change",
  "new product",
  "screening hit",
  "document expiry",
  "customer request",
];
/** Kinesis rejects records above 1 MiB; this is comfortably over it. */
const OVERSIZED_BYTES = 1_100_000;

/** mulberry32: a small, fast, seedable PRNG; good enough for test data, not for anything secret. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateRecords(options: GenerateOptions): GeneratedFile {
  const format = options.format ?? "ndjson";
  const random = seededRandom(options.seed ?? 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const producedAt = (options.now ?? new Date()).toISOString();
  const badShare = Math.min(Math.max(options.badShare ?? 0, 0), 1);
  const maxOversized = options.maxOversized ?? 3;

  const lines: string[] = [];
  const valid: string[] = [];
  const malformed: Partial<Record<MalformedKind, number>> = {};
  let oversized = 0;

  for (let i = 1; i <= options.count; i++) {
    const record = goodRecord(i, pick, random, producedAt);
    if (random() >= badShare) {
      const text = JSON.stringify(record);
      lines.push(text);
      valid.push(text);
      continue;
    }
    let kind = pick(MALFORMED_KINDS);
    // A JSON array cannot hold a line that is not JSON without breaking the whole file.
    if (kind === "not-json" && format === "json-array") kind = "blank-customer-id";
    if (kind === "duplicate" && valid.length === 0) kind = "missing-event-type";
    if (kind === "oversized" && oversized >= maxOversized) kind = "long-transaction-id";
    if (kind === "oversized") oversized++;
    malformed[kind] = (malformed[kind] ?? 0) + 1;
    lines.push(kind === "duplicate" ? pick(valid) : malformedText(kind, record));
  }

  const text = format === "ndjson" ? `${lines.join("\n")}\n` : `[\n${lines.join(",\n")}\n]\n`;
  return { text, format, count: options.count, malformed };
}

type KycRecordShape = Record<string, unknown> & { transactionId: string; payload: Record<string, unknown> };

function goodRecord(
  i: number,
  pick: <T>(list: readonly T[]) => T,
  random: () => number,
  producedAt: string,
): KycRecordShape {
  const customer = `C${String(Math.floor(random() * 900_000) + 100_000)}`;
  const risk = random();
  const record: KycRecordShape = {
    transactionId: `TXN-${String(i).padStart(7, "0")}`,
    customerId: customer,
    eventType: pick(EVENT_TYPES),
    payload: {
      name: `${pick(GIVEN)} ${pick(FAMILY)}`,
      country: pick(COUNTRIES),
      segment: pick(SEGMENTS),
      reviewReason: pick(REASONS),
      accounts: 1 + Math.floor(random() * 4),
    },
  };
  // Most upstream systems stamp the time; some leave it to the producer (it stamps it then).
  if (random() < 0.9) record.producedAt = producedAt;
  // A few records carry no rating: the org's default Priority applies.
  if (risk < 0.6) record.riskRating = "LOW";
  else if (risk < 0.88) record.riskRating = "MEDIUM";
  else if (risk < 0.97) record.riskRating = "HIGH";
  return record;
}

function malformedText(kind: Exclude<MalformedKind, "duplicate">, record: KycRecordShape): string {
  const r: Record<string, unknown> = { ...record };
  switch (kind) {
    case "missing-transaction-id":
      delete r.transactionId;
      break;
    case "numeric-transaction-id":
      r.transactionId = Number(record.transactionId.replace(/\D/g, ""));
      break;
    case "blank-customer-id":
      r.customerId = "   ";
      break;
    case "missing-event-type":
      delete r.eventType;
      break;
    case "bad-risk-rating":
      r.riskRating = "SEVERE";
      break;
    case "payload-not-object":
      r.payload = `name=${String(record.payload.name)}`;
      break;
    case "long-transaction-id":
      r.transactionId = `${record.transactionId}-${"X".repeat(140)}`;
      break;
    case "oversized":
      r.payload = { ...record.payload, scannedDocument: "A".repeat(OVERSIZED_BYTES) };
      break;
    case "not-json":
      return `{"transactionId": "${record.transactionId}", "customerId": ${String(record.customerId)}, oops`;
  }
  return JSON.stringify(r);
}
