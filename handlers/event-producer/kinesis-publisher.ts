/**
 * Publishes events to a Kinesis stream with PutRecords: batches of at most 500 records and 5 MiB,
 * several calls in flight, and retries of only the entries Kinesis did not accept (a PutRecords call
 * succeeds as a whole even when some entries fail, e.g. with ProvisionedThroughputExceededException
 * on a hot shard). Entries still failing after the last attempt are handed back with Kinesis's error
 * code and message, so the caller can audit them FAILED: nothing is dropped silently.
 *
 * `add()` waits while the maximum number of calls is in flight, which is what keeps memory bounded
 * when the reader is faster than Kinesis.
 *
 * A call rejected as a whole because of what is in it (a validation error: one entry Kinesis cannot
 * take, e.g. a malformed partition key) is bisected: each half is sent on its own, down to the single
 * entry that causes it, which alone is failed with Kinesis's error. Before, one bad entry failed
 * every record of its call. The record rules already keep such entries out (`record-rules.ts`);
 * this is the safety net for whatever Kinesis answers that they did not foresee.
 */
import { PutRecordsCommand, type PutRecordsCommandOutput } from "@aws-sdk/client-kinesis";
import { backoffDelay, sleep as realSleep, type Sleep } from "../lib/backoff.js";

export const PUT_RECORDS_MAX_ENTRIES = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;

/** The one Kinesis call the publisher makes (a `KinesisClient` fits; tests wrap it to inject faults). */
export interface PutRecordsClient {
  send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput>;
}

export interface PublishEntry {
  transactionId: string;
  partitionKey: string;
  data: Uint8Array;
}

export interface PublishedEntry {
  transactionId: string;
  shardId: string;
  sequenceNumber: string;
}

export interface FailedEntry {
  transactionId: string;
  /** The record's bytes and partition key, for the FAILED event (`ops replay` publishes them again). */
  data: Uint8Array;
  partitionKey: string;
  /** false: Kinesis refused the record's content itself, so publishing it again would fail the same way. */
  retryable: boolean;
  errorCode: string;
  errorMessage: string;
  attempts: number;
}

export interface KinesisPublisherOptions {
  kinesis: PutRecordsClient;
  streamName: string;
  /** @default `500` */
  maxEntriesPerCall?: number;
  /** Data plus partition keys per call. @default `5242880` */
  maxBytesPerCall?: number;
  /** PutRecords calls in flight at once. @default `4` */
  maxInFlight?: number;
  /** Attempts per entry, the first included. @default `6` */
  maxAttempts?: number;
  /** First backoff ceiling (full jitter) in ms. @default `100` */
  baseDelayMs?: number;
  /** @default `5000` */
  maxDelayMs?: number;
  sleep?: Sleep;
  random?: () => number;
  /** Called once per call with the entries Kinesis accepted. */
  onPublished?: (entries: PublishedEntry[]) => void | Promise<void>;
  /** Called with entries that will not be retried again. */
  onFailed?: (entries: FailedEntry[]) => void | Promise<void>;
}

export interface PublishStats {
  published: number;
  /** Calls split in two after a validation error of the whole call. */
  bisections: number;
  failed: number;
  putRecordsCalls: number;
  /** Records accepted per shard id. */
  shards: Record<string, number>;
}

/**
 * Errors of a whole call caused by its content: splitting the call isolates the entry behind it.
 * Kinesis documents ValidationException and InvalidArgumentException for PutRecords; a request
 * body Kinesis cannot read comes back as SerializationException.
 */
const CONTENT_CALL_ERRORS = new Set([
  "ValidationException",
  "InvalidArgumentException",
  "SerializationException",
]);

/** Errors of a whole PutRecords call that a later attempt cannot fix. */
const PERMANENT_CALL_ERRORS = new Set([
  "ResourceNotFoundException",
  "ValidationException",
  "InvalidArgumentException",
  "AccessDeniedException",
  "KMSDisabledException",
  "KMSNotFoundException",
  "KMSInvalidStateException",
  "KMSAccessDeniedException",
  "KMSOptInRequired",
  ...CONTENT_CALL_ERRORS,
]);

export class KinesisPublisher {
  readonly stats: PublishStats = { published: 0, bisections: 0, failed: 0, putRecordsCalls: 0, shards: {} };
  private batch: PublishEntry[] = [];
  private batchBytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  private readonly options: Required<Omit<KinesisPublisherOptions, "onPublished" | "onFailed" | "random">> &
    Pick<KinesisPublisherOptions, "onPublished" | "onFailed" | "random">;

  constructor(options: KinesisPublisherOptions) {
    // Explicit `undefined`s must not override defaults (an undefined limit would mean no limit).
    const given = Object.fromEntries(
      Object.entries(options).filter(([, v]) => v !== undefined),
    ) as KinesisPublisherOptions;
    this.options = {
      maxEntriesPerCall: PUT_RECORDS_MAX_ENTRIES,
      maxBytesPerCall: PUT_RECORDS_MAX_BYTES,
      maxInFlight: 4,
      maxAttempts: 6,
      baseDelayMs: 100,
      maxDelayMs: 5000,
      sleep: realSleep,
      ...given,
    };
    for (const key of ["maxEntriesPerCall", "maxBytesPerCall", "maxInFlight", "maxAttempts"] as const) {
      if (!Number.isInteger(this.options[key]) || this.options[key] < 1)
        throw new Error(`${key} must be a positive integer, got ${this.options[key]}`);
    }
    if (
      this.options.maxEntriesPerCall > PUT_RECORDS_MAX_ENTRIES ||
      this.options.maxBytesPerCall > PUT_RECORDS_MAX_BYTES
    ) {
      throw new Error(
        `PutRecords takes at most ${PUT_RECORDS_MAX_ENTRIES} records and ${PUT_RECORDS_MAX_BYTES} bytes per call`,
      );
    }
  }

  /** Queues one entry; resolves once there is room for more. Throws if a callback failed. */
  async add(entry: PublishEntry): Promise<void> {
    this.throwIfFailed();
    const bytes = entry.data.byteLength + Buffer.byteLength(entry.partitionKey, "utf8");
    if (
      this.batch.length === this.options.maxEntriesPerCall ||
      (this.batch.length > 0 && this.batchBytes + bytes > this.options.maxBytesPerCall)
    ) {
      await this.dispatch();
    }
    this.batch.push(entry);
    this.batchBytes += bytes;
  }

  /** Sends what is queued and waits for every call; the stats are final afterwards. */
  async close(): Promise<PublishStats> {
    if (this.batch.length > 0) await this.dispatch();
    await Promise.all(this.inFlight);
    this.throwIfFailed();
    return this.stats;
  }

  /** Waits for calls already in flight without sending more (used when the caller gives up). */
  async abandon(): Promise<void> {
    this.batch = [];
    await Promise.allSettled(this.inFlight);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async dispatch(): Promise<void> {
    const entries = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    const call: Promise<void> = this.publish(entries)
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.inFlight.delete(call));
    this.inFlight.add(call);
    while (this.inFlight.size >= this.options.maxInFlight) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  /** One batch through all its attempts. */
  private async publish(entries: PublishEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) {
        await this.options.sleep(
          backoffDelay(attempt - 1, {
            baseMs: this.options.baseDelayMs,
            maxMs: this.options.maxDelayMs,
            random: this.options.random,
          }),
        );
      }
      const last = attempt >= this.options.maxAttempts;
      this.stats.putRecordsCalls++;
      let response: PutRecordsCommandOutput;
      try {
        response = await this.options.kinesis.send(
          new PutRecordsCommand({
            StreamName: this.options.streamName,
            Records: pending.map((e) => ({ Data: e.data, PartitionKey: e.partitionKey })),
          }),
        );
      } catch (error) {
        const code = errorName(error);
        if (CONTENT_CALL_ERRORS.has(code) && pending.length > 1) {
          // Depth is at most log2(500) + 1: bounded by the batch size, not by the input.
          this.stats.bisections++;
          const half = Math.ceil(pending.length / 2);
          await this.publish(pending.slice(0, half));
          await this.publish(pending.slice(half));
          return;
        }
        if (last || PERMANENT_CALL_ERRORS.has(code)) {
          const retryable = !CONTENT_CALL_ERRORS.has(code);
          await this.fail(
            pending.map((e) => ({
              transactionId: e.transactionId,
              data: e.data,
              partitionKey: e.partitionKey,
              retryable,
              errorCode: code,
              errorMessage: errorMessage(error),
              attempts: attempt,
            })),
          );
          return;
        }
        continue;
      }

      const published: PublishedEntry[] = [];
      const retry: Array<{ entry: PublishEntry; code: string; message: string }> = [];
      const results = response.Records ?? [];
      pending.forEach((entry, i) => {
        const result = results[i];
        if (result?.SequenceNumber && result.ShardId && !result.ErrorCode) {
          published.push({
            transactionId: entry.transactionId,
            shardId: result.ShardId,
            sequenceNumber: result.SequenceNumber,
          });
        } else {
          retry.push({
            entry,
            code: result?.ErrorCode ?? "MissingResult",
            message: result?.ErrorMessage ?? "Kinesis returned no result for this entry",
          });
        }
      });
      if (published.length > 0) {
        this.stats.published += published.length;
        for (const p of published) this.stats.shards[p.shardId] = (this.stats.shards[p.shardId] ?? 0) + 1;
        await this.options.onPublished?.(published);
      }
      if (retry.length > 0 && last) {
        await this.fail(
          retry.map((r) => ({
            transactionId: r.entry.transactionId,
            data: r.entry.data,
            partitionKey: r.entry.partitionKey,
            retryable: true,
            errorCode: r.code,
            errorMessage: r.message,
            attempts: attempt,
          })),
        );
        return;
      }
      pending = retry.map((r) => r.entry);
    }
  }

  private async fail(entries: FailedEntry[]): Promise<void> {
    this.stats.failed += entries.length;
    await this.options.onFailed?.(entries);
  }
}

function errorName(error: unknown): string {
  if (error instanceof Error) return (error as { code?: string }).code ?? error.name;
  return "Error";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
