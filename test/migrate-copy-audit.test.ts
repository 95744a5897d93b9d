/**
 * `npm run migrate -- copy-audit` and `verify-audit` on 5,000 realistic audit items, London
 * (eu-west-2) → Ireland (eu-west-1), both tables in the one moto server: a copy stopped half-way and
 * resumed from its checkpoint ends equal (counts, checksums, every item), the producer's ledger is
 * not copied, and a second run writes nothing. Calls to moto are made from one process and are
 * served one at a time; the file has its own moto server so they do not hold up other files.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import type { AuditItem } from "../handlers/audit-processor/audit-item.js";
import { auditTableDefinition } from "../handlers/audit-processor/audit-table.js";
import { DEFAULT_RETRY } from "../ops/lib/retry.js";
import type { CopyCheckpoint } from "../ops/migrate/copy-checkpoint.js";
import { batchGetByTransactionId, scanSegment } from "../ops/migrate/table-reads.js";
import { buildAuditItems, ledgerItem, loadItems } from "./support/audit-history-fixtures.js";
import { faultyDynamoDB } from "./support/dynamodb-faults.js";
import {
  cachedInventory,
  migrate,
  uniquePrefix,
  useOwnEmulator,
  londonToIrelandArgs,
} from "./support/migrate-context.js";

const ITEMS = 5_000;
const prefix = uniquePrefix();
const stackArgs = londonToIrelandArgs(prefix);
const checkpoint = join(mkdtempSync(join(tmpdir(), "copy-audit-")), "checkpoint.json");
// Its own moto server (both regions in it): thousands of requests must not queue up other test files' calls.
const own = useOwnEmulator();
const ownContext = own.context;
const items = buildAuditItems(ITEMS);
const ledgers = Array.from({ length: 20 }, (_, i) =>
  ledgerItem(
    `${prefix}-cta-input-sit-euw2`,
    `in/file-${i}.ndjson`,
    `v${i}`,
    i % 4 === 0 ? "IN_PROGRESS" : "COMPLETED",
  ),
);
let tableName: string;

beforeAll(async () => {
  const source = await cachedInventory("sit-london", { prefix });
  const target = await cachedInventory("sit", { prefix });
  // The real scenario: the same table name in two regions.
  expect(target.auditTableName).toBe(source.auditTableName);
  tableName = source.auditTableName;
  await own.london.dynamodb.send(new CreateTableCommand(auditTableDefinition(tableName)));
  await own.ireland.dynamodb.send(new CreateTableCommand(auditTableDefinition(tableName)));
  await loadItems(own.london.dynamodb, tableName, [...items, ...ledgers]);
}, 300_000);

/** transactionId → the attributes that change on any write, read with a projection (moto is slow on whole items). */
async function targetSummary(): Promise<
  Map<string, Pick<AuditItem, "status" | "lastUpdatedAt" | "version" | "eventKeys">>
> {
  const summary = new Map<string, Pick<AuditItem, "status" | "lastUpdatedAt" | "version" | "eventKeys">>();
  for await (const page of scanSegment({
    dynamodb: own.ireland.dynamodb,
    tableName,
    segment: 0,
    totalSegments: 1,
    attributes: ["transactionId", "status", "lastUpdatedAt", "version", "eventKeys"],
    retry: DEFAULT_RETRY,
  })) {
    for (const raw of page.items) {
      const item = unmarshall(raw) as AuditItem;
      summary.set(item.transactionId, {
        status: item.status,
        lastUpdatedAt: item.lastUpdatedAt,
        version: item.version,
        eventKeys: item.eventKeys,
      });
    }
  }
  return summary;
}

describe("copy-audit London → Ireland, 5,000 items", () => {
  it("stops half-way on Ctrl-C, saying how to resume, with a checkpoint of what is done", async () => {
    // Arrange: pages of 250 items (20 in all); Ctrl-C arrives when the 8th is finished (the other segments finish the page in hand).
    const controller = new AbortController();
    let pages = 0;
    const context = ownContext({
      signal: controller.signal,
      afterCopyPage: () => void (++pages === 8 && controller.abort()),
    });

    // Act
    const { code, io } = await migrate(context, [
      "copy-audit",
      ...stackArgs,
      "--page-size",
      "250",
      "--checkpoint",
      checkpoint,
    ]);

    // Assert
    expect(io.stderr()).toContain(`read every item of ${tableName} in eu-west-2`);
    expect(code).toBe(1);
    expect(io.stdout()).toContain("INTERRUPTED");
    expect(io.stdout()).toContain(`run the same command again to resume from ${checkpoint}`);
    const saved = JSON.parse(readFileSync(checkpoint, "utf8")) as CopyCheckpoint;
    const done = saved.segments.reduce((n, s) => n + s.counts.scanned, 0);
    expect(saved.completedAt).toBeUndefined();
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(ITEMS + ledgers.length);
    expect((await targetSummary()).size).toBe(saved.segments.reduce((n, s) => n + s.counts.copied, 0));
  }, 300_000);

  it("resumes from the checkpoint and ends with every audit item copied exactly, ledgers left behind", async () => {
    const { code, io } = await migrate(ownContext(), [
      "copy-audit",
      ...stackArgs,
      "--page-size",
      "250",
      "--checkpoint",
      checkpoint,
    ]);
    expect(io.stderr()).toContain(`resuming ${checkpoint}`);
    expect(code).toBe(0);
    expect(io.stdout()).toContain("COMPLETE");
    expect(io.stdout()).toMatch(
      new RegExp(`items read from the source\\s+${(ITEMS + ledgers.length).toLocaleString("en-GB")}`),
    );
    expect(io.stdout()).toMatch(
      new RegExp(`copied \\(no target item\\)\\s+${ITEMS.toLocaleString("en-GB")}`),
    );
    expect(io.stdout()).toMatch(/ledger items skipped\s+20/);

    // Every item is the source's: same current status, same event keys (no duplicate), same version.
    const summary = await targetSummary();
    expect(summary.size).toBe(ITEMS);
    for (const item of items) {
      const copied = summary.get(item.transactionId);
      expect(copied, item.transactionId).toEqual({
        status: item.status,
        lastUpdatedAt: item.lastUpdatedAt,
        version: item.version,
        eventKeys: item.eventKeys,
      });
    }
    // And a sample read whole is identical, history included.
    const sample = items.filter((_, i) => i % 25 === 0);
    const whole = await batchGetByTransactionId(
      own.ireland.dynamodb,
      tableName,
      sample.map((i) => i.transactionId),
      DEFAULT_RETRY,
    );
    for (const item of sample) expect(unmarshall(whole.get(item.transactionId)!)).toEqual(item);
    const ledgerCopies = await batchGetByTransactionId(
      own.ireland.dynamodb,
      tableName,
      ledgers.map((l) => String(l.transactionId)),
      DEFAULT_RETRY,
    );
    expect(ledgerCopies.size).toBe(0);
  }, 300_000);

  it("verify-audit finds both sides equal: counts per status and checksums", async () => {
    const { code, io } = await migrate(ownContext(), ["verify-audit", ...stackArgs]);
    expect(code).toBe(0);
    const expected: Record<string, number> = {};
    for (const item of items) expected[item.status] = (expected[item.status] ?? 0) + 1;
    expect(Object.keys(expected).sort()).toEqual(["FAILED", "PROCESSED", "PUBLISHED"]);
    for (const [status, n] of Object.entries(expected)) {
      expect(io.stdout()).toMatch(
        new RegExp(`  ${status}\\s+${n.toLocaleString("en-GB")}\\s+${n.toLocaleString("en-GB")}`),
      );
    }
    expect(io.stdout()).toMatch(
      new RegExp(`EQUAL — ${ITEMS.toLocaleString("en-GB")} items, checksum [0-9a-f]{16} on both sides`),
    );
    expect(io.stdout()).toContain("differences: missing 0, target-older 0, target-newer 0, target-only 0");
  }, 300_000);

  it("a second run writes nothing and changes nothing", async () => {
    const before = await targetSummary();
    const watched = faultyDynamoDB(own.ireland.dynamodb, {});
    const context = ownContext({
      clients: (region) =>
        region === "eu-west-1" ? { ...own.ireland, dynamodb: watched.client } : own.london,
    });

    const { code, io } = await migrate(context, ["copy-audit", ...stackArgs, "--checkpoint", checkpoint]);

    expect(io.stderr()).toContain("starting a new pass");
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(/copied \(no target item\)\s+0\n/);
    expect(io.stdout()).toMatch(/merged into a target item\s+0\n/);
    expect(io.stdout()).toMatch(
      new RegExp(`already in the target \\(unchanged\\)\\s+${ITEMS.toLocaleString("en-GB")}`),
    );
    expect(watched.stats.writes).toBe(0);
    expect(watched.stats.calls.BatchGetItemCommand).toBeGreaterThanOrEqual(ITEMS / 100);
    expect(await targetSummary()).toEqual(before);
  }, 300_000);
});
