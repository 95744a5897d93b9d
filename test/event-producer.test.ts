/**
 * The event producer's core publishing to Kinesis on the moto server: volume and shard spread,
 * retries of rejected entries, PutRecords size limits and a missing stream. Bad input, the audit
 * trail and the handler shell are in event-producer-input.test.ts.
 */
import { describe, expect, it } from "vitest";
import { produceEvents, producerMetricCounts } from "../handlers/event-producer/produce-events.js";
import { uniqueName } from "./support/emulator.js";
import {
  PREFIX,
  WrappedKinesis,
  allRecords,
  bucket,
  createQueue,
  createStream,
  deps,
  drainQueue,
  putFile,
  readStream,
  record,
  useInputBucket,
} from "./support/producer-bench.js";

useInputBucket();

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
    expect(sample.data).toMatchObject({
      customerId: expect.stringMatching(/^C\d+$/),
      eventType: "KYC_REVIEW",
      producedAt: "2026-11-26T09:00:00.000Z",
      sourceObject: `s3://${bucket}/${key}`,
    });
    console.log(`10,000 records over 4 shards: ${counts.join(" / ")} (mean ${mean})`);
  });

  it("publishes a 50,000-record file completely in ceil(N/500) PutRecords calls", async () => {
    // 20 shards only to spare the emulator: moto finds a shard's last sequence number by copying
    // all of the shard's keys on every put (quadratic per shard); distribution is the test above.
    const stream = await createStream(20);
    const key = await putFile(
      `[${Array.from({ length: 50_000 }, (_, i) => JSON.stringify(record(i))).join(",")}]`,
    );
    const wrapped = new WrappedKinesis();
    const { deps: d } = deps({ stream, queueUrl: await createQueue(), kinesis: wrapped });

    const started = Date.now();
    const summary = await produceEvents(d, { bucket, key });
    const seconds = (Date.now() - started) / 1000;

    expect(wrapped.calls).toBe(Math.ceil(50_000 / 500));
    expect(wrapped.maxConcurrent).toBe(4);
    expect(summary).toMatchObject({
      format: "json-array",
      records: 50_000,
      published: 50_000,
      rejected: 0,
      failed: 0,
      duplicates: 0,
      putRecordsCalls: 100,
    });
    const readStarted = Date.now();
    const inStream = await allRecords(stream);
    const readSeconds = (Date.now() - readStarted) / 1000;
    expect(inStream).toHaveLength(50_000);
    expect(new Set(inStream.map((r) => r.data.transactionId)).size).toBe(50_000);
    expect(producerMetricCounts(summary)).toEqual({
      S3RecordsProcessed: 50_000,
      TotalEvents: 50_000,
      EventPublishSuccess: 50_000,
      EventPublishFailure: 0,
    });
    console.log(
      `50,000 records: ${wrapped.calls} PutRecords calls, published in ${seconds.toFixed(1)} s, read back in ${readSeconds.toFixed(1)} s (moto)`,
    );
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
    const { deps: d } = deps({ stream, queueUrl, kinesis: wrapped, config: { maxAttempts: 3 } });

    const summary = await produceEvents(d, { bucket, key });

    expect(summary).toMatchObject({ records: 40, published: 37, failed: 3 });
    const audit = await drainQueue(queueUrl);
    expect(audit.map((e) => e.transactionId).sort()).toEqual([...hopeless].sort());
    for (const e of audit) {
      expect(e).toMatchObject({
        status: "FAILED",
        component: "cta-event-producer",
        attributes: { errorCode: "ProvisionedThroughputExceededException" },
      });
      expect(e.reason).toMatch(
        /^Kinesis did not accept the record after 3 attempt\(s\): ProvisionedThroughputExceededException: Rate exceeded/,
      );
    }
    expect((await allRecords(stream)).some((r) => hopeless.has(r.data.transactionId as string))).toBe(false);
    expect(producerMetricCounts(summary)).toMatchObject({ EventPublishSuccess: 37, EventPublishFailure: 3 });
  });
});

describe("produceEvents: PutRecords limits and stream errors", () => {
  it("keeps every PutRecords call within 5 MiB, splitting before the 500-record limit when records are large", async () => {
    const stream = await createStream(2);
    const blob = "z".repeat(700_000);
    const key = await putFile(
      Array.from({ length: 20 }, (_, i) => JSON.stringify(record(i, { payload: { blob } }))).join("\n"),
    );
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
    for (const e of audit)
      expect(e.reason).toMatch(
        /^Kinesis did not accept the record after 1 attempt\(s\): ResourceNotFoundException: /,
      );
  });
});
