/**
 * Retries for the tools' AWS calls: throttling and transient server errors are retried with
 * exponential backoff and full jitter (`handlers/lib/backoff.ts`, the handlers' own timing) until
 * they succeed or a run of failures says the service is not coming back. The SDK's own retries
 * (3 attempts) sit under these; a long copy must survive minutes of throttling, not seconds.
 */
import { backoffDelay, sleep as realSleep, type Sleep } from "../../handlers/lib/backoff.js";

export interface RetryPolicy {
  /** Consecutive failed attempts of one call before giving up. @default `12` */
  attempts: number;
  /** First delay ceiling in ms. @default `50` */
  baseMs: number;
  /** Largest delay in ms. @default `20000` */
  maxMs: number;
  sleep: Sleep;
  random?: () => number;
  /** Told about every retry (for the end-of-run count). */
  onRetry?: (what: string, attempt: number, error: unknown) => void;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 12, baseMs: 50, maxMs: 20_000, sleep: realSleep };

const RETRYABLE_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "Throttling",
  "RequestLimitExceeded",
  "LimitExceededException",
  "InternalServerError",
  "InternalFailure",
  "ServiceUnavailable",
  "TooManyRequestsException",
  "KMSThrottlingException",
]);

/** Throttling, a 5xx, or a connection that dropped: worth trying again. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as {
    name?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
    code?: string;
  };
  if (e.name && RETRYABLE_NAMES.has(e.name)) return true;
  if (e.$retryable) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return e.code === "ECONNRESET" || e.code === "ETIMEDOUT" || e.code === "ECONNREFUSED" || e.code === "EPIPE";
}

/** Calls `fn` until it succeeds; retries only what `isRetryable` accepts. */
export async function withRetry<T>(policy: RetryPolicy, what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isRetryable(error) || attempt >= policy.attempts) throw error;
      policy.onRetry?.(what, attempt, error);
      await policy.sleep(backoffDelay(attempt, policy));
    }
  }
}

/**
 * Waits before the next round of a batch call that came back partly done (UnprocessedKeys /
 * UnprocessedItems). `roundsWithoutProgress` restarts at 0 whenever a round got something done, so
 * a long batch under steady throttling keeps going while it makes progress.
 */
export async function backoffPartialBatch(
  policy: RetryPolicy,
  what: string,
  roundsWithoutProgress: number,
): Promise<void> {
  if (roundsWithoutProgress >= policy.attempts)
    throw new Error(`${what}: no progress after ${roundsWithoutProgress} rounds of retries; try again later`);
  policy.onRetry?.(what, roundsWithoutProgress, undefined);
  await policy.sleep(backoffDelay(Math.max(1, roundsWithoutProgress), policy));
}
