/**
 * The event producer's core with bad input (SPEC §7: every record ends audited, under its id or
 * its reserved position key `#record:s3://<bucket>/<key>#<position>`), its audit trail (FAILED / PUBLISHED events, a queue that refuses them), and
 * the Lambda handler shell, against the moto server. Publishing itself is in event-producer.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  AuditUndeliveredError,
  produceEvents,
  producerMetricCounts,
} from "../handlers/event-producer/produce-events.js";
import { testClientConfig, uniqueName } from "./support/emulator.js";
import {
  PREFIX,
  allRecords,
  bucket,
  createQueue,
  createStream,
  createAuditTable,
  deps,
  drainQueue,
  putFile,
  record,
  useInputBucket,
} from "./support/producer-bench.js";

useInputBucket();

describe("produceEvents: bad input (SPEC §7)", () => {
  it("publishes the good records and audits each bad one FAILED with its reason, under its id or its position key", async () => {
    const stream = await createStream(1);
    const queueUrl = await createQueue();
    const secret = "PAYLOAD-MARKER-Jane-Doe";
    const input: unknown[] = [
      record(1, {
        producedAt: "2026-11-26T08:00:00+01:00",
        riskRating: "HIGH",
        payload: { name: secret, country: "GB" },
      }), // 1 ok
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
    const { deps: d, lines } = deps({ stream, queueUrl });
    const at = (n: number) => `#record:s3://${bucket}/${key}#${n}`;

    const summary = await produceEvents(d, { bucket, key });

    expect(summary).toMatchObject({ records: 13, published: 2, rejected: 10, duplicates: 1, failed: 0 });
    const published = await allRecords(stream);
    expect(published.map((r) => r.data.transactionId).sort()).toEqual(["TXN-000001", "TXN-000012"]);
    const first = published.find((r) => r.data.transactionId === "TXN-000001")!.data;
    expect(first).toEqual({
      transactionId: "TXN-000001",
      customerId: "C1",
      eventType: "KYC_REVIEW",
      producedAt: "2026-11-26T07:00:00.000Z",
      riskRating: "HIGH",
      payload: { name: secret, country: "GB" },
      sourceObject: `s3://${bucket}/${key}`,
    });

    const audit = new Map((await drainQueue(queueUrl)).map((e) => [e.transactionId, e]));
    const expected: Record<string, RegExp> = {
      [at(2)]: /^transactionId is missing$/,
      [at(3)]: /^transactionId is blank$/,
      [at(4)]: /^transactionId must be a non-empty string, got a number$/,
      "TXN-000005": /^customerId must be a non-empty string, got a number$/,
      "TXN-000006": /^riskRating "EXTREME" is not one of LOW, MEDIUM, HIGH$/,
      "TXN-000007": /^producedAt "yesterday" is not an ISO-8601 timestamp/,
      "TXN-000008": /^payload must be a JSON object, got an array$/,
      [at(9)]: /^duplicate transactionId TXN-000001 in this file \(first at position 1\); processed once$/,
      "TXN-000010":
        /^record is 11\d{5} bytes with its partition key; Kinesis accepts at most 1048576 bytes per record$/,
      [at(11)]: /^record must be a JSON object, got a string$/,
      [at(13)]: /^transactionId is 129 characters; at most 128 are allowed$/,
    };
    expect([...audit.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [id, reason] of Object.entries(expected)) {
      expect(audit.get(id)).toMatchObject({
        status: "FAILED",
        component: "cta-event-producer",
        attributes: { sourceObject: `s3://${bucket}/${key}` },
      });
      expect(audit.get(id)!.reason).toMatch(reason);
    }
    expect(producerMetricCounts(summary)).toEqual({
      S3RecordsProcessed: 13,
      TotalEvents: 13,
      EventPublishSuccess: 2,
      EventPublishFailure: 11,
    });
    // Structured logs, correlated, and never the payload.
    const logs = lines.map((l) => JSON.parse(l));
    expect(
      logs
        .filter((l) => l.message === "record rejected")
        .map((l) => l.correlationId)
        .sort(),
    ).toEqual(Object.keys(expected).sort());
    expect(lines.join("\n")).not.toContain(secret);
    expect(lines.join("\n")).not.toContain("xxxxxxxx");
  });

  it("reads NDJSON with a BOM and blank lines; a broken line is audited under its position key", async () => {
    const stream = await createStream(1);
    const queueUrl = await createQueue();
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(
        `${JSON.stringify(record(1))}\r\n\r\n{"transactionId": "TXN-BROKEN",\n${JSON.stringify(record(3))}\n`,
      ),
    ]);
    const key = await putFile(body, `${uniqueName("in")}.ndjson`);
    const { deps: d } = deps({ stream, queueUrl });

    const summary = await produceEvents(d, { bucket, key });

    expect(summary).toMatchObject({ format: "ndjson", records: 3, published: 2, rejected: 1 });
    const audit = await drainQueue(queueUrl);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      transactionId: `#record:s3://${bucket}/${key}#2`,
      status: "FAILED",
      attributes: { position: 2, line: 3 },
    });
    expect(audit[0]!.reason).toMatch(/^record is not valid JSON/);
    expect(audit[0]!.reason).not.toContain("TXN-BROKEN");
  });

  it("reports a record too large to even keep under its position key", async () => {
    const stream = await createStream(1);
    const queueUrl = await createQueue();
    const huge = JSON.stringify(record(2, { payload: { blob: "y".repeat(2_200_000) } }));
    const key = await putFile(`${JSON.stringify(record(1))}\n${huge}\n${JSON.stringify(record(3))}\n`);
    const { deps: d } = deps({ stream, queueUrl });

    const summary = await produceEvents(d, { bucket, key });

    expect(summary).toMatchObject({ records: 3, published: 2, rejected: 1 });
    const audit = await drainQueue(queueUrl);
    expect(audit.map((e) => [e.transactionId, e.reason])).toEqual([
      [
        `#record:s3://${bucket}/${key}#2`,
        `record is at least ${huge.length} bytes; Kinesis accepts at most 1048576 bytes per record`,
      ],
    ]);
  });

  const unreadable: Array<[string, string | null, RegExp, number]> = [
    ["invalid JSON from the first character", "<html>not json</html>", /neither a JSON array nor NDJSON/, 0],
    ["an empty file", "", /the file is empty/, 0],
    [
      "a structure error part-way (records before it still published)",
      `[${JSON.stringify(record(1))},${JSON.stringify(record(2))} ${JSON.stringify(record(3))}]`,
      /expected ',' or '\]' after record 2/,
      2,
    ],
    ["an S3 error (no such object)", null, /NoSuchKey/, 0],
  ];
  for (const [name, body, reason, readBefore] of unreadable) {
    it(`audits ${name} once, under the file key, with the count read before`, async () => {
      const stream = await createStream(1);
      const queueUrl = await createQueue();
      const key = body === null ? `${uniqueName("missing")}.json` : await putFile(body);
      const { deps: d } = deps({ stream, queueUrl });

      const summary = await produceEvents(d, { bucket, key });

      expect(summary).toMatchObject({
        records: readBefore,
        published: readBefore,
        unreadable: expect.stringMatching(reason),
      });
      expect(await allRecords(stream)).toHaveLength(readBefore);
      const audit = await drainQueue(queueUrl);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        transactionId: `#file:s3://${bucket}/${key}`,
        status: "FAILED",
        attributes: { recordsRead: readBefore },
      });
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
      expect(e).toMatchObject({
        status: "PUBLISHED",
        component: "tt-event-producer",
        attributes: { shardId: expect.stringMatching(/^shardId-/) },
      });
    }
  });
});

describe("handler shell", () => {
  it("decodes the S3 notification key, runs the core per object and flushes metrics once", async () => {
    const stream = await createStream(1);
    const queueUrl = await createQueue();
    const table = await createAuditTable();
    const key = await putFile(
      Array.from({ length: 3 }, (_, i) => JSON.stringify(record(i))).join("\n"),
      `incoming/${uniqueName("day one")}.ndjson`,
    );
    const { endpoint, region, credentials } = testClientConfig();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      ENVIRONMENT: "sit",
      METRIC_NAMESPACE: "bbkyc/cta-event-producer/sit",
      STREAM_NAME: stream,
      PARTITION_KEY_PREFIX: PREFIX,
      AUDIT_QUEUE_URL: queueUrl,
      AUDIT_TABLE_NAME: table,
      AUDIT_RETENTION_DAYS: "30",
      PIPELINE_NAME: "cta",
      AUDIT_PUBLISHED: "false",
      LOG_LEVEL: "ERROR",
    });
    const emf: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (
      emf.push(String(chunk)), true
    )) as typeof process.stdout.write;
    try {
      const { handler } = await import("../handlers/event-producer/handler.js");
      const encoded = encodeURIComponent(key).replace(/%20/g, "+").replace(/%2F/g, "/");
      const event = {
        Records: [{ s3: { bucket: { name: bucket }, object: { key: encoded, eTag: "0123456789abcdef" } } }],
      };
      const [outcome] = await handler(event as never, {
        awsRequestId: "req-1",
        getRemainingTimeInMillis: () => 60_000,
      });
      expect(outcome).toMatchObject({ kind: "produced", summary: { key, records: 3, published: 3 } });
      // The same event again (S3 delivers at least once): skipped, nothing published or counted.
      const [again] = await handler(event as never, { awsRequestId: "req-2" });
      expect(again).toMatchObject({
        kind: "skipped",
        reason: expect.stringMatching(/^completed by req-1 at /),
      });
    } finally {
      process.stdout.write = write;
    }
    expect(await allRecords(stream)).toHaveLength(3);
    const documents = emf.map((l) => JSON.parse(l)).filter((d) => d._aws);
    // One document per invocation; the skipped one has nothing to say.
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({
      Environment: "sit",
      S3RecordsProcessed: 3,
      TotalEvents: 3,
      EventPublishSuccess: 3,
      EventPublishFailure: 0,
    });
  });
});
