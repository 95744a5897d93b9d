import { describe, expect, it } from "vitest";
import {
  RecordReader,
  type ReaderItem,
  type RecordReaderOptions,
} from "../handlers/event-producer/record-reader.js";

/** Feeds the bytes in chunks of `chunkSize` (splitting multi-byte characters too) and collects the items. */
async function readAll(input: string | Buffer, chunkSize = 64 * 1024, options?: RecordReaderOptions) {
  const bytes = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
  }
  const reader = new RecordReader(options);
  const items: ReaderItem[] = [];
  for await (const item of reader.read(chunks())) items.push(item);
  return { items, stats: reader.stats };
}

const texts = (items: ReaderItem[]) => items.map((i) => (i.kind === "record" ? i.text : i.kind));

describe("RecordReader: formats", () => {
  it("reads a JSON array element by element, with strings holding brackets, quotes and escapes", async () => {
    const records = [{ a: "x]y}", b: [1, { c: '"{[' }] }, { d: "line\\nbreak", e: "é中😀" }, { f: null }];
    const { items, stats } = await readAll(JSON.stringify(records, null, 2));
    expect(stats.format).toBe("json-array");
    expect(items.map((i) => (i.kind === "record" ? JSON.parse(i.text) : i))).toEqual(records);
    expect(items.map((i) => (i.kind === "record" ? i.position : 0))).toEqual([1, 2, 3]);
    expect(items.map((i) => (i.kind === "record" ? i.line : 0))).toEqual([2, 11, 15]);
  });

  it("gives the same records whatever the chunk boundaries (every split of a multi-byte character)", async () => {
    const input = `\uFEFF[{"id":"é中😀"}, {"id":"\\"]"} ,"s", 12 ,{"x":[[]]}]\n`;
    const whole = texts((await readAll(input)).items);
    expect(whole).toEqual(['{"id":"é中😀"}', '{"id":"\\"]"}', '"s"', "12", '{"x":[[]]}']);
    for (let size = 1; size <= 9; size++) expect(texts((await readAll(input, size)).items)).toEqual(whole);
  });

  it("reads NDJSON line by line, ignoring blank lines and CRLF endings, counting positions without blanks", async () => {
    const input = '{"n":1}\r\n\r\n   \n{"n":2}\n{"n":3}';
    for (const size of [1, 3, 1000]) {
      const { items, stats } = await readAll(input, size);
      expect(stats.format).toBe("ndjson");
      expect(
        items.map((i) => (i.kind === "record" ? [i.position, i.line, JSON.parse(i.text).n] : i)),
      ).toEqual([
        [1, 1, 1],
        [2, 4, 2],
        [3, 5, 3],
      ]);
    }
  });

  it("tolerates a UTF-8 BOM and leading white space before either format", async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const nd = await readAll(Buffer.concat([bom, Buffer.from('\n\n{"a":1}\n{"a":2}\n')]), 2);
    expect(nd.stats.format).toBe("ndjson");
    expect(nd.items.map((i) => (i.kind === "record" ? [i.line, i.text] : i))).toEqual([
      [3, '{"a":1}'],
      [4, '{"a":2}'],
    ]);
    const arr = await readAll(Buffer.concat([bom, Buffer.from(' \n [{"a":1}]')]), 1);
    expect(texts(arr.items)).toEqual(['{"a":1}']);
  });

  it("passes a bad NDJSON line on as a record (validation rejects it) and keeps reading", async () => {
    const { items } = await readAll('{"a":1}\n{"a":\n{"a":3}\n');
    expect(texts(items)).toEqual(['{"a":1}', '{"a":', '{"a":3}']);
  });

  it("reads NDJSON whose first lines are JSON scalars (null, numbers, strings) as records, whatever the chunks", async () => {
    const input = '\nnull\n42\n"x"\n{"n":1}\ntrue\n';
    for (const size of [1, 2, 5, 1000]) {
      const { items, stats } = await readAll(input, size);
      expect(stats.format).toBe("ndjson");
      expect(items.map((i) => (i.kind === "record" ? [i.position, i.line, i.text] : i))).toEqual([
        [1, 2, "null"],
        [2, 3, "42"],
        [3, 4, '"x"'],
        [4, 5, '{"n":1}'],
        [5, 6, "true"],
      ]);
    }
    const single = await readAll("null", 1);
    expect(texts(single.items)).toEqual(["null"]);
  });

  it("reads an empty array as a file with no records", async () => {
    const { items, stats } = await readAll(" [ ] \n");
    expect(items).toEqual([]);
    expect(stats.recordsRead).toBe(0);
  });
});

describe("RecordReader: files that cannot be read", () => {
  const cases: Array<[string, string | Buffer, RegExp, number]> = [
    ["empty file", "", /the file is empty/, 0],
    ["white space only", " \n\t\n", /only white space/, 0],
    [
      "not JSON at all",
      "transactionId,customerId\nT1,C1\n",
      /neither a JSON array nor NDJSON: it starts with "t"/,
      0,
    ],
    [
      "a first word that only looks like JSON",
      'nonsense\n{"a":1}\n',
      /neither a JSON array nor NDJSON: it starts with "n"/,
      0,
    ],
    [
      "a CSV line starting with a number",
      "12,13\n",
      /neither a JSON array nor NDJSON: it starts with "1"/,
      0,
    ],
    ["truncated array", '[{"a":1},{"a":2},{"a":', /ends inside record 3 \(started on line 1\)/, 2],
    ["array never closed", '[{"a":1},\n{"a":2}\n', /ends before the closing '\]'/, 2],
    ["missing comma", '[{"a":1}\n{"a":2}]', /expected ',' or '\]' after record 1 on line 2, found "\{"/, 1],
    [
      "mismatched bracket",
      '[{"a":1},{"a":[1,2}]',
      /record 2 \(line 1\) has "\}" on line 1 where "\]" was expected/,
      1,
    ],
    ["trailing comma", '[{"a":1},]', /a record is missing before "\]"/, 1],
    [
      "content after the array",
      '[{"a":1}]\n{"b":2}',
      /unexpected content after the closing '\]' .* line 2/,
      1,
    ],
    [
      "invalid UTF-8",
      Buffer.concat([Buffer.from('{"a":1}\n{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]),
      /not valid UTF-8/,
      1,
    ],
  ];
  for (const [name, input, reason, readBefore] of cases) {
    it(`${name}: stops with a reason and the count read before`, async () => {
      const { items } = await readAll(input, 5);
      const last = items.at(-1)!;
      expect(last.kind).toBe("unreadable");
      if (last.kind !== "unreadable") return;
      expect(last.reason).toMatch(reason);
      expect(last.recordsRead).toBe(readBefore);
      expect(items.filter((i) => i.kind === "record")).toHaveLength(readBefore);
    });
  }

  it("reports a failing source (e.g. a broken S3 body) as unreadable after the records already read", async () => {
    async function* broken() {
      yield Buffer.from('{"a":1}\n{"a":2}\n{"a":');
      throw Object.assign(new Error("socket hang up"), { name: "NetworkError" });
    }
    const items: ReaderItem[] = [];
    for await (const item of new RecordReader().read(broken())) items.push(item);
    expect(items.map((i) => i.kind)).toEqual(["record", "record", "unreadable"]);
    expect(items[2]).toMatchObject({
      reason: "reading the file failed: NetworkError: socket hang up",
      recordsRead: 2,
    });
  });
});

describe("RecordReader: memory", () => {
  it("reports a runaway record as oversized without keeping its text, then reads on", async () => {
    const big = `{"transactionId":"T2","payload":{"blob":"${"x".repeat(5000)}"}}`;
    for (const input of [`[{"a":1},${big},{"a":3}]`, `{"a":1}\n${big}\n{"a":3}\n`]) {
      const { items, stats } = await readAll(input, 256, { maxRecordChars: 1000 });
      expect(items.map((i) => i.kind)).toEqual(["record", "oversized", "record"]);
      expect(items[1]).toMatchObject({ position: 2, chars: big.length });
      expect(stats.maxBufferedChars).toBeLessThan(1000 + 2 * 256);
    }
  });

  it("streams a 50,000-record file holding only a chunk and a record at a time", async () => {
    const record = (i: number) =>
      JSON.stringify({
        transactionId: `T${i}`,
        customerId: `C${i}`,
        eventType: "KYC_REVIEW",
        payload: { n: i },
      });
    const body = `[${Array.from({ length: 50_000 }, (_, i) => record(i)).join(",\n")}]`;
    const { items, stats } = await readAll(body, 64 * 1024);
    expect(items).toHaveLength(50_000);
    expect(items.every((i, n) => i.kind === "record" && i.position === n + 1)).toBe(true);
    const last = items.at(-1)!;
    expect(last.kind === "record" && JSON.parse(last.text).transactionId).toBe("T49999");
    expect(stats.bytesRead).toBe(Buffer.byteLength(body));
    // The file is ~4.5 MB; the reader never held more than one chunk plus a partial record.
    expect(stats.maxBufferedChars).toBeLessThan(64 * 1024 + 200);
  });
});
