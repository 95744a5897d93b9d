/**
 * Folds one whole audit item into another — what a region migration does when the same transaction
 * has an item on both sides. There is no second ordering rule here: every history entry of the
 * source item is replayed as the audit event it recorded through the processor's own `mergeEvent`,
 * so the current status, the tie-breaks, the de-duplication by event key and the history caps are
 * exactly the processor's (whatever they become). This file only decides what `mergeEvent` cannot
 * know, at the level of the item:
 *
 * - No target item: the source item is copied as it is (its history, event keys, `recordedAt`s, TTL
 *   and `historyDropped` are the record of what happened; folding into nothing would rewrite them).
 * - Both exist: each source entry is folded in with the processing time it was first recorded at
 *   (`recordedAt`) and its SQS message id, so the entry lands in the target as it was in the source.
 *   When every entry was already recorded (`mergeEvent` says "duplicate" for all), nothing changes.
 * - The merged item lives as long as the longer-lived of the two (`expiresAt`): a copy never
 *   shortens the retention of an audit record.
 */
import type { AuditEvent } from "../lib/audit-event.js";
import { mergeEvent, type AuditItem, type HistoryEntry } from "./audit-item.js";

export type ItemMerge =
  /** Every event of the source is already recorded in the target. */
  | { kind: "unchanged" }
  /** The target had no item: write the source item as it is. */
  | { kind: "copy"; item: AuditItem }
  /** The target item with the source's missing events folded in. */
  | { kind: "merged"; item: AuditItem; eventsAdded: number };

export interface ItemMergeOptions {
  /** The target's `auditRetentionDays` (what its processor would use). */
  retentionDays: number;
}

export function mergeAuditItems(
  target: AuditItem | undefined,
  source: AuditItem,
  options: ItemMergeOptions,
): ItemMerge {
  if (target === undefined) return { kind: "copy", item: source };
  let item = target;
  let eventsAdded = 0;
  for (const entry of [...source.history].sort(byRecordedAt)) {
    const result = mergeEvent(item, eventOf(source.transactionId, entry), {
      now: new Date(entry.recordedAt),
      retentionDays: options.retentionDays,
      ...(entry.messageId ? { messageId: entry.messageId } : {}),
    });
    // Recorded already, or a discard auditor's FAILED for a transaction the target has settled.
    if (result.kind !== "written") continue;
    item = result.item;
    eventsAdded++;
  }
  if (eventsAdded === 0) return { kind: "unchanged" };
  return {
    kind: "merged",
    eventsAdded,
    item: { ...item, expiresAt: Math.max(target.expiresAt, source.expiresAt) },
  };
}

/** The audit event a history entry recorded (the fields `eventKey` is computed over). */
export function eventOf(transactionId: string, entry: HistoryEntry): AuditEvent {
  return {
    transactionId,
    status: entry.status,
    occurredAt: entry.occurredAt,
    component: entry.component,
    ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
    ...(entry.attributes !== undefined ? { attributes: entry.attributes } : {}),
    ...(entry.provisional ? { onlyIfUnsettled: true } : {}),
  };
}

/** Fold in the order the source recorded them, so the last fold is the source's latest write. */
function byRecordedAt(a: HistoryEntry, b: HistoryEntry): number {
  return Date.parse(a.recordedAt) - Date.parse(b.recordedAt);
}

/**
 * Whether a table item has the shape of an audit item (as opposed to the producer's ledger, or
 * anything else someone put there), so it can be merged by the rules above.
 */
export function isAuditItem(value: Record<string, unknown>): value is AuditItem & Record<string, unknown> {
  return (
    typeof value.transactionId === "string" &&
    typeof value.status === "string" &&
    typeof value.lastUpdatedAt === "string" &&
    typeof value.version === "number" &&
    Array.isArray(value.history) &&
    Array.isArray(value.eventKeys)
  );
}
