/**
 * Every bench of `npm run bench` at a small size, so none can rot. Only what is exact is asserted
 * (calls = ceil(N/500), one Salesforce call per record for the naive way, one token read per warm
 * container…), never a time: the times are for BENCHMARKS.md, measured on a quiet machine.
 */
import { describe, expect, it } from "vitest";
import { BENCH_SIZES } from "../bench/bench-sizes.js";
import { runCaseCreatorBench, type CaseCreatorVariantResult } from "../bench/case-creator.js";
import { runHandlersBench } from "../bench/handlers.js";
import { runPlanBench } from "../bench/plan.js";
import { awsBoundSeconds, maxOverMean, runProducerBench } from "../bench/producer.js";

const quiet = () => undefined;

describe("benches (small sizes)", () => {
  it("producer: ceil(N/500) PutRecords calls spread over every shard; the old way one call per record on one shard", async () => {
    const { records, shards, baselineRecords } = BENCH_SIZES.small.producer;
    const result = await runProducerBench({ records, shards, baselineRecords, log: quiet });
    const [ours, baseline] = result.results;
    expect(ours).toMatchObject({ mode: "ours", records, apiCalls: Math.ceil(records / 500) });
    expect(Object.keys(ours!.perShard)).toHaveLength(shards);
    expect(baseline).toMatchObject({
      mode: "baseline",
      records: baselineRecords,
      apiCalls: baselineRecords,
      maxShardOverMean: shards,
    });
    expect(Object.keys(baseline!.perShard)).toHaveLength(1);
  }, 180_000);

  it("the AWS bound is set by the busiest shard's records or bytes", () => {
    expect(awsBoundSeconds({ a: 2000, b: 1000 }, 2, 100)).toBe(2);
    expect(awsBoundSeconds({ a: 1000 }, 4, 2 * 1024 * 1024)).toBe(2000);
    expect(maxOverMean({ a: 30, b: 10 }, 4)).toBe(3);
  });

  it("case creator: naive = one call per record; deployed = one call and one token read per container, one CloudWatch call per invocation", async () => {
    const result = await runCaseCreatorBench({ ...BENCH_SIZES.small.caseCreator, log: quiet });
    const byVariant = Object.fromEntries(result.results.map((r) => [r.variant, r])) as Record<
      string,
      CaseCreatorVariantResult
    >;
    expect(byVariant.naive!.salesforceCalls).toBe(byVariant.naive!.records);
    expect(byVariant.naive!.secretReads).toBe(byVariant.naive!.records);
    for (const [variant, perCall] of [
      ["window-0", 200],
      ["collections", 200],
      ["deployed", 1_000],
    ] as const) {
      const r = byVariant[variant]!;
      // A batch of ≤200 is one sObject Collections call, of ≤1,000 one Composite call: one call an
      // invocation, never fewer than ceil(N / records per call), never a batch larger than a call takes.
      expect(r.salesforceCalls).toBe(r.invocations);
      expect(r.salesforceCalls).toBeGreaterThanOrEqual(Math.ceil(r.records / perCall));
      expect(r.meanBatch).toBeLessThanOrEqual(perCall);
      expect(r.secretReads).toBe(r.containers); // one read per warm container, cached after
      expect(r.cloudWatchCallsPerInvocation).toBe(1);
    }
    expect(result.mapping.batchingWindowSeconds).toBe(5);
    expect(result.mapping.batchSize).toBe(1_000);
  }, 240_000);

  it("handlers: every function the plan deploys is bundled and imports cold with its planned environment", async () => {
    const result = await runHandlersBench({ ...BENCH_SIZES.small.handlers, log: quiet });
    expect(result.results.map((r) => r.function).sort()).toEqual([
      "bbkyc-audit-processor-sit",
      "bbkyc-cta-case-creator-sit",
      "bbkyc-cta-discard-auditor-sit",
      "bbkyc-cta-event-producer-sit",
      "bbkyc-token-manager-sit",
    ]);
    for (const r of result.results) expect(r.gzipKb).toBeLessThan(r.bundleKb);
  }, 180_000);

  it("plan: reports each stack asked for with its resource count", async () => {
    const result = await runPlanBench({ stacks: ["sit"], log: quiet });
    expect(result.results).toHaveLength(1);
    expect(result.results[0]).toMatchObject({ stack: "sit" });
    expect(result.results[0]!.resources).toBeGreaterThan(50);
  }, 120_000);
});
