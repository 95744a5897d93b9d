/**
 * AuditSender: batching (10 per SendMessageBatch, under the payload limit), retries of only the failed
 * entries, and undelivered events handed back. Faults are injected with a fake SQS client; the happy
 * path also runs against a real queue in the moto server.
 */
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type SendMessageBatchCommandOutput,
} from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { MAX_REASON_LENGTH, validateAuditEvent, type AuditEvent } from "../handlers/lib/audit-event.js";
import { AuditSender, SQS_BATCH_LIMIT } from "../handlers/lib/audit-sender.js";
import { Logger } from "../handlers/lib/logger.js";
import { auditEvent } from "./support/audit-fixtures.js";
import { testClientConfig, uniqueName } from "./support/emulator.js";

type Entry = { Id: string; MessageBody: string };
/** Decides the outcome of one call: entries to fail (by position in the call), or an error to throw. */
type Fault = (call: number, entries: Entry[]) => { failIds?: string[]; throwError?: Error } | undefined;

/** A stand-in SQS client that records every SendMessageBatch call and delivers what it does not fail. */
class FakeSqs {
  readonly calls: Entry[][] = [];
  readonly delivered: AuditEvent[] = [];
  constructor(private readonly fault: Fault = () => undefined) {}

  async send(command: unknown): Promise<Partial<SendMessageBatchCommandOutput>> {
    if (!(command instanceof SendMessageBatchCommand)) throw new Error("only SendMessageBatch is expected");
    const entries = command.input.Entries as Entry[];
    this.calls.push(entries);
    const decision = this.fault(this.calls.length, entries) ?? {};
    if (decision.throwError) throw decision.throwError;
    const failIds = new Set(decision.failIds ?? []);
    for (const e of entries) if (!failIds.has(e.Id)) this.delivered.push(JSON.parse(e.MessageBody));
    return {
      Successful: entries
        .filter((e) => !failIds.has(e.Id))
        .map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: "" })),
      Failed: entries
        .filter((e) => failIds.has(e.Id))
        .map((e) => ({ Id: e.Id, Code: "ServiceUnavailable", Message: "try again", SenderFault: false })),
    };
  }
}

function sender(
  sqs: FakeSqs | SQSClient,
  logs: Array<Record<string, any>> = [],
  sleeps: number[] = [],
  queueUrl = "https://sqs.eu-west-1.amazonaws.com/123456789012/bbkyc-audit-queue-sit",
) {
  return new AuditSender({
    sqs: sqs as SQSClient,
    queueUrl,
    logger: new Logger({ service: "test", write: (line) => logs.push(JSON.parse(line)) }),
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
  });
}

const events = (n: number, status: AuditEvent["status"] = "PROCESSED"): AuditEvent[] =>
  Array.from({ length: n }, (_, i) =>
    auditEvent(
      `TXN-${String(i).padStart(3, "0")}`,
      status,
      "2026-11-26T08:00:00.000Z",
      status === "FAILED" ? { reason: `reason ${i}` } : {},
    ),
  );

const ids = (list: AuditEvent[]) => list.map((e) => e.transactionId).sort();

describe("batching", () => {
  it("sends 25 events in 3 SendMessageBatch calls of at most 10", async () => {
    const sqs = new FakeSqs();
    const result = await sender(sqs).send(events(25));

    expect(result).toEqual({ sent: 25, failed: [], calls: 3 });
    expect(sqs.calls.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(SQS_BATCH_LIMIT).toBe(10);
    expect(ids(sqs.delivered)).toEqual(ids(events(25)));
  });

  it("starts a new batch before the batch payload would pass SQS's size limit", async () => {
    const sqs = new FakeSqs();
    // 8 events of ~60 KB: 4 fit under the 250 KiB budget, so 2 calls even though the count limit is 10.
    const big = Array.from({ length: 8 }, (_, i) =>
      auditEvent(`TXN-BIG-${i}`, "PROCESSED", "2026-11-26T08:00:00Z", {
        attributes: { blob: "b".repeat(60_000) },
      }),
    );
    const result = await sender(sqs).send(big);

    expect(result.sent).toBe(8);
    expect(sqs.calls.map((c) => c.length)).toEqual([4, 4]);
    for (const call of sqs.calls)
      expect(call.reduce((bytes, e) => bytes + Buffer.byteLength(e.MessageBody), 0)).toBeLessThanOrEqual(
        256 * 1024,
      );
  });

  it("delivers every event to a real queue in the emulator, each one valid against the contract", async () => {
    const sqs = new SQSClient(testClientConfig());
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("audit-queue") })))
      .QueueUrl!;
    const sent = events(25, "FAILED");

    const result = await sender(sqs, [], [], queueUrl).send(sent);

    expect(result).toEqual({ sent: 25, failed: [], calls: 3 });
    const bodies: unknown[] = [];
    for (let i = 0; i < 10 && bodies.length < 25; i++) {
      const page = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      bodies.push(...(page.Messages ?? []).map((m) => JSON.parse(m.Body!)));
    }
    const received = bodies.map((b) => {
      const checked = validateAuditEvent(b);
      if (!checked.ok) throw new Error(checked.reason);
      return checked.event;
    });
    expect(received.sort((a, b) => a.transactionId.localeCompare(b.transactionId))).toEqual(sent);
  });
});

describe("faults", () => {
  it("retries only the entries SQS did not accept, until all arrive", async () => {
    // First call: entries 2 and 7 fail; their retry: entry 7 fails again; third try succeeds.
    const sqs = new FakeSqs((call, entries) => {
      if (call === 1) return { failIds: ["2", "7"] };
      if (call === 2)
        return { failIds: [entries.find((e) => JSON.parse(e.MessageBody).transactionId === "TXN-007")!.Id] };
      return undefined;
    });
    const sleeps: number[] = [];
    const result = await sender(sqs, [], sleeps).send(events(12));

    expect(result).toEqual({ sent: 12, failed: [], calls: 4 });
    expect(sqs.calls.map((c) => c.map((e) => JSON.parse(e.MessageBody).transactionId))).toEqual([
      events(10).map((e) => e.transactionId),
      ["TXN-002", "TXN-007"],
      ["TXN-007"],
      ["TXN-010", "TXN-011"],
    ]);
    expect(ids(sqs.delivered)).toEqual(ids(events(12))); // each exactly once
    expect(sleeps).toEqual([50, 100]); // backoff with the injected jitter: 0.5 × 100 ms, 0.5 × 200 ms
  });

  it("retries the whole batch when the call itself fails (network error)", async () => {
    const sqs = new FakeSqs((call) =>
      call === 1
        ? { throwError: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) }
        : undefined,
    );
    const result = await sender(sqs).send(events(5));

    expect(result).toEqual({ sent: 5, failed: [], calls: 2 });
    expect(ids(sqs.delivered)).toEqual(ids(events(5)));
  });

  it("returns events it could never deliver, with the reason, and logs them without dropping the rest", async () => {
    const sqs = new FakeSqs((_call, entries) => ({
      failIds: entries.filter((e) => JSON.parse(e.MessageBody).transactionId === "TXN-003").map((e) => e.Id),
    }));
    const logs: Array<Record<string, any>> = [];
    const result = await sender(sqs, logs).send(events(5));

    expect(result.sent).toBe(4);
    expect(result.calls).toBe(4); // the default 4 attempts
    expect(result.failed).toEqual([
      { event: events(5)[3], reason: "audit queue did not accept the event: ServiceUnavailable: try again" },
    ]);
    expect(ids(sqs.delivered)).toEqual(["TXN-000", "TXN-001", "TXN-002", "TXN-004"]);
    expect(logs).toEqual([
      expect.objectContaining({
        level: "ERROR",
        message: "audit event not delivered",
        correlationId: "TXN-003",
      }),
    ]);
  });

  it("returns every event of a batch when the queue stays unreachable", async () => {
    const sqs = new FakeSqs(() => ({
      throwError: new Error("getaddrinfo ENOTFOUND sqs.eu-west-1.amazonaws.com"),
    }));
    const result = await sender(sqs).send(events(3));

    expect(result.sent).toBe(0);
    expect(ids(result.failed.map((f) => f.event))).toEqual(ids(events(3)));
    expect(result.failed.every((f) => f.reason.includes("ENOTFOUND"))).toBe(true);
  });
});

describe("the contract on the sending side", () => {
  it("refuses events that break the contract without sending them, and truncates over-long reasons", async () => {
    const sqs = new FakeSqs();
    const noReason = { ...auditEvent("TXN-X", "FAILED", "2026-11-26T08:00:00Z") };
    const badTime = auditEvent("TXN-Y", "PROCESSED", "yesterday");
    const longReason = auditEvent("TXN-Z", "FAILED", "2026-11-26T08:00:00+01:00", {
      reason: "r".repeat(5000),
    });

    const result = await sender(sqs).send([noReason, badTime, longReason]);

    expect(result.failed).toEqual([
      { event: noReason, reason: "audit event breaks the contract: a FAILED event needs a reason" },
      { event: badTime, reason: "audit event breaks the contract: occurredAt is not an ISO-8601 time" },
    ]);
    expect(sqs.delivered).toHaveLength(1);
    expect(sqs.delivered[0]!.reason).toHaveLength(MAX_REASON_LENGTH);
    expect(sqs.delivered[0]!.occurredAt).toBe("2026-11-26T07:00:00.000Z"); // normalised to UTC
  });
});
