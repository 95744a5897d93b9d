/**
 * The local run's own bookkeeping, without the emulator: what it counts as audited (and when the last
 * transaction was first seen so: the end of the summary's timeline), and how much audit backlog the
 * pacing gate allows for a stack.
 */
import type { SQSRecord } from "aws-lambda";
import { describe, expect, it, vi } from "vitest";
import { backlogLimit } from "../local/audit-backlog.js";
import { AuditedRecords } from "../local/audited-records.js";

const message = (body: unknown) =>
  ({ body: typeof body === "string" ? body : JSON.stringify(body) }) as SQSRecord;

describe("audited records", () => {
  it("counts final outcomes once per transaction and notes when the last one was first seen", () => {
    vi.useFakeTimers({ now: 1_000 });
    try {
      const audited = new AuditedRecords();
      audited.consume([
        message({ transactionId: "a", status: "PROCESSED" }),
        message({ transactionId: "b", status: "RECEIVED" }), // not an outcome
        message("not json"),
      ]);
      expect(audited.lastFirstAuditAt).toBe(1_000);
      vi.setSystemTime(2_000);
      audited.consume([message({ transactionId: "b", status: "FAILED" })]);
      vi.setSystemTime(3_000);
      audited.consume([message({ transactionId: "a", status: "PROCESSED" })]); // a redelivery
      expect(audited.lastFirstAuditAt).toBe(2_000);
      expect(audited.count(["a", "b", "c"])).toEqual({ audited: 2, failed: 1 });
      expect(audited.all(["a", "b"])).toBe(true);
      expect(audited.all(["a", "b", "c"])).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("audit backlog limit", () => {
  const source = (streamName: string, parallelizationFactor: number, batchSize: number) =>
    ({ streamName, parallelizationFactor, batchSize }) as never;

  it("leaves room for every Kinesis lane's full batch at once, and never less than 250", () => {
    const streams = [
      { name: "s1", shardCount: 4 },
      { name: "s2", shardCount: 1 },
    ] as never;
    // sit: 4 shards × parallelization 2, batch 1,000.
    expect(backlogLimit({ streams, kinesisSources: [source("s1", 2, 1000)] })).toBe(8000);
    // Two sources: 4 × 1 + 1 × 3 lanes, the largest batch 100.
    expect(backlogLimit({ streams, kinesisSources: [source("s1", 1, 100), source("s2", 3, 50)] })).toBe(700);
    expect(backlogLimit({ streams, kinesisSources: [source("s2", 1, 10)] })).toBe(250);
  });
});
