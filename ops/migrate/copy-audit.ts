/**
 * The copy engine of `copy-audit`: every audit item of the source region's table into the target's,
 * merged by the audit processor's own rule (`mergeAuditItems` → `mergeEvent`), resumable from a
 * checkpoint.
 *
 * Why not BatchWriteItem: it has no condition expressions, so a batch put replaces whatever the
 * target holds at the moment it lands — after cut-over the target's own audit processor is live and
 * may write an item between our read and our write; a blind put would erase that event. Instead:
 * - the target items of a page are read with BatchGetItem (UnprocessedKeys retried with backoff);
 * - each item that must change is written with the processor's own conditional write
 *   (`writeAuditItem`: `attribute_not_exists` for a new item, else "version is still the one I
 *   read"), so nothing the target wrote meanwhile is overwritten;
 * - a write that loses the race re-reads that one item, merges again and retries.
 * Each write is one request, run `concurrency` at a time per segment; throttling is retried with
 * backoff (`ops/lib/retry.ts`). TransactWriteItems would also carry conditions, but one conflicting
 * item cancels all 100 of a transaction, at twice the write cost, for no gain here.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { AuditItem } from "../../handlers/audit-processor/audit-item.js";
import { readAuditItem, writeAuditItem } from "../../handlers/audit-processor/audit-table.js";
import { isAuditItem, mergeAuditItems, type ItemMerge } from "../../handlers/audit-processor/merge-items.js";
import { isFileLedgerKey } from "../../handlers/lib/audit-keys.js";
import { withRetry, type RetryPolicy } from "../lib/retry.js";
import {
  addCounts,
  saveCheckpoint,
  totalCounts,
  ZERO_COUNTS,
  type CopyCheckpoint,
  type CopyCounts,
  type TableRef,
} from "./copy-checkpoint.js";
import { batchGetByTransactionId, scanSegment, type RawItem } from "./table-reads.js";

export interface AuditTableSide extends TableRef {
  dynamodb: DynamoDBClient;
}

export interface CopyAuditOptions {
  source: AuditTableSide;
  target: AuditTableSide;
  /** Where the segments are (resumed or fresh); its `totalSegments` is the scan's. */
  checkpoint: CopyCheckpoint;
  /** Saved after every finished page; absent in a dry run (nothing to resume). */
  checkpointPath?: string;
  /** Count what would be written, write nothing. */
  dryRun: boolean;
  /** Writes in flight per segment. */
  concurrency: number;
  /** Items per scan page (a checkpoint is saved after each); absent: DynamoDB's 1 MB pages. */
  pageSize?: number;
  /** The target's `auditRetentionDays`. */
  retentionDays: number;
  retry: RetryPolicy;
  /** Stops after the page in hand (Ctrl-C); the checkpoint says where to resume. */
  signal?: AbortSignal;
  now?: () => Date;
  /** After each finished page (progress, tests). */
  onPage?: (segment: number, pageCounts: CopyCounts) => void;
}

export interface CopyAuditResult {
  /** Over every run of this checkpoint (a resumed copy includes the runs before). */
  counts: CopyCounts;
  /** This run only. */
  thisRun: CopyCounts;
  complete: boolean;
  /** First few items that could not be merged (not audit items, with a target item). */
  unmergeableIds: string[];
}

/** Version conflicts on one item before the copy gives up on it (the processor uses 5 too). */
const MAX_CONFLICT_ATTEMPTS = 5;
const MAX_LISTED = 20;

export async function copyAudit(options: CopyAuditOptions): Promise<CopyAuditResult> {
  const { checkpoint } = options;
  const now = options.now ?? (() => new Date());
  let thisRun: CopyCounts = { ...ZERO_COUNTS };
  const unmergeableIds: string[] = [];
  let failed = false;
  const stopping = () => failed || options.signal?.aborted === true;

  const runSegment = async (segment: number): Promise<void> => {
    const state = checkpoint.segments[segment]!;
    if (state.done || stopping()) return;
    const pages = scanSegment({
      dynamodb: options.source.dynamodb,
      tableName: options.source.tableName,
      segment,
      totalSegments: checkpoint.totalSegments,
      ...(state.startKey ? { startKey: state.startKey } : {}),
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      retry: options.retry,
    });
    for await (const page of pages) {
      const pageCounts = await copyPage(options, page.items, unmergeableIds);
      state.counts = addCounts(state.counts, pageCounts);
      thisRun = addCounts(thisRun, pageCounts);
      if (page.nextStartKey) state.startKey = page.nextStartKey;
      else {
        delete state.startKey;
        state.done = true;
      }
      if (options.checkpointPath) {
        checkpoint.updatedAt = now().toISOString();
        if (checkpoint.segments.every((s) => s.done)) checkpoint.completedAt = checkpoint.updatedAt;
        saveCheckpoint(options.checkpointPath, checkpoint);
      }
      options.onPage?.(segment, pageCounts);
      if (stopping()) return;
    }
  };

  // A failing segment stops the others after their page in hand, so the checkpoint is final when this returns.
  const results = await Promise.allSettled(
    checkpoint.segments.map((_, segment) =>
      runSegment(segment).catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) throw failure.reason;
  return {
    counts: options.dryRun ? thisRun : totalCounts(checkpoint),
    thisRun,
    complete: checkpoint.segments.every((s) => s.done),
    unmergeableIds: unmergeableIds.slice(0, MAX_LISTED),
  };
}

type ItemOutcome = "copied" | "merged" | "unchanged" | "unmergeable";

async function copyPage(
  options: CopyAuditOptions,
  rawItems: RawItem[],
  unmergeableIds: string[],
): Promise<CopyCounts> {
  const counts: CopyCounts = { ...ZERO_COUNTS, scanned: rawItems.length };
  const sources = rawItems.map(
    (raw) => unmarshall(raw) as Record<string, unknown> & { transactionId: string },
  );
  const auditSources = sources.filter((item) => !isFileLedgerKey(item.transactionId));
  counts.ledgerSkipped = sources.length - auditSources.length;

  const targets = await batchGetByTransactionId(
    options.target.dynamodb,
    options.target.tableName,
    auditSources.map((s) => s.transactionId),
    options.retry,
  );
  await forEachLimit(auditSources, options.concurrency, async (source) => {
    const raw = targets.get(source.transactionId);
    const outcome = await copyItem(
      options,
      source,
      raw ? (unmarshall(raw) as Record<string, unknown>) : undefined,
      counts,
    );
    counts[outcome]++;
    if (outcome === "unmergeable" && unmergeableIds.length < MAX_LISTED)
      unmergeableIds.push(source.transactionId);
  });
  return counts;
}

async function copyItem(
  options: CopyAuditOptions,
  source: Record<string, unknown> & { transactionId: string },
  firstTarget: Record<string, unknown> | undefined,
  counts: CopyCounts,
): Promise<ItemOutcome> {
  const targetDeps = { dynamodb: options.target.dynamodb, tableName: options.target.tableName };
  let target = firstTarget;
  for (let attempt = 1; ; attempt++) {
    const plan = planItem(target, source, options.retentionDays);
    if (plan.kind === "unchanged" || plan.kind === "unmergeable") return plan.kind;
    if (options.dryRun) return plan.kind === "copy" ? "copied" : "merged";
    try {
      const expectedVersion = target === undefined ? undefined : (target as unknown as AuditItem).version;
      await withRetry(options.retry, `write ${source.transactionId}`, () =>
        writeAuditItem(targetDeps, plan.item, expectedVersion),
      );
      return plan.kind === "copy" ? "copied" : "merged";
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (attempt >= MAX_CONFLICT_ATTEMPTS) {
        throw new Error(
          `${source.transactionId}: the target item kept changing while it was merged (${attempt} attempts); run the copy again`,
        );
      }
      // The target's own processor (or another copy) wrote the item after we read it: merge on top of its write.
      counts.conflictsRetried++;
      target = (await withRetry(options.retry, `read ${source.transactionId}`, () =>
        readAuditItem(targetDeps, source.transactionId),
      )) as Record<string, unknown> | undefined;
    }
  }
}

type ItemPlan = ItemMerge | { kind: "unmergeable" };

function planItem(
  target: Record<string, unknown> | undefined,
  source: Record<string, unknown> & { transactionId: string },
  retentionDays: number,
): ItemPlan {
  // Something that is not an audit item can still be copied where the target has nothing; it cannot be merged.
  if (!isAuditItem(source) || (target !== undefined && !isAuditItem(target))) {
    return target === undefined
      ? { kind: "copy", item: source as unknown as AuditItem }
      : { kind: "unmergeable" };
  }
  return mergeAuditItems(target as AuditItem | undefined, source, { retentionDays });
}

/** Runs `fn` over `items` with at most `limit` in flight; the first error stops new work and is thrown. */
async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
}
