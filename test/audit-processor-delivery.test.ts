/**
 * Audit processor delivery against the moto server: throttled writes and failing metrics as batch
 * item failures, a real queue whose poison message ends in the DLQ after maxReceiveCount while good
 * events are recorded once, and the Lambda shell reading its environment. The batch contents,
 * idempotency and ordering are in audit-processor.test.ts.
 */
import { PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
} from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import {
  processAuditBatch,
  type AuditProcessorDeps,
} from "../handlers/audit-processor/process-audit-batch.js";
import { AuditSender } from "../handlers/lib/audit-sender.js";
import { Logger } from "../handlers/lib/logger.js";
import { auditEvent, eventRecord, sqsEvent, sqsRecord as record } from "./support/audit-fixtures.js";
import { testClientConfig, uniqueName } from "./support/emulator.js";
import {
  createTable,
  dynamodb,
  harness,
  itemOf,
  outcomeMetrics,
  scanTable,
  sqs,
} from "./support/audit-processor-bench.js";

describe("faults", () => {
  it("reports a throttled write as a batch item failure without blocking the rest, and a retry then records it", async () => {
    const tableName = await createTable();
    const throttling = {
      send: async (command: any) => {
        if (command instanceof PutItemCommand && command.input.Item?.transactionId?.S === "TXN-T") {
          throw Object.assign(new Error("Rate of requests exceeds the allowed throughput."), {
            name: "ProvisionedThroughputExceededException",
            $fault: "client",
            $metadata: { httpStatusCode: 400 },
          });
        }
        return dynamodb.send(command);
      },
    } as unknown as DynamoDBClient;
    const { deps, logs, sink } = harness(tableName, { dynamodb: throttling });
    const batch = sqsEvent(
      eventRecord(auditEvent("TXN-T", "PROCESSED", "2026-11-26T08:00:00Z"), "t-1"),
      eventRecord(auditEvent("TXN-U", "PROCESSED", "2026-11-26T08:00:00Z"), "u-1"),
    );

    const response = await processAuditBatch(deps, batch);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "t-1" }]);
    expect((await scanTable(tableName)).map((i) => i.transactionId)).toEqual(["TXN-U"]);
    const failure = logs.find((l) => l.message.startsWith("audit event not recorded"))!;
    expect(failure).toMatchObject({
      level: "ERROR",
      correlationId: "TXN-T",
      messageId: "t-1",
      retryable: true,
    });
    expect(failure.error.name).toBe("ProvisionedThroughputExceededException");
    expect(sink.total("AuditEventWritten")).toBe(1);

    // SQS delivers it again; DynamoDB is fine now.
    const retry = harness(tableName);
    expect((await processAuditBatch(retry.deps, batch)).batchItemFailures).toEqual([]);
    expect((await scanTable(tableName)).map((i) => [i.transactionId, i.history.length])).toEqual([
      ["TXN-T", 1],
      ["TXN-U", 1],
    ]);
  });

  it("does not fail recorded events when publishing metrics fails", async () => {
    const tableName = await createTable();
    const failingSink = {
      publish: async () => {
        throw new Error("CloudWatch unavailable");
      },
    };
    const { deps, logs } = harness(tableName);
    deps.outcomes = outcomeMetrics(failingSink, deps.logger);
    const response = await processAuditBatch(
      deps,
      sqsEvent(eventRecord(auditEvent("TXN-M", "PROCESSED", "2026-11-26T08:00:00Z"))),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(await itemOf(tableName, "TXN-M")).toMatchObject({ status: "PROCESSED" });
    expect(logs.some((l) => l.message === "metrics not published" && l.level === "WARN")).toBe(true);
  });
});

/** What Lambda's SQS poller does: receive, invoke, delete what succeeded; failures come back after the visibility timeout. */
async function pollOnce(queueUrl: string, deps: AuditProcessorDeps): Promise<Message[]> {
  const received = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 1,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ["ApproximateReceiveCount"],
    }),
  );
  const messages = received.Messages ?? [];
  if (messages.length === 0) return [];
  const event = sqsEvent(
    ...messages.map((m) => ({ ...record(m.Body!, m.MessageId!), receiptHandle: m.ReceiptHandle! })),
  );
  const response = await processAuditBatch(deps, event);
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  for (const m of messages)
    if (!failed.has(m.MessageId!))
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
  return messages;
}

async function queueDepth(queueUrl: string): Promise<number> {
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return (
    Number(attributes.Attributes!.ApproximateNumberOfMessages) +
    Number(attributes.Attributes!.ApproximateNumberOfMessagesNotVisible)
  );
}

describe("a real queue with a redrive policy", () => {
  it("moves a malformed message to the DLQ after maxReceiveCount receives, while good events are recorded once", async () => {
    const maxReceives = 3;
    const tableName = await createTable();
    const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("audit-dlq") }))).QueueUrl!;
    const dlqArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }))
    ).Attributes!.QueueArn!;
    const queueUrl = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: uniqueName("audit-queue"),
          Attributes: {
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: maxReceives }),
            VisibilityTimeout: "1",
          },
        }),
      )
    ).QueueUrl!;
    // Good events come through the real sender, as the producers send them.
    const sender = new AuditSender({
      sqs,
      queueUrl,
      logger: new Logger({ service: "test", write: () => undefined }),
    });
    const sent = await sender.send([
      auditEvent("TXN-Q1", "PROCESSED", "2026-11-26T08:00:00Z"),
      auditEvent("TXN-Q2", "FAILED", "2026-11-26T08:00:00Z", {
        reason: "duplicate transactionId TXN-Q2 in this file",
      }),
    ]);
    expect(sent).toMatchObject({ sent: 2, failed: [] });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: '{"transactionId": "TXN-BROKEN", "status": "DONE"}',
      }),
    );

    const { deps } = harness(tableName);
    const receivesOfBroken: number[] = [];
    for (let round = 0; round < 12 && (await queueDepth(queueUrl)) > 0; round++) {
      const messages = await pollOnce(queueUrl, deps);
      const broken = messages.find((m) => m.Body!.includes("TXN-BROKEN"));
      if (broken) receivesOfBroken.push(Number(broken.Attributes!.ApproximateReceiveCount));
      if (messages.length === 0) await new Promise((r) => setTimeout(r, 1100)); // wait out the visibility timeout
    }

    expect(receivesOfBroken).toEqual([1, 2, 3]);
    expect(await queueDepth(queueUrl)).toBe(0);
    const dlq = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }));
    expect(dlq.Messages?.map((m) => m.Body)).toEqual(['{"transactionId": "TXN-BROKEN", "status": "DONE"}']);
    const items = await scanTable(tableName);
    expect(items.map((i) => [i.transactionId, i.status, i.history.length])).toEqual([
      ["TXN-Q1", "PROCESSED", 1],
      ["TXN-Q2", "FAILED", 1],
    ]);
  });
});

describe("the Lambda shell", () => {
  it("reads its settings from the environment the component sets and returns a partial batch response", async () => {
    const tableName = await createTable();
    const { endpoint } = testClientConfig();
    Object.assign(process.env, {
      ENVIRONMENT: "sit",
      METRIC_NAMESPACE: "bbkyc/audit-processor/sit",
      AUDIT_TABLE_NAME: tableName,
      AUDIT_RETENTION_DAYS: "7",
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      LOG_LEVEL: "ERROR",
    });
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (
      lines.push(String(chunk)), true
    )) as typeof process.stdout.write;
    try {
      const { handler } = await import("../handlers/audit-processor/handler.js");
      const response = await handler(
        sqsEvent(
          eventRecord(auditEvent("TXN-SHELL", "PROCESSED", "2026-11-26T08:00:00Z"), "s-1"),
          record("nope", "s-2"),
        ),
        { awsRequestId: "req-1", getRemainingTimeInMillis: () => 30_000 } as never,
      );
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "s-2" }] });
    } finally {
      process.stdout.write = write;
    }
    const item = (await itemOf(tableName, "TXN-SHELL"))!;
    expect(item.status).toBe("PROCESSED");
    expect(item.expiresAt - Math.floor(Date.parse(item.history[0]!.recordedAt) / 1000)).toBe(7 * 86_400);
    const emf = lines.map((l) => JSON.parse(l)).find((doc) => doc._aws);
    expect(emf._aws.CloudWatchMetrics[0].Namespace).toBe("bbkyc/audit-processor/sit");
    expect(emf).toMatchObject({ AuditEventWritten: 1, Status: "PROCESSED", Environment: "sit" });
    const malformedLog = lines
      .map((l) => JSON.parse(l))
      .find((doc) => doc.message === "malformed audit message");
    expect(malformedLog).toMatchObject({
      level: "ERROR",
      messageId: "s-2",
      requestId: "req-1",
      environment: "sit",
    });
  });
});
