/**
 * Each record's outcome is counted once, however often it is delivered (issue #18, defect 9 and
 * "at-least-once delivery"). The rules are pure (`mergeEvent`); the end-to-end case runs the case
 * creator twice the way Lambda redelivers a partially failed Kinesis batch (from the lowest failed
 * record: the records after it come again and succeed again), then the real audit processor over
 * everything the audit queue received, against the moto server.
 */
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { KinesisStreamEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeEvent, type AuditItem, type MergeResult } from "../handlers/audit-processor/audit-item.js";
import { processAuditBatch } from "../handlers/audit-processor/process-audit-batch.js";
import { createCases, type CreateCasesDeps } from "../handlers/case-creator/create-cases.js";
import { SalesforceClient } from "../handlers/case-creator/salesforce-client.js";
import type { AuditEvent } from "../handlers/lib/audit-event.js";
import { AuditSender } from "../handlers/lib/audit-sender.js";
import { Logger } from "../handlers/lib/logger.js";
import { MemorySink, Metrics } from "../handlers/lib/metrics.js";
import { createCertificateAuthority } from "../local/pki.js";
import { startSalesforceStandIn, type SalesforceStandIn } from "../local/salesforce-stand-in.js";
import { auditEvent, NOW } from "./support/audit-fixtures.js";
import { createTable, harness, scanTable } from "./support/audit-processor-bench.js";
import { testClientConfig, uniqueName } from "./support/emulator.js";
import { kinesisEvent } from "./support/kinesis-events.js";

const CONTEXT = { now: NOW, retentionDays: 30 };
const written = (result: MergeResult): AuditItem => {
  if (result.kind !== "written") throw new Error(`expected a write, got ${result.kind}`);
  return result.item;
};

describe("merge rules: a repeat is not a second outcome", () => {
  const processed = (
    at: string,
    attributes: AuditEvent["attributes"] = { salesforceId: "500A", created: true },
  ) => auditEvent("TXN-R", "PROCESSED", at, { component: "cta-case-creator", attributes });

  it("records a redelivered PROCESSED as a repeat: no second history entry, no second first-of-status", () => {
    const first = mergeEvent(undefined, processed("2026-11-26T08:00:00Z"), CONTEXT);
    expect(first).toMatchObject({ kind: "written", firstOfStatus: "PROCESSED", repeat: false });
    const again = mergeEvent(
      written(first),
      processed("2026-11-26T08:00:30Z", { salesforceId: "500A", created: false }),
      CONTEXT,
    );
    expect(again).toMatchObject({ kind: "written", repeat: true, becameCurrent: false });
    expect(again.kind === "written" ? again.firstOfStatus : "not written").toBeUndefined();
    const item = written(again);
    expect(item.history).toHaveLength(1);
    expect(item).toMatchObject({
      status: "PROCESSED",
      lastUpdatedAt: "2026-11-26T08:00:00.000Z",
      repeats: 1,
      lastRepeatAt: "2026-11-26T08:00:30.000Z",
    });
    // The same message delivered once more is a duplicate, not another repeat.
    expect(
      mergeEvent(item, processed("2026-11-26T08:00:30Z", { salesforceId: "500A", created: false }), CONTEXT),
    ).toEqual({ kind: "duplicate" });
  });

  it("keeps a FAILED with a new reason as history and a new current status, but not as a new first FAILED", () => {
    const failed = (at: string, reason: string) =>
      auditEvent("TXN-F", "FAILED", at, { component: "cta-case-creator", reason });
    const one = written(mergeEvent(undefined, failed("2026-11-26T08:00:00Z", "INVALID_EMAIL"), CONTEXT));
    const same = mergeEvent(one, failed("2026-11-26T08:01:00Z", "INVALID_EMAIL"), CONTEXT);
    expect(same).toMatchObject({ repeat: true });
    const other = mergeEvent(
      written(same),
      failed("2026-11-26T08:02:00Z", "FIELD_CUSTOM_VALIDATION_EXCEPTION"),
      CONTEXT,
    );
    expect(other).toMatchObject({ kind: "written", repeat: false, becameCurrent: true });
    expect(other.kind === "written" ? other.firstOfStatus : "not written").toBeUndefined();
    expect(written(other)).toMatchObject({ reason: "FIELD_CUSTOM_VALIDATION_EXCEPTION", history: [{}, {}] });
    expect(written(other).repeats).toBeUndefined();
  });

  it("ignores the discard auditor's FAILED for a settled record, and lets the record's own outcome replace it when it comes later", () => {
    const discarded = (at: string) =>
      auditEvent("TXN-D", "FAILED", at, {
        component: "cta-discard-auditor",
        reason: "Lambda gave up on the batch",
        onlyIfUnsettled: true,
      });
    const settled = written(mergeEvent(undefined, processed("2026-11-26T08:00:00Z"), CONTEXT));
    expect(mergeEvent(settled, discarded("2026-11-26T08:05:00Z"), CONTEXT)).toEqual({
      kind: "superseded",
      settledStatus: "PROCESSED",
    });

    // The auditor's event arrives first; the PROCESSED of the last attempt (older) arrives after it.
    const provisional = written(
      mergeEvent(undefined, { ...discarded("2026-11-26T08:05:00Z"), transactionId: "TXN-R" }, CONTEXT),
    );
    expect(provisional).toMatchObject({ status: "FAILED", provisional: true });
    const late = mergeEvent(provisional, processed("2026-11-26T08:00:00Z"), CONTEXT);
    expect(late).toMatchObject({ kind: "written", becameCurrent: true, firstOfStatus: "PROCESSED" });
    expect(written(late).status).toBe("PROCESSED");
    expect(written(late).provisional).toBeUndefined();
  });

  it("derives the statuses of an item written before statusesSeen existed from its history", () => {
    const legacy = written(mergeEvent(undefined, processed("2026-11-26T08:00:00Z"), CONTEXT));
    delete legacy.statusesSeen;
    const failedLater = mergeEvent(
      legacy,
      auditEvent("TXN-R", "FAILED", "2026-11-26T09:00:00Z", { component: "cta-case-creator", reason: "x" }),
      CONTEXT,
    );
    expect(failedLater).toMatchObject({ firstOfStatus: "FAILED" });
    expect(written(failedLater).statusesSeen).toEqual(["PROCESSED", "FAILED"]);
  });
});

describe("a batch redelivered from its lowest failed record", () => {
  let sf: SalesforceStandIn;
  let caCert: string;
  const sqs = new SQSClient(testClientConfig());

  beforeAll(async () => {
    const ca = createCertificateAuthority();
    caCert = ca.certificate;
    sf = await startSalesforceStandIn({
      tls: ca.issue({ commonName: "localhost", usage: "server" }),
      acceptToken: () => true,
    });
  });
  afterAll(async () => sf.stop());

  it("counts every case once, keeps one history entry per outcome and records the redelivery as a repeat", async () => {
    // Arrange: 10 records in one batch; the audit queue refuses TXN-4's event on the first attempt only.
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("outcome-audit") })))
      .QueueUrl!;
    const tableName = await createTable();
    const logger = new Logger({ service: "cta-case-creator", level: "ERROR", write: () => undefined });
    const sender = new AuditSender({ sqs, queueUrl, logger, maxAttempts: 1 });
    let refuseTxn4 = true;
    let clock = Date.parse("2026-11-26T08:00:00Z");
    const caseSink = new MemorySink();
    const deps: CreateCasesDeps = {
      salesforce: new SalesforceClient({
        instanceUrl: sf.url,
        apiVersion: "v60.0",
        objectName: "Case",
        externalIdField: "KYC_Transaction_Id__c",
        extraCertificateAuthorities: [caCert],
      }),
      tokenProvider: { getToken: async () => "token", refreshAfterUnauthorized: async () => "token" },
      audit: {
        send: async (events) => {
          const refused = refuseTxn4 ? events.filter((e) => e.transactionId === "TXN-4") : [];
          refuseTxn4 = false;
          const result = await sender.send(events.filter((e) => !refused.includes(e)));
          return {
            ...result,
            failed: [
              ...result.failed,
              ...refused.map((event) => ({ event, reason: "injected: queue refused it" })),
            ],
          };
        },
      },
      metrics: new Metrics({
        component: "case-creator",
        namespace: "bbkyc/cta-case-creator/sit",
        environment: "sit",
        sink: caseSink,
      }),
      logger,
      now: () => {
        clock += 1000;
        return new Date(clock);
      },
      config: {
        component: "cta-case-creator",
        mapping: { objectName: "Case", externalIdField: "KYC_Transaction_Id__c" },
        giveUpAfterSeconds: 3300,
      },
    };
    const batch = kinesisBatch(10);

    // Act: the first invocation reports TXN-4 failed; Lambda redelivers from it (TXN-4…TXN-9).
    const first = await createCases(deps, batch);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[4]!.kinesis.sequenceNumber }]);
    const second = await createCases(deps, { Records: batch.Records.slice(4) });
    expect(second.batchItemFailures).toEqual([]);
    const { deps: processorDeps, sink } = harness(tableName);
    await drainInto(sqs, queueUrl, (records) => processAuditBatch(processorDeps, { Records: records }));

    // Assert: 15 PROCESSED events reached the queue (10 + 5 redelivered), each outcome counted once.
    expect(sf.cases.size).toBe(10);
    expect(sink.total("SFCaseCreationSuccess")).toBe(10);
    expect(sink.total("AuditEventWritten", { Status: "PROCESSED" })).toBe(10);
    expect(
      sink.published
        .flatMap((p) => p.series)
        .filter((s) => s.name === "EndToEndLatency")
        .flatMap((s) => s.values),
    ).toHaveLength(10);
    expect(caseSink.total("SFCaseCreationSuccess")).toBe(0); // the case creator no longer counts outcomes itself
    const items = await scanTable(tableName);
    expect(items).toHaveLength(10);
    expect(items.every((i) => i.status === "PROCESSED" && i.history.length === 1)).toBe(true);
    const repeated = items
      .filter((i) => i.repeats === 1)
      .map((i) => i.transactionId)
      .sort();
    expect(repeated).toEqual(["TXN-5", "TXN-6", "TXN-7", "TXN-8", "TXN-9"]);
  });

  const kinesisBatch = (n: number): KinesisStreamEvent =>
    kinesisEvent(
      Array.from({ length: n }, (_, i) => ({
        transactionId: `TXN-${i}`,
        customerId: `C${i}`,
        eventType: "KYC_REVIEW",
        producedAt: "2026-11-26T07:58:00Z",
      })),
      {
        firstSequence: 49_000_000_000_000_000_000n,
        sequenceStep: 1n,
        arrivedAtMs: Date.parse("2026-11-26T07:59:00Z"),
        partitionKey: (i) => `bbkyc-cta-TXN-${i}`,
      },
    );
});

/** Receives every message of the queue in batches of 10 and hands each batch to `process`, deleting what it returns as done. */
async function drainInto(
  sqs: SQSClient,
  queueUrl: string,
  process: (records: SQSRecord[]) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>,
): Promise<void> {
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 30,
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) return;
    const records = Messages.map(
      (m) => ({ messageId: m.MessageId!, receiptHandle: m.ReceiptHandle!, body: m.Body! }) as SQSRecord,
    );
    const { batchItemFailures } = await process(records);
    expect(batchItemFailures).toEqual([]);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}
