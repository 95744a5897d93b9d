/**
 * Reads the records of one discarded range back from the stream, read-only (its own shard iterator:
 * the event source mapping's position is not touched). Stops after the range's last sequence number,
 * at the end of the shard's data, or after `maxRecords` (a range is at most one batch).
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type _Record,
} from "@aws-sdk/client-kinesis";
import type { DiscardedRange } from "./invocation-record.js";

export interface RangeRead {
  records: _Record[];
  /** The shard no longer holds the start of the range (past its retention, or the shard was trimmed). */
  trimmed: boolean;
}

export async function readRange(
  kinesis: Pick<KinesisClient, "send">,
  range: DiscardedRange,
  maxRecords = 10_000,
): Promise<RangeRead> {
  const end = BigInt(range.endSequenceNumber);
  let iterator: string | undefined;
  try {
    const response = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: range.streamName,
        ShardId: range.shardId,
        ShardIteratorType: "AT_SEQUENCE_NUMBER",
        StartingSequenceNumber: range.startSequenceNumber,
      }),
    );
    iterator = response.ShardIterator;
  } catch (error) {
    // A sequence number past the trim horizon is refused: those records are gone from the stream.
    if (
      (error as Error).name === "InvalidArgumentException" ||
      (error as Error).name === "ResourceNotFoundException"
    )
      return { records: [], trimmed: true };
    throw error;
  }
  const records: _Record[] = [];
  let emptyPages = 0;
  while (iterator && records.length < maxRecords) {
    const page = await kinesis.send(
      new GetRecordsCommand({
        ShardIterator: iterator,
        Limit: Math.min(10_000, maxRecords - records.length),
      }),
    );
    for (const r of page.Records ?? []) {
      if (BigInt(r.SequenceNumber!) > end) return { records, trimmed: false };
      records.push(r);
    }
    iterator = page.NextShardIterator;
    // A shard can return empty pages before reaching newer data; caught up (0 ms behind) means no more.
    if ((page.Records ?? []).length === 0 && ((page.MillisBehindLatest ?? 0) === 0 || ++emptyPages >= 5))
      break;
  }
  return { records, trimmed: false };
}
