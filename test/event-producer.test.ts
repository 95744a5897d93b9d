/**
 * The event producer's core against the moto server (S3, Kinesis, SQS): real clients, real
 * PutRecords shard routing (MD5 of the partition key), a real audit queue. Only the Kinesis client
 * is wrapped where a test counts calls or injects per-entry failures.
 */
import { CreateStreamCommand, DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, PutRecordsCommand, type PutRecordsCommandOutput } from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { beforeAll, describe, expect, it } from "vitest";
import type { AuditEvent } from "../handlers/lib/audit-event.js";
import { AuditSender } from "../handlers/lib/audit-sender.js";
import { Logger } from "../handlers/lib/logger.js";
import { MemorySink, Metrics } from "../handlers/lib/metrics.js";
import type { PutRecordsClient } from "../handlers/event-producer/kinesis-publisher.js";
import { AuditUndeliveredError, produceEvents, type ProducerConfig } from "../handlers/event-producer/produce-events.js";
import { testClientConfig, uniqueName } from "./support/emulator.js";

const s3 = new S3Client(testClientConfig());
// HTTP/1.1: the Kinesis client's default HTTP/2 handler cannot talk to moto's plain http.
const kinesis = new KinesisClient({ ...testClientConfig(), requestHandler: new NodeHttpHandler() });
const sqs = new SQSClient(testClientConfig());
const PREFIX = "bbkyc-cta-";
let bucket: string;

beforeAll(async () => {
  bucket = uniqueName("producer-input");
  await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
});

// ---------------------------------------------------------------- helpers

async function createStream(shards: number): Promise<string> {
  const name = uniqueName("cta-event-stream");
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let i = 0; i < 50; i++) {
    const s = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary?.StreamStatus === "ACTIVE") return name;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

async function createQueue(): Promise<string> {
  const q = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("audit") }));
  return q.QueueUrl!;
}

/** Every record in the stream, read back shard by shard from the start. */
async function readStream(stream: string): Promise<Map<string, Array<{ partitionKey: string; data: Record<string, unknown> }>>> {
  const shards = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const out = new Map<string, Array<{ partitionKey: string; data: Record<string, unknown> }>>();
  for (const shard of shards.Shards ?? []) {
    const records: Array<{ partitionKey: string; data: Record<string, unknown> }> = [];
    let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
    for (;;) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) records.push({ partitionKey: r.PartitionKey!, data: JSON.parse(Buffer.from(r.Data!).toString("utf8")) });
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
    out.set(shard.ShardId!, records);
  }
  return out;
}

const allRecords = async (stream: string) => [...(await readStream(stream)).values()].flat();

async function drainQueue(url: string): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for (let empty = 0; empty < 2; ) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300 }));
    if (!r.Messages?.length) empty++;
    for (const m of r.Messages ?? []) events.push(JSON.parse(m.Body!));
  }
  return events;
}

async function putFile(body: string | Buffer, key = `${uniqueName("in")}.json`): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return key;
}

function record(i: number, extra: Record<string, unknown> = {}) {
  return { transactionId: `TXN-${String(i).padStart(6, "0")}`, customerId: `C${i}`, eventType: "KYC_REVIEW", ...extra };
}

interface Harness {
  stream: string;
  queueUrl: string;
  kinesis?: PutRecordsClient;
  config?: Partial<ProducerConfig>;
  auditQueueUrl?: string;
}

function deps(h: Harness) {
  const lines: string[] = [];
  const logger = new Logger({ service: "cta-event-producer", level: "DEBUG", write: (l) => lines.push(l) });
  const sink = new MemorySink();
  const metrics = new Metrics({ component: "event-producer", namespace: "bbkyc/cta-event-producer/sit", environment: "sit", sink });
  const sleeps: number[] = [];
  const d = {
    s3,
    kinesis: h.kinesis ?? new WrappedKinesis(),
    audit: new AuditSender({ sqs, queueUrl: h.auditQueueUrl ?? h.queueUrl, logger, maxAttempts: 2, sleep: async () => undefined }),
    metrics,
    logger,
    config: { streamName: h.stream, partitionKeyPrefix: PREFIX, pipelineName: "cta", auditPublished: false, ...h.config },
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
class WrappedKinesis implements PutRecordsClient {
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
    this.callBytes.push(entries.reduce((n, e) => n + e.Data!.byteLength + Buffer.byteLength(e.PartitionKey!), 0));
    const failing = entries.map((e) => {
      const attempt = (this.attempts.get(e.PartitionKey!) ?? 0) + 1;
      this.attempts.set(e.PartitionKey!, attempt);
      return this.fail(e.PartitionKey!, attempt);
    });
    const forwarded = entries.filter((_, i) => !failing[i]);
    const real = forwarded.length > 0 ? await kinesis.send(new PutRecordsCommand({ ...command.input, Records: forwarded })) : undefined;
    let next = 0;
    const results = entries.map((_, i) => {
      if (!failing[i]) return real!.Records![next++]!;
      this.injected++;
      return { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded for shard shardId-000000000001 in stream under account 123456789012." };
    });
    return { $metadata: {}, FailedRecordCount: failing.filter(Boolean).length, Records: results };
  }
}

const pending = (metrics: Metrics<"event-producer">) => Object.fromEntries(metrics.pending().map((s) => [s.name, s.values[0]]));

// ---------------------------------------------------------------- tests

describe("produceEvents: volume and distribution", () => {
  it("spreads 10,000 records over 4 shards, every shard within ±15% of the mean (read back from Kinesis)", async () => {
    const stream = await createStream(4);
    const key = await putFile(Array.from({ length: 10_000 }, (_, i) => JSON.stringify(record(i))).join("\n"));
    const { deps: d } = deps({ stream, queueUrl: await createQueue() });

    const summary = await produceEvents(d, { bucket, key });

    const perShard = await readStream(stream);
    const counts = [...perShard.values()].map((r) => r.length);
    expect(counts).toHaveLength(4);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    const mean = 10_000 / 4;
    for (const c of counts) expect(Math.abs(c - mean) / mean).toBeLessThanOrEqual(0.15);
    expect(Object.values(summary.shardsSeen).sort()).toEqual([...counts].sort());
    // Partition key = prefix + transaction id, and the data is what the case creator reads.
    const sample = perShard.get([...perShard.keys()][0]!)![0]!;
    expect(sample.partitionKey).toBe(`${PREFIX}${sample.data.transactionId}`);
    expect(sample.data).toMatchObject({ customerId: expect.stringMatching(/^C\d+$/), eventType: "KYC_REVIEW", producedAt: "2026-11-26T09:00:00.000Z", sourceObject: `s3://${bucket}/${key}` });
    console.log(`10,000 records over 4 shards: ${counts.join(" / ")} (mean ${mean})`);
  });

  it("publishes a 50,000-record file completely in ceil(N/500) PutRecords calls", async () => {
    // 20 shards only to spare the emulator: moto finds a shard's last sequence number by copying
    // all of the shard's keys on every put (quadratic per shard); distribution is the test above.
    const stream = await createStream(20);
    const key = await putFile(`[${Array.from({ length: 50_000 }, (_, i) => JSON.stringify(record(i))).join(",")}]`);
    const wrapped = new WrappedKinesis();
    const { deps: d, metrics } = deps({ stream, queueUrl: await createQueue(), kinesis: wrapped });

    const started = Date.now();
    const summary = await produceEvents(d, { bucket, key });
    const seconds = (Date.now() - started) / 1000;

    expect(wrapped.calls).toBe(Math.ceil(50_000 / 500));
    expect(wrapped.maxConcurrent).toBe(4);
    expect(summary).toMatchObject({ format: "json-array", records: 50_000, published: 50_000, rejected: 0, failed: 0, duplicates: 0, putRecordsCalls: 100 });
    const readStarted = Date.now();
    const inStream = await allRecords(stream);
    const readSeconds = (Date.now() - readStarted) / 1000;
    expect(inStream).toHaveLength(50_000);
    expect(new Set(inStream.map((r) => r.data.transactionId)).size).toBe(50_000);
    expect(pending(metrics)).toEqual({ S3RecordsProcessed: 50_000, TotalEvents: 50_000, EventPublishSuccess: 50_000, EventPublishFailure: 0 });
    console.log(`50,000 records: ${wrapped.calls} PutRecords calls, published in ${seconds.toFixed(1)} s, read back in ${readSeconds.toFixed(1)} s (moto)`);
  });
});

describe("produceEvents: Kinesis failures", () => {
  it("retries only the entries Kinesis rejected, with jittered backoff, until every record arrives once", async () => {
    const stream = await createStream(2);
    const key = await putFile(Array.from({ length: 1_200 }, (_, i) => JSON.stringify(record(i))).join("\n"));
    // Every 7th record is throttled on its first two attempts.
    const wrapped = new WrappedKinesis((pk, attempt) => Number(pk.slice(-6)) % 7 === 0 && attempt <= 2);
    const { deps: d, sleeps } = deps({ stream, queueUrl: await createQueue(), kinesis: wrapped });

    const summary = await produceEvents(d, { bucket, key });

    const throttled = Math.ceil(1_200 / 7);
    expect(wrapped.injected).toBe(2 * throttled);
    // Only failed entries were sent again: N first attempts + the retried entries.
    expect(wrapped.entriesSent).toBe(1_200 + 2 * throttled);
    expect(summary).toMatchObject({ published: 1_200, failed: 0 });
    expect(summary.putRecordsCalls).toBeGreaterThan(Math.ceil(1_200 / 500));
    const inStream = (await allRecords(stream)).map((r) => r.data.transactionId);
    expect(inStream).toHaveLength(1_200);
    expect(new Set(inStream).size).toBe(1_200);
    // Full jitter: every delay is below its exponential ceiling (100 ms, 200 ms).
    expect(sleeps.length).toBeGreaterThan(0);
    expect(Math.max(...sleeps)).toBeLessThan(200);
  });

  it("audits FAILED, with Kinesis's error, the entries still rejected after the last attempt", async () => {
    const stream = await createStream(2);
    const queueUrl = await createQueue();
    const key = await putFile(Array.from({ length: 40 }, (_, i) => JSON.stringify(record(i))).join("\n"));
    const hopeless = new Set(["TXN-000003", "TXN-000017", "TXN-000029"]);
    const wrapped = new WrappedKinesis((pk) => hopeless.has(pk.slice(PREFIX.length)));
    const { deps: d, metrics } = deps({ stream, queueUrl, kinesis: wrapped, config: { maxAttempts: 3 } });

    const summary = await produceEvents(d, { bucket, key });

    expect(summary).toMatchObject({ records: 40, published: 37, failed: 3 });
    const audit = await drainQueue(queueUrl);
    expect(audit.map((e) => e.transactionId).sort()).toEqual([...hopeless].sort());
    for (const e of audit) {
      expect(e).toMatchObject({ status: "FAILED", component: "cta-event-producer", attributes: { errorCode: "ProvisionedThroughputExceededException" } });
      expect(e.reason).toMatch(/^Kinesis did not accept the record after 3 attempt\(s\): ProvisionedThroughputExceededException: Rate exceeded/);
    }
    expect((await allRecords(stream)).some((r) => hopeless.has(r.data.transactionId as string))).toBe(false);
    expect(pending(metrics)).toMatchObject({ EventPublishSuccess: 37, EventPublishFailure: 3 });
  });
});

describe("produceEvents: PutRecords limits and stream errors", () => {
  it("keeps every PutRecords call within 5 MiB, splitting before the 500-record limit when records are large", async () => {
    const stream = await createStream(2);
    const blob = "z".repeat(700_000);
    const key = await putFile(Array.from({ length: 20 }, (_, i) => JSON.stringify(record(i, { payload: { blob } }))).join("\n"));
    const wrapped = new WrappedKinesis();
    const { deps: d } = deps({ stream, queueUrl: await createQueue(), kinesis: wrapped });

    const summary = await produceEvents(d, { bucket, key });

    expect(summary).toMatchObject({ records: 20, published: 20, failed: 0 });
    // 7 records of ~700 KB make 4.9 MB; an 8th would pass 5 MiB.
    expect(wrapped.callBytes.map((b) => Math.round(b / 100_000))).toEqual([49, 49, 42]);
    expect(Math.max(...wrapped.callBytes)).toBeLessThanOrEqual(5 * 1024 * 1024);
    expect(await allRecords(stream)).toHaveLength(20);
  });

  it("audits every record FAILED, without retrying, when the stream does not exist", async () => {
    const queueUrl = await createQueue();
    const key = await putFile(Array.from({ length: 12 }, (_, i) => JSON.stringify(record(i))).join("\n"));
    const wrapped = new WrappedKinesis();
    const { deps: d } = deps({ stream: uniqueName("no-such-stream"), queueUrl, kinesis: wrapped });

    const summary = await produceEvents(d, { bucket, key });

    expect(summary).toMatchObject({ records: 12, published: 0, failed: 12, putRecordsCalls: 1 });
    const audit = await drainQueue(queueUrl);
    expect(audit).toHaveLength(12);
    for (const e of audit) expect(e.reason).toMatch(/^Kinesis did not accept the record after 1 attempt\(s\): ResourceNotFoundException: /);
  });
});

describe("produceEvents: bad input (SPEC §7)", () => {
  it("publishes the good records and audits each bad one FAILED with its reason, under its id or <key>#<position>", async () => {
    const stream = await createStream(1);
    const queueUrl = await createQueue();
    const secret = "PAYLOAD-MARKER-Jane-Doe";
    const input: unknown[] = [
      record(1, { producedAt: "2026-11-26T08:00:00+01:00", riskRating: "HIGH", payload: { name: secret, country: "GB" } }), // 1 ok
      { customerId: "C2", eventType: "KYC_REVIEW" }, // 2 missing id
      record(3, { transactionId: "   " }), // 3 blank id
      record(4, { transactionId: 4004 }), // 4 numeric id
      record(5, { customerId: 55 }), // 5 wrong type
      record(6, { riskRating: "EXTREME" }), // 6 not an enum value
      record(7, { producedAt: "yesterday" }), // 7 not ISO
      record(8, { payload: ["not", "an", "object"] }), // 8 payload array
      record(1, { customerId: "C-dup" }), // 9 duplicate of 1
      record(10, { payload: { blob: "x".repeat(1_100_000) } }), // 10 oversized, still parsed
      "just a string", // 11 not an object
      record(12, { riskRating: null, payload: null }), // 12 ok (null = absent)
      record(13, { transactionId: "T".repeat(129) }), // 13 id too long
    ];
    const key = await putFile(JSON.stringify(input));
    const { deps: d, lines, metrics } = deps({ stream, queueUrl });

    const summary = await produceEvents(d, { bucket, key });

    expect(summary).toMatchObject({ records: 13, published: 2, rejected: 10, duplicates: 1, failed: 0 });
    const published = await allRecords(stream);
    expect(published.map((r) => r.data.transactionId).sort()).toEqual(["TXN-000001", "TXN-000012"]);
    const first = published.find((r) => r.data.transactionId === "TXN-000001")!.data;
    expect(first).toEqual({
      transactionId: "TXN-000001", customerId: "C1", eventType: "KYC_REVIEW", producedAt: "2026-11-26T07:00:00.000Z",
      riskRating: "HIGH", payload: { name: secret, country: "GB" }, sourceObject: `s3://${bucket}/${key}`,
    });

    const audit = new Map((await drainQueue(queueUrl)).map((e) => [e.transactionId, e]));
    const expected: Record<string, RegExp> = {
      [`${key}#2`]: /^transactionId is missing$/,
      [`${key}#3`]: /^transactionId is blank$/,
      [`${key}#4`]: /^transactionId must be a non-empty string, got a number$/,
      "TXN-000005": /^customerId must be a non-empty string, got a number$/,
      "TXN-000006": /^riskRating "EXTREME" is not one of LOW, MEDIUM, HIGH$/,
      "TXN-000007": /^producedAt "yesterday" is not an ISO-8601 timestamp/,
      "TXN-000008": /^payload must be a JSON object, got an array$/,
      [`${key}#9`]: /^duplicate transactionId TXN-000001 in this file \(first at position 1\); processed once$/,
      "TXN-000010": /^record is 11\d{5} bytes with its partition key; Kinesis accepts at most 1048576 bytes per record$/,
      [`${key}#11`]: /^record must be a JSON object, got a string$/,
      [`${key}#13`]: /^transactionId is 129 characters; at most 128 are allowed$/,
    };
    expect([...audit.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [id, reason] of Object.entries(expected)) {
      expect(audit.get(id)).toMatchObject({ status: "FAILED", component: "cta-event-producer", attributes: { sourceObject: `s3://${bucket}/${key}` } });
      expect(audit.get(id)!.reason).toMatch(reason);
    }
    expect(pending(metrics)).toEqual({ S3RecordsProcessed: 13, TotalEvents: 13, EventPublishSuccess: 2, EventPublishFailure: 11 });
    // Structured logs, correlated, and never the payload.
    const logs = lines.map((l) => JSON.parse(l));
    expect(logs.filter((l) => l.message === "record rejected").map((l) => l.correlationId).sort()).toEqual(Object.keys(expected).sort());
    expect(lines.join("\n")).not.toContain(secret);
    expect(lines.join("\n")).not.toContain("xxxxxxxx");
  });

  it("reads NDJSON with a BOM and blank lines; a broken line is audited under <key>#<position>", async () => {
    const stream = await createStream(1);
    const queueUrl = await createQueue();
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${JSON.stringify(record(1))}\r\n\r\n{"transactionId": "TXN-BROKEN",\n${JSON.stringify(record(3))}\n`)]);
    const key = await putFile(body, `${uniqueName("in")}.ndjson`);
    const { deps: d } = deps({ stream, queueUrl });

    const summary = await produceEvents(d, { bucket, key });

    expect(summary).toMatchObject({ format: "ndjson", records: 3, published: 2, rejected: 1 });
    const audit = await drainQueue(queueUrl);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ transactionId: `${key}#2`, status: "FAILED", attributes: { position: 2, line: 3 } });
    expect(audit[0]!.reason).toMatch(/^record is not valid JSON/);
    expect(audit[0]!.reason).not.toContain("TXN-BROKEN");
  });

  it("reports a record too large to even keep under <key>#<position>", async () => {
    const stream = await createStream(1);
    const queueUrl = await createQueue();
    const huge = JSON.stringify(record(2, { payload: { blob: "y".repeat(2_200_000) } }));
    const key = await putFile(`${JSON.stringify(record(1))}\n${huge}\n${JSON.stringify(record(3))}\n`);
    const { deps: d } = deps({ stream, queueUrl });

    const summary = await produceEvents(d, { bucket, key });

    expect(summary).toMatchObject({ records: 3, published: 2, rejected: 1 });
    const audit = await drainQueue(queueUrl);
    expect(audit.map((e) => [e.transactionId, e.reason])).toEqual([[`${key}#2`, `record is at least ${huge.length} bytes; Kinesis accepts at most 1048576 bytes per record`]]);
  });

  const unreadable: Array<[string, string | null, RegExp, number]> = [
    ["invalid JSON from the first character", "<html>not json</html>", /neither a JSON array nor NDJSON/, 0],
    ["an empty file", "", /the file is empty/, 0],
    ["a structure error part-way (records before it still published)", `[${JSON.stringify(record(1))},${JSON.stringify(record(2))} ${JSON.stringify(record(3))}]`, /expected ',' or '\]' after record 2/, 2],
    ["an S3 error (no such object)", null, /NoSuchKey/, 0],
  ];
  for (const [name, body, reason, readBefore] of unreadable) {
    it(`audits ${name} once, under the object key, with the count read before`, async () => {
      const stream = await createStream(1);
      const queueUrl = await createQueue();
      const key = body === null ? `${uniqueName("missing")}.json` : await putFile(body);
      const { deps: d } = deps({ stream, queueUrl });

      const summary = await produceEvents(d, { bucket, key });

      expect(summary).toMatchObject({ records: readBefore, published: readBefore, unreadable: expect.stringMatching(reason) });
      expect(await allRecords(stream)).toHaveLength(readBefore);
      const audit = await drainQueue(queueUrl);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ transactionId: key, status: "FAILED", attributes: { recordsRead: readBefore } });
      expect(audit[0]!.reason).toMatch(reason);
      expect(audit[0]!.reason).toContain(`${readBefore} record(s) were read before the error`);
    });
  }
});

describe("produceEvents: audit", () => {
  it("fails the invocation when the audit queue does not take the events (so S3/Lambda retry)", async () => {
    const stream = await createStream(1);
    const key = await putFile(JSON.stringify([record(1), { customerId: "no id" }]));
    const missingQueue = (await createQueue()).replace(/audit-[0-9a-f]+$/, "no-such-queue");
    const { deps: d } = deps({ stream, queueUrl: missingQueue });

    await expect(produceEvents(d, { bucket, key })).rejects.toBeInstanceOf(AuditUndeliveredError);
  });

  it("audits every published record PUBLISHED when the pipeline has no case creator", async () => {
    const stream = await createStream(2);
    const queueUrl = await createQueue();
    const key = await putFile(Array.from({ length: 25 }, (_, i) => JSON.stringify(record(i))).join("\n"));
    const { deps: d } = deps({ stream, queueUrl, config: { auditPublished: true, pipelineName: "tt" } });

    const summary = await produceEvents(d, { bucket, key });

    const audit = await drainQueue(queueUrl);
    expect(summary.auditEventsSent).toBe(25);
    expect(audit).toHaveLength(25);
    expect(new Set(audit.map((e) => e.transactionId)).size).toBe(25);
    for (const e of audit) {
      expect(e).toMatchObject({ status: "PUBLISHED", component: "tt-event-producer", attributes: { shardId: expect.stringMatching(/^shardId-/) } });
    }
  });
});

describe("handler shell", () => {
  it("decodes the S3 notification key, runs the core per object and flushes metrics once", async () => {
    const stream = await createStream(1);
    const queueUrl = await createQueue();
    const key = await putFile(Array.from({ length: 3 }, (_, i) => JSON.stringify(record(i))).join("\n"), `incoming/${uniqueName("day one")}.ndjson`);
    const { endpoint, region, credentials } = testClientConfig();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: endpoint, AWS_REGION: region, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      ENVIRONMENT: "sit", METRIC_NAMESPACE: "bbkyc/cta-event-producer/sit", STREAM_NAME: stream, PARTITION_KEY_PREFIX: PREFIX,
      AUDIT_QUEUE_URL: queueUrl, PIPELINE_NAME: "cta", AUDIT_PUBLISHED: "false", LOG_LEVEL: "ERROR",
    });
    const emf: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (emf.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      const { handler } = await import("../handlers/event-producer/handler.js");
      const encoded = encodeURIComponent(key).replace(/%20/g, "+").replace(/%2F/g, "/");
      const event = { Records: [{ s3: { bucket: { name: bucket }, object: { key: encoded } } }] };
      const [summary] = await handler(event as never, { awsRequestId: "req-1" });
      expect(summary).toMatchObject({ key, records: 3, published: 3 });
    } finally {
      process.stdout.write = write;
    }
    expect(await allRecords(stream)).toHaveLength(3);
    const documents = emf.map((l) => JSON.parse(l)).filter((d) => d._aws);
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({ Environment: "sit", S3RecordsProcessed: 3, TotalEvents: 3, EventPublishSuccess: 3, EventPublishFailure: 0 });
  });
});
