/**
 * The event producer against the old code's way, side by side in one run on the emulator:
 *
 *   ours      the producer's core (`produceEvents`): streams the object, PutRecords of ≤500 entries
 *             (4 in flight, which the bench hands to moto one at a time as moto needs), key = prefix + transaction id
 *   baseline  the seed's way: the whole file read and JSON.parsed, one PutRecord per record, one
 *             constant partition key (so every record lands on one shard)
 *
 * Each runs in a process of its own so peak RSS is its own. The baseline makes one moto call per
 * record, so by default it runs on the first `--baseline-records` records (2,000) and its time is
 * compared per record; its shard spread does not depend on the count (one key → one shard).
 * "AWS bound" is the time Kinesis itself needs for the spread at 1,000 records/s and 1 MiB/s per
 * shard (its write limits): the busiest shard sets it.
 *
 *   npx tsx bench/producer.ts [records=50000] [--shards 4] [--baseline-records 2000]
 */
import { fileURLToPath } from "node:url";
import {
  CreateStreamCommand,
  KinesisClient,
  PutRecordCommand,
  type PutRecordsCommand,
  type PutRecordsCommandOutput,
} from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { PutRecordsClient } from "../handlers/event-producer/kinesis-publisher.js";
import { validateRecord } from "../handlers/event-producer/record-validation.js";
import { Logger } from "../handlers/lib/logger.js";
import { emulatorClientConfig, startEmulator } from "../local/emulator.js";
import { produceFile } from "./produce-file.js";
import { describeMachine, machine, round, writeResults } from "./bench-results.js";
import { runJsonChild } from "./run-child.js";

type Mode = "ours" | "baseline";
export interface ProducerModeResult {
  mode: Mode;
  records: number;
  apiCalls: number;
  seconds: number;
  recordsPerSecond: number;
  peakRssMb: number;
  perShard: Record<string, number>;
  maxShardOverMean: number;
  /** Seconds Kinesis needs for this spread at its per-shard write limits. */
  awsBoundSeconds: number;
}

const KINESIS_RECORDS_PER_SHARD_SECOND = 1000;
const KINESIS_BYTES_PER_SHARD_SECOND = 1024 * 1024;

function makeRecord(i: number): string {
  return JSON.stringify({
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
  });
}

export function makeFile(records: number): string {
  return `[${Array.from({ length: records }, (_, i) => makeRecord(i)).join(",\n")}]`;
}

/** The time Kinesis needs to accept `perShard` records of `bytesPerRecord` at its write limits. */
export function awsBoundSeconds(
  perShard: Record<string, number>,
  shards: number,
  bytesPerRecord: number,
): number {
  const counts = Object.values(perShard);
  while (counts.length < shards) counts.push(0);
  return Math.max(
    ...counts.map((n) =>
      Math.max(n / KINESIS_RECORDS_PER_SHARD_SECOND, (n * bytesPerRecord) / KINESIS_BYTES_PER_SHARD_SECOND),
    ),
  );
}

export function maxOverMean(perShard: Record<string, number>, shards: number): number {
  const counts = Object.values(perShard);
  const total = counts.reduce((a, b) => a + b, 0);
  return total === 0 ? 0 : Math.max(...counts) / (total / shards);
}

async function child(
  mode: Mode,
  endpoint: string,
  bucket: string,
  key: string,
  shards: number,
  limit: number,
): Promise<ProducerModeResult> {
  const config = emulatorClientConfig(endpoint);
  const s3 = new S3Client(config);
  const kinesis = new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() });
  const stream = `bench-producer-${mode}-${process.pid}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: shards }));
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);
  const perShard: Record<string, number> = {};
  let apiCalls = 0;
  let records = 0;
  let bytes = 0;
  const started = performance.now();
  if (mode === "ours") {
    const sqs = new SQSClient(config);
    const queueUrl = (
      await sqs.send(new CreateQueueCommand({ QueueName: `bench-producer-audit-${process.pid}` }))
    ).QueueUrl!;
    const logger = new Logger({ service: "bench", level: "ERROR" });
    let queue: Promise<unknown> = Promise.resolve();
    const serialized: PutRecordsClient = {
      send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
        apiCalls += 1;
        for (const r of command.input.Records ?? [])
          bytes += (r.Data?.byteLength ?? 0) + Buffer.byteLength(r.PartitionKey ?? "");
        const turn = queue.then(() => kinesis.send(command));
        queue = turn.catch(() => undefined);
        return turn;
      },
    };
    const summary = await produceFile(
      { s3, kinesis: serialized, sqs, queueUrl, logger, stream },
      bucket,
      key,
    );
    Object.assign(perShard, summary.shardsSeen);
    records = summary.published;
  } else {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    // The whole body in memory, then one JSON.parse: the old code's way.
    const all = JSON.parse(await object.Body!.transformToString()) as unknown[];
    const now = new Date();
    for (const r of all.slice(0, limit)) {
      const v = validateRecord(JSON.stringify(r), {
        partitionKeyPrefix: "",
        sourceObject: `s3://${bucket}/${key}`,
        now,
      });
      if (!v.ok) continue;
      apiCalls += 1;
      bytes += v.data.byteLength + "kyc-events".length;
      const answer = await kinesis.send(
        new PutRecordCommand({ StreamName: stream, PartitionKey: "kyc-events", Data: v.data }),
      );
      perShard[answer.ShardId!] = (perShard[answer.ShardId!] ?? 0) + 1;
      records += 1;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  return {
    mode,
    records,
    apiCalls,
    seconds: round(seconds, 1),
    recordsPerSecond: Math.round(records / seconds),
    peakRssMb: round(peakRss / 1024 / 1024),
    perShard,
    maxShardOverMean: round(maxOverMean(perShard, shards), 3),
    awsBoundSeconds: round(awsBoundSeconds(perShard, shards, records === 0 ? 0 : bytes / records), 3),
  };
}

/** The child runs this TypeScript file: with tsx's loader as the parent has it (tsx CLI), or added (vitest). */
function typeScriptLoader(): string[] {
  return process.execArgv.some((a) => a.includes("tsx")) ? process.execArgv : ["--import", "tsx"];
}

export interface ProducerBenchOptions {
  records: number;
  shards: number;
  baselineRecords: number;
  log?: (line: string) => void;
}

export async function runProducerBench(options: ProducerBenchOptions) {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const bucket = "bench-producer";
  const key = `bench-${options.records}.json`;
  const body = makeFile(options.records);
  const fileMb = round(Buffer.byteLength(body) / 1024 / 1024);
  const results: ProducerModeResult[] = [];
  // Each mode gets an emulator of its own, so one mode's streams and queues do not slow the other's calls.
  for (const mode of ["ours", "baseline"] as const) {
    const limit = Math.min(options.records, options.baselineRecords);
    log(
      `producer bench: ${mode}, ${mode === "ours" ? options.records : limit} of ${options.records} records (${fileMb} MB file), ${options.shards} shards`,
    );
    const emulator = await startEmulator();
    try {
      const s3 = new S3Client(emulatorClientConfig(emulator.endpoint));
      await s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
        }),
      );
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      const result = await runJsonChild<ProducerModeResult>(
        mode,
        typeScriptLoader(),
        fileURLToPath(import.meta.url),
        [mode, emulator.endpoint, bucket, key, String(options.shards), String(limit)],
      );
      results.push(result);
    } finally {
      await emulator.stop();
    }
  }
  const [ours, baseline] = results as [ProducerModeResult, ProducerModeResult];
  return {
    records: options.records,
    fileMb,
    shards: options.shards,
    results,
    targets: { callsExpected: Math.ceil(options.records / 500) },
    // Per record, since the baseline may run on a prefix of the file.
    speedup: round(ours.recordsPerSecond / baseline.recordsPerSecond, 1),
    baselineSecondsForAll: round((options.records / baseline.records) * baseline.seconds, 0),
    // Kinesis's own time for the whole file with each spread (the baseline's one shard takes it all).
    awsBoundSecondsForAll: Object.fromEntries(
      results.map((r) => [r.mode, round((r.awsBoundSeconds * options.records) / r.records, 1)]),
    ),
  };
}

export function printProducerTable(result: Awaited<ReturnType<typeof runProducerBench>>): void {
  console.table(
    result.results.map(({ perShard, ...r }) => ({ ...r, shards: Object.values(perShard).join("/") })),
  );
  console.log(
    `producer: ${result.results[0]!.apiCalls} calls (target ceil(N/500) = ${result.targets.callsExpected}); ${result.speedup}× the baseline's records/s ` +
      `(baseline on all ${result.records} records: ~${result.baselineSecondsForAll} s); Kinesis's own bound for all records: ours ${result.awsBoundSecondsForAll.ours} s, baseline ${result.awsBoundSecondsForAll.baseline} s`,
  );
}

const [, , first, ...rest] = process.argv;
if (first === "--child") {
  const [mode, endpoint, bucket, key, shards, limit] = rest as [Mode, string, string, string, string, string];
  const result = await child(mode, endpoint, bucket, key, Number(shards), Number(limit));
  // Keep-alive sockets to the emulator would hold the process open.
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const option = (name: string, fallback: string) =>
    argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback;
  const records = Number(argv.find((a, i) => /^\d+$/.test(a) && !argv[i - 1]?.startsWith("--")) ?? 50_000);
  const startedAt = new Date();
  const m = machine();
  console.log(describeMachine(m));
  const result = await runProducerBench({
    records,
    shards: Number(option("--shards", "4")),
    baselineRecords: Number(option("--baseline-records", "2000")),
  });
  printProducerTable(result);
  console.log(`results: ${writeResults("producer", result, startedAt, m)}`);
}
