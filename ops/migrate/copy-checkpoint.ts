/**
 * The checkpoint file of `copy-audit`: per scan segment, the key after which the next page starts
 * and the counts of the pages already done. It is written (atomically: temp file + rename) after
 * every page whose writes have all finished, so a copy stopped by Ctrl-C, a crash or a lost laptop
 * resumes at the first page it had not finished. A page that was half-written is done again;
 * that is safe because the merge is idempotent (a second fold of the same events writes nothing).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { RawItem } from "./table-reads.js";

export interface CopyCounts {
  /** Items read from the source (ledger items included). */
  scanned: number;
  /** Written to the target where it had no item. */
  copied: number;
  /** Folded into an existing target item (it gained events). */
  merged: number;
  /** The target already had every event. */
  unchanged: number;
  /** The producer's `#ledger:` items, never copied. */
  ledgerSkipped: number;
  /** Items that are not audit items and whose target item exists (nothing was written). */
  unmergeable: number;
  /** Writes that lost a race with another writer of the target and were merged again. */
  conflictsRetried: number;
}

export const ZERO_COUNTS: CopyCounts = {
  scanned: 0,
  copied: 0,
  merged: 0,
  unchanged: 0,
  ledgerSkipped: 0,
  unmergeable: 0,
  conflictsRetried: 0,
};

export function addCounts(a: CopyCounts, b: Partial<CopyCounts>): CopyCounts {
  const sum = { ...a };
  for (const key of Object.keys(ZERO_COUNTS) as Array<keyof CopyCounts>) sum[key] += b[key] ?? 0;
  return sum;
}

export interface TableRef {
  stack: string;
  region: string;
  tableName: string;
}

export interface SegmentState {
  /** Next page starts after this key; absent before the first page. */
  startKey?: RawItem;
  done: boolean;
  counts: CopyCounts;
}

export interface CopyCheckpoint {
  format: 1;
  source: TableRef;
  target: TableRef;
  totalSegments: number;
  segments: SegmentState[];
  startedAt: string;
  updatedAt: string;
  /** Set when every segment is done. */
  completedAt?: string;
}

export function newCheckpoint(
  source: TableRef,
  target: TableRef,
  totalSegments: number,
  now: Date,
): CopyCheckpoint {
  return {
    format: 1,
    source,
    target,
    totalSegments,
    segments: Array.from({ length: totalSegments }, () => ({ done: false, counts: { ...ZERO_COUNTS } })),
    startedAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

export function loadCheckpoint(path: string): CopyCheckpoint | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: CopyCheckpoint;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as CopyCheckpoint;
  } catch (error) {
    throw new Error(
      `checkpoint ${path} is not readable JSON (${(error as Error).message}); move it away to start the copy over`,
    );
  }
  if (
    parsed.format !== 1 ||
    !Array.isArray(parsed.segments) ||
    parsed.segments.length !== parsed.totalSegments
  ) {
    throw new Error(`checkpoint ${path} is not a copy-audit checkpoint; move it away to start the copy over`);
  }
  return parsed;
}

export function saveCheckpoint(path: string, checkpoint: CopyCheckpoint): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(checkpoint, null, 2)}\n`);
  renameSync(temp, path);
}

/** Why a checkpoint cannot be resumed by this command line, or undefined when it can. */
export function checkpointMismatch(
  checkpoint: CopyCheckpoint,
  source: TableRef,
  target: TableRef,
  totalSegments: number,
): string | undefined {
  const same = (a: TableRef, b: TableRef) => a.region === b.region && a.tableName === b.tableName;
  if (!same(checkpoint.source, source) || !same(checkpoint.target, target)) {
    return `it is for a copy of ${checkpoint.source.tableName} (${checkpoint.source.region}) to ${checkpoint.target.tableName} (${checkpoint.target.region})`;
  }
  if (checkpoint.totalSegments !== totalSegments)
    return `it was started with --segments ${checkpoint.totalSegments}; resume with the same number`;
  return undefined;
}

export function totalCounts(checkpoint: CopyCheckpoint): CopyCounts {
  return checkpoint.segments.reduce((sum, s) => addCounts(sum, s.counts), { ...ZERO_COUNTS });
}
