/**
 * Hostile files through the whole local platform (`runLocalPlatform`: emulator, stand-ins, every
 * handler behind its event source): each record ends PROCESSED or FAILED with a reason, exactly once,
 * nothing is altered on its way to Salesforce, and one bad byte costs nothing before it.
 */
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { Cleanup } from "../local/cleanup.js";
import { runLocalPlatform, type LocalRunResult } from "../local/platform-run.js";
import { scanAuditTable, type AuditRow } from "../local/summary.js";

const dir = mkdtempSync(join(tmpdir(), "hostile-input-"));

interface Run {
  result: LocalRunResult;
  cases: Map<string, { fields: Record<string, unknown> }>;
  /** Audit items by audit key. */
  audit: Map<string, AuditRow>;
  /** Keys of the producer's ledger items. */
  ledgerKeys: string[];
}

async function run(fileName: string, body: string | Buffer): Promise<Run> {
  const input = join(dir, fileName);
  writeFileSync(input, body);
  const cleanup = new Cleanup();
  try {
    const result = await runLocalPlatform(
      {
        records: 0,
        input,
        faults: {},
        badShare: 0,
        seed: 1,
        timeoutMs: 120_000,
        runDir: join(dir, `run-${fileName}`),
        log: () => undefined,
      },
      cleanup,
    );
    const { stack, clients, salesforce } = result.environment;
    const cases = new Map(
      [...salesforce.cases].map(([id, c]) => [id, c as unknown as { fields: Record<string, unknown> }]),
    );
    const tableName = stack.functions.find(
      (f) => f.environment.AUDIT_TABLE_NAME && f.name.includes("audit-processor"),
    )!.environment.AUDIT_TABLE_NAME!;
    const audit = new Map(
      (await scanAuditTable(clients.dynamodb, tableName)).map((row) => [row.transactionId, row]),
    );
    // The summary's scan leaves the producer's ledger out (it is not a record): read it on its own.
    const ledger = await clients.dynamodb.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: "begins_with(transactionId, :p)",
        ExpressionAttributeValues: { ":p": { S: "#ledger:" } },
      }),
    );
    const ledgerKeys = (ledger.Items ?? []).map((i) => i.transactionId!.S!);
    return { result, cases, audit, ledgerKeys };
  } finally {
    await cleanup.stopAll();
  }
}

const ok = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ transactionId: id, customerId: `C-${id}`, eventType: "KYC_REVIEW", ...extra });

describe("local run with hostile records", () => {
  it("fails each hostile record with its reason, processes its neighbours, and alters nothing on the way to Salesforce", async () => {
    const numbers = '{"amount":12345678901234567890,"limit":1e400,"rate":0.10}';
    const lines = [
      ok("TXN-H1").replace(/}$/, `,"payload":${numbers}}`),
      `{"transactionId":"TXN-H2","customerId":"C","eventType":"E","payload":${'{"a":'.repeat(6_000)}1${"}".repeat(6_000)}}`,
      '{"transactionId":"TXN-\\ud800","customerId":"C","eventType":"E"}',
      ok("#record:s3://somewhere#1"),
      ok("TXN-H5", { producedAt: "2026-02-30T08:00:00Z" }),
      ok("TXN-H6", { producedAt: "0000-01-01T00:00:00Z" }),
      ok("TXN-H7", { producedAt: new Date(Date.now() - 60_000).toISOString() }),
      ok("TXN-H8 "),
      ok("TXN-Cafe\u0301"),
      ok("TXN-Caf\u00e9"),
    ];

    const { result, cases, audit, ledgerKeys } = await run("hostile.ndjson", `${lines.join("\n")}\n`);
    const { summary } = result;

    expect(summary.unaccounted, JSON.stringify(summary.lost)).toBe(0);
    expect(summary).toMatchObject({
      records: 10,
      rejected: 7,
      published: 3,
      casesCreated: 3,
      audited: { PROCESSED: 3, FAILED: 7 },
    });
    expect([...cases.keys()].sort()).toEqual(["TXN-Café", "TXN-H1", "TXN-H7"]);
    // Every digit as written, in the case's description.
    expect(cases.get("TXN-H1")!.fields.Description).toBe(numbers);
    const at = (n: number) => audit.get(`#record:s3://${summary.input.bucket}/${summary.input.key}#${n}`);
    const expected: Array<[AuditRow | undefined, RegExp]> = [
      [at(2), /^record is nested deeper than 64 levels/],
      [at(3), /lone surrogate/],
      [at(4), /^transactionId starts with '#', which is reserved/],
      [audit.get("TXN-H5"), /^producedAt "2026-02-30T08:00:00Z" is not a real time: day 30 does not exist/],
      [
        audit.get("TXN-H6"),
        /^producedAt "0000-01-01T00:00:00Z" is not a real time: year 0000 does not exist/,
      ],
      [at(8), /^transactionId has leading or trailing white space/],
      [at(9), /^transactionId is not in Unicode normalisation form NFC/],
    ];
    for (const [row, reason] of expected)
      expect(row).toMatchObject({ status: "FAILED", reason: expect.stringMatching(reason) });
    for (const id of ["TXN-H1", "TXN-H7", "TXN-Café"])
      expect(audit.get(id)).toMatchObject({ status: "PROCESSED" });
    // The producer's ledger item for the uploaded version (the local bucket is versioned, as deployed).
    expect(ledgerKeys).toEqual([
      expect.stringMatching(new RegExp(`^#ledger:s3://${summary.input.bucket}/${summary.input.key}@.+`)),
    ]);
    // Latency comes only from real instants: a minute or so, not 63 trillion ms.
    expect(summary.latencyMs.p95!).toBeLessThan(10 * 60_000);
  }, 180_000);

  it("reads a file that starts with null lines as NDJSON: each null FAILED as not a record, the records after it processed", async () => {
    const body = `null\nnull\n${ok("TXN-N1")}\n42\n${ok("TXN-N2")}\n`;

    const { result, cases, audit } = await run("nulls.ndjson", body);
    const { summary } = result;

    expect(summary.unaccounted, JSON.stringify(summary.lost)).toBe(0);
    expect(summary).toMatchObject({
      records: 5,
      rejected: 3,
      published: 2,
      casesCreated: 2,
      audited: { PROCESSED: 2, FAILED: 3 },
    });
    expect([...cases.keys()].sort()).toEqual(["TXN-N1", "TXN-N2"]);
    const at = (n: number) => audit.get(`#record:s3://${summary.input.bucket}/${summary.input.key}#${n}`);
    expect(at(1)).toMatchObject({
      status: "FAILED",
      reason: expect.stringMatching(/^record must be a JSON object, got null/),
    });
    expect(at(2)).toMatchObject({
      status: "FAILED",
      reason: expect.stringMatching(/^record must be a JSON object, got null/),
    });
    expect(at(4)).toMatchObject({
      status: "FAILED",
      reason: expect.stringMatching(/^record must be a JSON object, got a number/),
    });
    expect(audit.has(`#file:s3://${summary.input.bucket}/${summary.input.key}`)).toBe(false);
  }, 180_000);

  it("processes every record before an invalid UTF-8 byte in a gzip file and audits the file with the byte's offset", async () => {
    const good = Array.from({ length: 20 }, (_, i) => ok(`TXN-G${i + 1}`)).join("\n");
    const raw = Buffer.concat([
      Buffer.from(`${good}\n{"transactionId":"TXN-G21","customerId":"C`),
      Buffer.from([0xff]),
      Buffer.from(`","eventType":"E"}\n${ok("TXN-G22")}\n`),
    ]);
    const offset = Buffer.byteLength(`${good}\n{"transactionId":"TXN-G21","customerId":"C`);

    const { result, cases, audit } = await run("bad-byte.ndjson.gz", gzipSync(raw));
    const { summary } = result;

    expect(summary.unaccounted, JSON.stringify(summary.lost)).toBe(0);
    expect(summary).toMatchObject({
      records: 20,
      published: 20,
      casesCreated: 20,
      audited: { PROCESSED: 20, FAILED: 1 },
    });
    expect(cases.size).toBe(20);
    const file = audit.get(`#file:s3://${summary.input.bucket}/${summary.input.key}`);
    expect(file).toMatchObject({ status: "FAILED" });
    expect(file!.reason).toContain(
      `could not be read: the file is not valid UTF-8: byte 0xFF at byte offset ${offset} of the decompressed content is not part of a UTF-8 character ` +
        "(inside record 21, which starts on line 21); 20 record(s) were read before the error",
    );
  }, 180_000);
});
