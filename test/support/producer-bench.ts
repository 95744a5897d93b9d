/**
 * The event producer's test bench on the moto server (S3, Kinesis, SQS): real clients, real
 * PutRecords shard routing (MD5 of the partition key), a real audit queue, and a Kinesis wrapper for
 * tests that count calls or inject per-entry failures. Shared by the producer's test files.
 */
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  type PutRecordsCommandOutput,
} from "@aws-sdk/client-kinesis";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { beforeAll } from "vitest";
import { auditTableDefinition } from "../../handlers/audit-processor/audit-table.js";
import { FileLedger } from "../../handlers/event-producer/file-ledger.js";
import type { AuditEvent } from "../../handlers/lib/audit-event.js";
import { AuditSender } from "../../handlers/lib/audit-sender.js";
import { Logger } from "../../handlers/lib/logger.js";
import { MemorySink, Metrics } from "../../handlers/lib/metrics.js";
import type { PutRecordsClient } from "../../handlers/event-producer/kinesis-publisher.js";
import type { ProducerConfig } from "../../handlers/event-producer/produce-events.js";
import { testClientConfig, uniqueName } from "./emulator.js";

const s3 = new S3Client(testClientConfig());
// HTTP/1.1: the Kinesis client's default HTTP/2 handler cannot talk to moto's plain http.
const kinesis = new KinesisClient({ ...testClientConfig(), requestHandler: new NodeHttpHandler() });
const sqs = new SQSClient(testClientConfig());
export const dynamodb = new DynamoDBClient(testClientConfig());
export const PREFIX = "bbkyc-cta-";
/** The input bucket of the calling test file (a live binding, set by `useInputBucket`). */
export let bucket: string;

/** Creates the calling file's input bucket before its first test (call it once at its top level). */
export function useInputBucket(): void {
  beforeAll(async () => {
    bucket = uniqueName("producer-input");
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
      }),
    );
  });
}

export async function createStream(shards: number): Promise<string> {
  const name = uniqueName("cta-event-stream");
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let i = 0; i < 50; i++) {
    const s = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary?.StreamStatus === "ACTIVE") return name;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

/** An audit table shaped as the AuditStore declares it (the producer keeps its ledger there). */
export async function createAuditTable(): Promise<string> {
  const name = uniqueName("audit-trail");
  await dynamodb.send(new CreateTableCommand(auditTableDefinition(name)));
  return name;
}

/**
 * The ledger on the test emulator. Its DynamoDB calls go to moto one at a time: moto evaluates a
 * condition expression and applies the write without a lock, so two overlapping conditional writes
 * can both succeed there (seen: both concurrent deliveries claimed the file), which DynamoDB never
 * allows.
 */
export function fileLedger(tableName: string, now?: () => Date): FileLedger {
  let queue: Promise<unknown> = Promise.resolve();
  const serialised = {
    send: ((command: Parameters<DynamoDBClient["send"]>[0]) => {
      const turn = queue.then(() => dynamodb.send(command));
      queue = turn.catch(() => undefined);
      return turn;
    }) as DynamoDBClient["send"],
  };
  return new FileLedger({ dynamodb: serialised, tableName, retentionDays: 30, now });
}

export async function createQueue(): Promise<string> {
  const q = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("audit") }));
  return q.QueueUrl!;
}

/** Every record in the stream, read back shard by shard from the start. */
export async function readStream(
  stream: string,
): Promise<Map<string, Array<{ partitionKey: string; data: Record<string, unknown> }>>> {
  const shards = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const out = new Map<string, Array<{ partitionKey: string; data: Record<string, unknown> }>>();
  for (const shard of shards.Shards ?? []) {
    const records: Array<{ partitionKey: string; data: Record<string, unknown> }> = [];
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shard.ShardId!,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      )
    ).ShardIterator;
    for (;;) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? [])
        records.push({
          partitionKey: r.PartitionKey!,
          data: JSON.parse(Buffer.from(r.Data!).toString("utf8")),
        });
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
    out.set(shard.ShardId!, records);
  }
  return out;
}

export const allRecords = async (stream: string) => [...(await readStream(stream)).values()].flat();

export async function drainQueue(url: string): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for (let empty = 0; empty < 2; ) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 300,
      }),
    );
    if (!r.Messages?.length) empty++;
    for (const m of r.Messages ?? []) events.push(JSON.parse(m.Body!));
  }
  return events;
}

export async function putFile(body: string | Buffer, key = `${uniqueName("in")}.json`): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return key;
}

export function record(i: number, extra: Record<string, unknown> = {}) {
  return {
    transactionId: `TXN-${String(i).padStart(6, "0")}`,
    customerId: `C${i}`,
    eventType: "KYC_REVIEW",
    ...extra,
  };
}

export interface Harness {
  stream: string;
  queueUrl: string;
  kinesis?: PutRecordsClient;
  config?: Partial<ProducerConfig>;
  auditQueueUrl?: string;
}

export function deps(h: Harness) {
  const lines: string[] = [];
  const logger = new Logger({ service: "cta-event-producer", level: "DEBUG", write: (l) => lines.push(l) });
  const sink = new MemorySink();
  const metrics = new Metrics({
    component: "event-producer",
    namespace: "bbkyc/cta-event-producer/sit",
    environment: "sit",
    sink,
  });
  const sleeps: number[] = [];
  const d = {
    s3,
    kinesis: h.kinesis ?? new WrappedKinesis(),
    audit: new AuditSender({
      sqs,
      queueUrl: h.auditQueueUrl ?? h.queueUrl,
      logger,
      maxAttempts: 2,
      sleep: async () => undefined,
    }),
    metrics,
    logger,
    config: {
      streamName: h.stream,
      partitionKeyPrefix: PREFIX,
      pipelineName: "cta",
      auditPublished: false,
      ...h.config,
    },
    now: () => new Date("2026-11-26T09:00:00.000Z"),
    sleep: async (ms: number) => void sleeps.push(ms),
  };
  return { deps: d, lines, metrics, sleeps };
}

/**
 * Counts PutRecords calls and entries, and fails chosen entries with a Kinesis error. It also
 * passes calls to moto one at a time: moto's Kinesis numbers records as "last sequence number + 1"
 * without a lock, so concurrent PutRecords calls overwrite each other's records there (measured:
 * 48,488 of 50,000 arrived with 4 calls in flight). The publisher still has its 4 calls in flight
 * (`maxConcurrent` shows it); only the emulator behind this wrapper sees them in turn.
 */
export class WrappedKinesis implements PutRecordsClient {
  calls = 0;
  entriesSent = 0;
  injected = 0;
  maxConcurrent = 0;
  /** Data plus partition key bytes of every call. */
  callBytes: number[] = [];
  private concurrent = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly attempts = new Map<string, number>();
  constructor(private readonly fail: (partitionKey: string, attempt: number) => boolean = () => false) {}

  async send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
    this.calls++;
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      const turn = this.queue.then(() => this.forward(command));
      this.queue = turn.catch(() => undefined);
      return await turn;
    } finally {
      this.concurrent--;
    }
  }

  private async forward(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
    const entries = command.input.Records ?? [];
    this.entriesSent += entries.length;
    this.callBytes.push(
      entries.reduce((n, e) => n + e.Data!.byteLength + Buffer.byteLength(e.PartitionKey!), 0),
    );
    const failing = entries.map((e) => {
      const attempt = (this.attempts.get(e.PartitionKey!) ?? 0) + 1;
      this.attempts.set(e.PartitionKey!, attempt);
      return this.fail(e.PartitionKey!, attempt);
    });
    const forwarded = entries.filter((_, i) => !failing[i]);
    const real =
      forwarded.length > 0
        ? await kinesis.send(new PutRecordsCommand({ ...command.input, Records: forwarded }))
        : undefined;
    let next = 0;
    const results = entries.map((_, i) => {
      if (!failing[i]) return real!.Records![next++]!;
      this.injected++;
      return {
        ErrorCode: "ProvisionedThroughputExceededException",
        ErrorMessage: "Rate exceeded for shard shardId-000000000001 in stream under account 123456789012.",
      };
    });
    return { $metadata: {}, FailedRecordCount: failing.filter(Boolean).length, Records: results };
  }
}
