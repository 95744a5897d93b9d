/**
 * A Kinesis event source with Lambda's semantics, for functions that cannot run in the emulator:
 *
 * - every shard is polled (GetShardIterator / GetRecords); its records are split over
 *   `parallelizationFactor` lanes by partition key, so records of one key stay in order while
 *   up to that many batches of one shard run at once (each lane is one warm "container");
 * - batches of up to `batchSize` records, gathered for up to `maximumBatchingWindowInSeconds` (a lane
 *   whose queue holds fewer records waits until it is full or its oldest record has waited that long);
 *   with `ReportBatchItemFailures` the checkpoint moves to the
 *   lowest failed sequence number and the batch is retried from there; a thrown error retries the
 *   whole batch, split in two first when `bisectBatchOnFunctionError` is on;
 * - after `maximumRetryAttempts` retries, or once a record is older than `maximumRecordAgeInSeconds`,
 *   Lambda's invocation record (shard, sequence range) goes to the on-failure queue and the batch is
 *   skipped — and that is all: auditing those records is the deployed discard auditor's job (it
 *   consumes the on-failure queue like any function), not the local run's;
 * - delivery is at least once: with `duplicateRate`, a batch that succeeded is delivered again once
 *   (as after a lost checkpoint), and handled like any batch.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type GetRecordsCommandOutput,
  type KinesisClient,
  type _Record,
} from "@aws-sdk/client-kinesis";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import type { KinesisSourceSettings } from "../provision.js";
import { compareSequenceNumbers, hashKey, sleep, type SourceStats } from "./source-stats.js";

export type KinesisInvoke = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;

export interface KinesisSourceOptions {
  settings: KinesisSourceSettings;
  kinesis: Pick<KinesisClient, "send">;
  sqs: Pick<SQSClient, "send">;
  region: string;
  /** A new warm container of the function: called once per lane. */
  newContainer: () => KinesisInvoke;
  stats: SourceStats;
  /** Share of successful batches delivered a second time. @default `0` */
  duplicateRate?: number;
  random?: () => number;
  /** Pause between empty polls of a shard (Lambda polls about once a second). @default `500` */
  pollIntervalMs?: number;
  /**
   * Awaited before every invocation; the function it resolves to is called when the invocation
   * ends. The local run uses it to pace the case creator to the audit processor (see
   * `audit-backlog.ts`): Lambda promises no particular timing, so pacing changes no semantics.
   */
  admit?: () => Promise<() => void>;
  /** Pause before a retry (times the attempt number, capped at 2 s). @default `100` */
  retryDelayMs?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

interface Lane {
  queue: KinesisStreamRecord[];
  /** When each queued record was read (ms, `Date.now()`), in step with `queue`: the batching window. */
  queuedAtMs: number[];
  invoke: KinesisInvoke;
  running: boolean;
}

export class KinesisEventSource {
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  private readonly lanes: Lane[] = [];
  /** Shards whose latest GetRecords returned nothing new. */
  private readonly caughtUp = new Map<string, boolean>();

  constructor(private readonly options: KinesisSourceOptions) {}

  async start(): Promise<void> {
    const { kinesis, settings } = this.options;
    const shards = await kinesis.send(new ListShardsCommand({ StreamName: settings.streamName }));
    for (const shard of shards.Shards ?? []) {
      const lanes = Array.from(
        { length: Math.max(1, settings.parallelizationFactor) },
        (): Lane => ({ queue: [], queuedAtMs: [], invoke: this.options.newContainer(), running: false }),
      );
      this.lanes.push(...lanes);
      const iterator = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: settings.streamName,
          ShardId: shard.ShardId!,
          ShardIteratorType: settings.startingPosition,
        }),
      );
      this.caughtUp.set(shard.ShardId!, false);
      this.loops.push(this.pollShard(shard.ShardId!, iterator.ShardIterator!, lanes));
    }
  }

  /** True when every shard is read to its end and no batch is waiting or running. */
  idle(): boolean {
    return (
      [...this.caughtUp.values()].every(Boolean) &&
      this.lanes.every((l) => !l.running && l.queue.length === 0)
    );
  }

  /** Stops polling; an invocation in flight gets a few seconds to finish (Lambda would cut it off too). */
  async stop(graceMs = 3000): Promise<void> {
    this.stopped = true;
    await Promise.race([Promise.allSettled(this.loops), sleep(graceMs)]);
  }

  private async pollShard(shardId: string, firstIterator: string, lanes: Lane[]): Promise<void> {
    const { kinesis, settings, stats } = this.options;
    let iterator: string | undefined = firstIterator;
    const workers: Promise<void>[] = [];
    // Keep reading ahead bounded, as Lambda does: a few batches per lane at most.
    const maxBuffered = settings.batchSize * lanes.length * 4;
    while (!this.stopped && iterator) {
      const buffered = lanes.reduce((n, l) => n + l.queue.length, 0);
      if (buffered >= maxBuffered) {
        await sleep(50);
        continue;
      }
      let records: _Record[] = [];
      try {
        const page: GetRecordsCommandOutput = await kinesis.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(10_000, maxBuffered - buffered) }),
        );
        records = page.Records ?? [];
        iterator = page.NextShardIterator;
        this.caughtUp.set(shardId, records.length === 0 && (page.MillisBehindLatest ?? 0) === 0);
      } catch (error) {
        // Throttled reads (ProvisionedThroughputExceeded) are retried, as Lambda's poller does.
        stats.throttledReads += 1;
        this.caughtUp.set(shardId, false);
        this.options.log?.("GetRecords failed; retrying", { shardId, error: (error as Error).name });
        await sleep(200);
        continue;
      }
      stats.recordsRead += records.length;
      stats.perShard[shardId] = (stats.perShard[shardId] ?? 0) + records.length;
      const readAtMs = Date.now();
      for (const record of records) {
        const lane = lanes[hashKey(record.PartitionKey ?? "") % lanes.length]!;
        lane.queue.push(this.toLambdaRecord(shardId, record));
        lane.queuedAtMs.push(readAtMs);
      }
      // Only after the whole page is queued, so a batch takes as many records as are there.
      for (const lane of lanes) {
        if (lane.running || lane.queue.length === 0) continue;
        // Handled at once: an error here (the emulator gone at shutdown) must not crash the run.
        workers.push(
          this.drainLane(shardId, lane).catch((error: unknown) =>
            this.options.log?.("batch processing stopped", { shardId, error: (error as Error).message }),
          ),
        );
      }
      if (records.length === 0) await sleep(this.options.pollIntervalMs ?? 500);
    }
    await Promise.allSettled(workers);
  }

  private async drainLane(shardId: string, lane: Lane): Promise<void> {
    lane.running = true;
    try {
      while (!this.stopped && lane.queue.length > 0) {
        await this.gatherBatch(lane);
        if (this.stopped) break;
        const batch = lane.queue.slice(0, this.options.settings.batchSize);
        const done = await this.processBatch(shardId, lane, batch);
        lane.queue.splice(0, done);
        lane.queuedAtMs.splice(0, done);
      }
    } finally {
      lane.running = false;
    }
  }

  /**
   * Lambda's batching window: it invokes when the batch is full or the window has passed since it
   * began gathering (the 6 MB payload limit never binds here: records are ≤1 MiB and batches ≤200).
   * https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
   * (MaximumBatchingWindowInSeconds: "the maximum amount of time … Lambda spends gathering records
   * before invoking the function"). The pollers keep reading meanwhile, so the lane's queue grows.
   */
  private async gatherBatch(lane: Lane): Promise<void> {
    const windowMs = (this.options.settings.maximumBatchingWindowInSeconds ?? 0) * 1000;
    if (windowMs <= 0) return;
    const deadline = lane.queuedAtMs[0]! + windowMs;
    while (!this.stopped && lane.queue.length < this.options.settings.batchSize && Date.now() < deadline) {
      await sleep(Math.min(50, deadline - Date.now()));
    }
  }

  /** Runs one batch to its end (success, or given up); returns how many records it consumed. */
  private async processBatch(
    shardId: string,
    lane: Lane,
    first: KinesisStreamRecord[],
    redelivery = false,
  ): Promise<number> {
    const { settings, stats } = this.options;
    let batch = first;
    let consumed = 0;
    let retries = 0;
    while (batch.length > 0 && !this.stopped) {
      const expired = this.expired(batch);
      if (expired.length > 0) {
        await this.discard(shardId, expired, "RecordAgeExceeded");
        consumed += expired.length;
        batch = batch.slice(expired.length);
        continue;
      }
      const release = (await this.options.admit?.()) ?? (() => undefined);
      if (this.stopped) {
        release();
        return consumed;
      }
      stats.invocations += 1;
      let failed: string[] | "all";
      let why = "";
      try {
        const response = await lane.invoke(this.event(batch));
        failed = settings.reportBatchItemFailures ? failedIdentifiers(response, batch) : [];
        if (failed !== "all" && failed.length > 0) why = `${failed.length} record(s) reported as failed`;
        if (failed === "all") why = "the function reported an invalid batch item failure";
      } catch (error) {
        failed = "all";
        why = `${(error as Error).name}: ${(error as Error).message}`;
      } finally {
        release();
      }
      if (failed !== "all" && failed.length === 0) {
        if (!redelivery && (this.options.random ?? Math.random)() < (this.options.duplicateRate ?? 0)) {
          // At-least-once: the same batch again, as after a checkpoint Lambda did not keep.
          stats.duplicatesDelivered += 1;
          await this.processBatch(shardId, lane, batch, true);
        }
        return consumed + batch.length;
      }
      stats.failedInvocations += 1;

      if (failed === "all" && settings.bisectBatchOnFunctionError && batch.length > 1) {
        // Bisecting does not use up a retry: each half runs as its own batch.
        const half = Math.ceil(batch.length / 2);
        const left = await this.processBatch(shardId, lane, batch.slice(0, half), redelivery);
        const right = await this.processBatch(shardId, lane, batch.slice(half), redelivery);
        return consumed + left + right;
      }
      let from = 0;
      if (failed !== "all") {
        const lowest = failed.reduce((a, b) => (compareSequenceNumbers(a, b) <= 0 ? a : b));
        from = batch.findIndex((r) => r.kinesis.sequenceNumber === lowest);
      }
      consumed += from;
      const remaining = batch.slice(from);
      retries += 1;
      const limit = settings.maximumRetryAttempts;
      if (limit >= 0 && retries > limit) {
        // Lambda names the whole range from the checkpoint; the discard auditor sorts out what settled.
        await this.discard(shardId, remaining, "RetryAttemptsExhausted", why);
        return consumed + remaining.length;
      }
      stats.retries += 1;
      await sleep(Math.min(2000, (this.options.retryDelayMs ?? 100) * retries));
      // Lambda retries from the checkpoint (the lowest failed record) onwards.
      batch = remaining;
    }
    return consumed;
  }

  private expired(batch: KinesisStreamRecord[]): KinesisStreamRecord[] {
    const maxAge = this.options.settings.maximumRecordAgeInSeconds;
    if (maxAge < 0) return [];
    const cutoff = Date.now() / 1000 - maxAge;
    const firstFresh = batch.findIndex((r) => r.kinesis.approximateArrivalTimestamp >= cutoff);
    return firstFresh === -1 ? batch : batch.slice(0, firstFresh);
  }

  /** Lambda's on-failure invocation record for the range it gives up on (nothing more: no audit). */
  private async discard(
    shardId: string,
    range: KinesisStreamRecord[],
    condition: "RetryAttemptsExhausted" | "RecordAgeExceeded",
    lastError?: string,
  ): Promise<void> {
    const { settings, stats } = this.options;
    if (range.length === 0) return;
    stats.discardedBatches += 1;
    stats.discardedRecords += range.length;
    this.options.log?.("batch given up on", { shardId, condition, records: range.length, lastError });
    if (!settings.onFailure) return;
    const body = {
      requestContext: {
        requestId: crypto.randomUUID(),
        functionArn: `arn:aws:lambda:${this.options.region}:123456789012:function:${settings.functionName}`,
        condition,
        approximateInvokeCount: stats.invocations,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: "$LATEST",
        ...(lastError ? { functionError: lastError } : {}),
      },
      version: "1.0",
      timestamp: new Date().toISOString(),
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: range[0]!.kinesis.sequenceNumber,
        endSequenceNumber: range[range.length - 1]!.kinesis.sequenceNumber,
        approximateArrivalOfFirstRecord: new Date(
          range[0]!.kinesis.approximateArrivalTimestamp * 1000,
        ).toISOString(),
        approximateArrivalOfLastRecord: new Date(
          range[range.length - 1]!.kinesis.approximateArrivalTimestamp * 1000,
        ).toISOString(),
        batchSize: range.length,
        streamArn: settings.streamArn,
      },
    };
    await this.options.sqs.send(
      new SendMessageCommand({ QueueUrl: settings.onFailure.queueUrl, MessageBody: JSON.stringify(body) }),
    );
  }

  private event(batch: KinesisStreamRecord[]): KinesisStreamEvent {
    return { Records: batch };
  }

  private toLambdaRecord(shardId: string, record: _Record): KinesisStreamRecord {
    const { settings, region } = this.options;
    return {
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `${shardId}:${record.SequenceNumber}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: `arn:aws:iam::123456789012:role/${settings.functionName}`,
      awsRegion: region,
      eventSourceARN: settings.streamArn,
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: record.PartitionKey ?? "",
        sequenceNumber: record.SequenceNumber!,
        data: Buffer.from(record.Data ?? new Uint8Array()).toString("base64"),
        approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
      },
    };
  }
}

/** Lambda's rules: an empty list is success; an identifier that is missing or not in the batch fails the whole batch. */
function failedIdentifiers(
  response: KinesisStreamBatchResponse | void,
  batch: KinesisStreamRecord[],
): string[] | "all" {
  const failures = response?.batchItemFailures ?? [];
  const known = new Set(batch.map((r) => r.kinesis.sequenceNumber));
  const ids: string[] = [];
  for (const f of failures) {
    if (typeof f.itemIdentifier !== "string" || !known.has(f.itemIdentifier)) return "all";
    ids.push(f.itemIdentifier);
  }
  return ids;
}
