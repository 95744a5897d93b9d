/**
 * `verify-audit`: compares the audit items of two tables by what an auditor asks of them — the
 * current status of every transaction and when it was reached. Each side gets counts per status and
 * a checksum over (transactionId, status, lastUpdatedAt) that does not depend on scan order; then
 * every source transaction is looked up on the target side and the differences are classified:
 *
 * - `missing` — the source has it, the target does not: the copy is incomplete (bad);
 * - `target-older` — the target's current status is older than the source's (bad: a merge lost it);
 * - `target-newer` — the target moved on (after cut-over its own processor recorded newer events);
 * - `target-only` — a transaction the source never saw (new since cut-over).
 *
 * "Newer" is the processor's own order (`compareEntries`). The producer's `#ledger:` items are not
 * audit items and are left out on both sides. Only the three attributes are read (and the event key
 * that settles ties), so a verify costs a fraction of a copy.
 */
import { createHash } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { compareEntries } from "../../handlers/audit-processor/audit-item.js";
import type { AuditStatus } from "../../handlers/lib/audit-event.js";
import { isFileLedgerKey } from "../../handlers/lib/audit-keys.js";
import type { RetryPolicy } from "../lib/retry.js";
import { scanSegment } from "./table-reads.js";

export interface CurrentStatus {
  transactionId: string;
  status: AuditStatus;
  lastUpdatedAt: string;
  currentEventKey: string;
}

export interface SideSummary {
  items: number;
  byStatus: Record<string, number>;
  /** 16 hex digits: sum over items of a hash of (transactionId, status, lastUpdatedAt), mod 2^64. */
  checksum: string;
  ledgerSkipped: number;
}

export type DifferenceKind = "missing" | "target-older" | "target-newer" | "target-only";

export interface Difference {
  kind: DifferenceKind;
  transactionId: string;
  source?: Pick<CurrentStatus, "status" | "lastUpdatedAt">;
  target?: Pick<CurrentStatus, "status" | "lastUpdatedAt">;
}

export interface VerifyResult {
  source: SideSummary;
  target: SideSummary;
  differences: Record<DifferenceKind, number>;
  /** The first `listLimit` differences, bad ones first. */
  listed: Difference[];
}

export interface VerifyOptions {
  source: { dynamodb: DynamoDBClient; tableName: string };
  target: { dynamodb: DynamoDBClient; tableName: string };
  segments: number;
  retry: RetryPolicy;
  listLimit: number;
  /** Items read so far (progress). */
  onItems?: (count: number) => void;
}

const ATTRIBUTES = ["transactionId", "status", "lastUpdatedAt", "currentEventKey"] as const;
const MOD_64 = 1n << 64n;

export function checksumTerm(
  item: Pick<CurrentStatus, "transactionId" | "status" | "lastUpdatedAt">,
): bigint {
  const digest = createHash("sha256")
    .update(`${item.transactionId}\u0000${item.status}\u0000${item.lastUpdatedAt}`)
    .digest();
  return digest.readBigUInt64BE(0);
}

/** Every audit item's current status, by transaction id, with the side's summary. */
async function readSide(
  side: VerifyOptions["source"],
  options: VerifyOptions,
): Promise<{ summary: SideSummary; items: Map<string, CurrentStatus> }> {
  const items = new Map<string, CurrentStatus>();
  const byStatus: Record<string, number> = {};
  let sum = 0n;
  let ledgerSkipped = 0;
  await Promise.all(
    Array.from({ length: options.segments }, async (_, segment) => {
      for await (const page of scanSegment({
        ...side,
        segment,
        totalSegments: options.segments,
        attributes: ATTRIBUTES,
        retry: options.retry,
      })) {
        for (const raw of page.items) {
          const item = unmarshall(raw) as CurrentStatus;
          if (isFileLedgerKey(item.transactionId)) {
            ledgerSkipped++;
            continue;
          }
          items.set(item.transactionId, item);
          byStatus[item.status] = (byStatus[item.status] ?? 0) + 1;
          sum = (sum + checksumTerm(item)) % MOD_64;
        }
        options.onItems?.(page.items.length);
      }
    }),
  );
  return {
    items,
    summary: { items: items.size, byStatus, checksum: sum.toString(16).padStart(16, "0"), ledgerSkipped },
  };
}

/** Listing order: what makes the verdict bad comes first. */
const BAD_FIRST: Record<DifferenceKind, number> = {
  missing: 0,
  "target-older": 1,
  "target-newer": 2,
  "target-only": 3,
};

export async function verifyAudit(options: VerifyOptions): Promise<VerifyResult> {
  const source = await readSide(options.source, options);
  const target = await readSide(options.target, options);
  const differences: Record<DifferenceKind, number> = {
    missing: 0,
    "target-older": 0,
    "target-newer": 0,
    "target-only": 0,
  };
  const found: Record<DifferenceKind, Difference[]> = {
    missing: [],
    "target-older": [],
    "target-newer": [],
    "target-only": [],
  };
  const note = (d: Difference) => {
    differences[d.kind]++;
    if (found[d.kind].length < options.listLimit) found[d.kind].push(d);
  };
  const view = (c: CurrentStatus) => ({ status: c.status, lastUpdatedAt: c.lastUpdatedAt });

  for (const [id, s] of source.items) {
    const t = target.items.get(id);
    if (!t) {
      note({ kind: "missing", transactionId: id, source: view(s) });
      continue;
    }
    if (t.status === s.status && t.lastUpdatedAt === s.lastUpdatedAt) continue;
    const order = compareEntries(
      { status: t.status, occurredAt: t.lastUpdatedAt, eventKey: t.currentEventKey ?? "" },
      { status: s.status, occurredAt: s.lastUpdatedAt, eventKey: s.currentEventKey ?? "" },
    );
    note({
      kind: order < 0 ? "target-older" : "target-newer",
      transactionId: id,
      source: view(s),
      target: view(t),
    });
  }
  for (const [id, t] of target.items)
    if (!source.items.has(id)) note({ kind: "target-only", transactionId: id, target: view(t) });

  const byId = (a: Difference, b: Difference) => (a.transactionId < b.transactionId ? -1 : 1);
  const listed = (Object.keys(BAD_FIRST) as DifferenceKind[])
    .flatMap((kind) => found[kind].sort(byId))
    .slice(0, options.listLimit);
  return { source: source.summary, target: target.summary, differences, listed };
}

/** Whether the target holds at least everything the source does (differences only in its favour). */
export function targetHoldsSource(result: VerifyResult): boolean {
  return result.differences.missing === 0 && result.differences["target-older"] === 0;
}
