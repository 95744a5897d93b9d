/**
 * From the object's bytes to records (`input-decoding.ts` under `record-reader.ts`): one bad UTF-8
 * byte loses nothing before it and is reported at its exact offset (defect 5); gzip files are read,
 * within a bound on their decompressed size; UTF-16 files are refused with a reason that says so.
 * Pure streams: no emulator.
 */
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { firstInvalidUtf8 } from "../handlers/event-producer/input-decoding.js";
import { RecordReader, type ReaderItem } from "../handlers/event-producer/record-reader.js";

const line = (i: number) =>
  JSON.stringify({
    transactionId: `TXN-${String(i).padStart(6, "0")}`,
    customerId: `C${i}`,
    eventType: "KYC_REVIEW",
    payload: { name: `Ünïcode ${i}`, note: "n".repeat(40) },
  });

async function* chunks(bytes: Uint8Array, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function readAll(bytes: Uint8Array, options: Parameters<RecordReader["read"]>[1] = {}, size?: number) {
  const reader = new RecordReader();
  const items: ReaderItem[] = [];
  for await (const item of reader.read(chunks(bytes, size), options)) items.push(item);
  return {
    items,
    records: items.filter((i) => i.kind === "record"),
    unreadable: items.find((i) => i.kind === "unreadable"),
    reader,
  };
}

/** A 2,000-record NDJSON file with one invalid byte inside record 1,000 (the probe's case). */
function fileWithBadByte(): { bytes: Buffer; offset: number } {
  const lines = Array.from({ length: 2_000 }, (_, i) => Buffer.from(line(i + 1), "utf8"));
  const bad = lines[999]!;
  const at = bad.indexOf("n".repeat(40)) + 10;
  lines[999] = Buffer.concat([bad.subarray(0, at), Buffer.from([0xff]), bad.subarray(at)]);
  const before = lines.slice(0, 999).reduce((n, l) => n + l.length + 1, 0);
  return {
    bytes: Buffer.from(lines.map((l) => l.toString("latin1")).join("\n"), "latin1"),
    offset: before + at,
  };
}

describe("invalid UTF-8 (defect 5)", () => {
  it("yields every record before the bad byte and names its exact offset and record", async () => {
    const { bytes, offset } = fileWithBadByte();
    expect(offset).toBeGreaterThan(64 * 1024); // the byte is far from a chunk start

    const { records, unreadable } = await readAll(bytes);

    expect(records).toHaveLength(999);
    expect(records.at(-1)).toMatchObject({ position: 999, line: 999 });
    expect(unreadable).toEqual({
      kind: "unreadable",
      recordsRead: 999,
      reason: `the file is not valid UTF-8: byte 0xFF at byte offset ${offset} is not part of a UTF-8 character (inside record 1000, which starts on line 1000)`,
    });
  });

  it("finds the same offset whatever the chunking, including a character split across chunks", async () => {
    const { bytes, offset } = fileWithBadByte();
    for (const size of [1, 7, 4096, 65_537]) {
      const { records, unreadable } = await readAll(bytes.subarray(0, offset + 200), {}, size);
      expect(records, `chunks of ${size}`).toHaveLength(999);
      expect(unreadable?.kind === "unreadable" && unreadable.reason).toContain(`at byte offset ${offset} `);
    }
  });

  it("reports a file that ends inside a multi-byte character, and a bad byte between records of a JSON array", async () => {
    const cut = Buffer.concat([Buffer.from(`${line(1)}\n${line(2).slice(0, 30)}`), Buffer.from([0xc3])]);
    expect((await readAll(cut)).unreadable).toMatchObject({
      recordsRead: 1,
      reason: expect.stringMatching(
        /ends inside a multi-byte character starting at byte offset \d+ \(inside record 2, which starts on line 2\)$/,
      ),
    });
    const array = Buffer.concat([
      Buffer.from(`[${line(1)},\n`),
      Buffer.from([0xe2, 0x28, 0xa1]),
      Buffer.from(`${line(2)}]`),
    ]);
    const { records, unreadable } = await readAll(array);
    expect(records).toHaveLength(1);
    expect(unreadable).toMatchObject({
      reason: expect.stringMatching(/byte 0xE2 at byte offset \d+ .*\(after record 1, line 2\)$/),
    });
  });

  it("follows Unicode's table of well-formed sequences (no overlongs, no surrogates, nothing past U+10FFFF)", () => {
    const invalid = [
      [0xc0, 0xaf],
      [0xe0, 0x80, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0x80],
    ];
    for (const seq of invalid)
      expect(firstInvalidUtf8(Uint8Array.from([0x41, ...seq])), seq.join(",")).toBe(1);
    expect(firstInvalidUtf8(Buffer.from("aé€😀"))).toBe(Buffer.from("aé€😀").length);
  });
});

describe("gzip input", () => {
  const ndjson = Array.from({ length: 300 }, (_, i) => line(i + 1)).join("\n");

  it("reads a gzip file by its magic bytes, or by Content-Encoding", async () => {
    const gz = gzipSync(ndjson);
    const byMagic = await readAll(gz, {}, 1000);
    expect(byMagic.records).toHaveLength(300);
    expect(byMagic.unreadable).toBeUndefined();
    expect(byMagic.reader.stats).toMatchObject({ gzip: true, bytesRead: gz.length, format: "ndjson" });
    expect(
      (await readAll(gz, { contentEncoding: "gzip" })).records.map((r) => r.kind === "record" && r.text),
    ).toEqual(ndjson.split("\n"));
  });

  it("stops at the decompressed-size bound, after the records within it", async () => {
    const { records, unreadable } = await readAll(gzipSync(ndjson), { maxDecompressedBytes: 20_000 }, 512);
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThan(300);
    expect(unreadable).toMatchObject({
      reason: expect.stringMatching(
        /^the gzip file decompresses to more than 20000 bytes, the producer's limit; split it into smaller files/,
      ),
    });
  });

  it("reports gzip data that is cut short, and a Content-Encoding that does not match the bytes", async () => {
    const gz = gzipSync(ndjson);
    expect((await readAll(gz.subarray(0, gz.length - 100))).unreadable).toMatchObject({
      reason: expect.stringMatching(
        /^the gzip data is corrupt or cut short \(unexpected end of file\) after \d+ decompressed bytes/,
      ),
    });
    expect((await readAll(Buffer.from(ndjson), { contentEncoding: "gzip" })).unreadable).toMatchObject({
      recordsRead: 0,
      reason: expect.stringMatching(/declares Content-Encoding "gzip" but its bytes are not gzip/),
    });
  });
});

describe("UTF-16 and UTF-32 input is refused with a reason that says so", () => {
  const text = `[${line(1)}]`;
  it.each([
    [
      "UTF-16 LE with BOM",
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]),
      /is UTF-16 \(little-endian byte-order mark FF FE\)/,
    ],
    [
      "UTF-16 BE with BOM",
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, "utf16le").swap16()]),
      /is UTF-16 \(big-endian byte-order mark FE FF\)/,
    ],
    ["UTF-16 LE without BOM", Buffer.from(text, "utf16le"), /is UTF-16 or UTF-32 without a byte-order mark/],
    [
      "UTF-32 LE with BOM",
      Buffer.from([0xff, 0xfe, 0, 0, 0x5b, 0, 0, 0]),
      /is UTF-32 \(little-endian byte-order mark FF FE 00 00\)/,
    ],
    ["gzip of UTF-16", gzipSync(Buffer.from(text, "utf16le")), /the decompressed file is UTF-16 or UTF-32/],
  ])("%s", async (_, bytes, reason) => {
    const { records, unreadable } = await readAll(bytes);
    expect(records).toEqual([]);
    expect(unreadable).toMatchObject({ recordsRead: 0, reason: expect.stringMatching(reason) });
    expect(unreadable?.kind === "unreadable" && unreadable.reason).toMatch(
      /convert the file to UTF-8 and upload it again/,
    );
  });

  it("still reads UTF-8 with a byte-order mark, and keeps a U+FEFF inside a record", async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(`{"transactionId":"T\ufeff1"}\n${line(2)}`),
    ]);
    const { records } = await readAll(bytes, {}, 2);
    expect(records.map((r) => r.kind === "record" && r.text)).toEqual([
      '{"transactionId":"T\ufeff1"}',
      line(2),
    ]);
  });
});
