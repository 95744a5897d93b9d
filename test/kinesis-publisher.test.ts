/**
 * The producer's PutRecords path as deployed (4 calls in flight) against an in-process Kinesis
 * stand-in that is safe under concurrency, since moto's Kinesis loses records when calls overlap and
 * the local run therefore sends one call at a time. Also: one entry Kinesis refuses never costs its
 * neighbours (a call rejected as a whole is bisected down to that entry), whatever Kinesis answers.
 * S3 and the audit queue are the moto server's.
 */
import type { PutRecordsCommand, PutRecordsCommandOutput } from "@aws-sdk/client-kinesis";
import { describe, expect, it } from "vitest";
import type { PutRecordsClient } from "../handlers/event-producer/kinesis-publisher.js";
import { produceEvents } from "../handlers/event-producer/produce-events.js";
import { isWellFormedText } from "../handlers/lib/json-text.js";
import {
  PREFIX,
  bucket,
  createQueue,
  deps,
  drainQueue,
  putFile,
  record,
  useInputBucket,
} from "./support/producer-bench.js";

useInputBucket();

type Answer = "accept" | "reject-call" | "reject-entry";

/** Takes PutRecords calls concurrently (each answers after a random short delay), stores every entry. */
class StandInKinesis implements PutRecordsClient {
  readonly stored = new Map<string, number>();
  calls = 0;
  inFlight = 0;
  peakInFlight = 0;
  constructor(
    private readonly isBad: (partitionKey: string) => boolean = () => false,
    private readonly answer: Answer = "accept",
  ) {}

  async send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
    this.calls++;
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 8));
      const entries = command.input.Records ?? [];
      if (this.answer === "reject-call" && entries.some((e) => this.isBad(e.PartitionKey!))) {
        throw Object.assign(
          new Error(
            "1 validation error detected: Value at 'records.1.member.partitionKey' failed to satisfy constraint",
          ),
          { name: "ValidationException" },
        );
      }
      const results = entries.map((e, i) => {
        if (this.answer === "reject-entry" && this.isBad(e.PartitionKey!))
          return { ErrorCode: "InvalidArgumentException", ErrorMessage: "partition key is malformed" };
        this.stored.set(e.PartitionKey!, (this.stored.get(e.PartitionKey!) ?? 0) + 1);
        return { ShardId: `shardId-00000000000${i % 4}`, SequenceNumber: String(this.calls * 1000 + i) };
      });
      return {
        $metadata: {},
        FailedRecordCount: results.filter((r) => "ErrorCode" in r).length,
        Records: results,
      };
    } finally {
      this.inFlight--;
    }
  }
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => record(i).transactionId);

describe("PutRecords as deployed: 4 calls in flight", () => {
  it("keeps 4 calls in flight against a stand-in that is safe under concurrency, and stores every record exactly once", async () => {
    const kinesis = new StandInKinesis();
    const key = await putFile(Array.from({ length: 5_000 }, (_, i) => JSON.stringify(record(i))).join("\n"));
    const { deps: d } = deps({ stream: "stand-in", queueUrl: await createQueue(), kinesis }); // maxInFlight unset: the deployed default

    const summary = await produceEvents(d, { bucket, key });

    expect(kinesis.peakInFlight).toBe(4);
    expect(kinesis.calls).toBe(10);
    expect(summary).toMatchObject({ records: 5_000, published: 5_000, failed: 0 });
    expect([...kinesis.stored.keys()].sort()).toEqual(
      ids(5_000)
        .map((id) => `${PREFIX}${id}`)
        .sort(),
    );
    expect([...kinesis.stored.values()].every((n) => n === 1)).toBe(true);
  });
});

describe("one entry Kinesis refuses never fails its neighbours (defect 2)", () => {
  it("bisects a call rejected as a whole down to the one entry, which alone is audited FAILED", async () => {
    const bad = `${PREFIX}TXN-000517`;
    const kinesis = new StandInKinesis((pk) => pk === bad, "reject-call");
    const queueUrl = await createQueue();
    const key = await putFile(Array.from({ length: 1_000 }, (_, i) => JSON.stringify(record(i))).join("\n"));
    const { deps: d } = deps({ stream: "stand-in", queueUrl, kinesis });

    const summary = await produceEvents(d, { bucket, key });

    expect(summary).toMatchObject({ records: 1_000, published: 999, failed: 1 });
    expect(kinesis.stored.size).toBe(999);
    expect(kinesis.stored.has(bad)).toBe(false);
    expect([...kinesis.stored.values()].every((n) => n === 1)).toBe(true);
    // 500 → 250 → … → 1: one failing call per level, each answered once.
    expect(kinesis.calls).toBeLessThanOrEqual(2 + 2 * Math.ceil(Math.log2(500)));
    const audit = await drainQueue(queueUrl);
    expect(audit.map((e) => [e.transactionId, e.status])).toEqual([["TXN-000517", "FAILED"]]);
    expect(audit[0]!.reason).toMatch(
      /^Kinesis did not accept the record after 1 attempt\(s\): ValidationException: 1 validation error detected/,
    );
  });

  for (const answer of ["accept", "reject-call", "reject-entry"] as const) {
    it(`a lone surrogate in an id never reaches Kinesis, so it cannot matter that Kinesis would ${answer.replace("-", " the ")}`, async () => {
      const kinesis = new StandInKinesis((pk) => !isWellFormedText(pk), answer);
      const queueUrl = await createQueue();
      const lines = [
        JSON.stringify(record(1)),
        '{"transactionId":"TXN-\\ud800","customerId":"C2","eventType":"KYC_REVIEW"}',
        JSON.stringify(record(3)),
      ];
      const key = await putFile(lines.join("\n"));
      const { deps: d } = deps({ stream: "stand-in", queueUrl, kinesis });

      const summary = await produceEvents(d, { bucket, key });

      expect(summary).toMatchObject({ records: 3, published: 2, rejected: 1, failed: 0 });
      expect([...kinesis.stored.keys()].sort()).toEqual([`${PREFIX}TXN-000001`, `${PREFIX}TXN-000003`]);
      const audit = await drainQueue(queueUrl);
      // Audited under its position key: an id that is not well-formed cannot be a DynamoDB key.
      expect(audit).toEqual([
        expect.objectContaining({
          transactionId: `#record:s3://${bucket}/${key}#2`,
          status: "FAILED",
          reason: expect.stringMatching(/lone surrogate/),
        }),
      ]);
    });
  }

  it("fails only the entry Kinesis rejects one by one, after its retries", async () => {
    const bad = `${PREFIX}TXN-000002`;
    const kinesis = new StandInKinesis((pk) => pk === bad, "reject-entry");
    const key = await putFile(Array.from({ length: 5 }, (_, i) => JSON.stringify(record(i))).join("\n"));
    const { deps: d } = deps({
      stream: "stand-in",
      queueUrl: await createQueue(),
      kinesis,
      config: { maxAttempts: 3 },
    });

    expect(await produceEvents(d, { bucket, key })).toMatchObject({ published: 4, failed: 1 });
    expect(kinesis.stored.size).toBe(4);
  });
});
