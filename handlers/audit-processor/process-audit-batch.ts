/**
 * The audit processor's core: one SQS batch of audit events in, a partial batch response out.
 *
 * - Every message is validated against the audit-event contract. A malformed one (bad JSON, or an
 *   event that breaks the contract) is logged with its reason and reported as a batch item failure,
 *   so SQS redelivers it until `maxReceiveCount` and then moves it to the DLQ. It never blocks the
 *   others.
 * - Valid events are recorded in the audit table (`recordAuditEvent`): idempotent, order-independent.
 *   Events of one transaction are recorded one after another (they touch the same item); different
 *   transactions in parallel, a few at a time. The batch's items are read first with one BatchGetItem
 *   (not a GetItem per event); each write still carries its version condition, and a conflict
 *   re-reads that one item. If the batch read fails, every event reads its own item, as before.
 * - A DynamoDB error (throttling, a service error, repeated version conflicts) fails only that message.
 * - Outcomes are counted once per transaction and status, at the write that records them first
 *   (`outcome-metrics.ts`): repeats, duplicates and superseded events count nothing. With the EMF
 *   sink each count is flushed as its write lands, so a timeout later in the batch cannot lose it.
 * - With less than `STOP_STARTING_WRITES_MS` left, no new write starts: the rest go back to SQS.
 *
 * Needs no environment variables: the Lambda shell and the local run both call it with their own deps.
 */
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { validateAuditEvent, type AuditEvent } from "../lib/audit-event.js";
import type { Logger } from "../lib/logger.js";
import type { AuditItem } from "./audit-item.js";
import { readAuditItems, recordAuditEvent, type AuditTableDeps } from "./audit-table.js";
import type { OutcomeMetrics } from "./outcome-metrics.js";

export interface AuditProcessorDeps extends AuditTableDeps {
  /** Days an item is kept after its last write (TTL). */
  retentionDays: number;
  /** Counts first outcomes; flushed once at the end of the batch. */
  outcomes: OutcomeMetrics;
  logger: Logger;
  /** Clock, injectable for tests. @default `() => new Date()` */
  now?: () => Date;
  /** Transactions recorded in parallel. @default `8` */
  concurrency?: number;
  /** Time left in this invocation (ms), e.g. `context.getRemainingTimeInMillis`. */
  remainingTimeMs?: () => number;
}

/**
 * No new write starts with less time left than this: a write that outlives the invocation is killed
 * with it, and the messages not started are better handed back to SQS at once (batch item failures)
 * than redelivered only after the visibility timeout of a timed-out batch.
 */
export const STOP_STARTING_WRITES_MS = 5_000;

/** Summary of one batch, for logs and the local run's report. */
export interface AuditBatchSummary {
  received: number;
  written: number;
  /** Written as repeats of the current outcome (no new history entry, nothing counted). */
  repeats: number;
  duplicates: number;
  /** `onlyIfUnsettled` events for transactions already settled: not written. */
  superseded: number;
  malformed: number;
  failed: number;
  /** Not started: the invocation was running out of time (handed back to SQS). */
  deferred: number;
}

type ParsedMessage = { record: SQSRecord; event: AuditEvent };

/** Processes one SQS batch; returns the messages SQS must deliver again. Never throws for a bad message. */
export async function processAuditBatch(
  deps: AuditProcessorDeps,
  event: SQSEvent,
): Promise<SQSBatchResponse> {
  return (await processAuditBatchWithSummary(deps, event)).response;
}

/** Same as `processAuditBatch`, also returning what happened (the local run reports it). */
export async function processAuditBatchWithSummary(
  deps: AuditProcessorDeps,
  event: SQSEvent,
): Promise<{ response: SQSBatchResponse; summary: AuditBatchSummary }> {
  const failures: SQSBatchItemFailure[] = [];
  const summary: AuditBatchSummary = {
    received: event.Records.length,
    written: 0,
    repeats: 0,
    duplicates: 0,
    superseded: 0,
    malformed: 0,
    failed: 0,
    deferred: 0,
  };
  try {
    const byTransaction = new Map<string, ParsedMessage[]>();
    for (const record of event.Records) {
      const parsed = parseMessage(record);
      if (!parsed.ok) {
        summary.malformed++;
        failures.push({ itemIdentifier: record.messageId });
        deps.logger.error("malformed audit message", {
          messageId: record.messageId,
          reason: parsed.reason,
          receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 0),
          bodyBytes: Buffer.byteLength(record.body ?? ""),
        });
        continue;
      }
      const group = byTransaction.get(parsed.event.transactionId) ?? [];
      group.push({ record, event: parsed.event });
      byTransaction.set(parsed.event.transactionId, group);
    }

    const items = await readBatchItems(deps, [...byTransaction.keys()]);
    await forEachLimited([...byTransaction.values()], deps.concurrency ?? 8, async (messages) => {
      for (const message of messages) {
        if (deps.remainingTimeMs && deps.remainingTimeMs() < STOP_STARTING_WRITES_MS) {
          summary.deferred++;
          failures.push({ itemIdentifier: message.record.messageId });
          continue;
        }
        const ok = await recordOne(deps, message, summary, items);
        if (!ok) failures.push({ itemIdentifier: message.record.messageId });
      }
    });
  } finally {
    await flushMetrics(deps);
  }
  summary.failed = failures.length - summary.malformed - summary.deferred;
  deps.logger.info("audit batch processed", { ...summary });
  return { response: { batchItemFailures: failures }, summary };
}

function parseMessage(record: SQSRecord): { ok: true; event: AuditEvent } | { ok: false; reason: string } {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch (error) {
    return {
      ok: false,
      reason: `body is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const checked = validateAuditEvent(body);
  return checked.ok ? checked : { ok: false, reason: `audit event breaks the contract: ${checked.reason}` };
}

/** The items of the batch's transactions (one BatchGetItem per 100); empty when that read fails. */
async function readBatchItems(
  deps: AuditProcessorDeps,
  transactionIds: string[],
): Promise<Map<string, AuditItem | undefined>> {
  if (transactionIds.length === 0) return new Map();
  try {
    return await readAuditItems(deps, transactionIds);
  } catch (error) {
    deps.logger.warn("batch read of audit items failed; each event reads its own item", {
      transactions: transactionIds.length,
      error,
    });
    return new Map();
  }
}

/**
 * Records one event; false when SQS must deliver it again. `items`: the transaction's item as last
 * read or written by this batch, updated after each write (a transaction's events run one by one).
 */
async function recordOne(
  deps: AuditProcessorDeps,
  message: ParsedMessage,
  summary: AuditBatchSummary,
  items: Map<string, AuditItem | undefined>,
): Promise<boolean> {
  const { record, event } = message;
  const log = deps.logger.child({ correlationId: event.transactionId });
  const known = items.has(event.transactionId) ? { item: items.get(event.transactionId) } : undefined;
  // Until this event is recorded, the item is read again if needed (e.g. after a failed write).
  items.delete(event.transactionId);
  try {
    const outcome = await recordAuditEvent(
      deps,
      event,
      {
        now: (deps.now ?? (() => new Date()))(),
        retentionDays: deps.retentionDays,
        messageId: record.messageId,
      },
      known,
    );
    if (outcome.kind === "written") items.set(event.transactionId, outcome.item);
    if (outcome.kind === "duplicate") {
      summary.duplicates++;
      log.info("audit event already recorded", { messageId: record.messageId, status: event.status });
    } else if (outcome.kind === "superseded") {
      summary.superseded++;
      log.info("audit event not recorded: the transaction is already settled", {
        messageId: record.messageId,
        status: event.status,
        settledStatus: outcome.settledStatus,
      });
    } else {
      summary.written++;
      if (outcome.repeat) summary.repeats++;
      if (outcome.firstOfStatus) await deps.outcomes.count(event, outcome.firstOfStatus);
      log.info("audit event recorded", {
        messageId: record.messageId,
        status: event.status,
        current: outcome.becameCurrent,
        repeat: outcome.repeat,
      });
    }
    return true;
  } catch (error) {
    log.error("audit event not recorded; SQS will deliver it again", {
      messageId: record.messageId,
      status: event.status,
      retryable: isRetryable(error),
      error,
    });
    return false;
  }
}

/** Throttling, service-side and network errors go away on their own; the rest need a person. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as {
    name?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    $fault?: string;
  };
  if (e.$retryable || e.$fault === "server") return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|InternalServerError|ServiceUnavailable|ConditionalCheckFailed|TimeoutError|ECONNRESET|ECONNREFUSED/.test(
    e.name ?? "",
  );
}

/** A metrics failure must not make SQS redeliver events that are already recorded (`flush` never throws). */
async function flushMetrics(deps: AuditProcessorDeps): Promise<void> {
  await deps.outcomes.flush();
}

async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}
