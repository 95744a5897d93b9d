/**
 * Whether a Kinesis stream still holds work, read-only. The Lambda event source mapping's position
 * (its checkpoint) cannot be read through any API, so the stream is read from TRIM_HORIZON with our
 * own iterator — which moves nobody's position — and every record is matched to its audit item:
 * a record is consumed when its transaction's item is settled (PROCESSED or FAILED) at or after the
 * record arrived — reached then, or repeated then (`lastRepeatAt`: a re-sent record processed again
 * is recorded as a repeat of the outcome, see `audit-item.ts`). A record whose item is missing, still RECEIVED/PUBLISHED, or settled before the
 * record arrived (an earlier delivery of the same id) is unread or unsettled.
 *
 * The records' audit key is the case creator's own: `decodeKinesisRecord` gives the transaction id,
 * and a record with none is audited under `streamRecordKey` (`handlers/lib/audit-keys.ts`).
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import {
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type Shard,
} from "@aws-sdk/client-kinesis";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { KinesisStreamRecord } from "aws-lambda";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { decodeKinesisRecord } from "../../handlers/case-creator/kinesis-record.js";
import { streamRecordKey } from "../../handlers/lib/audit-keys.js";
import { withRetry, type RetryPolicy } from "../lib/retry.js";
import { batchGetByTransactionId } from "./table-reads.js";

export interface StreamRecordSummary {
  shardId: string;
  sequenceNumber: string;
  arrivedAt: Date;
  data: Uint8Array;
}

/** Empty GetRecords answers in a row, behind the tip, before a shard is taken as read to its end. */
const MAX_EMPTY_POLLS_BEHIND = 50;

/** Every record within the stream's retention, shard by shard, in batches (`onBatch` per GetRecords answer). */
export async function readWholeStream(
  kinesis: KinesisClient,
  streamName: string,
  retry: RetryPolicy,
  onBatch: (records: StreamRecordSummary[]) => Promise<void>,
): Promise<{ shards: number }> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const page = await withRetry(retry, `ListShards ${streamName}`, () =>
      kinesis.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName })),
    );
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken);

  for (const shard of shards) {
    const shardId = shard.ShardId!;
    let lastSequence: string | undefined;
    const newIterator = async () =>
      (
        await withRetry(retry, `GetShardIterator ${streamName}/${shardId}`, () =>
          kinesis.send(
            new GetShardIteratorCommand({
              StreamName: streamName,
              ShardId: shardId,
              ...(lastSequence
                ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: lastSequence }
                : { ShardIteratorType: "TRIM_HORIZON" }),
            }),
          ),
        )
      ).ShardIterator;
    let iterator = await newIterator();
    let emptyPolls = 0;
    while (iterator) {
      let response: GetRecordsCommandOutput;
      try {
        const current = iterator;
        response = await withRetry(retry, `GetRecords ${streamName}/${shardId}`, () =>
          kinesis.send(new GetRecordsCommand({ ShardIterator: current, Limit: 10_000 })),
        );
      } catch (error) {
        // Iterators expire after 5 minutes; a slow read of a long shard picks up where it was.
        if ((error as { name?: string }).name === "ExpiredIteratorException") {
          iterator = await newIterator();
          continue;
        }
        throw error;
      }
      const records = response.Records ?? [];
      if (records.length > 0) {
        lastSequence = records.at(-1)!.SequenceNumber;
        emptyPolls = 0;
        await onBatch(
          records.map((r) => ({
            shardId,
            sequenceNumber: r.SequenceNumber!,
            arrivedAt: r.ApproximateArrivalTimestamp ?? new Date(0),
            data: r.Data ?? new Uint8Array(),
          })),
        );
      } else {
        // An empty answer is the end only at the tip; behind it, Kinesis may answer empty and move on.
        const behind = response.MillisBehindLatest ?? 0;
        if (behind === 0 || ++emptyPolls >= MAX_EMPTY_POLLS_BEHIND) break;
      }
      iterator = response.NextShardIterator;
    }
  }
  return { shards: shards.length };
}

/** The audit key of a stream record, exactly as the case creator audits it. */
export function auditKeyOfRecord(
  streamName: string,
  record: Pick<StreamRecordSummary, "sequenceNumber" | "data">,
): string {
  const decoded = decodeKinesisRecord({
    kinesis: { data: Buffer.from(record.data).toString("base64"), sequenceNumber: record.sequenceNumber },
  } as KinesisStreamRecord);
  if (decoded.ok) return decoded.record.transactionId;
  return decoded.transactionId ?? streamRecordKey(streamName, record.sequenceNumber);
}

export interface StreamSettlement {
  records: number;
  shards: number;
  unsettled: number;
  /** First few unsettled records, e.g. `TXN-1 (PUBLISHED) shardId-000…#4963…`. */
  examples: string[];
}

const SETTLED = new Set(["PROCESSED", "FAILED"]);

/** Reads the stream and matches every record to its audit item. */
export async function streamSettlement(
  kinesis: KinesisClient,
  audit: { dynamodb: DynamoDBClient; tableName: string },
  streamName: string,
  retry: RetryPolicy,
): Promise<StreamSettlement> {
  const result: StreamSettlement = { records: 0, shards: 0, unsettled: 0, examples: [] };
  const { shards } = await readWholeStream(kinesis, streamName, retry, async (records) => {
    result.records += records.length;
    const keyed = records.map((r) => ({ record: r, key: auditKeyOfRecord(streamName, r) }));
    const items = await batchGetByTransactionId(
      audit.dynamodb,
      audit.tableName,
      keyed.map((k) => k.key),
      retry,
      ["transactionId", "status", "lastUpdatedAt", "lastRepeatAt"],
    );
    for (const { record, key } of keyed) {
      const raw = items.get(key);
      const item = raw
        ? (unmarshall(raw) as { status: string; lastUpdatedAt: string; lastRepeatAt?: string })
        : undefined;
      const lastSettledAt = item
        ? Math.max(Date.parse(item.lastUpdatedAt), item.lastRepeatAt ? Date.parse(item.lastRepeatAt) : 0)
        : 0;
      const settled =
        item !== undefined && SETTLED.has(item.status) && lastSettledAt >= record.arrivedAt.getTime();
      if (settled) continue;
      result.unsettled++;
      if (result.examples.length < 5) {
        const why =
          item === undefined
            ? "no audit item"
            : SETTLED.has(item.status)
              ? `${item.status} before it arrived`
              : item.status;
        result.examples.push(`${key} (${why}) ${record.shardId}#${record.sequenceNumber}`);
      }
    }
  });
  result.shards = shards;
  return result;
}

/** The newest datapoint of a stream's `GetRecords.IteratorAgeMilliseconds` (maximum per minute) in the last `minutes`. */
export async function latestIteratorAge(
  cloudwatch: CloudWatchClient,
  streamName: string,
  now: Date,
  retry: RetryPolicy,
  minutes = 15,
): Promise<{ milliseconds: number; at: Date } | undefined> {
  const response = await withRetry(retry, `GetMetricStatistics ${streamName}`, () =>
    cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: "AWS/Kinesis",
        MetricName: "GetRecords.IteratorAgeMilliseconds",
        Dimensions: [{ Name: "StreamName", Value: streamName }],
        StartTime: new Date(now.getTime() - minutes * 60_000),
        EndTime: now,
        Period: 60,
        Statistics: ["Maximum"],
      }),
    ),
  );
  const newest = (response.Datapoints ?? [])
    .filter((d) => d.Timestamp && d.Maximum !== undefined)
    .sort((a, b) => b.Timestamp!.getTime() - a.Timestamp!.getTime())[0];
  return newest ? { milliseconds: newest.Maximum!, at: newest.Timestamp! } : undefined;
}
