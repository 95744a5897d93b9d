/**
 * The local Kinesis event source honours the mapping's batching window as Lambda does: a lane that
 * holds fewer than `batchSize` records waits up to the window for more before it invokes (issue #13:
 * without it the case creator got a Salesforce call per partial batch). Against the test emulator.
 */
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { describe, expect, it } from "vitest";
import { KinesisEventSource } from "../local/event-sources/kinesis-source.js";
import { newSourceStats } from "../local/event-sources/source-stats.js";
import type { KinesisSourceSettings } from "../local/provision.js";
import { TimeScale } from "../local/time-scale.js";
import { testClientConfig, uniqueName } from "./support/emulator.js";

const kinesis = new KinesisClient({ ...testClientConfig(), requestHandler: new NodeHttpHandler() });
const sqs = new SQSClient(testClientConfig());

async function put(stream: string, from: number, count: number): Promise<void> {
  const Records = Array.from({ length: count }, (_, i) => ({
    PartitionKey: "one-key",
    Data: Buffer.from(JSON.stringify({ transactionId: `TXN-${from + i}` })),
  }));
  await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records }));
}

async function until(condition: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function batchesFor(
  window: number,
  batchSize: number,
  writes: Array<[from: number, count: number]>,
): Promise<number[]> {
  const name = uniqueName("window-stream");
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  const settings: KinesisSourceSettings = {
    functionName: "fn",
    streamName: name,
    streamArn: `arn:aws:kinesis:eu-west-1:123456789012:stream/${name}`,
    batchSize,
    parallelizationFactor: 1,
    maximumBatchingWindowInSeconds: window,
    maximumRetryAttempts: 2,
    maximumRecordAgeInSeconds: -1,
    bisectBatchOnFunctionError: true,
    reportBatchItemFailures: true,
    startingPosition: "TRIM_HORIZON",
  };
  const batches: number[] = [];
  const stats = newSourceStats();
  const source = new KinesisEventSource({
    settings,
    kinesis,
    sqs,
    region: "eu-west-1",
    newContainer: () => async (event) => void batches.push(event.Records.length),
    stats,
    pollIntervalMs: 50,
  });
  const total = writes.reduce((n, [, count]) => n + count, 0);
  await put(name, ...writes[0]!);
  await source.start();
  for (const write of writes.slice(1)) {
    // The first page has been read (and, without a window, invoked) before the next write.
    await until(() => stats.recordsRead > 0);
    await put(name, ...write);
  }
  await until(() => batches.reduce((a, b) => a + b, 0) >= total && source.idle());
  await source.stop();
  return batches;
}

describe("Kinesis batching window (local event source)", () => {
  it("gathers records that arrive within the window into one batch", async () => {
    expect(
      await batchesFor(3, 10, [
        [0, 3],
        [3, 3],
      ]),
    ).toEqual([6]);
  }, 30_000);

  it("invokes a full batch without waiting for the window, and at once with no window", async () => {
    const started = Date.now();
    expect(await batchesFor(60, 4, [[0, 4]])).toEqual([4]);
    expect(Date.now() - started).toBeLessThan(30_000); // far below the 60 s window
    const batches = await batchesFor(0, 10, [
      [0, 3],
      [3, 3],
    ]);
    expect(batches.length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it("compresses the window with the other waiting times", () => {
    const settings = {
      maximumBatchingWindowInSeconds: 5,
      maximumRecordAgeInSeconds: 3600,
    } as KinesisSourceSettings;
    expect(new TimeScale(10).kinesisSource(settings)).toMatchObject({
      maximumBatchingWindowInSeconds: 0.5,
      maximumRecordAgeInSeconds: 360,
    });
    expect(new TimeScale(1).kinesisSource(settings)).toBe(settings);
  });
});
