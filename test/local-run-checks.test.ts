/**
 * The local run's agreement checks (issue #18, defect 8): strict, and right for every kind of file —
 * an unreadable file's own FAILED item is an expected audit id, not an extra one, and a redelivered
 * record is still one record.
 */
import { describe, expect, it } from "vitest";
import {
  agreementChecks,
  type AuditRow,
  type CheckInputs,
  type CloudWatchFigures,
} from "../local/summary.js";

const FILE = "#file:s3://bbkyc-cta-input-sit-euw1/incoming/broken.json";
const row = (
  transactionId: string,
  status: AuditRow["status"],
  component: string,
  extra: Partial<AuditRow> = {},
): AuditRow => ({
  transactionId,
  status,
  component,
  history: [{ status, component }],
  statuses: [status],
  repeats: 0,
  ...(status === "FAILED" ? { reason: "r" } : {}),
  ...extra,
});
const metrics = (m: Partial<CloudWatchFigures>): CloudWatchFigures => ({
  TotalEvents: 0,
  S3RecordsProcessed: 0,
  EventPublishSuccess: 0,
  EventPublishFailure: 0,
  SFCaseCreationSuccess: 0,
  SFCaseCreationFailure: 0,
  RetrySuccess: 0,
  TokenRefreshSuccess: 1,
  TokenRefreshFailure: 0,
  AuditEventWritten: { RECEIVED: 0, PUBLISHED: 0, PROCESSED: 0, FAILED: 0 },
  EndToEndLatency: { samples: 0, averageMs: null, maximumMs: null },
  ...m,
});
const base = (over: Partial<CheckInputs>): CheckInputs => ({
  records: 0,
  expectedIds: [],
  rows: [],
  metrics: metrics({}),
  producerComponents: ["cta-event-producer"],
  caseComponents: ["cta-case-creator", "cta-discard-auditor"],
  emittedLatencySamples: 0,
  tokenRefreshes: { succeeded: 1, failed: 0 },
  salesforceExternalIds: new Set(),
  ...over,
});

describe("local run agreement checks", () => {
  it("agree on a file that broke after two records: the file's own FAILED item is expected, not extra", () => {
    const rows = [
      row("TXN-1", "PROCESSED", "cta-case-creator"),
      row("TXN-2", "FAILED", "cta-event-producer"),
      row(FILE, "FAILED", "cta-event-producer"),
    ];
    const checks = agreementChecks(
      base({
        records: 2,
        expectedIds: ["TXN-1", "TXN-2", FILE],
        rows,
        metrics: metrics({
          TotalEvents: 2,
          EventPublishSuccess: 1,
          EventPublishFailure: 1,
          SFCaseCreationSuccess: 1,
          AuditEventWritten: { RECEIVED: 0, PUBLISHED: 0, PROCESSED: 1, FAILED: 2 },
          EndToEndLatency: { samples: 1, averageMs: 5, maximumMs: 5 },
        }),
        emittedLatencySamples: 1,
        salesforceExternalIds: new Set(["TXN-1"]),
      }),
    );
    expect(checks.filter((c) => !c.ok)).toEqual([]);
  });

  it("count a redelivered record once, and stay strict: one record counted twice fails a check", () => {
    const rows = [
      row("TXN-1", "PROCESSED", "cta-case-creator", { repeats: 2 }),
      row("TXN-2", "FAILED", "cta-discard-auditor"),
    ];
    const good = base({
      records: 2,
      expectedIds: ["TXN-1", "TXN-2"],
      rows,
      metrics: metrics({
        TotalEvents: 2,
        EventPublishSuccess: 2,
        SFCaseCreationSuccess: 1,
        SFCaseCreationFailure: 1,
        AuditEventWritten: { RECEIVED: 0, PUBLISHED: 0, PROCESSED: 1, FAILED: 1 },
      }),
      salesforceExternalIds: new Set(["TXN-1"]),
    });
    expect(agreementChecks(good).filter((c) => !c.ok)).toEqual([]);
    const doubled = agreementChecks({
      ...good,
      metrics: { ...good.metrics, SFCaseCreationSuccess: 2 },
    }).filter((c) => !c.ok);
    expect(doubled.map((c) => [c.name, c.expected, c.actual])).toEqual([
      ["SFCaseCreationSuccess = transactions the case creator audited PROCESSED", 1, 2],
    ]);
    const missing = agreementChecks({ ...good, rows: rows.slice(0, 1) })
      .filter((c) => !c.ok)
      .map((c) => c.name);
    expect(missing).toContain("expected audit ids with a PROCESSED or FAILED item = expected audit ids");
  });
});
