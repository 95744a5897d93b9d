/**
 * The item-level fold a region migration uses (`mergeAuditItems`). Asserted by properties — the
 * newest event is current, no event twice, a second fold changes nothing — not by the exact shape
 * of history entries, which belongs to `mergeEvent`.
 */
import { describe, expect, it } from "vitest";
import { compareEntries, type AuditItem } from "../handlers/audit-processor/audit-item.js";
import { mergeAuditItems } from "../handlers/audit-processor/merge-items.js";
import type { AuditEvent } from "../handlers/lib/audit-event.js";
import { buildAuditItems, foldEvents, RETENTION_DAYS } from "./support/audit-history-fixtures.js";

const options = { retentionDays: RETENTION_DAYS };
const event = (
  status: AuditEvent["status"],
  occurredAt: string,
  extra: Partial<AuditEvent> = {},
): AuditEvent => ({
  transactionId: "TXN-1",
  status,
  component: status === "PROCESSED" || status === "FAILED" ? "cta-case-creator" : "cta-event-producer",
  occurredAt,
  ...extra,
});

const received = event("RECEIVED", "2026-11-01T10:00:00.000Z");
const published = event("PUBLISHED", "2026-11-01T10:00:01.000Z");
const failedOnce = event("FAILED", "2026-11-01T10:00:05.000Z", { reason: "Salesforce answered 503" });
const processed = event("PROCESSED", "2026-11-01T10:01:00.000Z", { attributes: { salesforceId: "500A" } });
const reprocessedLater = event("PROCESSED", "2026-11-02T09:00:00.000Z", {
  attributes: { salesforceId: "500A", created: false },
});

function newestOf(events: AuditEvent[]): AuditEvent {
  return [...events]
    .sort((a, b) =>
      compareEntries(
        { status: a.status, occurredAt: a.occurredAt, eventKey: "" },
        { status: b.status, occurredAt: b.occurredAt, eventKey: "" },
      ),
    )
    .at(-1)!;
}

/** Each event key at most once in the history and in the remembered keys. */
function expectNoDuplicates(item: AuditItem): void {
  const historyKeys = item.history.map((h) => h.eventKey);
  expect(new Set(historyKeys).size).toBe(historyKeys.length);
  expect(new Set(item.eventKeys).size).toBe(item.eventKeys.length);
}

describe("mergeAuditItems: one audit item folded into another with the processor's rule", () => {
  it("keeps a settled target settled against a source's provisional FAILED (the discard auditor's), as the processor would", () => {
    const discarded = event("FAILED", "2026-11-01T10:05:00.000Z", {
      component: "cta-discard-auditor",
      reason: "Lambda discarded the batch",
      onlyIfUnsettled: true,
    });
    const source = foldEvents([published, discarded])!;
    expect(source.history.at(-1)).toMatchObject({ status: "FAILED", provisional: true });
    const target = foldEvents([processed])!;
    const result = mergeAuditItems(target, source, options);
    expect(result.kind).toBe("merged");
    if (result.kind !== "merged") return;
    expect(result.item.status).toBe("PROCESSED");
    expect(result.item.history.map((h) => h.status)).toEqual(["PUBLISHED", "PROCESSED"]);
  });

  it("copies the source item as it is when the target has none (history, TTL and version kept)", () => {
    const source = foldEvents([received, published, processed])!;
    const result = mergeAuditItems(undefined, source, options);
    expect(result).toEqual({ kind: "copy", item: source });
  });

  it("keeps a newer target item current and adds the source's older events to its history once", () => {
    // Arrange: London saw the first life of the record; Ireland re-processed it after cut-over.
    const source = foldEvents([received, published, failedOnce, processed])!;
    const target = foldEvents([reprocessedLater], undefined, "ireland")!;

    // Act
    const result = mergeAuditItems(target, source, options);

    // Assert
    if (result.kind !== "merged") throw new Error(`expected a merge, got ${result.kind}`);
    expect(result.item.status).toBe("PROCESSED");
    expect(result.item.lastUpdatedAt).toBe(reprocessedLater.occurredAt);
    expect(result.item.firstSeenAt).toBe(received.occurredAt);
    expect(result.eventsAdded).toBe(4);
    expect(new Set(result.item.eventKeys)).toEqual(new Set([...source.eventKeys, ...target.eventKeys]));
    expectNoDuplicates(result.item);
    expect(result.item.version).toBeGreaterThan(target.version);
  });

  it("lets a newer source item become current over an older target item", () => {
    const target = foldEvents([received, published], undefined, "ireland")!;
    const source = foldEvents([received, published, failedOnce, processed])!;
    const result = mergeAuditItems(target, source, options);
    if (result.kind !== "merged") throw new Error(`expected a merge, got ${result.kind}`);
    expect(result.item.status).toBe("PROCESSED");
    expect(result.item.lastUpdatedAt).toBe(processed.occurredAt);
    expect(result.eventsAdded).toBe(2); // received and published were recorded on both sides
    expectNoDuplicates(result.item);
  });

  it("is idempotent: folding the same source again changes nothing", () => {
    const source = foldEvents([received, published, failedOnce, processed])!;
    const target = foldEvents([reprocessedLater], undefined, "ireland")!;
    const first = mergeAuditItems(target, source, options);
    if (first.kind !== "merged") throw new Error(`expected a merge, got ${first.kind}`);
    expect(mergeAuditItems(first.item, source, options)).toEqual({ kind: "unchanged" });
    expect(mergeAuditItems(source, source, options)).toEqual({ kind: "unchanged" });
  });

  it("never shortens the retention of either side", () => {
    const source = { ...foldEvents([received, published, processed])!, expiresAt: 2_000_000_000 };
    const target = { ...foldEvents([reprocessedLater], undefined, "ireland")!, expiresAt: 1_900_000_000 };
    const result = mergeAuditItems(target, source, options);
    if (result.kind !== "merged") throw new Error(`expected a merge, got ${result.kind}`);
    expect(result.item.expiresAt).toBe(2_000_000_000);
  });

  it("ends with the newest event current whichever side each event was recorded on", () => {
    // Every split of the events of realistic items between the two sides gives the same current status.
    for (const item of buildAuditItems(60, 3)) {
      const events = item.history.map((h) => ({
        transactionId: item.transactionId,
        status: h.status,
        occurredAt: h.occurredAt,
        component: h.component,
        ...(h.reason ? { reason: h.reason } : {}),
        ...(h.attributes ? { attributes: h.attributes } : {}),
      }));
      const onTarget = events.filter((_, i) => i % 2 === 1);
      const onSource = events.filter((_, i) => i % 2 === 0 || i === events.length - 1);
      const source = foldEvents(onSource)!;
      const target = foldEvents(onTarget, undefined, "ireland");
      const result = mergeAuditItems(target, source, options);
      const merged = result.kind === "unchanged" ? target! : result.item;
      const newest = newestOf(events);
      expect(merged.status).toBe(newest.status);
      expect(merged.lastUpdatedAt).toBe(newest.occurredAt);
      expect(new Set(merged.eventKeys)).toEqual(new Set(item.eventKeys));
      expectNoDuplicates(merged);
    }
  });
});
