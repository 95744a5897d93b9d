/**
 * The audit table's item for one transaction, and the pure rules that fold one audit event into it.
 * No AWS calls here: `audit-table.ts` reads and writes items, this file decides what they become,
 * so the idempotency and ordering rules can be read (and tested) in one place.
 *
 * Rules:
 * - An event is identified by a key over its whole content. A key already on the item means the event
 *   was recorded before (a redelivered SQS message, or the same event sent twice): nothing changes.
 * - A repeat is not a second outcome. An event with the current status from the current component
 *   (and, for FAILED, the same reason) — what Lambda's at-least-once delivery produces when a batch is
 *   redelivered from its lowest failed record and records after it are processed again — only counts
 *   up `repeats` (and `lastRepeatAt`); history, current status and `lastUpdatedAt` stay as they were.
 * - An event marked `onlyIfUnsettled` (the discard auditor's FAILED) is ignored once the transaction
 *   is PROCESSED or FAILED: the range Lambda gave up on can hold records its last attempt processed.
 * - The current status is the one of the newest event: later `occurredAt` wins; equal times go to the
 *   higher `STATUS_RANK`; a FAILED and a PROCESSED at the same instant keep FAILED (an auditor must see
 *   the failure); anything still equal is settled by the event key, so every delivery order gives the
 *   same item.
 * - Every other new event, older or not, is appended to the history (kept sorted by the same order).
 * - `statusesSeen` lists every status the transaction has had. A write that adds one reports it as
 *   `firstOfStatus`: the conditional write that decides it happens once per transaction and status,
 *   which is where the business metrics count an outcome (see `outcome-metrics.ts`), so no metric
 *   counts a record twice however often its events are delivered.
 */
import { createHash } from "node:crypto";
import {
  STATUS_RANK,
  truncateReason,
  type AuditAttributeValue,
  type AuditEvent,
  type AuditStatus,
} from "../lib/audit-event.js";

/** Name of the index that lists transactions by status and day (the component creates it). */
export const STATUS_INDEX_NAME = "status-day-index";
/** Partition key of the status index: `<status>#<YYYY-MM-DD>` (UTC day of the current status). */
export const STATUS_DAY_ATTRIBUTE = "statusDay";
/** Sort key of the status index: when the current status was reached. */
export const LAST_UPDATED_ATTRIBUTE = "lastUpdatedAt";
/** TTL attribute (epoch seconds). */
export const TTL_ATTRIBUTE = "expiresAt";
/** Attributes copied into the status index besides its keys and the table key. */
export const STATUS_INDEX_ATTRIBUTES = ["status", "reason", "component", "firstSeenAt"] as const;

/**
 * History entries kept per transaction. A transaction normally has 2–4 events; the cap only matters
 * for a record retried many times, and keeps the item far below DynamoDB's 400 KB limit.
 */
export const MAX_HISTORY_ENTRIES = 100;
/** Event keys remembered per transaction for de-duplication (oldest forgotten first). */
export const MAX_EVENT_KEYS = 500;
/** Item size budget (JSON estimate) below DynamoDB's 400 KB item limit. */
export const MAX_ITEM_BYTES = 350_000;

export interface HistoryEntry {
  status: AuditStatus;
  occurredAt: string;
  component: string;
  reason?: string;
  attributes?: Record<string, AuditAttributeValue>;
  /** Content key of the event (see `eventKey`). */
  eventKey: string;
  /** When the audit processor wrote it. */
  recordedAt: string;
  /** The SQS message that carried it. */
  messageId?: string;
  /** It came from an `onlyIfUnsettled` event (the discard auditor's): replays keep that meaning. */
  provisional?: true;
}

export interface AuditItem {
  transactionId: string;
  /** Current status: the newest event's. */
  status: AuditStatus;
  /** Reason of the current status (set for FAILED). */
  reason?: string;
  /** Component that reported the current status. */
  component: string;
  /** Earliest `occurredAt` of any event of this transaction. */
  firstSeenAt: string;
  /** `occurredAt` of the event that set the current status. */
  lastUpdatedAt: string;
  statusDay: string;
  /** Event key of the event that set the current status (settles ties). */
  currentEventKey: string;
  history: HistoryEntry[];
  /** Keys of every recorded event, oldest first. */
  eventKeys: string[];
  /** History entries dropped to respect the caps. */
  historyDropped: number;
  /** Every status this transaction has had (absent on items written before it existed: see `statusesOf`). */
  statusesSeen?: AuditStatus[];
  /** Deliveries of the current outcome after the first (see the rules above). */
  repeats?: number;
  /** `occurredAt` of the latest repeat. */
  lastRepeatAt?: string;
  /** The current status came from an `onlyIfUnsettled` event: any later PROCESSED/FAILED replaces it. */
  provisional?: boolean;
  /** Epoch seconds after which DynamoDB's TTL removes the item. */
  expiresAt: number;
  /** Optimistic-lock counter: every write expects the version it read. */
  version: number;
}

export interface MergeContext {
  /** Processing time. */
  now: Date;
  retentionDays: number;
  messageId?: string;
}

export type MergeResult =
  /** The event was recorded before: nothing to write. */
  | { kind: "duplicate" }
  /** An `onlyIfUnsettled` event for a settled transaction: nothing to write. */
  | { kind: "superseded"; settledStatus: AuditStatus }
  /**
   * Write `item`. `becameCurrent`: the event set the current status. `repeat`: it repeated the
   * current outcome. `firstOfStatus`: the status this write adds to the transaction for the first time.
   */
  | {
      kind: "written";
      item: AuditItem;
      becameCurrent: boolean;
      repeat: boolean;
      firstOfStatus?: AuditStatus;
    };

const SETTLED: ReadonlySet<AuditStatus> = new Set(["PROCESSED", "FAILED"]);

/** Statuses an item has had; items written before `statusesSeen` existed derive them from history. */
export function statusesOf(item: AuditItem): AuditStatus[] {
  return item.statusesSeen ?? [...new Set([item.status, ...item.history.map((h) => h.status)])];
}

/** A stable key over the event's content: same event → same key, whichever message carried it. */
export function eventKey(event: AuditEvent): string {
  const canonical = JSON.stringify([
    event.transactionId,
    event.status,
    new Date(event.occurredAt).toISOString(),
    event.component,
    event.reason ?? null,
    event.attributes
      ? Object.entries(event.attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      : null,
  ]);
  return createHash("sha256").update(canonical).digest("hex").slice(0, 32);
}

/** `FAILED#2026-11-26`: the status index's partition key for a status reached at `occurredAt`. */
export function statusDayOf(status: AuditStatus, occurredAt: string): string {
  return `${status}#${new Date(occurredAt).toISOString().slice(0, 10)}`;
}

/** Folds one validated event into the existing item (or starts one). */
export function mergeEvent(
  existing: AuditItem | undefined,
  event: AuditEvent,
  context: MergeContext,
): MergeResult {
  const key = eventKey(event);
  if (existing?.eventKeys.includes(key)) return { kind: "duplicate" };
  if (existing && event.onlyIfUnsettled && SETTLED.has(existing.status))
    return { kind: "superseded", settledStatus: existing.status };
  const expiresAt = Math.floor(context.now.getTime() / 1000) + context.retentionDays * 86_400;
  if (existing && isRepeat(existing, event)) {
    const occurredAt = new Date(event.occurredAt).toISOString();
    const item: AuditItem = {
      ...existing,
      repeats: (existing.repeats ?? 0) + 1,
      lastRepeatAt:
        existing.lastRepeatAt && existing.lastRepeatAt > occurredAt ? existing.lastRepeatAt : occurredAt,
      eventKeys: [...existing.eventKeys, key].slice(-MAX_EVENT_KEYS),
      statusesSeen: statusesOf(existing),
      expiresAt,
      version: existing.version + 1,
    };
    return { kind: "written", becameCurrent: false, repeat: true, item };
  }

  const entry: HistoryEntry = {
    status: event.status,
    occurredAt: new Date(event.occurredAt).toISOString(),
    component: event.component,
    ...(event.reason !== undefined ? { reason: truncateReason(event.reason) } : {}),
    ...(event.attributes && Object.keys(event.attributes).length > 0 ? { attributes: event.attributes } : {}),
    eventKey: key,
    recordedAt: context.now.toISOString(),
    ...(context.messageId ? { messageId: context.messageId } : {}),
    ...(event.onlyIfUnsettled ? { provisional: true as const } : {}),
  };

  if (!existing) {
    const item: AuditItem = {
      ...currentFields(entry),
      transactionId: event.transactionId,
      firstSeenAt: entry.occurredAt,
      history: [entry],
      eventKeys: [key],
      historyDropped: 0,
      statusesSeen: [event.status],
      ...(event.onlyIfUnsettled ? { provisional: true } : {}),
      expiresAt,
      version: 1,
    };
    return { kind: "written", becameCurrent: true, repeat: false, firstOfStatus: event.status, item };
  }

  // A provisional FAILED (the discard auditor's) yields to the record's own outcome whenever it
  // arrives: the PROCESSED of the last attempt may reach the queue after the auditor's event.
  const overridesProvisional =
    existing.provisional === true && !event.onlyIfUnsettled && SETTLED.has(event.status);
  const becameCurrent = overridesProvisional || compareEntries(entry, currentEntryOf(existing)) > 0;
  const history = [...existing.history, entry].sort(compareEntries);
  const eventKeys = [...existing.eventKeys, key].slice(-MAX_EVENT_KEYS);
  const seen = statusesOf(existing);
  const firstOfStatus = seen.includes(event.status) ? undefined : event.status;
  const item: AuditItem = {
    ...existing,
    ...(becameCurrent ? currentFields(entry) : {}),
    firstSeenAt: entry.occurredAt < existing.firstSeenAt ? entry.occurredAt : existing.firstSeenAt,
    history,
    eventKeys,
    statusesSeen: firstOfStatus ? [...seen, firstOfStatus] : seen,
    expiresAt,
    version: existing.version + 1,
  };
  if (becameCurrent && entry.reason === undefined) delete item.reason;
  // A new outcome starts its own count of repeats.
  if (becameCurrent) {
    delete item.repeats;
    delete item.lastRepeatAt;
    if (event.onlyIfUnsettled) item.provisional = true;
    else delete item.provisional;
  }
  return {
    kind: "written",
    becameCurrent,
    repeat: false,
    ...(firstOfStatus ? { firstOfStatus } : {}),
    item: trimHistory(item),
  };
}

/** Same status from the same component as the current one (and the same reason, for FAILED). */
function isRepeat(existing: AuditItem, event: AuditEvent): boolean {
  if (event.status !== existing.status || event.component !== existing.component) return false;
  return event.status !== "FAILED" || truncateReason(event.reason ?? "") === (existing.reason ?? "");
}

/** The fields that follow the current status. */
function currentFields(
  entry: HistoryEntry,
): Pick<AuditItem, "status" | "reason" | "component" | "lastUpdatedAt" | "statusDay" | "currentEventKey"> {
  return {
    status: entry.status,
    ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
    component: entry.component,
    lastUpdatedAt: entry.occurredAt,
    statusDay: statusDayOf(entry.status, entry.occurredAt),
    currentEventKey: entry.eventKey,
  };
}

function currentEntryOf(item: AuditItem): Pick<HistoryEntry, "status" | "occurredAt" | "eventKey"> {
  return { status: item.status, occurredAt: item.lastUpdatedAt, eventKey: item.currentEventKey };
}

/** Same-instant terminal statuses: FAILED is kept over PROCESSED. */
const TIE_BREAK: Record<AuditStatus, number> = { RECEIVED: 0, PUBLISHED: 0, PROCESSED: 0, FAILED: 1 };

/** Total order of events: time, then status rank, then FAILED over PROCESSED, then event key. */
export function compareEntries(
  a: Pick<HistoryEntry, "status" | "occurredAt" | "eventKey">,
  b: Pick<HistoryEntry, "status" | "occurredAt" | "eventKey">,
): number {
  return (
    Date.parse(a.occurredAt) - Date.parse(b.occurredAt) ||
    STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
    TIE_BREAK[a.status] - TIE_BREAK[b.status] ||
    (a.eventKey < b.eventKey ? -1 : a.eventKey > b.eventKey ? 1 : 0)
  );
}

/** Drops the oldest history entries beyond the count cap or the size budget (never the newest). */
function trimHistory(item: AuditItem): AuditItem {
  let history = item.history;
  let dropped = 0;
  if (history.length > MAX_HISTORY_ENTRIES) {
    dropped = history.length - MAX_HISTORY_ENTRIES;
    history = history.slice(dropped);
  }
  while (history.length > 1 && Buffer.byteLength(JSON.stringify({ ...item, history })) > MAX_ITEM_BYTES) {
    history = history.slice(1);
    dropped++;
  }
  return dropped === 0 ? item : { ...item, history, historyDropped: item.historyDropped + dropped };
}
