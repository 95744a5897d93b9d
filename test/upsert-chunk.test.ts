/**
 * upsertChunk's retry policy, with a scripted Salesforce and token provider (no HTTP): every record
 * leaves with exactly one outcome, calls are bounded by the policy, a 401 re-reads the token once.
 */
import { describe, expect, it } from "vitest";
import type { SObjectRecord } from "../handlers/case-creator/case-mapping.js";
import {
  SalesforceCallError,
  type SalesforceCollections,
  type UpsertResult,
} from "../handlers/case-creator/salesforce-client.js";
import { upsertChunk, type ChunkItem, type UpsertChunkDeps } from "../handlers/case-creator/upsert-chunk.js";
import { Logger } from "../handlers/lib/logger.js";

type Answer = UpsertResult[] | SalesforceCallError | ((records: SObjectRecord[]) => UpsertResult[]);

/** Answers each call with the next scripted answer (the last one repeats); records the calls. */
function scripted(...answers: Answer[]) {
  const calls: Array<{ token: string; ids: string[] }> = [];
  const salesforce: SalesforceCollections = {
    async upsert(token, records) {
      calls.push({ token, ids: records.map((r) => String(r.TxnId)) });
      const answer = answers[Math.min(calls.length - 1, answers.length - 1)]!;
      if (answer instanceof SalesforceCallError) throw answer;
      return typeof answer === "function" ? answer(records) : answer;
    },
  };
  return { salesforce, calls };
}

const ok = (records: SObjectRecord[]): UpsertResult[] =>
  records.map((r) => ({ id: `500-${String(r.TxnId)}`, success: true, created: true, errors: [] }));
const locked = {
  success: false,
  errors: [{ statusCode: "UNABLE_TO_LOCK_ROW", message: "unable to obtain exclusive access" }],
};
const items = (n: number): ChunkItem[] =>
  Array.from({ length: n }, (_, i) => ({
    transactionId: `TXN-${i}`,
    sobject: { attributes: { type: "Case" }, TxnId: `TXN-${i}` },
  }));

function deps(salesforce: SalesforceCollections, overrides: Partial<UpsertChunkDeps> = {}) {
  const sleeps: number[] = [];
  let tokenReads = 0;
  const d: UpsertChunkDeps = {
    salesforce,
    tokenProvider: {
      getToken: async () => `token-${tokenReads}`,
      refreshAfterUnauthorized: async () => `token-${++tokenReads}`,
    },
    logger: new Logger({ service: "test", write: () => undefined }),
    retry: {
      maxAttempts: 3,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      attemptBudgetMs: 0,
      compositeAttemptBudgetMs: 0,
    },
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    ...overrides,
  };
  return { deps: d, sleeps };
}

describe("upsertChunk", () => {
  it("one call for a healthy chunk: every record processed with its Salesforce id", async () => {
    const { salesforce, calls } = scripted(ok);
    const result = await upsertChunk(deps(salesforce).deps, items(3));
    expect(calls).toHaveLength(1);
    expect([...result.outcomes]).toEqual(
      [0, 1, 2].map((i) => [`TXN-${i}`, { kind: "processed", salesforceId: `500-TXN-${i}`, created: true }]),
    );
    expect(result).toMatchObject({ calls: 1, retrySuccesses: 0 });
    expect(result.unavailableReason).toBeUndefined();
  });

  it("a 503 is retried with backoff and counted as a retry success once it passes", async () => {
    const { salesforce, calls } = scripted(
      new SalesforceCallError("503 Service Unavailable", "transient", 503),
      ok,
    );
    const { deps: d, sleeps } = deps(salesforce);
    const result = await upsertChunk(d, items(2));
    expect(calls).toHaveLength(2);
    expect(sleeps).toEqual([50]);
    expect(result).toMatchObject({ calls: 2, retrySuccesses: 1 });
    expect([...result.outcomes.values()].every((o) => o.kind === "processed")).toBe(true);
  });

  it("an outage stops after maxAttempts calls: every record transient with the reason, Salesforce marked unavailable", async () => {
    const { salesforce, calls } = scripted(
      new SalesforceCallError("503 Service Unavailable", "transient", 503),
    );
    const result = await upsertChunk(deps(salesforce).deps, items(2));
    expect(calls).toHaveLength(3);
    expect([...result.outcomes.values()]).toEqual([
      { kind: "transient", reason: "503 Service Unavailable" },
      { kind: "transient", reason: "503 Service Unavailable" },
    ]);
    expect(result.unavailableReason).toBe("503 Service Unavailable");
  });

  it("a Retry-After longer than the backoff is honoured, capped at maxDelayMs", async () => {
    const { salesforce } = scripted(new SalesforceCallError("429", "transient", 429, undefined, 60_000), ok);
    const { deps: d, sleeps } = deps(salesforce);
    await upsertChunk(d, items(1));
    expect(sleeps).toEqual([1000]);
  });

  it("no retry starts when the invocation's remaining time would not cover the wait and an attempt", async () => {
    const { salesforce, calls } = scripted(new SalesforceCallError("502", "transient", 502), ok);
    const result = await upsertChunk(
      deps(salesforce, {
        remainingTimeMs: () => 1_000,
        retry: {
          maxAttempts: 3,
          baseDelayMs: 100,
          maxDelayMs: 1000,
          attemptBudgetMs: 5_000,
          compositeAttemptBudgetMs: 50_000,
        },
      }).deps,
      items(1),
    );
    expect(calls).toHaveLength(1);
    expect(result.outcomes.get("TXN-0")).toEqual({ kind: "transient", reason: "502" });
  });

  it("a Composite call (over 200 records) needs its own, longer budget left before a retry starts", async () => {
    const retry = {
      maxAttempts: 3,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      attemptBudgetMs: 5_000,
      compositeAttemptBudgetMs: 50_000,
    };
    // 20 s left: enough for another attempt of one collection, not of a Composite call.
    const small = scripted(new SalesforceCallError("502", "transient", 502), ok);
    await upsertChunk(deps(small.salesforce, { remainingTimeMs: () => 20_000, retry }).deps, items(200));
    expect(small.calls).toHaveLength(2);
    const large = scripted(new SalesforceCallError("502", "transient", 502), ok);
    await upsertChunk(deps(large.salesforce, { remainingTimeMs: () => 20_000, retry }).deps, items(201));
    expect(large.calls).toHaveLength(1);
  });

  it("a 401 re-reads the token once and retries at once with the new token; a second 401 gives up", async () => {
    const once = scripted(new SalesforceCallError("401", "unauthorized", 401), ok);
    const first = await upsertChunk(deps(once.salesforce).deps, items(1));
    expect(once.calls.map((c) => c.token)).toEqual(["token-0", "token-1"]);
    expect(first.outcomes.get("TXN-0")?.kind).toBe("processed");

    const always = scripted(new SalesforceCallError("401 INVALID_SESSION_ID", "unauthorized", 401));
    const second = await upsertChunk(deps(always.salesforce).deps, items(1));
    expect(always.calls).toHaveLength(2);
    expect(second.outcomes.get("TXN-0")).toEqual({
      kind: "transient",
      reason: expect.stringContaining("still rejects the token after a re-read"),
    });
  });

  it("a rejected request fails every record for good, without a retry", async () => {
    const { salesforce, calls } = scripted(new SalesforceCallError("400 MALFORMED_QUERY", "rejected", 400));
    const result = await upsertChunk(deps(salesforce).deps, items(2));
    expect(calls).toHaveLength(1);
    expect([...result.outcomes.values()]).toEqual(
      Array(2).fill({ kind: "failed", reason: "Salesforce rejected the request: 400 MALFORMED_QUERY" }),
    );
  });

  it("per record: a bad record fails with Salesforce's reason, a locked one alone is retried, the rest processed once", async () => {
    const { salesforce, calls } = scripted(
      (records) => [
        ok(records.slice(0, 1))[0]!,
        {
          success: false,
          errors: [
            {
              statusCode: "REQUIRED_FIELD_MISSING",
              message: "Required fields are missing: [Subject]",
              fields: ["Subject"],
            },
          ],
        },
        locked,
      ],
      ok,
    );
    const result = await upsertChunk(deps(salesforce).deps, items(3));
    expect(calls.map((c) => c.ids)).toEqual([["TXN-0", "TXN-1", "TXN-2"], ["TXN-2"]]);
    expect(result.outcomes.get("TXN-1")).toEqual({
      kind: "failed",
      reason: "REQUIRED_FIELD_MISSING: Required fields are missing: [Subject] (fields: Subject)",
    });
    expect(result.outcomes.get("TXN-2")).toEqual({
      kind: "processed",
      salesforceId: "500-TXN-2",
      created: true,
    });
    expect(result.outcomes.size).toBe(3);
  });

  it("a row still locked after every attempt is transient (Kinesis redelivers it), never failed", async () => {
    const { salesforce, calls } = scripted(() => [locked]);
    const result = await upsertChunk(deps(salesforce).deps, items(1));
    expect(calls).toHaveLength(3);
    expect(result.outcomes.get("TXN-0")).toEqual({
      kind: "transient",
      reason: "UNABLE_TO_LOCK_ROW: unable to obtain exclusive access",
    });
  });
});
