/**
 * Differential, property-based test of the producer's streaming record reader against JSON.parse:
 * random JSON records (any Unicode, biased to quotes, backslashes, brackets and line breaks, occasionally strings of tens of
 * thousands of characters) written as a JSON array (compact or indented, LF or CRLF) or as NDJSON
 * (LF or CRLF, blank lines), with or without a BOM, fed in chunks cut at random byte offsets (so
 * multi-byte characters are split too). Whatever the cuts, the records the reader yields, parsed,
 * are exactly what JSON.parse makes of the whole file.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RecordReader, type ReaderItem } from "../handlers/event-producer/record-reader.js";

const BOM = "\uFEFF";

/** A string of 10,000-60,000 characters, built by repetition so generating it stays cheap. */
const hugeString = fc
  .tuple(
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 3 }),
    fc.integer({ min: 10_000, max: 20_000 }),
  )
  .map(([unit, times]) => unit.repeat(times));

/**
 * One character of a string: often one the reader must treat specially inside strings (quotes,
 * backslashes, brackets, line breaks, a BOM, multi-byte characters), otherwise any code point.
 */
const char = fc.oneof(
  fc.constantFrom(
    '"',
    "\\",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    " ",
    "\n",
    "\r",
    "\t",
    "é",
    "中",
    "😀",
    "\u2028",
    BOM,
  ),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
);

const value = fc.oneof(
  { weight: 20, arbitrary: fc.jsonValue({ maxDepth: 3, stringUnit: char }) },
  { weight: 1, arbitrary: hugeString },
);
const record = fc.dictionary(fc.string({ unit: char, maxLength: 8 }), value, { maxKeys: 5 });

interface File {
  text: string;
  /** What JSON.parse makes of the file: its records. */
  expected: unknown[];
}

const jsonArrayFile: fc.Arbitrary<File> = fc
  .record({
    records: fc.array(value, { maxLength: 12 }),
    indent: fc.constantFrom(0, 2),
    crlf: fc.boolean(),
    bom: fc.boolean(),
  })
  .map(({ records, indent, crlf, bom }) => {
    const body = JSON.stringify(records, null, indent);
    const text = (bom ? BOM : "") + (crlf ? body.replaceAll("\n", "\r\n") : body);
    return { text, expected: JSON.parse(text.replace(/^\uFEFF/, "")) as unknown[] };
  });

const ndjsonFile: fc.Arbitrary<File> = fc
  .record({
    lines: fc.array(fc.tuple(record, fc.boolean()), { minLength: 1, maxLength: 12 }),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    finalNewline: fc.boolean(),
  })
  .map(({ lines, crlf, bom, finalNewline }) => {
    const eol = crlf ? "\r\n" : "\n";
    // A `true` beside a record puts a blank line after it (blank lines are ignored).
    const body = lines.map(([r, blank]) => JSON.stringify(r) + (blank ? eol : "")).join(eol);
    const text = (bom ? BOM : "") + body + (finalNewline ? eol : "");
    const expected = text
      .replace(/^\uFEFF/, "")
      .split(/\r?\n/)
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as unknown);
    return { text, expected };
  });

/** The file's bytes cut at the given offsets (taken modulo its length). */
function chunksOf(bytes: Buffer, cuts: number[]): Buffer[] {
  const offsets = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort(
    (a, b) => a - b,
  );
  const chunks: Buffer[] = [];
  let start = 0;
  for (const offset of [...offsets, bytes.length]) {
    if (offset > start) chunks.push(bytes.subarray(start, offset));
    start = Math.max(start, offset);
  }
  return chunks;
}

async function recordsRead(chunks: Buffer[]): Promise<ReaderItem[]> {
  async function* source() {
    yield* chunks;
  }
  const items: ReaderItem[] = [];
  for await (const item of new RecordReader().read(source())) items.push(item);
  return items;
}

const cuts = fc.array(fc.nat(), { maxLength: 40 });

async function sameAsJsonParse({ text, expected }: File, cutAt: number[]): Promise<void> {
  const items = await recordsRead(chunksOf(Buffer.from(text, "utf8"), cutAt));
  expect(items.filter((i) => i.kind !== "record")).toEqual([]);
  expect(items.map((i) => (i.kind === "record" ? JSON.parse(i.text) : i))).toEqual(expected);
}

describe("RecordReader against JSON.parse (random records, random chunk boundaries)", () => {
  it("JSON arrays: compact or indented, LF or CRLF, with or without a BOM", async () => {
    await fc.assert(fc.asyncProperty(jsonArrayFile, cuts, sameAsJsonParse), { numRuns: 150 });
  });

  it("NDJSON: LF or CRLF line endings, blank lines, with or without a BOM and a final newline", async () => {
    await fc.assert(fc.asyncProperty(ndjsonFile, cuts, sameAsJsonParse), { numRuns: 150 });
  });

  it("cut inside every multi-byte character and the BOM: one byte per chunk", async () => {
    const text = `${BOM}[{"k":"é中😀\\u2028"},"\uD83D\uDE00",${JSON.stringify("x".repeat(70_000))}]`;
    const bytes = Buffer.from(text, "utf8");
    const items = await recordsRead(Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1)));
    expect(items.map((i) => (i.kind === "record" ? JSON.parse(i.text) : i))).toEqual(
      JSON.parse(text.slice(1)),
    );
  });
});
