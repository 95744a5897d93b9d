/**
 * The case creator's core: one Kinesis batch in, Salesforce cases upserted by external id, one
 * audit event per transaction, and a partial batch response naming only what must be redelivered.
 *
 * Outcomes per record:
 * - undecodable or invalid → FAILED with the reason (never retried: it would fail the same way);
 * - Salesforce accepted it → PROCESSED (salesforceId, created);
 * - Salesforce rejected it (per-record error or a 4xx for the call) → FAILED with Salesforce's words;
 * - Salesforce unavailable (401 after a re-read, 429/5xx/network after the retries) → a batch item
 *   failure so Lambda redelivers from there, unless the record has waited longer than
 *   `giveUpAfterSeconds`: then FAILED ("Salesforce unavailable: …") so nothing waits forever;
 * - its audit event could not be queued → a batch item failure too (the upsert is idempotent).
 */
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import type { AuditEvent } from "../lib/audit-event.js";
import type { AuditSender } from "../lib/audit-sender.js";
import { streamRecordKey } from "../lib/audit-keys.js";
import { replayAttributes } from "../lib/replay-record.js";
import type { Sleep } from "../lib/backoff.js";
import { flushMetrics } from "../lib/invocation.js";
import type { Logger } from "../lib/logger.js";
import type { Metrics } from "../lib/metrics.js";
import type { TokenProvider } from "../lib/token-provider.js";
import { toSObject, type CaseMapping } from "./case-mapping.js";
import { decodeKinesisRecord, type KycRecord } from "./kinesis-record.js";
import { MAX_RECORDS_PER_CALL, type SalesforceCollections } from "./salesforce-client.js";
import { attemptBudgetMs, upsertChunk, type RetryPolicy, type UpsertOutcome } from "./upsert-chunk.js";

export interface CaseCreatorConfig {
  /** Audit `component`, e.g. `cta-case-creator`. */
  component: string;
  mapping: CaseMapping;
  /** A record this old (seconds since it reached Kinesis) is audited FAILED instead of redelivered. */
  giveUpAfterSeconds: number;
  /** @default `{ maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 4000, attemptBudgetMs: 25000, compositeAttemptBudgetMs: 65000 }` */
  retry?: Partial<RetryPolicy>;
  /** Records per Salesforce call. @default `1000` (five 200-record collections in one Composite call) */
  chunkSize?: number;
}

export interface CreateCasesDeps {
  salesforce: SalesforceCollections;
  tokenProvider: TokenProvider;
  audit: Pick<AuditSender, "send">;
  metrics: Metrics<"case-creator">;
  logger: Logger;
  now: () => Date;
  config: CaseCreatorConfig;
  sleep?: Sleep;
  random?: () => number;
  /** Time left in this invocation (ms), e.g. `context.getRemainingTimeInMillis`. */
  remainingTimeMs?: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  // Each longer than the client's request timeout for that kind of call (20 s one collection, 60 s
  // a Composite call): no call starts that the invocation (120 s by default) could not see to its end.
  attemptBudgetMs: 25_000,
  compositeAttemptBudgetMs: 65_000,
};

/** All Kinesis records that carry one transaction id (duplicates are upserted once). */
interface Transaction {
  transactionId: string;
  /** The latest delivery wins: it is what the producer sent last. */
  record: KycRecord;
  sequenceNumbers: string[];
  /** The latest delivery's data (base64) and partition key, kept on a FAILED event for `ops replay`. */
  data: string;
  partitionKey: string;
  /** Oldest arrival among its records (ms since epoch). */
  arrivedAtMs: number;
}

interface Settled {
  event: AuditEvent;
  sequenceNumbers: string[];
}

export async function createCases(
  deps: CreateCasesDeps,
  event: KinesisStreamEvent,
): Promise<KinesisStreamBatchResponse> {
  const { logger, config } = deps;
  const occurredAt = deps.now().toISOString();
  const settled: Settled[] = [];
  const redeliver: string[] = [];

  const transactions = new Map<string, Transaction>();
  for (const kinesisRecord of event.Records) {
    const decoded = decodeKinesisRecord(kinesisRecord);
    if (!decoded.ok) {
      const auditId = decoded.transactionId ?? fallbackId(kinesisRecord);
      logger.warn("invalid record", {
        correlationId: auditId,
        sequenceNumber: kinesisRecord.kinesis.sequenceNumber,
        reason: decoded.reason,
      });
      const kept = replayAttributes(
        {
          data: Buffer.from(kinesisRecord.kinesis.data, "base64"),
          partitionKey: kinesisRecord.kinesis.partitionKey,
        },
        false,
      );
      settled.push({
        event: failedEvent(auditId, `invalid record: ${decoded.reason}`, kept),
        sequenceNumbers: [kinesisRecord.kinesis.sequenceNumber],
      });
      continue;
    }
    addTransaction(transactions, decoded.record, kinesisRecord);
  }

  const { outcomes, calls, retrySuccesses, retriesExhausted } = await upsertAll(deps, [
    ...transactions.values(),
  ]);
  deps.metrics.add("RetrySuccess", retrySuccesses);
  deps.metrics.add("RetryExhausted", retriesExhausted);

  for (const tx of transactions.values()) {
    const outcome = outcomes.get(tx.transactionId)!;
    const log = logger.child({ correlationId: tx.transactionId });
    if (outcome.kind === "processed") {
      log.debug("case upserted", { salesforceId: outcome.salesforceId, created: outcome.created });
      settled.push({
        event: {
          transactionId: tx.transactionId,
          status: "PROCESSED",
          component: config.component,
          occurredAt,
          attributes: {
            salesforceId: outcome.salesforceId,
            created: outcome.created,
            deliveries: tx.sequenceNumbers.length,
            // The audit processor counts the end-to-end latency from it, once per transaction.
            ...(tx.record.producedAt !== undefined ? { producedAt: tx.record.producedAt } : {}),
          },
        },
        sequenceNumbers: tx.sequenceNumbers,
      });
    } else if (outcome.kind === "failed") {
      log.warn("case not created", { reason: outcome.reason });
      settled.push({
        event: failedEvent(tx.transactionId, outcome.reason, keptRecord(tx)),
        sequenceNumbers: tx.sequenceNumbers,
      });
    } else if (deps.now().getTime() - tx.arrivedAtMs > config.giveUpAfterSeconds * 1000) {
      const waitedSeconds = Math.round((deps.now().getTime() - tx.arrivedAtMs) / 1000);
      const reason = `Salesforce unavailable: ${outcome.reason} (gave up after ${waitedSeconds} s)`;
      log.error("giving up on record", { reason });
      settled.push({
        event: failedEvent(tx.transactionId, reason, keptRecord(tx)),
        sequenceNumbers: tx.sequenceNumbers,
      });
    } else {
      log.warn("record left for redelivery", { reason: outcome.reason });
      redeliver.push(...tx.sequenceNumbers);
    }
  }

  // SFCaseCreationSuccess / Failure and EndToEndLatency are not counted here: Lambda redelivers a
  // batch from its lowest failed record, so records after it come again and would be counted again.
  // The audit processor counts them once per transaction (handlers/audit-processor/outcome-metrics.ts).
  const undelivered = await sendAudit(deps, settled);
  for (const s of settled) if (undelivered.has(s.event.transactionId)) redeliver.push(...s.sequenceNumbers);

  const batchItemFailures = sortSequenceNumbers(redeliver).map((itemIdentifier) => ({ itemIdentifier }));
  logger.info("batch done", {
    records: event.Records.length,
    transactions: transactions.size,
    salesforceCalls: calls,
    processed: settled.filter((s) => s.event.status === "PROCESSED").length,
    failed: settled.filter((s) => s.event.status === "FAILED").length,
    auditUndelivered: undelivered.size,
    batchItemFailures: batchItemFailures.length,
    ...(batchItemFailures.length > 0 ? { redeliverFrom: batchItemFailures[0]!.itemIdentifier } : {}),
  });
  await flushMetrics(deps.metrics, deps.logger);
  return { batchItemFailures };

  function failedEvent(
    transactionId: string,
    reason: string,
    attributes: AuditEvent["attributes"],
  ): AuditEvent {
    return {
      transactionId,
      status: "FAILED",
      reason,
      component: config.component,
      occurredAt,
      ...(attributes ? { attributes } : {}),
    };
  }

  /** A valid record that failed outside itself (Salesforce, an outage): a replay may succeed. */
  function keptRecord(tx: Transaction): AuditEvent["attributes"] {
    return replayAttributes({ data: Buffer.from(tx.data, "base64"), partitionKey: tx.partitionKey }, true);
  }
}

/**
 * Chunks of ≤1,000 (one Salesforce call each) in arrival order. Once a chunk finds Salesforce unavailable, later chunks are not
 * tried in this invocation: they would spend the time budget on the same outage, and Lambda
 * redelivers from the first failed record anyway.
 */
async function upsertAll(deps: CreateCasesDeps, transactions: Transaction[]) {
  const retry = { ...DEFAULT_RETRY, ...deps.config.retry };
  const size = Math.min(deps.config.chunkSize ?? MAX_RECORDS_PER_CALL, MAX_RECORDS_PER_CALL);
  const outcomes = new Map<string, UpsertOutcome>();
  let calls = 0;
  let retrySuccesses = 0;
  let retriesExhausted = 0;
  let unavailable: string | undefined;
  for (let i = 0; i < transactions.length; i += size) {
    const chunk = transactions.slice(i, i + size);
    if (
      unavailable === undefined &&
      deps.remainingTimeMs &&
      deps.remainingTimeMs() < attemptBudgetMs(retry, chunk.length)
    ) {
      unavailable = "not attempted: the invocation ran out of time";
    }
    if (unavailable !== undefined) {
      for (const tx of chunk) outcomes.set(tx.transactionId, { kind: "transient", reason: unavailable });
      continue;
    }
    const items = chunk.map((tx) => ({
      transactionId: tx.transactionId,
      sobject: toSObject(tx.record, deps.config.mapping),
    }));
    const result = await upsertChunk({ ...deps, retry }, items);
    calls += result.calls;
    retrySuccesses += result.retrySuccesses;
    retriesExhausted += result.retriesExhausted;
    for (const [id, outcome] of result.outcomes) outcomes.set(id, outcome);
    unavailable = result.unavailableReason;
  }
  return { outcomes, calls, retrySuccesses, retriesExhausted };
}

function addTransaction(
  transactions: Map<string, Transaction>,
  record: KycRecord,
  kinesisRecord: KinesisStreamRecord,
): void {
  const arrivedAtMs = kinesisRecord.kinesis.approximateArrivalTimestamp * 1000;
  const existing = transactions.get(record.transactionId);
  if (!existing) {
    transactions.set(record.transactionId, {
      transactionId: record.transactionId,
      record,
      sequenceNumbers: [kinesisRecord.kinesis.sequenceNumber],
      data: kinesisRecord.kinesis.data,
      partitionKey: kinesisRecord.kinesis.partitionKey,
      arrivedAtMs,
    });
    return;
  }
  existing.record = record;
  existing.data = kinesisRecord.kinesis.data;
  existing.partitionKey = kinesisRecord.kinesis.partitionKey;
  existing.sequenceNumbers.push(kinesisRecord.kinesis.sequenceNumber);
  existing.arrivedAtMs = Math.min(existing.arrivedAtMs, arrivedAtMs);
}

/** Audit events for the audit contract; returns the transaction ids whose event the queue did not take. */
async function sendAudit(deps: CreateCasesDeps, settled: Settled[]): Promise<Set<string>> {
  if (settled.length === 0) return new Set();
  try {
    const result = await deps.audit.send(settled.map((s) => s.event));
    return new Set(result.failed.map((f) => f.event.transactionId));
  } catch (error) {
    deps.logger.error("audit queue unavailable", { error });
    return new Set(settled.map((s) => s.event.transactionId));
  }
}

/**
 * A record with no usable transaction id is audited under `#kinesis:<stream>#<sequence number>`, in
 * the reserved namespace no real transaction id can take (`audit-keys.ts`).
 */
function fallbackId(record: KinesisStreamRecord): string {
  const stream = record.eventSourceARN?.split("/").pop() || "kinesis";
  return streamRecordKey(stream, record.kinesis.sequenceNumber);
}

/** Kinesis sequence numbers are decimal strings longer than a double's precision. */
export function sortSequenceNumbers(sequenceNumbers: string[]): string[] {
  const numeric = (s: string) => (/^\d+$/.test(s) ? BigInt(s) : undefined);
  return [...new Set(sequenceNumbers)].sort((a, b) => {
    const x = numeric(a);
    const y = numeric(b);
    if (x === undefined || y === undefined) return a < b ? -1 : a > b ? 1 : 0;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
