/**
 * Memory and time of the event producer on a 50,000-record file, against the local emulator:
 * the streaming core (`produceEvents`) versus a naive reader that loads the whole body and
 * JSON.parses it before publishing through the same publisher. Each mode runs in its own process so
 * peak RSS is its own.
 *
 *   npx tsx bench/producer-memory.ts [records]
 */
import { fileURLToPath } from "node:url";
import {
  CreateStreamCommand,
  KinesisClient,
  type PutRecordsCommand,
  type PutRecordsCommandOutput,
} from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { emulatorClientConfig, startEmulator } from "../local/emulator.js";
import { KinesisPublisher, type PutRecordsClient } from "../handlers/event-producer/kinesis-publisher.js";
import { validateRecord } from "../handlers/event-producer/record-validation.js";
import { Logger } from "../handlers/lib/logger.js";
import { produceFile } from "./produce-file.js";
import { runJsonChild } from "./run-child.js";

type Mode = "streaming" | "naive";
interface Result {
  mode: Mode;
  seconds: number;
  peakRssMb: number;
  peakHeapMb: number;
  baselineRssMb: number;
  published: number;
}

const SHARDS = 20; // moto's per-shard cost grows with the shard's size; more shards keep the bench quick

async function child(mode: Mode, endpoint: string, bucket: string, key: string): Promise<Result> {
  const config = emulatorClientConfig(endpoint);
  const s3 = new S3Client(config);
  const kinesis = new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() });
  const sqs = new SQSClient(config);
  const stream = `bench-${mode}-${process.pid}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: SHARDS }));
  const queueUrl = (
    await sqs.send(new CreateQueueCommand({ QueueName: `bench-audit-${mode}-${process.pid}` }))
  ).QueueUrl!;
  const logger = new Logger({ service: "bench", level: "ERROR" });
  const serialized = serialize(kinesis);

  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakHeap = baseline.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 10);
  const started = performance.now();
  let published: number;
  if (mode === "streaming") {
    const summary = await produceFile(
      { s3, kinesis: serialized, sqs, queueUrl, logger, stream },
      bucket,
      key,
    );
    published = summary.published;
  } else {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const records = JSON.parse(await object.Body!.transformToString()) as unknown[];
    const publisher = new KinesisPublisher({ kinesis: serialized, streamName: stream });
    for (const r of records) {
      const v = validateRecord(JSON.stringify(r), {
        partitionKeyPrefix: "bbkyc-cta-",
        sourceObject: `s3://${bucket}/${key}`,
        now: new Date(),
      });
      if (v.ok)
        await publisher.add({ transactionId: v.transactionId, partitionKey: v.partitionKey, data: v.data });
    }
    published = (await publisher.close()).published;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
  return {
    mode,
    seconds: Math.round(seconds * 10) / 10,
    peakRssMb: mb(peakRss),
    peakHeapMb: mb(peakHeap),
    baselineRssMb: mb(baseline.rss),
    published,
  };
}

/** moto's Kinesis loses records when PutRecords calls overlap; the producer keeps 4 in flight, moto sees them in turn. */
function serialize(kinesis: KinesisClient): PutRecordsClient {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
      const turn = queue.then(() => kinesis.send(command));
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}

function makeFile(records: number): string {
  const lines: string[] = [];
  for (let i = 0; i < records; i++) {
    lines.push(
      JSON.stringify({
        transactionId: `TXN-${String(i).padStart(7, "0")}`,
        customerId: `C${100_000 + i}`,
        eventType: "KYC_REVIEW",
        riskRating: (["LOW", "MEDIUM", "HIGH"] as const)[i % 3],
        payload: {
          name: `Customer ${i}`,
          country: "GB",
          address: `${i} High Street, London`,
          notes: "n".repeat(300),
        },
      }),
    );
  }
  return `[${lines.join(",\n")}]`;
}

async function main(): Promise<void> {
  const [, , first, ...rest] = process.argv;
  if (first === "--child") {
    const [mode, endpoint, bucket, key] = rest as [Mode, string, string, string];
    process.stdout.write(`${JSON.stringify(await child(mode, endpoint, bucket, key))}\n`);
    return;
  }
  const records = Number(first ?? 50_000);
  const emulator = await startEmulator();
  try {
    const s3 = new S3Client(emulatorClientConfig(emulator.endpoint));
    const bucket = "bench-input";
    const key = `bench-${records}.json`;
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
      }),
    );
    const body = makeFile(records);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    console.log(`file: ${records} records, ${(Buffer.byteLength(body) / 1024 / 1024).toFixed(1)} MB`);
    const results: Result[] = [];
    for (const mode of ["streaming", "naive"] as const) {
      const nodeArgs = [...process.execArgv, "--expose-gc"];
      const result = await runJsonChild<Result>(mode, nodeArgs, fileURLToPath(import.meta.url), [
        mode,
        emulator.endpoint,
        bucket,
        key,
      ]);
      results.push(result);
    }
    console.table(results);
    const [s, n] = results as [Result, Result];
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    console.log(
      `streaming vs naive: peak heap ${ratio(s.peakHeapMb, n.peakHeapMb)}x, peak RSS ${ratio(s.peakRssMb, n.peakRssMb)}x, ` +
        `RSS growth ${ratio(s.peakRssMb - s.baselineRssMb, n.peakRssMb - n.baselineRssMb)}x, time ${ratio(s.seconds, n.seconds)}x`,
    );
  } finally {
    await emulator.stop();
  }
}

await main();
