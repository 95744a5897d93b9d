/**
 * The local run does what AWS does, no more (issue #18): a timed-out case creator is killed half-way
 * and what it leaves behind is repaired by the event source's retry, not by the local run; a token
 * that runs past its expiry because refreshes keep failing ends its records FAILED with a reason,
 * through the deployed functions' own rules, with every waiting time compressed together; an audit
 * processor killed half-way has counted the outcomes it wrote.
 */
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Cleanup } from "../local/cleanup.js";
import { runLocalPlatform, type LocalRunOptions } from "../local/platform-run.js";

async function run(options: Partial<LocalRunOptions>) {
  const cleanup = new Cleanup();
  const runDir = mkdtempSync(join(tmpdir(), "local-run-"));
  try {
    const { summary } = await runLocalPlatform(
      {
        records: 60,
        faults: {},
        badShare: 0,
        seed: 3,
        timeoutMs: 240_000,
        runDir,
        log: () => undefined,
        ...options,
      },
      cleanup,
    );
    return { summary, log: readFileSync(join(runDir, "handlers.log"), "utf8") };
  } finally {
    await cleanup.stopAll();
  }
}

describe("local run: faithful to AWS", () => {
  it("kills a case creator that outlives its timeout; the retry repairs it and each record is counted once", async () => {
    // The first audit send is carried out but answered after 60 s (the SDK sets no request timeout);
    // the case creator's timeout is 27 s (above its 25 s attempt budget, so it does call Salesforce).
    const { summary, log } = await run({
      faults: { auditHang: 1 },
      timeoutOverrides: { "bbkyc-cta-case-creator-sit": 27 },
    });

    expect(log).toMatch(/bbkyc-cta-case-creator-sit .*Task timed out after 27\.00 seconds/);
    // The killed attempt had upserted its cases and sent its audit events, but flushed no metric and
    // returned nothing; Lambda retried the batch, whose outcomes are recorded as repeats, not recounted.
    expect(summary.redelivery.repeatedOutcomes).toBeGreaterThan(0);
    expect(summary.unaccounted).toBe(0);
    expect(summary.audited).toEqual({ PROCESSED: 60, FAILED: 0 });
    expect(summary.casesCreated).toBe(60);
    expect(summary.metrics.SFCaseCreationSuccess).toBe(60);
    expect(summary.checks.filter((c) => !c.ok)).toEqual([]);
    expect(
      summary.differences.some((d) => d.includes("bbkyc-cta-case-creator-sit runs with a 27 s timeout")),
    ).toBe(true);
  }, 300_000);

  it("kills an audit processor whose write hangs; its batch's other writes were counted as they landed, so every outcome is counted once", async () => {
    // One audit-table write is lost on the way and never answered: the processor (30 s timeout) is
    // killed with the rest of its batch written. Waiting times 10× faster: SQS redelivers the batch
    // after 18 s instead of 180 s.
    const { summary, log } = await run({ faults: { auditWriteHang: 1 }, timeScale: 10 });

    expect(log).toMatch(/bbkyc-audit-processor-sit .*Task timed out after 30\.00 seconds/);
    expect(summary.unaccounted).toBe(0);
    expect(summary.audited).toEqual({ PROCESSED: 60, FAILED: 0 });
    expect(summary.metrics.SFCaseCreationSuccess).toBe(60);
    expect(summary.metrics.AuditEventWritten.PROCESSED).toBe(60);
    expect(summary.checks.filter((c) => !c.ok)).toEqual([]);
  }, 300_000);

  it("ends records FAILED with a reason when refreshes fail past the token's expiry (time compressed 600× throughout)", async () => {
    // 60-minute token, refreshes failing after the first; the file arrives 90 platform minutes later.
    const { summary } = await run({
      records: 30,
      faults: { token: "expire" },
      timeScale: 600,
      uploadDelayMinutes: 90,
    });

    expect(summary.unaccounted).toBe(0);
    expect(summary.audited).toEqual({ PROCESSED: 0, FAILED: 30 });
    expect(summary.casesCreated).toBe(0);
    // Either the case creator gave up (its own give-up age) or Lambda discarded the batch and the
    // discard auditor recorded it: both are the deployed platform's doing, each with its reason.
    for (const { reason } of summary.failureReasons)
      expect(reason).toMatch(/Salesforce unavailable|Lambda discarded the batch/);
    expect(summary.metrics.SFCaseCreationFailure).toBe(30);
    expect(summary.tokenRefreshes.failed).toBeGreaterThan(0);
    expect(summary.checks.filter((c) => !c.ok)).toEqual([]);
    expect(summary.differences.some((d) => d.startsWith("waiting times run 600× faster"))).toBe(true);
  }, 300_000);
});
