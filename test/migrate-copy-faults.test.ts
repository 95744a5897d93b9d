/**
 * copy-audit when things go wrong, on small tables (moto serves whole audit items slowly):
 * throttling and partial BatchGetItem answers are retried to completion with backoff; a target item
 * newer than its source copy stays current; a write that races the target's own audit processor is
 * merged on top of it, not over it; a crash mid-page resumes to an exact copy; a dry run writes
 * nothing; verify-audit tells an incomplete copy from a target that moved on.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import type { AuditItem } from "../handlers/audit-processor/audit-item.js";
import {
  auditTableDefinition,
  recordAuditEvent,
  writeAuditItem,
} from "../handlers/audit-processor/audit-table.js";
import type { RegionClients } from "../ops/lib/aws-clients.js";
import { DEFAULT_RETRY } from "../ops/lib/retry.js";
import { newCheckpoint, saveCheckpoint } from "../ops/migrate/copy-checkpoint.js";
import { scanSegment } from "../ops/migrate/table-reads.js";
import { buildAuditItems, foldEvents, loadItems, RETENTION_DAYS } from "./support/audit-history-fixtures.js";
import { faultyDynamoDB } from "./support/dynamodb-faults.js";
import {
  cachedInventory,
  migrate,
  recordingRetry,
  uniquePrefix,
  useOwnEmulator,
  londonToIrelandArgs,
} from "./support/migrate-context.js";

// Its own moto server (both regions in it): thousands of requests must not queue up other test files' calls.
const own = useOwnEmulator();
const ownContext = own.context;
const tempDir = mkdtempSync(join(tmpdir(), "copy-faults-"));

interface Pair {
  prefix: string;
  tableName: string;
  args: string[];
}

async function tablePair(items: readonly object[]): Promise<Pair> {
  const prefix = uniquePrefix();
  const { auditTableName } = await cachedInventory("sit-london", { prefix });
  await cachedInventory("sit", { prefix });
  await own.london.dynamodb.send(new CreateTableCommand(auditTableDefinition(auditTableName)));
  await own.ireland.dynamodb.send(new CreateTableCommand(auditTableDefinition(auditTableName)));
  await loadItems(own.london.dynamodb, auditTableName, items);
  return {
    prefix,
    tableName: auditTableName,
    args: londonToIrelandArgs(prefix),
  };
}

async function wholeTable(clients: RegionClients, tableName: string): Promise<Map<string, AuditItem>> {
  const all = new Map<string, AuditItem>();
  for await (const page of scanSegment({
    dynamodb: clients.dynamodb,
    tableName,
    segment: 0,
    totalSegments: 1,
    retry: DEFAULT_RETRY,
  })) {
    for (const raw of page.items) {
      const item = unmarshall(raw) as AuditItem;
      all.set(item.transactionId, item);
    }
  }
  return all;
}

function expectNoDuplicateHistory(item: AuditItem): void {
  const keys = item.history.map((h) => h.eventKey);
  expect(new Set(keys).size, item.transactionId).toBe(keys.length);
}

describe("copy-audit under faults and races", () => {
  const items = buildAuditItems(300, 7);
  const newerInTarget = items.find((i) => i.status === "PROCESSED")!;
  const olderInTarget = items.filter((i) => i.status === "PROCESSED")[1]!;
  const racedBySomeoneElse = items.filter((i) => i.status === "FAILED")[0]!;
  let pair: Pair;

  beforeAll(async () => {
    pair = await tablePair(items);
    const target = { dynamodb: own.ireland.dynamodb, tableName: pair.tableName };
    // Ireland re-processed one transaction after cut-over (a day later than London's last event) …
    const later = new Date(Date.parse(newerInTarget.lastUpdatedAt) + 86_400_000).toISOString();
    await writeAuditItem(
      target,
      foldEvents(
        [
          {
            transactionId: newerInTarget.transactionId,
            status: "PROCESSED",
            component: "cta-case-creator",
            occurredAt: later,
            attributes: { salesforceId: "500X", created: false },
          },
        ],
        undefined,
        "ireland",
      )!,
      undefined,
    );
    // … and only saw the first event of another.
    const first = olderInTarget.history[0]!;
    await writeAuditItem(
      target,
      foldEvents(
        [
          {
            transactionId: olderInTarget.transactionId,
            status: first.status,
            component: first.component,
            occurredAt: first.occurredAt,
          },
        ],
        undefined,
        "ireland",
      )!,
      undefined,
    );
  }, 120_000);

  it("retries throttling and UnprocessedKeys to completion, keeps the newer target item and merges a racing write", async () => {
    // Arrange: both regions' clients misbehave; the target's processor writes the raced item just before our write lands.
    const target = { dynamodb: own.ireland.dynamodb, tableName: pair.tableName };
    const racedAt = new Date().toISOString();
    let raced = false;
    const faultyLondon = faultyDynamoDB(own.london.dynamodb, { throttleEvery: 3, unprocessedEvery: 2 });
    const faultyIreland = faultyDynamoDB(own.ireland.dynamodb, {
      throttleEvery: 3,
      unprocessedEvery: 2,
      beforeWrite: async (input) => {
        if (raced || (input.Key ?? input.Item)?.transactionId?.S !== racedBySomeoneElse.transactionId) return;
        raced = true;
        await recordAuditEvent(
          target,
          {
            transactionId: racedBySomeoneElse.transactionId,
            status: "PROCESSED",
            component: "cta-case-creator",
            occurredAt: racedAt,
          },
          { now: new Date(), retentionDays: RETENTION_DAYS, messageId: "ireland-live" },
        );
      },
    });
    const retry = recordingRetry();
    const context = ownContext({
      retry,
      clients: (region) =>
        region === "eu-west-1"
          ? { ...own.ireland, dynamodb: faultyIreland.client }
          : { ...own.london, dynamodb: faultyLondon.client },
    });

    // Act
    const { code, io } = await migrate(context, [
      "copy-audit",
      ...pair.args,
      "--checkpoint",
      join(tempDir, "faults.json"),
    ]);

    // Assert: every fault was met and retried with a backoff delay, and the copy completed.
    expect(io.stdout()).toContain("COMPLETE");
    expect(code).toBe(0);
    const injected =
      faultyLondon.stats.throttled +
      faultyIreland.stats.throttled +
      faultyLondon.stats.partialBatches +
      faultyIreland.stats.partialBatches;
    expect(faultyIreland.stats.throttled).toBeGreaterThan(10);
    expect(faultyIreland.stats.partialBatches).toBeGreaterThan(0);
    expect(faultyLondon.stats.throttled).toBeGreaterThan(0);
    expect(retry.delays.length).toBeGreaterThanOrEqual(injected);
    expect(io.stdout()).toMatch(
      new RegExp(`throttled or partial calls retried \\(this run\\)\\s+${retry.delays.length}\\n?`),
    );
    expect(io.stdout()).toMatch(/writes that raced the target and were merged again\s+1\n/);
    expect(io.stdout()).toMatch(/merged into a target item\s+3\n/);

    const copied = await wholeTable(own.ireland, pair.tableName);
    expect(copied.size).toBe(items.length);
    for (const item of copied.values()) expectNoDuplicateHistory(item);
    // The newer target item stays current; London's earlier events join its history, and London's
    // PROCESSED (same outcome, same component as Ireland's) is recorded as a repeat, not a second one.
    const newer = copied.get(newerInTarget.transactionId)!;
    expect(newer.status).toBe("PROCESSED");
    expect(newer.lastUpdatedAt > newerInTarget.lastUpdatedAt).toBe(true);
    expect(newer.eventKeys).toEqual(expect.arrayContaining(newerInTarget.eventKeys));
    const londonProcessed = newerInTarget.history.filter((h) => h.status === "PROCESSED").length;
    expect(newer.history.length).toBe(newerInTarget.history.length - londonProcessed + 1);
    expect(newer.repeats).toBe(londonProcessed);
    // An older target item takes the source's newer status.
    const older = copied.get(olderInTarget.transactionId)!;
    expect({ status: older.status, lastUpdatedAt: older.lastUpdatedAt }).toEqual({
      status: olderInTarget.status,
      lastUpdatedAt: olderInTarget.lastUpdatedAt,
    });
    expect(older.history.length).toBe(olderInTarget.history.length);
    // The item Ireland's processor wrote meanwhile keeps that event, merged with London's.
    const racedItem = copied.get(racedBySomeoneElse.transactionId)!;
    expect(racedItem.lastUpdatedAt).toBe(racedAt);
    expect(racedItem.eventKeys).toEqual(expect.arrayContaining(racedBySomeoneElse.eventKeys));
    expect(racedItem.history.length).toBe(racedBySomeoneElse.history.length + 1);
    // Everything else is the source item as it was.
    for (const item of items) {
      if ([newerInTarget, olderInTarget, racedBySomeoneElse].includes(item)) continue;
      expect(copied.get(item.transactionId)).toEqual(item);
    }
  }, 180_000);

  it("verify-audit says the target is ahead (newer there), not different", async () => {
    const { code, io } = await migrate(ownContext(), ["verify-audit", ...pair.args]);
    expect(io.stdout()).toContain("differences: missing 0, target-older 0, target-newer 2, target-only 0");
    expect(io.stdout()).toContain(`target-newer  ${newerInTarget.transactionId}`);
    expect(io.stdout()).toContain("TARGET AHEAD");
    expect(code).toBe(0);
  }, 120_000);
});

describe("copy-audit after a crash, and its dry run", () => {
  const items = buildAuditItems(300, 9);
  let pair: Pair;
  const checkpoint = join(tempDir, "crash.json");
  beforeAll(async () => {
    pair = await tablePair(items);
  }, 120_000);

  it("a dry run counts what it would write and writes nothing", async () => {
    const { code, io } = await migrate(ownContext(), [
      "copy-audit",
      ...pair.args,
      "--dry-run",
      "--checkpoint",
      checkpoint,
    ]);
    expect(code).toBe(0);
    expect(io.stdout()).toContain("DRY RUN — would copy 300 and merge 0; 0 already there");
    expect((await wholeTable(own.ireland, pair.tableName)).size).toBe(0);
  }, 120_000);

  it("crashes mid-page, is resumed from the checkpoint and ends an exact copy with no duplicate history", async () => {
    // Arrange: pages of 40 items, checkpointed after each; the process dies after 150 writes, in the middle of a page.
    const crashing = faultyDynamoDB(own.ireland.dynamodb, { crashAfterWrites: 150 });
    const crashContext = ownContext({
      clients: (region) =>
        region === "eu-west-1" ? { ...own.ireland, dynamodb: crashing.client } : own.london,
    });

    // Act 1: the crash
    const crashed = await migrate(crashContext, [
      "copy-audit",
      ...pair.args,
      "--segments",
      "2",
      "--page-size",
      "40",
      "--checkpoint",
      checkpoint,
    ]);

    // Assert 1: it says what happened and how to resume; verify-audit sees the copy is incomplete.
    expect(crashed.code).toBe(1);
    expect(crashed.io.stderr()).toContain("copy-audit failed part-way: injected crash");
    expect(crashed.io.stderr()).toContain("run the same command again to resume");
    // (writes already in flight when the crash came still land: at least 150, never all)
    const written = (await wholeTable(own.ireland, pair.tableName)).size;
    expect(written).toBeGreaterThanOrEqual(150);
    expect(written).toBeLessThan(items.length);
    const verifyBefore = await migrate(ownContext(), ["verify-audit", ...pair.args, "--show", "3"]);
    expect(verifyBefore.code).toBe(1);
    expect(verifyBefore.io.stdout()).toContain(
      `DIFFERENT — ${items.length - written} missing from the target, 0 older in the target`,
    );
    expect(verifyBefore.io.stdout()).toMatch(
      /first 3:\n {2}missing {6} \S+ {2}source \w+ at \S+, target absent/,
    );

    // Act 2: the same command again, with a healthy client
    const resumed = await migrate(ownContext(), [
      "copy-audit",
      ...pair.args,
      "--segments",
      "2",
      "--page-size",
      "40",
      "--checkpoint",
      checkpoint,
    ]);

    // Assert 2
    expect(resumed.io.stderr()).toContain(`resuming ${checkpoint}`);
    expect(resumed.code).toBe(0);
    const copied = await wholeTable(own.ireland, pair.tableName);
    expect(copied.size).toBe(items.length);
    for (const item of items) expect(copied.get(item.transactionId)).toEqual(item);
    const verifyAfter = await migrate(ownContext(), ["verify-audit", ...pair.args]);
    expect(verifyAfter.io.stdout()).toContain("EQUAL — 300 items");
    expect(verifyAfter.code).toBe(0);
  }, 180_000);

  it("refuses to resume a checkpoint with another number of segments, naming the fix", async () => {
    const incomplete = join(tempDir, "incomplete.json");
    const ref = (stack: string, region: string) => ({ stack, region, tableName: pair.tableName });
    saveCheckpoint(
      incomplete,
      newCheckpoint(ref("sit-london", "eu-west-2"), ref("sit", "eu-west-1"), 3, new Date()),
    );
    const watched = faultyDynamoDB(own.ireland.dynamodb, {});
    const context = ownContext({
      clients: (r) => (r === "eu-west-1" ? { ...own.ireland, dynamodb: watched.client } : own.london),
    });

    const { code, io } = await migrate(context, [
      "copy-audit",
      ...pair.args,
      "--segments",
      "2",
      "--checkpoint",
      incomplete,
    ]);

    expect(code).toBe(2);
    expect(io.stderr()).toContain("it was started with --segments 3; resume with the same number");
    expect(watched.stats.writes).toBe(0);
  }, 120_000);
});
