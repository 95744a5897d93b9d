/**
 * The local run (`npm start`): end to end as CI runs it, its event sources' Lambda semantics against
 * the test emulator, its input accounting, and that nothing it starts outlives it — after success,
 * after an error, and after Ctrl-C.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { KinesisStreamEvent, SQSEvent } from "aws-lambda";
import { execFileSync } from "node:child_process";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { AuditBacklogGate } from "../local/audit-backlog.js";
import { KinesisEventSource } from "../local/event-sources/kinesis-source.js";
import { newSourceStats } from "../local/event-sources/source-stats.js";
import { SqsEventSource } from "../local/event-sources/sqs-source.js";
import { parseFaults } from "../local/faults.js";
import { generateRecords } from "../local/generate-records.js";
import { expectedAuditIds } from "../local/input-file.js";
import { parseArgs } from "../local/run.js";
import type { RunSummary } from "../local/summary.js";
import { testClientConfig, uniqueName } from "./support/emulator.js";
import { runCli } from "./support/local-run-cli.js";

/** Every loopback port the run said it listened on (emulators and stand-ins). */
function announcedPorts(stderr: string): number[] {
  return [
    ...new Set(
      [...stderr.matchAll(/(?:listening on|SQS on|DynamoDB on) https?:\/\/127\.0\.0\.1:(\d+)/g)].map((m) =>
        Number(m[1]),
      ),
    ),
  ];
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Processes whose command line names one of the ports (a moto server left behind would). */
function processesUsing(ports: number[]): string[] {
  const lines = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" }).split("\n");
  return lines.filter((line) =>
    ports.some((port) => line.includes(`-p ${port}`) || line.includes(`:${port}`)),
  );
}

async function expectNothingLeft(stderr: string, minimumPorts: number): Promise<void> {
  const ports = announcedPorts(stderr);
  expect(ports.length).toBeGreaterThanOrEqual(minimumPorts);
  const listening = await Promise.all(ports.map(isListening));
  expect(ports.filter((_, i) => listening[i])).toEqual([]);
  expect(processesUsing(ports)).toEqual([]);
}

describe("local run, end to end", () => {
  it("accounts for 2,000 records with 10% Salesforce faults, 2% bad records and 5% duplicate deliveries, and the metrics agree", async () => {
    // Act: at-least-once delivery on (S3 events, Kinesis batches and SQS messages delivered twice at 5%).
    const run = await runCli([
      "--records",
      "2000",
      "--faults",
      "salesforce=0.1,duplicates=0.05",
      "--bad-records",
      "0.02",
      "--json",
    ]);

    // Assert
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary.records).toBe(2000);
    expect(summary.unaccounted).toBe(0);
    expect(summary.lost).toEqual([]);
    expect(summary.audited.PROCESSED + summary.audited.FAILED).toBe(2000);
    // The bad records were rejected and audited FAILED, not lost or published.
    expect(summary.rejected + summary.duplicates).toBeGreaterThan(10);
    expect(summary.audited.FAILED).toBeGreaterThanOrEqual(summary.rejected + summary.duplicates);
    expect(summary.published).toBe(2000 - summary.rejected - summary.duplicates);
    expect(summary.casesCreated).toBe(summary.audited.PROCESSED);
    // The drain, as the capacity model predicts it: from the file stored to the last record audited.
    const { fileStoredMs, allAuditedMs } = summary.timeline;
    expect(fileStoredMs).toBeGreaterThan(0);
    expect(allAuditedMs).toBeGreaterThan(fileStoredMs!);
    expect(allAuditedMs).toBeLessThanOrEqual(summary.durationMs);
    // Every check of CloudWatch figures against the audit table holds, and the key ones are really there.
    expect(summary.checks.filter((c) => !c.ok)).toEqual([]);
    expect(summary.metricsAgree).toBe(true);
    // Each record's outcome counted exactly once, although some were delivered twice.
    expect(summary.metrics.TotalEvents).toBe(2000);
    expect(summary.metrics.AuditEventWritten.PROCESSED).toBe(summary.audited.PROCESSED);
    expect(summary.metrics.SFCaseCreationSuccess).toBe(summary.audited.PROCESSED);
    expect(summary.redelivery.duplicatesDelivered).toBeGreaterThan(0);
    // Faults were injected and survived: more calls than 1,000-record Composite calls alone would need.
    expect(summary.faults).toEqual([
      "Salesforce answers 503 to 10% of calls",
      "5% of S3 notifications, Kinesis batches and SQS messages delivered twice",
    ]);
    expect(summary.salesforceCalls).toBeGreaterThan(Math.ceil(summary.published / 1000));
    expect(Object.values(summary.shards).reduce((a, b) => a + b, 0)).toBe(summary.published);
    expect(Object.keys(summary.shards).length).toBeGreaterThan(1);
    expect(summary.latencyMs.samples).toBe(summary.metrics.EndToEndLatency.samples);
    expect(summary.latencyMs.p95!).toBeGreaterThanOrEqual(summary.latencyMs.p50!);
    // Only the JSON summary is on stdout; nothing the run started is still running.
    expect(run.stdout.trim().startsWith("{")).toBe(true);
    await expectNothingLeft(run.stderr, 5);
  }, 300_000);

  it("stops every process and server it started when it fails part-way", async () => {
    // 501 shards is past the config's limit: the plan fails after the emulators and stand-ins are up.
    const run = await runCli(["--records", "10", "--shards", "501", "--json"]);

    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/local run failed: .*shardCount/s);
    await expectNothingLeft(run.stderr, 5);
  }, 60_000);

  it("stops every process and server it started on Ctrl-C", async () => {
    const run = await runCli(["--records", "3000", "--json"], { interruptWhen: /uploading 3000 records/ });

    expect(run.code).toBe(130);
    expect(run.stderr).toContain("SIGINT: stopping everything this run started");
    await expectNothingLeft(run.stderr, 5);
  }, 60_000);
});

describe("local event sources (Lambda semantics, against the test emulator)", () => {
  const kinesis = new KinesisClient({ ...testClientConfig(), requestHandler: new NodeHttpHandler() });
  const sqs = new SQSClient(testClientConfig());

  async function streamWith(records: number): Promise<{ name: string; arn: string }> {
    const name = uniqueName("local-run-stream");
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: name,
        Records: Array.from({ length: records }, (_, i) => ({
          PartitionKey: "one-key",
          Data: Buffer.from(JSON.stringify({ transactionId: `TXN-${i}` })),
        })),
      }),
    );
    return { name, arn: `arn:aws:kinesis:eu-west-1:123456789012:stream/${name}` };
  }

  async function until(condition: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error("condition not reached in time");
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("retries a Kinesis batch from the lowest failed record, then gives up into the on-failure queue", async () => {
    // Arrange: 6 records, one batch; record 2 fails once, record 4 fails every time.
    const stream = await streamWith(6);
    const onFailure = await sqs.send(
      new CreateQueueCommand({ QueueName: uniqueName("local-run-onfailure") }),
    );
    const batches: string[][] = [];
    const onFailureRecords = async () =>
      (
        await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: onFailure.QueueUrl!,
            WaitTimeSeconds: 0,
            VisibilityTimeout: 0,
          }),
        )
      ).Messages ?? [];
    let failedOnce = false;
    const invoke = async (event: KinesisStreamEvent) => {
      const ids = event.Records.map(
        (r) =>
          (JSON.parse(Buffer.from(r.kinesis.data, "base64").toString()) as { transactionId: string })
            .transactionId,
      );
      batches.push(ids);
      const failures = event.Records.filter(
        (_, i) => ids[i] === "TXN-4" || (ids[i] === "TXN-2" && !failedOnce),
      );
      if (ids.includes("TXN-2")) failedOnce = true;
      return { batchItemFailures: failures.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) };
    };
    const stats = newSourceStats();
    const source = new KinesisEventSource({
      settings: {
        functionName: "fn",
        streamName: stream.name,
        streamArn: stream.arn,
        batchSize: 10,
        parallelizationFactor: 1,
        maximumRetryAttempts: 2,
        maximumRecordAgeInSeconds: -1,
        bisectBatchOnFunctionError: true,
        reportBatchItemFailures: true,
        startingPosition: "TRIM_HORIZON",
        onFailure: {
          queueArn: "arn:aws:sqs:eu-west-1:123456789012:x",
          queueUrl: onFailure.QueueUrl!,
          queueName: "x",
        },
      },
      kinesis,
      sqs,
      region: "eu-west-1",
      newContainer: () => invoke,
      stats,
      retryDelayMs: 1,
      pollIntervalMs: 50,
    });

    // Act
    await source.start();
    await until(() => stats.discardedBatches > 0 && source.idle());
    await source.stop();

    // Assert: first the whole batch, then from TXN-2 (its lowest failure), then from TXN-4 until retries run out.
    expect(batches).toEqual([
      ["TXN-0", "TXN-1", "TXN-2", "TXN-3", "TXN-4", "TXN-5"],
      ["TXN-2", "TXN-3", "TXN-4", "TXN-5"],
      ["TXN-4", "TXN-5"],
    ]);
    // Lambda names the range from the checkpoint (TXN-4 and TXN-5, which the last attempt processed)
    // in its invocation record, and does nothing else: the deployed discard auditor sorts it out.
    const messages = await onFailureRecords();
    expect(messages).toHaveLength(1);
    const record = JSON.parse(messages[0]!.Body!) as {
      requestContext: { condition: string };
      KinesisBatchInfo: { batchSize: number; streamArn: string };
    };
    expect(record.requestContext.condition).toBe("RetryAttemptsExhausted");
    expect(record.KinesisBatchInfo).toMatchObject({ batchSize: 2, streamArn: stream.arn });
  }, 30_000);

  it("delivers a successful Kinesis batch a second time under the duplicates fault", async () => {
    const stream = await streamWith(3);
    const batches: number[] = [];
    const stats = newSourceStats();
    const source = new KinesisEventSource({
      settings: {
        functionName: "fn",
        streamName: stream.name,
        streamArn: stream.arn,
        batchSize: 10,
        parallelizationFactor: 1,
        maximumRetryAttempts: 2,
        maximumRecordAgeInSeconds: -1,
        bisectBatchOnFunctionError: true,
        reportBatchItemFailures: true,
        startingPosition: "TRIM_HORIZON",
      },
      kinesis,
      sqs,
      region: "eu-west-1",
      newContainer: () => async (event) => void batches.push(event.Records.length),
      stats,
      duplicateRate: 1,
      pollIntervalMs: 50,
    });
    await source.start();
    await until(() => batches.length >= 2 && source.idle());
    await source.stop();
    expect(batches).toEqual([3, 3]);
    expect(stats.duplicatesDelivered).toBe(1);
  }, 30_000);

  it("deletes only successful SQS messages and lets a failing one reach the DLQ after maxReceiveCount", async () => {
    // Arrange
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("local-run-dlq") }));
    const dlqArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ["QueueArn"] }))
    ).Attributes!.QueueArn!;
    const name = uniqueName("local-run-queue");
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }) },
      }),
    );
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.QueueUrl!,
        Entries: ["ok-1", "bad", "ok-2"].map((body, i) => ({ Id: String(i), MessageBody: body })),
      }),
    );
    const seen: string[] = [];
    const invoke = async (event: SQSEvent) => {
      seen.push(...event.Records.map((r) => r.body));
      return {
        batchItemFailures: event.Records.filter((r) => r.body === "bad").map((r) => ({
          itemIdentifier: r.messageId,
        })),
      };
    };
    const source = new SqsEventSource({
      settings: {
        functionName: "fn",
        queueName: name,
        queueArn: "arn",
        queueUrl: queue.QueueUrl!,
        batchSize: 10,
        maximumBatchingWindowInSeconds: 0,
        reportBatchItemFailures: true,
      },
      sqs,
      region: "eu-west-1",
      newContainer: () => invoke,
      stats: newSourceStats(),
      pollers: 1,
    });
    const depth = async (url: string) =>
      Number(
        (
          await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] }),
          )
        ).Attributes!.ApproximateNumberOfMessages,
      );

    // Act
    source.start();
    await until(async () => (await depth(dlq.QueueUrl!)) === 1);
    await source.stop();

    // Assert: the good messages were delivered once; the bad one twice, then moved to the DLQ.
    expect(seen.filter((b) => b === "ok-1")).toHaveLength(1);
    expect(seen.filter((b) => b === "ok-2")).toHaveLength(1);
    expect(seen.filter((b) => b === "bad")).toHaveLength(2);
    expect(await depth(queue.QueueUrl!)).toBe(0);
  }, 30_000);
});

describe("audit backlog gate (pacing the case creator to the audit processor)", () => {
  it("admits while queued plus in-flight records fit, and a lone batch once the queue is low", async () => {
    let depth = 0;
    const gate = new AuditBacklogGate(async () => depth, 250, 25, 0);

    const first = await gate.admit(200);
    // 200 in flight + 240 more would pass 250: the second waits until the first ends.
    let secondAdmitted = false;
    const second = gate.admit(240).then((release) => {
      secondAdmitted = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(secondAdmitted).toBe(false);

    depth = 200; // the first invocation's audit events are now queued
    first();
    await new Promise((r) => setTimeout(r, 150));
    expect(secondAdmitted).toBe(false);

    depth = 20; // 20 + 240 is still past 250, but the queue is below the low-water mark and nothing is in flight
    await new Promise((r) => setTimeout(r, 150));
    expect(secondAdmitted).toBe(true);
    (await second)();
    gate.stop();
  });
});

describe("local run inputs", () => {
  it("generates the same records for the same seed, with the requested share of malformed ones", () => {
    const a = generateRecords({
      count: 2000,
      badShare: 0.05,
      seed: 42,
      now: new Date("2026-11-26T08:00:00Z"),
    });
    const b = generateRecords({
      count: 2000,
      badShare: 0.05,
      seed: 42,
      now: new Date("2026-11-26T08:00:00Z"),
    });
    const c = generateRecords({
      count: 2000,
      badShare: 0.05,
      seed: 43,
      now: new Date("2026-11-26T08:00:00Z"),
    });
    expect(a.text).toBe(b.text);
    expect(a.text).not.toBe(c.text);
    const bad = Object.values(a.malformed).reduce((n, v) => n + (v ?? 0), 0);
    expect(bad).toBeGreaterThan(60);
    expect(bad).toBeLessThan(140);
    expect(a.text.trim().split("\n")).toHaveLength(2000);
    expect(a.malformed.oversized ?? 0).toBeLessThanOrEqual(3);
  });

  it("expects one audit id per record, following the producer's rules for bad ids, repeats and broken files", async () => {
    const lines = [
      JSON.stringify({ transactionId: "TXN-1", customerId: "C1", eventType: "KYC_REVIEW" }),
      JSON.stringify({ customerId: "C2", eventType: "KYC_REVIEW" }),
      JSON.stringify({ transactionId: "TXN-1", customerId: "C3", eventType: "KYC_REVIEW" }),
      JSON.stringify({ transactionId: "TXN-4", customerId: " ", eventType: "KYC_REVIEW" }),
      "{not json",
    ];
    const ndjson = await expectedAuditIds(Buffer.from(lines.join("\n")), "b", "in/f.ndjson");
    expect(ndjson).toEqual({
      records: 5,
      expectedIds: [
        "TXN-1",
        "#record:s3://b/in/f.ndjson#2",
        "#record:s3://b/in/f.ndjson#3",
        "TXN-4",
        "#record:s3://b/in/f.ndjson#5",
      ],
    });

    const truncated = await expectedAuditIds(Buffer.from(`[${lines[0]}, ${lines[3]}`), "b", "in/t.json");
    expect(truncated).toEqual({ records: 2, expectedIds: ["TXN-1", "TXN-4", "#file:s3://b/in/t.json"] });
  });

  it("parses the command line and refuses what it does not understand", () => {
    expect(
      parseArgs([
        "--records",
        "50",
        "--shards",
        "2",
        "--faults",
        "salesforce=0.1:429,token=down,kinesis=0.05",
        "--bad-records",
        "0.02",
        "--json",
      ]),
    ).toMatchObject({
      records: 50,
      shards: 2,
      badShare: 0.02,
      json: true,
      faults: { salesforce: { rate: 0.1, status: 429 }, token: "down", kinesis: 0.05 },
    });
    expect(() => parseArgs(["--records", "0"])).toThrow(/--records must be a whole number of at least 1/);
    expect(() => parseArgs(["--bad-records", "2"])).toThrow(/share from 0 to 1/);
    expect(parseFaults("duplicates=0.05")).toEqual({ duplicates: 0.05 });
    expect(() => parseArgs(["--time-scale", "0.5"])).toThrow(/--time-scale .* at least 1/);
    expect(parseArgs(["--time-scale", "60"])).toMatchObject({ timeScale: 60 });
    expect(() => parseFaults("dynamodb=0.1")).toThrow(/unknown fault "dynamodb"/);
    expect(() => parseFaults("salesforce=0.1:404")).toThrow(/status must be one of 429, 500, 502, 503/);
  });
});
