/**
 * The event producer's core: one uploaded object → validated events on the pipeline's Kinesis
 * stream, and an audit event for every record that does not make it (SPEC §3 EventPipeline, §7).
 *
 * Every record read ends in exactly one of: published, rejected (invalid), duplicate, failed (Kinesis
 * did not take it after retries), and the last three are audited FAILED with a reason, under the
 * record's transaction id or, without a usable one, its position key `#record:s3://…#<n>`. A file
 * that cannot be read, or whose structure or encoding breaks part-way, gets one FAILED event under
 * `#file:s3://…` saying why and how many records were read before; records read before a break are
 * published. Rejections cost O(1) each: no scan, one log line, one audit event sent in groups of 10.
 *
 * This core does not count metrics: `produce-from-s3.ts` adds `producerMetricCounts` once the file's
 * ledger item says this attempt completed it.
 */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { AuditEvent } from "../lib/audit-event.js";
import { fileKey, recordPositionKey, s3Uri } from "../lib/audit-keys.js";
import type { AuditSender } from "../lib/audit-sender.js";
import { replayAttributes } from "../lib/replay-record.js";
import type { Sleep } from "../lib/backoff.js";
import type { Logger } from "../lib/logger.js";
import type { Metrics } from "../lib/metrics.js";
import { AuditOutbox, AuditUndeliveredError } from "./audit-outbox.js";
import {
  KinesisPublisher,
  type FailedEntry,
  type PublishedEntry,
  type PutRecordsClient,
} from "./kinesis-publisher.js";
import type { DecodeOptions } from "./input-decoding.js";
import { RecordReader, type InputFormat } from "./record-reader.js";
import { KINESIS_MAX_RECORD_BYTES, validateRecord } from "./record-validation.js";

export { AuditUndeliveredError };

export interface ProducerConfig {
  streamName: string;
  /** `<prefix>-<pipeline>-`; the partition key is this plus the transaction id. */
  partitionKeyPrefix: string;
  /** Pipeline name, e.g. `cta`; the audit component is `<pipeline>-event-producer`. */
  pipelineName: string;
  /**
   * Audit published records as PUBLISHED: set for pipelines without a case creator, whose records
   * end at an external consumer (nobody downstream would audit them).
   */
  auditPublished: boolean;
  /** PutRecords calls in flight. @default `4` */
  maxInFlight?: number;
  /** PutRecords attempts per entry. @default `6` */
  maxAttempts?: number;
  /** Largest decompressed size of a gzip file, in bytes. @default `1073741824` */
  maxDecompressedBytes?: number;
}

export interface ProducerDeps {
  s3: Pick<S3Client, "send">;
  kinesis: PutRecordsClient;
  audit: AuditSender;
  logger: Logger;
  config: ProducerConfig;
  now?: () => Date;
  sleep?: Sleep;
  random?: () => number;
}

export interface ObjectRef {
  bucket: string;
  /** The decoded object key (S3 event notifications URL-encode it; the handler decodes). */
  key: string;
  /** The S3 version the notification is about: read exactly that one, not whatever is newest now. */
  versionId?: string;
}

export interface ProduceSummary {
  bucket: string;
  key: string;
  format?: InputFormat;
  /** Records read from the file. Always `published + rejected + duplicates + failed`. */
  records: number;
  /** Invalid records, audited FAILED. */
  rejected: number;
  published: number;
  /** Records Kinesis did not accept after every attempt, audited FAILED. */
  failed: number;
  /** Later records repeating a transaction id of the same file, audited FAILED. */
  duplicates: number;
  putRecordsCalls: number;
  /** Records accepted per shard id. */
  shardsSeen: Record<string, number>;
  /** Why the file (or its rest) could not be read; audited FAILED under the object key. */
  unreadable?: string;
  auditEventsSent: number;
}

export async function produceEvents(deps: ProducerDeps, object: ObjectRef): Promise<ProduceSummary> {
  const now = deps.now ?? (() => new Date());
  const component = `${deps.config.pipelineName}-event-producer`;
  const sourceObject = s3Uri(object.bucket, object.key);
  const log = deps.logger.child({ correlationId: object.key, bucket: object.bucket });
  const summary: ProduceSummary = {
    bucket: object.bucket,
    key: object.key,
    records: 0,
    rejected: 0,
    published: 0,
    failed: 0,
    duplicates: 0,
    putRecordsCalls: 0,
    shardsSeen: {},
    auditEventsSent: 0,
  };
  const audit = new AuditOutbox(deps.audit);
  const failedEvent = (
    transactionId: string,
    reason: string,
    attributes: AuditEvent["attributes"] = {},
  ): AuditEvent => ({
    transactionId,
    status: "FAILED",
    reason,
    component,
    occurredAt: now().toISOString(),
    attributes: { sourceObject, ...attributes },
  });

  const publisher = new KinesisPublisher({
    kinesis: deps.kinesis,
    streamName: deps.config.streamName,
    maxInFlight: deps.config.maxInFlight,
    maxAttempts: deps.config.maxAttempts,
    sleep: deps.sleep,
    random: deps.random,
    onPublished: async (entries: PublishedEntry[]) => {
      if (!deps.config.auditPublished) return;
      for (const e of entries) {
        await audit.add({
          transactionId: e.transactionId,
          status: "PUBLISHED",
          component,
          occurredAt: now().toISOString(),
          attributes: { sourceObject, shardId: e.shardId, sequenceNumber: e.sequenceNumber },
        });
      }
    },
    onFailed: async (entries: FailedEntry[]) => {
      for (const e of entries) {
        const reason = `Kinesis did not accept the record after ${e.attempts} attempt(s): ${e.errorCode}: ${e.errorMessage}`;
        log.error("record not published", {
          correlationId: e.transactionId,
          errorCode: e.errorCode,
          attempts: e.attempts,
        });
        await audit.add(
          failedEvent(e.transactionId, reason, {
            errorCode: e.errorCode,
            ...replayAttributes(e, e.retryable),
          }),
        );
      }
    },
  });

  const reject = async (
    transactionId: string | undefined,
    item: { position: number; line: number },
    reason: string,
  ) => {
    const auditKey = transactionId ?? recordPositionKey(sourceObject, item.position);
    log.warn("record rejected", {
      correlationId: auditKey,
      position: item.position,
      line: item.line,
      reason,
    });
    // The record itself is the cause: replay refuses it (the fix is a corrected file, uploaded again).
    await audit.add(
      failedEvent(auditKey, reason, {
        position: item.position,
        line: item.line,
        ...replayAttributes({ data: undefined, partitionKey: undefined }, false),
      }),
    );
  };

  try {
    const { body, contentEncoding } = await openObject(deps.s3, object);
    const reader = new RecordReader();
    const decoding: DecodeOptions = {
      contentEncoding,
      maxDecompressedBytes: deps.config.maxDecompressedBytes,
    };
    // First position of each transaction id seen in this file, valid or not: the first claims it.
    const firstSeen = new Map<string, number>();
    for await (const item of reader.read(body, decoding)) {
      if (item.kind === "unreadable") {
        summary.unreadable = item.reason;
        break;
      }
      summary.records++;
      if (item.kind === "oversized") {
        summary.rejected++;
        await reject(
          undefined,
          item,
          `record is at least ${item.chars} bytes; Kinesis accepts at most ${KINESIS_MAX_RECORD_BYTES} bytes per record`,
        );
        continue;
      }
      const result = validateRecord(item.text, {
        partitionKeyPrefix: deps.config.partitionKeyPrefix,
        sourceObject,
        now: now(),
      });
      const id = result.transactionId;
      const first = id === undefined ? undefined : firstSeen.get(id);
      if (id !== undefined && first !== undefined) {
        summary.duplicates++;
        await reject(
          undefined,
          item,
          `duplicate transactionId ${id} in this file (first at position ${first}); processed once`,
        );
        continue;
      }
      if (id !== undefined) firstSeen.set(id, item.position);
      if (!result.ok) {
        summary.rejected++;
        await reject(id, item, result.reason);
        continue;
      }
      await publisher.add({
        transactionId: result.transactionId,
        partitionKey: result.partitionKey,
        data: result.data,
      });
    }
    summary.format = reader.stats.format;
    await publisher.close();
    if (summary.unreadable !== undefined) {
      const reason = `${sourceObject} could not be read: ${summary.unreadable}; ${summary.records} record(s) were read before the error`;
      log.error("file unreadable", { reason, recordsRead: summary.records });
      await audit.add(failedEvent(fileKey(sourceObject), reason, { recordsRead: summary.records }));
    }
    summary.auditEventsSent = await audit.close();
  } catch (error) {
    await publisher.abandon();
    await audit.abandon();
    // Failing makes Lambda (and so S3's notification) run the whole file again. That is safe:
    // records already published go out again under the same partition key, and the case creator
    // upserts by external id (= transaction id), so a second delivery updates the same Salesforce
    // case instead of creating another; the audit table keeps one item per transaction. Carrying on
    // without the audit events, on the other hand, would break "every record ends audited".
    if (error instanceof AuditUndeliveredError)
      log.error("audit queue did not take every event; failing so the object is redelivered", {
        reason: error.message,
      });
    throw error;
  } finally {
    Object.assign(summary, {
      published: publisher.stats.published,
      failed: publisher.stats.failed,
      putRecordsCalls: publisher.stats.putRecordsCalls,
      shardsSeen: { ...publisher.stats.shards },
    });
  }
  log.info("file processed", { ...summary, shardsSeen: Object.keys(summary.shardsSeen).length });
  return summary;
}

/** The object's body as a byte stream; an S3 error becomes an unreadable file, not a crash. */
async function openObject(
  s3: Pick<S3Client, "send">,
  object: ObjectRef,
): Promise<{ body: AsyncIterable<Uint8Array>; contentEncoding?: string }> {
  try {
    const response = await s3.send(
      new GetObjectCommand({
        Bucket: object.bucket,
        Key: object.key,
        ...(object.versionId ? { VersionId: object.versionId } : {}),
      }),
    );
    const body = response.Body as AsyncIterable<Uint8Array> | undefined;
    if (
      body === undefined ||
      typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== "function"
    ) {
      return { body: failingStream(new Error("S3 returned no readable body")) };
    }
    return { body, contentEncoding: response.ContentEncoding };
  } catch (error) {
    return { body: failingStream(error) };
  }
}

// biome-ignore lint/correctness/useYield: a stream whose first read fails, as a broken S3 body does
async function* failingStream(error: unknown): AsyncGenerator<Uint8Array> {
  throw error;
}

/**
 * The producer's business counts for one file. Added to the invocation's metrics only once the
 * file's ledger says this attempt completed it (`produce-from-s3.ts`), so a redelivered or retried
 * S3 event never counts a record twice.
 */
export function producerMetricCounts(
  summary: ProduceSummary,
): Record<"S3RecordsProcessed" | "TotalEvents" | "EventPublishSuccess" | "EventPublishFailure", number> {
  return {
    S3RecordsProcessed: summary.records,
    TotalEvents: summary.records,
    EventPublishSuccess: summary.published,
    EventPublishFailure: summary.rejected + summary.duplicates + summary.failed,
  };
}

export function recordMetrics(metrics: Metrics<"event-producer">, summary: ProduceSummary): void {
  for (const [name, value] of Object.entries(producerMetricCounts(summary)))
    metrics.add(name as keyof ReturnType<typeof producerMetricCounts>, value);
}
