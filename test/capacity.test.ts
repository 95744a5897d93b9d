/** The capacity planner: the model's bookkeeping is exact, and the CLI follows ops/lib/cli.ts. */
import { describe, expect, it } from "vitest";
import { capacityMain } from "../ops/capacity/cli.js";
import { AWS_SERVICE_TIMES, peak, predict } from "../ops/capacity/model.js";
import { stack, workload } from "./support/capacity-stack.js";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

describe("capacity model", () => {
  it("accounts for every record once in each stage and one Salesforce call per ≤200 records of a batch", () => {
    const p = predict(stack(5), workload);
    const sum = (fn: string) => p.invocations.filter((i) => i.fn === fn).reduce((s, i) => s + i.records, 0);
    expect(sum("case-creator")).toBe(10_000);
    expect(sum("audit-processor")).toBe(10_000);
    const cc = p.invocations.filter((i) => i.fn === "case-creator");
    expect(cc.every((i) => i.records <= 200)).toBe(true);
    expect(p.salesforceCallsPerFile).toBe(cc.length);
    expect(p.salesforceCallsPerDay).toBe(4 * cc.length);
    expect(p.peakConcurrencyByFunction["case-creator"]).toBeLessThanOrEqual(8);
  });

  it("a batch of up to 1,000 is one Composite call but takes Salesforce one collection's time per 200 records", () => {
    const collections = predict(stack(5, 4, 200), workload);
    const composite = predict(stack(5, 4, 1_000), workload);
    const cc = composite.invocations.filter((i) => i.fn === "case-creator");
    expect(cc.some((i) => i.records > 200)).toBe(true);
    expect(composite.salesforceCallsPerFile).toBe(cc.reduce((s, i) => s + Math.ceil(i.records / 1_000), 0));
    expect(composite.salesforceCallsPerFile).toBeLessThan(collections.salesforceCallsPerFile / 3);
    // Five collections one after another: a full batch's invocation lasts at least 5 × 800 ms.
    const full = cc.find((i) => i.records === 1_000);
    expect(full && full.endMs - full.startMs).toBeGreaterThanOrEqual(5 * 800);
  });

  it("a batching window makes fewer, fuller batches than none when records trickle in faster than Salesforce answers", () => {
    // Slow arrivals (as against the emulator), fast Salesforce: without a window every trickle is a batch.
    const trickle = { ...workload, salesforceCallMs: 50 };
    const times = { ...AWS_SERVICE_TIMES, putRecordsMs: 1500 };
    const none = predict(stack(0), trickle, times);
    const window = predict(stack(5), trickle, times);
    expect(window.salesforceCallsPerFile).toBeLessThan(none.salesforceCallsPerFile);
    expect(window.salesforceCallsPerFile).toBeGreaterThanOrEqual(Math.ceil(10_000 / 200));
  });

  it("the emulator's set-up (one DynamoDB request at a time) is bound by the audit processor", () => {
    const local = predict(
      { ...stack(5), auditProcessor: { ...stack(5).auditProcessor, maximumConcurrency: 1 } },
      workload,
      { ...AWS_SERVICE_TIMES, auditPerRecordMs: 200 },
    );
    expect(local.bindingLimit).toMatch(/^audit processor/);
    // 10,000 records × 200 ms, one at a time, at least.
    expect(local.drainSeconds).toBeGreaterThanOrEqual(2000);
  });

  it("peak concurrency counts overlapping invocations only", () => {
    expect(
      peak([
        { fn: "producer", startMs: 0, endMs: 10, records: 1 },
        { fn: "producer", startMs: 10, endMs: 20, records: 1 },
        { fn: "producer", startMs: 5, endMs: 15, records: 1 },
      ]),
    ).toBe(2);
  });
});

describe("npm run capacity", () => {
  it("refuses a wrong command line with exit 2 and one line naming the fix", async () => {
    const unknownStack = capture();
    expect(await capacityMain(["nope"], unknownStack.io)).toBe(2);
    expect(unknownStack.err[0]).toMatch(/^error: no stack "nope"; use one of/);
    const badTime = capture();
    expect(await capacityMain(["sit", "--service-time", "warpMs=1"], badTime.io)).toBe(2);
    expect(badTime.err[0]).toMatch(/^error: unknown service time "warpMs"/);
    const missing = capture();
    expect(await capacityMain([], missing.io)).toBe(2);
  });

  it("predicts from the stack's own plan (its batching window and shard count) and gives a verdict", async () => {
    const run = capture();
    const code = await capacityMain(["sit", "--records", "2000", "--json"], run.io);
    expect(code).toBe(0);
    const json = JSON.parse(run.out[0]!) as {
      prediction: { salesforceCallsPerFile: number; bindingLimit: string };
      cost: { totalUsd: number };
    };
    // sit's batch of 1,000: never fewer calls than ceil(2,000 / 1,000), fewer than one per 200 records.
    expect(json.prediction.salesforceCallsPerFile).toBeGreaterThanOrEqual(2);
    expect(json.prediction.salesforceCallsPerFile).toBeLessThan(10);
    expect(run.out.join("\n") + run.err.join("\n")).toContain("FITS");
    expect(json.cost.totalUsd).toBeGreaterThan(0);
    const tooMuch = capture();
    expect(
      await capacityMain(["sit", "--records", "2000", "--salesforce-daily-limit", "5"], tooMuch.io),
    ).toBe(1);
    expect(tooMuch.out.join("\n") + tooMuch.err.join("\n")).toContain("DOES NOT FIT");
  }, 120_000);
});
