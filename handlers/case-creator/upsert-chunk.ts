/**
 * The retry policy for one Salesforce upsert call (≤1,000 records: one collection or a Composite of
 * five): a 401 re-reads the token once;
 * 429/5xx/network failures back off with full jitter for a bounded number of attempts; records
 * Salesforce reports as temporarily locked are retried on their own. Every record leaves with one
 * outcome: processed, failed for good (with Salesforce's reason), or transient (Kinesis redelivers).
 */
import { backoffDelay, sleep as realSleep, type Sleep } from "../lib/backoff.js";
import type { Logger } from "../lib/logger.js";
import type { TokenProvider } from "../lib/token-provider.js";
import type { SObjectRecord } from "./case-mapping.js";
import {
  MAX_COLLECTION_SIZE,
  SUBREQUEST_UNAVAILABLE,
  SalesforceCallError,
  type SalesforceCollections,
  type SalesforceRecordError,
  type UpsertResult,
} from "./salesforce-client.js";

export type UpsertOutcome =
  | { kind: "processed"; salesforceId: string; created: boolean }
  | { kind: "failed"; reason: string }
  | { kind: "transient"; reason: string };

export interface RetryPolicy {
  /** Attempts per call for 429/5xx/network failures, the first included. */
  maxAttempts: number;
  /** First backoff ceiling (ms). */
  baseDelayMs: number;
  /** Largest backoff (ms), also the cap on a server's Retry-After. */
  maxDelayMs: number;
  /**
   * No new attempt with one collection (≤200 records) starts unless this much invocation time (ms)
   * would remain after the wait: more than the client's request timeout for it (20 s).
   */
  attemptBudgetMs: number;
  /** The same for a Composite call (201–1,000 records): more than its request timeout (60 s). */
  compositeAttemptBudgetMs: number;
}

export interface UpsertChunkDeps {
  salesforce: SalesforceCollections;
  tokenProvider: TokenProvider;
  logger: Logger;
  retry: RetryPolicy;
  sleep?: Sleep;
  random?: () => number;
  /** Time left in this invocation (ms); unlimited when absent. */
  remainingTimeMs?: () => number;
}

export interface ChunkItem {
  transactionId: string;
  sobject: SObjectRecord;
}

export interface ChunkResult {
  outcomes: Map<string, UpsertOutcome>;
  /** HTTP calls made. */
  calls: number;
  /** Calls that succeeded after at least one retry (the `RetrySuccess` metric). */
  retrySuccesses: number;
  /** Calls still failing temporarily (429/5xx/network/401/locked rows) when retrying stopped (the `RetryExhausted` metric): 0 or 1. */
  retriesExhausted: number;
  /** Set when the whole call kept failing transiently: Salesforce looks unavailable. */
  unavailableReason?: string;
}

/** Per-record errors that mean "try again shortly", not "this record is wrong". */
const TRANSIENT_RECORD_ERRORS = new Set(["UNABLE_TO_LOCK_ROW", SUBREQUEST_UNAVAILABLE]);

export async function upsertChunk(deps: UpsertChunkDeps, items: ChunkItem[]): Promise<ChunkResult> {
  const result: ChunkResult = { outcomes: new Map(), calls: 0, retrySuccesses: 0, retriesExhausted: 0 };
  const sleep = deps.sleep ?? realSleep;
  let pending = items;
  let attempt = 0;
  let retried = false;
  let reReadToken = false;
  let token: string | undefined;

  const settleAll = (outcome: UpsertOutcome): void => {
    // A transient settle is a call that kept failing for a temporary reason: retrying gave up on it.
    if (outcome.kind === "transient" && pending.length > 0) result.retriesExhausted = 1;
    for (const item of pending) result.outcomes.set(item.transactionId, outcome);
    pending = [];
  };
  /** Waits before the next attempt; false when attempts or invocation time are used up. */
  const mayRetry = async (reason: string, retryAfterMs?: number): Promise<boolean> => {
    if (attempt >= deps.retry.maxAttempts) return false;
    const jittered = backoffDelay(attempt, {
      baseMs: deps.retry.baseDelayMs,
      maxMs: deps.retry.maxDelayMs,
      random: deps.random,
    });
    const delay = Math.max(jittered, Math.min(retryAfterMs ?? 0, deps.retry.maxDelayMs));
    if (deps.remainingTimeMs && deps.remainingTimeMs() < delay + attemptBudgetMs(deps.retry, pending.length))
      return false;
    deps.logger.warn("Salesforce call will be retried", {
      attempt,
      delayMs: delay,
      records: pending.length,
      reason,
    });
    await sleep(delay);
    retried = true;
    return true;
  };

  while (pending.length > 0) {
    attempt += 1;
    let results: UpsertResult[];
    try {
      token ??= await deps.tokenProvider.getToken();
      result.calls += 1;
      results = await deps.salesforce.upsert(
        token,
        pending.map((p) => p.sobject),
      );
    } catch (error) {
      const failure = classify(error);
      if (failure.kind === "unauthorized" && !reReadToken) {
        // The token manager may have rotated the token since we cached it: re-read once, retry at once.
        reReadToken = true;
        retried = true;
        attempt -= 1;
        try {
          token = await deps.tokenProvider.refreshAfterUnauthorized();
        } catch (refreshError) {
          result.unavailableReason = `token could not be re-read after a 401: ${(refreshError as Error).message}`;
          settleAll({ kind: "transient", reason: result.unavailableReason });
        }
        continue;
      }
      if (failure.kind === "unauthorized") {
        result.unavailableReason = `Salesforce still rejects the token after a re-read (${failure.message})`;
        settleAll({ kind: "transient", reason: result.unavailableReason });
      } else if (failure.kind === "rejected") {
        settleAll({ kind: "failed", reason: `Salesforce rejected the request: ${failure.message}` });
      } else if (!(await mayRetry(failure.message, failure.retryAfterMs))) {
        result.unavailableReason = failure.message;
        settleAll({ kind: "transient", reason: failure.message });
      }
      continue;
    }

    if (retried) result.retrySuccesses += 1;
    const locked: ChunkItem[] = [];
    let lockReason = "";
    pending.forEach((item, i) => {
      const r = results[i]!;
      if (r.success && typeof r.id === "string") {
        result.outcomes.set(item.transactionId, {
          kind: "processed",
          salesforceId: r.id,
          created: r.created === true,
        });
      } else if (r.errors.length > 0 && r.errors.every((e) => TRANSIENT_RECORD_ERRORS.has(e.statusCode))) {
        locked.push(item);
        lockReason = describeRecordErrors(r.errors);
      } else {
        result.outcomes.set(item.transactionId, { kind: "failed", reason: describeRecordErrors(r.errors) });
      }
    });
    pending = locked;
    if (pending.length > 0 && !(await mayRetry(lockReason)))
      settleAll({ kind: "transient", reason: lockReason });
  }
  return result;
}

/** Invocation time (ms) an attempt with `records` records needs left to see its call to the end. */
export function attemptBudgetMs(retry: RetryPolicy, records: number): number {
  return records > MAX_COLLECTION_SIZE ? retry.compositeAttemptBudgetMs : retry.attemptBudgetMs;
}

/** `REQUIRED_FIELD_MISSING: Required fields are missing: [Subject] (fields: Subject)`; several joined by `; `. */
export function describeRecordErrors(errors: SalesforceRecordError[]): string {
  if (errors.length === 0) return "Salesforce reported the record as failed without a reason";
  return errors
    .map(
      (e) =>
        `${e.statusCode}: ${e.message}${e.fields && e.fields.length > 0 ? ` (fields: ${e.fields.join(", ")})` : ""}`,
    )
    .join("; ");
}

function classify(error: unknown): {
  kind: "unauthorized" | "transient" | "rejected";
  message: string;
  retryAfterMs?: number;
} {
  if (error instanceof SalesforceCallError) {
    return {
      kind: error.kind,
      message: error.message,
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  }
  // The token provider failing (Secrets Manager down) is as transient as Salesforce being down.
  return {
    kind: "transient",
    message: `token unavailable or call failed: ${error instanceof Error ? error.message : String(error)}`,
  };
}
