/**
 * Reads back what a FAILED event kept for replay (`handlers/lib/replay-record.ts`): the history entry
 * of the item's current FAILED status carries the record's text, its partition key and whether a
 * replay could succeed. The one place the ops commands interpret those attributes.
 */
import type { AuditItem, HistoryEntry } from "../../handlers/audit-processor/audit-item.js";
import { REPLAY_ATTRIBUTES } from "../../handlers/lib/replay-record.js";

export type KeptRecord =
  | { kind: "kept"; text: string; partitionKey: string | undefined; retryable: boolean; entry: HistoryEntry }
  | { kind: "not-kept"; why: string; retryable: boolean | undefined; entry: HistoryEntry | undefined };

/** The entry that set the item's current status. */
export function currentEntryOf(item: AuditItem): HistoryEntry | undefined {
  return item.history.find((h) => h.eventKey === item.currentEventKey);
}

export function keptRecordOf(item: AuditItem): KeptRecord {
  const entry = currentEntryOf(item);
  const attributes = entry?.attributes ?? {};
  const retryableValue = attributes[REPLAY_ATTRIBUTES.retryable];
  const retryable = typeof retryableValue === "boolean" ? retryableValue : undefined;
  const text = attributes[REPLAY_ATTRIBUTES.record];
  if (entry && typeof text === "string") {
    const key = attributes[REPLAY_ATTRIBUTES.partitionKey];
    return {
      kind: "kept",
      text,
      partitionKey: typeof key === "string" ? key : undefined,
      retryable: retryable ?? true,
      entry,
    };
  }
  const notKept = attributes[REPLAY_ATTRIBUTES.recordNotKept];
  const source = attributes.sourceObject;
  const why =
    typeof notKept === "string"
      ? notKept
      : entry === undefined
        ? "the item's current event is no longer in its history"
        : `the ${entry.component} did not keep the record${typeof source === "string" ? `; its source is ${source}` : ""}`;
  return { kind: "not-kept", why, retryable, entry };
}

/** History attributes for people: the kept record shown by its size, never its content (personal data). */
export function displayAttributes(
  entry: Pick<HistoryEntry, "attributes">,
): Record<string, string | number | boolean> {
  const shown: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(entry.attributes ?? {})) {
    shown[name] =
      name === REPLAY_ATTRIBUTES.record && typeof value === "string"
        ? `<${Buffer.byteLength(value, "utf8")} bytes kept for replay>`
        : value;
  }
  return shown;
}
