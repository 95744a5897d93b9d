/** Kinesis batches as Lambda hands them to a function, for the case creator's tests. */
import type { KinesisStreamEvent } from "aws-lambda";

export interface KinesisEventOptions {
  /** Stream name in the event source ARN. @default `"bbkyc-cta-event-stream-sit"` */
  stream?: string;
  /** Sequence number of the first record; later ones follow at `sequenceStep`. */
  firstSequence: bigint;
  /** @default `1000n` */
  sequenceStep?: bigint;
  /** When every record arrived on the stream (epoch ms). */
  arrivedAtMs: number;
  /** @default `(i) => "cta-" + i` */
  partitionKey?: (i: number) => string;
}

/** Items are records (JSON-encoded) or `{ raw }` base64 data. */
export function kinesisEvent(items: Array<object>, options: KinesisEventOptions): KinesisStreamEvent {
  const stream = options.stream ?? "bbkyc-cta-event-stream-sit";
  return {
    Records: items.map((item, i) => ({
      eventSource: "aws:kinesis",
      eventSourceARN: `arn:aws:kinesis:eu-west-1:123456789012:stream/${stream}`,
      eventID: `shardId-000000000000:${i}`,
      eventName: "aws:kinesis:record",
      eventVersion: "1.0",
      invokeIdentityArn: "arn:aws:iam::123456789012:role/x",
      awsRegion: "eu-west-1",
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: (options.partitionKey ?? ((n) => `cta-${n}`))(i),
        sequenceNumber: String(options.firstSequence + BigInt(i) * (options.sequenceStep ?? 1000n)),
        approximateArrivalTimestamp: options.arrivedAtMs / 1000,
        data:
          "raw" in item
            ? (item as { raw: string }).raw
            : Buffer.from(JSON.stringify(item)).toString("base64"),
      },
    })),
  };
}
