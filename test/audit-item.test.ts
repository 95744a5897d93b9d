/**
 * The audit item's merge rules (`mergeEvent`, audit-item.ts), one rule per case, as pure functions:
 * duplicates, repeats, the newest event is current (with the same-instant FAILED rule), provisional
 * FAILED events, first-of-status reporting, the history cap — and, as a property, that every
 * delivery order of the same events gives the same current status.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_HISTORY_ENTRIES,
  mergeEvent,
  type AuditItem,
  type MergeResult,
} from "../handlers/audit-processor/audit-item.js";
import type { AuditEvent } from "../handlers/lib/audit-event.js";

const context = { now: new Date("2026-11-26T12:00:00.000Z"), retentionDays: 30 };
const at = (second: number) => new Date(Date.UTC(2026, 10, 26, 8, 0, second)).toISOString();

function event(status: AuditEvent["status"], second: number, extra: Partial<AuditEvent> = {}): AuditEvent {
  const component =
    status === "RECEIVED" || status === "PUBLISHED" ? "cta-event-producer" : "cta-case-creator";
  return {
    transactionId: "TXN-1",
    status,
    component,
    occurredAt: at(second),
    ...(status === "FAILED" ? { reason: "Salesforce answered 503" } : {}),
    ...extra,
  };
}

function written(result: MergeResult): Extract<MergeResult, { kind: "written" }> {
  expect(result.kind).toBe("written");
  return result as Extract<MergeResult, { kind: "written" }>;
}

/** Folds the events in order; returns the final item and every result. */
function fold(events: AuditEvent[]): { item: AuditItem | undefined; results: MergeResult[] } {
  let item: AuditItem | undefined;
  const results: MergeResult[] = [];
  for (const e of events) {
    const result = mergeEvent(item, e, context);
    results.push(result);
    if (result.kind === "written") item = result.item;
  }
  return { item, results };
}

describe("mergeEvent", () => {
  it("starts an item from the first event: current status, history of one, first of its status", () => {
    const result = written(mergeEvent(undefined, event("RECEIVED", 0), context));
    expect(result).toMatchObject({ becameCurrent: true, repeat: false, firstOfStatus: "RECEIVED" });
    expect(result.item).toMatchObject({
      status: "RECEIVED",
      firstSeenAt: at(0),
      lastUpdatedAt: at(0),
      statusDay: "RECEIVED#2026-11-26",
      version: 1,
      statusesSeen: ["RECEIVED"],
    });
    expect(result.item.history).toHaveLength(1);
    expect(result.item.expiresAt).toBe(Math.floor(context.now.getTime() / 1000) + 30 * 86_400);
  });

  it("the same event again (any message carrying it) is a duplicate: nothing to write", () => {
    const { item } = fold([event("RECEIVED", 0)]);
    expect(mergeEvent(item, event("RECEIVED", 0), { ...context, messageId: "another-message" })).toEqual({
      kind: "duplicate",
    });
  });

  it("a repeat of the current outcome only counts up repeats: history, status and lastUpdatedAt stay", () => {
    const { item } = fold([
      event("RECEIVED", 0),
      event("PROCESSED", 5, { attributes: { salesforceId: "500A" } }),
    ]);
    const result = written(
      mergeEvent(
        item,
        event("PROCESSED", 9, { attributes: { salesforceId: "500A", created: false } }),
        context,
      ),
    );
    expect(result).toMatchObject({ repeat: true, becameCurrent: false });
    expect(result.firstOfStatus).toBeUndefined();
    expect(result.item).toMatchObject({
      status: "PROCESSED",
      lastUpdatedAt: at(5),
      repeats: 1,
      lastRepeatAt: at(9),
      version: item!.version + 1,
    });
    expect(result.item.history).toEqual(item!.history);
  });

  it("a FAILED with another reason is a new outcome, not a repeat", () => {
    const { item } = fold([event("FAILED", 5)]);
    const result = written(
      mergeEvent(item, event("FAILED", 9, { reason: "Salesforce rejected the record" }), context),
    );
    expect(result).toMatchObject({ repeat: false, becameCurrent: true });
    expect(result.item).toMatchObject({
      reason: "Salesforce rejected the record",
      history: [expect.anything(), expect.anything()],
    });
  });

  it("the newest event is current; an older one arriving late only joins the history (kept in order)", () => {
    const { item } = fold([event("PROCESSED", 10), event("PUBLISHED", 5)]);
    expect(item).toMatchObject({ status: "PROCESSED", lastUpdatedAt: at(10), firstSeenAt: at(5) });
    expect(item!.history.map((h) => h.status)).toEqual(["PUBLISHED", "PROCESSED"]);
  });

  it("a FAILED and a PROCESSED at the same instant keep FAILED, in either order", () => {
    for (const order of [
      ["FAILED", "PROCESSED"],
      ["PROCESSED", "FAILED"],
    ] as const) {
      expect(fold(order.map((s) => event(s, 7))).item?.status).toBe("FAILED");
    }
  });

  it("a provisional FAILED (onlyIfUnsettled) is superseded once settled, and yields to the record's own outcome", () => {
    const settled = fold([event("PROCESSED", 5)]).item;
    expect(mergeEvent(settled, event("FAILED", 9, { onlyIfUnsettled: true }), context)).toEqual({
      kind: "superseded",
      settledStatus: "PROCESSED",
    });

    const { item } = fold([
      event("PUBLISHED", 1),
      event("FAILED", 9, { onlyIfUnsettled: true, reason: "discarded by Lambda" }),
    ]);
    expect(item).toMatchObject({ status: "FAILED", provisional: true });
    // The last attempt's PROCESSED reaches the queue after the auditor's event, though it happened earlier.
    const result = written(mergeEvent(item, event("PROCESSED", 5), context));
    expect(result.becameCurrent).toBe(true);
    expect(result.item.status).toBe("PROCESSED");
    expect(result.item.provisional).toBeUndefined();
  });

  it("reports firstOfStatus once per status, however often that status comes back", () => {
    const { results } = fold([
      event("RECEIVED", 0),
      event("FAILED", 5),
      event("PROCESSED", 8),
      event("FAILED", 9, { reason: "other" }),
    ]);
    expect(results.map((r) => (r.kind === "written" ? (r.firstOfStatus ?? null) : r.kind))).toEqual([
      "RECEIVED",
      "FAILED",
      "PROCESSED",
      null,
    ]);
  });

  it(`keeps at most ${MAX_HISTORY_ENTRIES} history entries, dropping the oldest and counting them`, () => {
    const events = Array.from({ length: MAX_HISTORY_ENTRIES + 5 }, (_, i) =>
      event("FAILED", i % 60, {
        reason: `attempt ${i}`,
        occurredAt: new Date(Date.UTC(2026, 10, 26, 8, 0, 0) + i * 1000).toISOString(),
      }),
    );
    const { item } = fold(events);
    expect(item!.history).toHaveLength(MAX_HISTORY_ENTRIES);
    expect(item!.historyDropped).toBe(5);
    expect(item!.reason).toBe(`attempt ${MAX_HISTORY_ENTRIES + 4}`);
  });

  it("every delivery order of the same events (with duplicates) gives the same current status and event", () => {
    const pool = [
      event("RECEIVED", 0),
      event("PUBLISHED", 1),
      event("FAILED", 5),
      event("FAILED", 5, { reason: "another reason, same instant" }),
      event("PROCESSED", 5),
      event("PROCESSED", 8, { attributes: { salesforceId: "500A" } }),
      event("FAILED", 8, { reason: "late failure" }),
    ];
    const reference = fold(pool).item!;
    fc.assert(
      fc.property(
        fc.shuffledSubarray(pool, { minLength: pool.length, maxLength: pool.length }),
        fc.array(fc.nat(pool.length - 1), { maxLength: 3 }),
        (order, dupes) => {
          const { item } = fold([...order, ...dupes.map((i) => pool[i]!)]);
          expect({
            status: item!.status,
            currentEventKey: item!.currentEventKey,
            reason: item!.reason,
          }).toEqual({
            status: reference.status,
            currentEventKey: reference.currentEventKey,
            reason: reference.reason,
          });
          expect(new Set(item!.history.map((h) => h.eventKey)).size).toBe(item!.history.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
