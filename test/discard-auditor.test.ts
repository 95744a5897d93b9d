/**
 * The discard auditor against the moto server (issue #18, defect 3): Lambda's on-failure record of a
 * Kinesis batch names a shard and a sequence range; the auditor reads those records back and audits
 * each FAILED with the cause, without overriding records that did settle. End to end: records on a
 * real stream, the real audit queue and the real audit processor writing the real table.
 */
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { processAuditBatch } from "../handlers/audit-processor/process-audit-batch.js";
import {
  auditDiscardedBatches,
  type DiscardAuditorDeps,
} from "../handlers/discard-auditor/audit-discarded.js";
import { parseInvocationRecord } from "../handlers/discard-auditor/invocation-record.js";
import { AuditSender } from "../handlers/lib/audit-sender.js";
import { Logger } from "../handlers/lib/logger.js";
import { auditEvent, eventRecord, sqsEvent } from "./support/audit-fixtures.js";
import { createTable, harness, scanTable } from "./support/audit-processor-bench.js";
import { testClientConfig, uniqueName } from "./support/emulator.js";

const kinesis = new KinesisClient({ ...testClientConfig(), requestHandler: new NodeHttpHandler() });
const sqs = new SQSClient(testClientConfig());

async function streamWith(
  records: Array<object | string>,
): Promise<{ name: string; arn: string; shardId: string; sequenceNumbers: string[] }> {
  const name = uniqueName("discard-stream");
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  const arn = (await kinesis.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription!
    .StreamARN!;
  const shardId = (await kinesis.send(new ListShardsCommand({ StreamName: name }))).Shards![0]!.ShardId!;
  const put = await kinesis.send(
    new PutRecordsCommand({
      StreamName: name,
      Records: records.map((r, i) => ({
        PartitionKey: `bbkyc-cta-${i}`,
        Data: Buffer.from(typeof r === "string" ? r : JSON.stringify(r)),
      })),
    }),
  );
  return { name, arn, shardId, sequenceNumbers: put.Records!.map((r) => r.SequenceNumber!) };
}

/** What Lambda puts on the on-failure queue for a Kinesis batch it gave up on. */
function invocationRecord(
  stream: { arn: string; shardId: string },
  start: string,
  end: string,
  batchSize: number,
  condition = "RetryAttemptsExhausted",
) {
  return {
    requestContext: {
      requestId: "c9b8fa9f-5a7f-4e5b-9a3a-0b9d1f3e2a11",
      functionArn: "arn:aws:lambda:eu-west-1:123456789012:function:bbkyc-cta-case-creator-sit",
      condition,
      approximateInvokeCount: 6,
    },
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    version: "1.0",
    timestamp: "2026-11-26T09:10:00.000Z",
    KinesisBatchInfo: {
      shardId: stream.shardId,
      startSequenceNumber: start,
      endSequenceNumber: end,
      approximateArrivalOfFirstRecord: "2026-11-26T09:00:00Z",
      approximateArrivalOfLastRecord: "2026-11-26T09:00:01Z",
      batchSize,
      streamArn: stream.arn,
    },
  };
}

async function setup() {
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("discard-audit") })))
    .QueueUrl!;
  const logs: Array<Record<string, any>> = [];
  const logger = new Logger({
    service: "cta-discard-auditor",
    level: "DEBUG",
    write: (l) => logs.push(JSON.parse(l)),
  });
  const deps: DiscardAuditorDeps = {
    kinesis,
    audit: new AuditSender({ sqs, queueUrl, logger, sleep: async () => undefined }),
    logger,
    now: () => new Date("2026-11-26T09:10:05Z"),
    config: { component: "cta-discard-auditor", caseCreatorFunction: "bbkyc-cta-case-creator-sit" },
  };
  return { deps, queueUrl, logs };
}

async function receiveAll(queueUrl: string): Promise<SQSRecord[]> {
  const all: SQSRecord[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    if (Messages.length === 0) return all;
    all.push(
      ...Messages.map(
        (m) => ({ messageId: m.MessageId!, receiptHandle: m.ReceiptHandle!, body: m.Body! }) as SQSRecord,
      ),
    );
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}

const kyc = (i: number) => ({
  transactionId: `TXN-D${i}`,
  customerId: `C${i}`,
  eventType: "KYC_REVIEW",
  producedAt: "2026-11-26T09:00:00Z",
});

describe("discard auditor", () => {
  it("audits every record of a discarded range FAILED with the cause, and a record its last attempt processed keeps PROCESSED", async () => {
    // Arrange: five records on the stream, an undecodable one among them; TXN-D3 was processed before Lambda gave up.
    const stream = await streamWith([kyc(0), kyc(1), "not json", kyc(3), kyc(4)]);
    const { deps, queueUrl } = await setup();
    const tableName = await createTable();
    const processor = harness(tableName);
    await processAuditBatch(
      processor.deps,
      sqsEvent(eventRecord(auditEvent("TXN-D3", "PROCESSED", "2026-11-26T09:05:00Z"))),
    );
    const range = invocationRecord(stream, stream.sequenceNumbers[1]!, stream.sequenceNumbers[4]!, 4);

    // Act
    const response = await auditDiscardedBatches(deps, {
      Records: [{ messageId: "m-1", body: JSON.stringify(range) } as SQSRecord],
    });
    const events = await receiveAll(queueUrl);
    await processAuditBatch(processor.deps, { Records: events });

    // Assert: only the range (not TXN-D0), each record once, the undecodable one under its reserved key.
    expect(response.batchItemFailures).toEqual([]);
    expect(response.summary).toMatchObject({ ranges: 1, recordsRead: 4, audited: 4 });
    const sent = events.map((e) => JSON.parse(e.body));
    expect(sent.map((e) => e.transactionId)).toEqual([
      "TXN-D1",
      `#kinesis:${stream.name}#${stream.sequenceNumbers[2]}`,
      "TXN-D3",
      "TXN-D4",
    ]);
    expect(
      sent.every(
        (e) => e.status === "FAILED" && e.onlyIfUnsettled === true && e.component === "cta-discard-auditor",
      ),
    ).toBe(true);
    expect(sent[0].reason).toMatch(
      /^Lambda discarded the batch holding this record: the event source's retries were exhausted; last error: Unhandled\. .*bbkyc-cta-case-creator-sit/,
    );
    const items = new Map((await scanTable(tableName)).map((i) => [i.transactionId, i]));
    expect(items.get("TXN-D1")).toMatchObject({ status: "FAILED", provisional: true });
    expect(items.get("TXN-D3")).toMatchObject({ status: "PROCESSED" });
    expect(items.get("TXN-D3")!.history).toHaveLength(1);
    expect(items.has("TXN-D0")).toBe(false);
    // Each record's failure counted once, as a case creation failure of its pipeline.
    expect(processor.sink.total("SFCaseCreationFailure")).toBe(3);
  });

  it("says so under a reserved key when the range is no longer on the stream", async () => {
    const { deps, queueUrl } = await setup();
    const gone = {
      arn: "arn:aws:kinesis:eu-west-1:123456789012:stream/deleted-stream",
      shardId: "shardId-000000000000",
    };
    const response = await auditDiscardedBatches(deps, {
      Records: [
        {
          messageId: "m-2",
          body: JSON.stringify(invocationRecord(gone, "4959", "4960", 2, "RecordAgeExceeded")),
        } as SQSRecord,
      ],
    });
    expect(response.batchItemFailures).toEqual([]);
    const [event] = (await receiveAll(queueUrl)).map((e) => JSON.parse(e.body));
    expect(event.transactionId).toBe("#kinesis:deleted-stream#shardId-000000000000/4959..4960");
    expect(event.reason).toMatch(/older than the event source's maximum record age.*no longer on the stream/);
  });

  it("leaves a message that is not an invocation record, or whose events the queue refuses, for SQS to redeliver (then the DLQ)", async () => {
    const stream = await streamWith([kyc(7)]);
    const { deps, logs } = await setup();
    deps.audit = {
      send: async (events) => ({
        sent: 0,
        calls: 1,
        failed: events.map((event) => ({ event, reason: "audit queue unavailable" })),
      }),
    };
    const good = invocationRecord(stream, stream.sequenceNumbers[0]!, stream.sequenceNumbers[0]!, 1);
    const response = await auditDiscardedBatches(deps, {
      Records: [
        { messageId: "not-a-record", body: "{}" } as SQSRecord,
        { messageId: "refused", body: JSON.stringify(good) } as SQSRecord,
      ],
    });
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["not-a-record", "refused"]);
    expect(logs.find((l) => l.messageId === "not-a-record")).toMatchObject({
      level: "ERROR",
      reason: expect.stringContaining("KinesisBatchInfo"),
    });
  });

  it("parses Lambda's invocation record and refuses anything else with a reason", () => {
    const record = invocationRecord(
      {
        arn: "arn:aws:kinesis:eu-west-1:123456789012:stream/bbkyc-cta-event-stream-sit",
        shardId: "shardId-000000000001",
      },
      "1",
      "9",
      3,
    );
    expect(parseInvocationRecord(JSON.stringify(record))).toEqual({
      ok: true,
      range: {
        streamArn: record.KinesisBatchInfo.streamArn,
        streamName: "bbkyc-cta-event-stream-sit",
        shardId: "shardId-000000000001",
        startSequenceNumber: "1",
        endSequenceNumber: "9",
        batchSize: 3,
        condition: "RetryAttemptsExhausted",
        functionError: "Unhandled",
        approximateInvokeCount: 6,
      },
    });
    expect(parseInvocationRecord("nope")).toEqual({ ok: false, reason: "the message is not JSON" });
    expect(
      parseInvocationRecord(
        JSON.stringify({
          ...record,
          KinesisBatchInfo: { ...record.KinesisBatchInfo, startSequenceNumber: "x" },
        }),
      ),
    ).toMatchObject({ ok: false });
  });
});
