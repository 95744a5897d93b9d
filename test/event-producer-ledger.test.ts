/**
 * Exactly-once counting of the producer under at-least-once delivery (`produce-from-s3.ts` with the
 * ledger of `file-ledger.ts`), against the moto server's S3, Kinesis, SQS and DynamoDB: the same S3
 * event delivered twice (one after the other, and at the same time), a failed attempt and its retry,
 * an attempt killed by its timeout, and two versions of one key.
 */
import { PutBucketVersioningCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { S3Event } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { produceFromS3Event, type ObjectOutcome } from "../handlers/event-producer/produce-from-s3.js";
import type { AuditSender } from "../handlers/lib/audit-sender.js";
import { MemorySink, Metrics } from "../handlers/lib/metrics.js";
import { testClientConfig } from "./support/emulator.js";
import {
  allRecords,
  bucket,
  createAuditTable,
  createQueue,
  createStream,
  deps,
  fileLedger,
  putFile,
  record,
  useInputBucket,
} from "./support/producer-bench.js";

useInputBucket();
const s3 = new S3Client(testClientConfig());

function s3Event(key: string, object: { eTag?: string; versionId?: string } = { eTag: "etag-1" }): S3Event {
  return {
    Records: [{ s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key), ...object } } }],
  } as unknown as S3Event;
}

/** One test's platform: stream, audit queue, audit table; each delivery gets fresh metrics, flushed like the shell does. */
async function bench(options: { failAuditSends?: number } = {}) {
  const stream = await createStream(1);
  const table = await createAuditTable();
  const { deps: base } = deps({ stream, queueUrl: await createQueue() });
  const sink = new MemorySink();
  let failuresLeft = options.failAuditSends ?? 0;
  const audit: Pick<AuditSender, "send"> = {
    send: async (events) => {
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new Error("audit queue unavailable");
      }
      return base.audit.send(events);
    },
  };
  const ledger = fileLedger(table);
  const deliver = async (
    event: S3Event,
    requestId: string,
    remainingTimeMs = () => 60_000,
  ): Promise<ObjectOutcome[]> => {
    const metrics = new Metrics({
      component: "event-producer",
      namespace: "bbkyc/cta-event-producer/sit",
      environment: "sit",
      sink,
    });
    try {
      return await produceFromS3Event({ ...base, audit: audit as AuditSender, ledger, metrics }, event, {
        requestId,
        remainingTimeMs,
      });
    } finally {
      await metrics.flush();
    }
  };
  const counted = () =>
    Object.fromEntries(
      ["S3RecordsProcessed", "TotalEvents", "EventPublishSuccess", "EventPublishFailure"].map((n) => [
        n,
        sink.total(n),
      ]),
    );
  return { stream, ledger, deliver, counted };
}

const file = (n: number) =>
  `${Array.from({ length: n }, (_, i) => JSON.stringify(record(i))).join("\n")}\n{"customerId":"no id"}`;

describe("the same S3 event delivered twice is produced and counted once", () => {
  it("one after the other: the second delivery is skipped and counts nothing", async () => {
    const { stream, ledger, deliver, counted } = await bench();
    const key = await putFile(file(30));

    const [first] = await deliver(s3Event(key), "req-A");
    const [second] = await deliver(s3Event(key), "req-B");

    expect(first).toMatchObject({ kind: "produced", summary: { records: 31, published: 30, rejected: 1 } });
    expect(second).toMatchObject({
      kind: "skipped",
      reason: expect.stringMatching(/^completed by req-A at \d{4}-/),
    });
    expect(await allRecords(stream)).toHaveLength(30);
    expect(counted()).toEqual({
      S3RecordsProcessed: 31,
      TotalEvents: 31,
      EventPublishSuccess: 30,
      EventPublishFailure: 1,
    });
    const item = await ledger.read({ sourceObject: `s3://${bucket}/${key}`, version: "etag-1" });
    expect(item).toMatchObject({
      transactionId: `#ledger:s3://${bucket}/${key}@etag-1`,
      kind: "file-ledger",
      state: "COMPLETED",
      owner: "req-A",
      attempts: 1,
      records: 31,
      published: 30,
      rejected: 1,
      duplicates: 0,
      failed: 0,
      sourceObject: `s3://${bucket}/${key}`,
      version: "etag-1",
    });
    expect(item!.statusDay).toBeUndefined(); // never listed in the status index
    expect(item!.expiresAt).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400);
  });

  it("at the same time: one delivery produces the file, the other sees it owned and skips it", async () => {
    const { stream, deliver, counted } = await bench();
    const key = await putFile(file(200));

    const outcomes = (
      await Promise.all([deliver(s3Event(key), "req-A"), deliver(s3Event(key), "req-B")])
    ).flat();

    expect(outcomes.map((o) => o.kind).sort()).toEqual(["produced", "skipped"]);
    expect(outcomes.find((o) => o.kind === "skipped")).toMatchObject({
      reason: expect.stringMatching(/^being produced by req-[AB] \(lease until /),
    });
    expect(await allRecords(stream)).toHaveLength(200);
    expect(counted()).toEqual({
      S3RecordsProcessed: 201,
      TotalEvents: 201,
      EventPublishSuccess: 200,
      EventPublishFailure: 1,
    });
  });
});

describe("a failed attempt counts nothing; the attempt that completes the file counts it once", () => {
  it("Lambda's retry (same request id) after a failed attempt", async () => {
    const { ledger, deliver, counted } = await bench({ failAuditSends: 1 });
    const key = await putFile(file(20));

    await expect(deliver(s3Event(key), "req-A")).rejects.toThrow(
      /audit event\(s\) not delivered|audit queue unavailable/,
    );
    const failed = await ledger.read({ sourceObject: `s3://${bucket}/${key}`, version: "etag-1" });
    expect(failed).toMatchObject({
      state: "IN_PROGRESS",
      owner: "req-A",
      lastError: expect.stringMatching(/AuditUndeliveredError/),
    });
    expect(String(failed!.leaseUntil) <= new Date().toISOString()).toBe(true); // released at once
    expect(counted()).toEqual({
      S3RecordsProcessed: 0,
      TotalEvents: 0,
      EventPublishSuccess: 0,
      EventPublishFailure: 0,
    });

    const [retry] = await deliver(s3Event(key), "req-A");

    expect(retry).toMatchObject({ kind: "produced" });
    expect(counted()).toEqual({
      S3RecordsProcessed: 21,
      TotalEvents: 21,
      EventPublishSuccess: 20,
      EventPublishFailure: 1,
    });
    expect(await ledger.read({ sourceObject: `s3://${bucket}/${key}`, version: "etag-1" })).toMatchObject({
      state: "COMPLETED",
      attempts: 2,
    });
  });

  it("a duplicate delivery after a failed attempt takes the released file over; the late retry is then skipped", async () => {
    const { deliver, counted } = await bench({ failAuditSends: 1 });
    const key = await putFile(file(10));

    await expect(deliver(s3Event(key), "req-A")).rejects.toThrow();
    const [duplicate] = await deliver(s3Event(key), "req-B");
    const [retry] = await deliver(s3Event(key), "req-A");

    expect([duplicate!.kind, retry!.kind]).toEqual(["produced", "skipped"]);
    expect(counted()).toMatchObject({ TotalEvents: 11, EventPublishSuccess: 10 });
  });

  it("an attempt killed by its timeout holds a live lease: a duplicate is skipped, Lambda's retry takes the file back", async () => {
    const { ledger, deliver, counted } = await bench();
    const key = await putFile(file(10));
    const object = { sourceObject: `s3://${bucket}/${key}`, version: "etag-1" };
    // The killed attempt claimed the file and never got to complete or release it.
    expect(await ledger.claim(object, "req-A", 15 * 60_000)).toMatchObject({ kind: "claimed" });

    const [duplicate] = await deliver(s3Event(key), "req-B");
    const [retry] = await deliver(s3Event(key), "req-A");

    expect(duplicate).toMatchObject({
      kind: "skipped",
      reason: expect.stringMatching(/^being produced by req-A/),
    });
    expect(retry).toMatchObject({ kind: "produced" });
    expect(counted()).toMatchObject({ TotalEvents: 11 });
  });

  it("only the latest claim can complete: an older attempt of the same request id counts nothing", async () => {
    const { ledger } = await bench();
    const object = { sourceObject: `s3://${bucket}/some-key`, version: "etag-1" };
    const older = await ledger.claim(object, "req-A", 60_000);
    const newer = await ledger.claim(object, "req-A", 60_000);
    const counts = { records: 1, published: 1, rejected: 0, duplicates: 0, failed: 0 };

    expect(older.kind === "claimed" && (await ledger.complete(object, older.claim, counts))).toBe(false);
    expect(newer.kind === "claimed" && (await ledger.complete(object, newer.claim, counts))).toBe(true);
  });
});

describe("object versions", () => {
  it("two versions of one key are two files, and each delivery reads the version it names", async () => {
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
    const { stream, deliver } = await bench();
    const key = `versioned-${Date.now()}.ndjson`;
    const v1 = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(record(1)) }),
    );
    const v2 = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: [record(2), record(3)].map((r) => JSON.stringify(r)).join("\n"),
      }),
    );

    // The first notification arrives after the second upload: it still reads version 1.
    const [first] = await deliver(s3Event(key, { versionId: v1.VersionId, eTag: "e1" }), "req-1");
    const [second] = await deliver(s3Event(key, { versionId: v2.VersionId, eTag: "e2" }), "req-2");

    expect(first).toMatchObject({ kind: "produced", version: v1.VersionId, summary: { records: 1 } });
    expect(second).toMatchObject({ kind: "produced", version: v2.VersionId, summary: { records: 2 } });
    expect((await allRecords(stream)).map((r) => r.data.transactionId).sort()).toEqual([
      "TXN-000001",
      "TXN-000002",
      "TXN-000003",
    ]);
  });
});
