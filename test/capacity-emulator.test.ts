/**
 * The capacity model's emulator mode (validation against local runs only): each emulator process is
 * one serial server shared by every operation routed to it. Synthetic service times, so the
 * expectations follow from the inputs, not from the model's code.
 */
import { describe, expect, it } from "vitest";
import { type EmulatorProcess, EmulatorServers, SerialServer } from "../ops/capacity/emulator-servers.js";
import { AWS_SERVICE_TIMES, predict, type Workload } from "../ops/capacity/model.js";
import { stack as stackWithWindow, workload as tenThousand } from "./support/capacity-stack.js";

const fiveSecondWindow = stackWithWindow(5);

const stack = {
  ...fiveSecondWindow,
  auditProcessor: { ...fiveSecondWindow.auditProcessor, maximumConcurrency: 5 },
};
const workload: Workload = { ...tenThousand, recordsPerFile: 2000, salesforceCallMs: 60, recordBytes: 250 };
const sqs = { "sqs.SendMessageBatch": 40, "sqs.ReceiveMessage": 40, "sqs.DeleteMessageBatch": 40 };
const dynamodb = { "dynamodb.BatchGetItem": 30, "dynamodb.PutItem": 30 };

describe("serial server", () => {
  it("queues calls made at once, starts a later call at once, and fills a gap left between bookings", () => {
    const s = new SerialServer();
    expect(s.book(0, 10)).toBe(10);
    expect(s.book(0, 10)).toBe(20);
    expect(s.book(100, 10)).toBe(110);
    expect(s.book(0, 50)).toBe(70); // 20–70 is free
    expect(s.book(0, 40)).toBe(150); // 70–100 is too short: after 110
    expect(s.busyMs).toBe(10 + 10 + 10 + 50 + 40);
  });

  it("operations of one process queue behind each other; other processes and concurrency overlap", () => {
    const one = new EmulatorServers([{ name: "moto", serviceMs: { ...sqs, ...dynamodb } }]);
    expect(one.call("sqs.ReceiveMessage", 0, 0)).toBe(40);
    expect(one.call("dynamodb.BatchGetItem", 0, 0)).toBe(70);
    const two = new EmulatorServers([
      { name: "sqs", serviceMs: sqs },
      { name: "dynamodb", serviceMs: dynamodb, concurrency: 2 },
    ]);
    expect(two.call("sqs.ReceiveMessage", 0, 0)).toBe(40);
    expect(two.call("dynamodb.BatchGetItem", 0, 0)).toBe(30);
    expect(two.call("dynamodb.PutItem", 0, 0)).toBe(30);
    expect(two.call("dynamodb.PutItem", 0, 0)).toBe(60);
    expect(two.call("kinesis.PutRecords", 5, 120)).toBe(125); // no process serves it: its AWS time
  });

  it("refuses an operation routed to two processes or an unknown one", () => {
    expect(
      () =>
        new EmulatorServers([
          { name: "a", serviceMs: { "dynamodb.BatchGetItem": 1 } },
          { name: "b", serviceMs: { "dynamodb.BatchGetItem": 1 } },
        ]),
    ).toThrow(/served by two emulator processes/);
    expect(() => new EmulatorServers([{ name: "a", serviceMs: { "s3.GetObject": 1 } as never }])).toThrow(
      /unknown operation/,
    );
  });
});

describe("capacity model on the emulator", () => {
  it("with no emulator process it predicts what AWS mode predicts", () => {
    const aws = predict(stack, workload);
    const empty = predict(stack, workload, { ...AWS_SERVICE_TIMES, emulator: [] });
    expect(empty.drainSeconds).toBeCloseTo(aws.drainSeconds, 6);
    expect(empty.salesforceCallsPerFile).toBe(aws.salesforceCallsPerFile);
  });

  it("a process serving SQS and DynamoDB together takes at least the sum of their calls' service times", () => {
    const times = (emulator: EmulatorProcess[]) => ({
      ...AWS_SERVICE_TIMES,
      emulator,
    });
    const apart = predict(
      stack,
      workload,
      times([
        { name: "sqs", serviceMs: sqs },
        { name: "dynamodb", serviceMs: dynamodb },
      ]),
    );
    const shared = predict(stack, workload, times([{ name: "moto", serviceMs: { ...sqs, ...dynamodb } }]));
    const auditBatches = shared.invocations.filter((i) => i.fn === "audit-processor");
    const caseBatches = shared.invocations.filter((i) => i.fn === "case-creator");
    const tenths = (list: typeof auditBatches) => list.reduce((s, i) => s + Math.ceil(i.records / 10), 0);
    const busyMs =
      workload.recordsPerFile * 30 + // a PutItem per record
      auditBatches.length * (40 + 30) + // one receive and one BatchGetItem per batch
      tenths(auditBatches) * 40 + // deletes
      tenths(caseBatches) * 40; // audit sends
    expect(shared.drainSeconds * 1000).toBeGreaterThanOrEqual(busyMs);
    expect(shared.drainSeconds).toBeGreaterThan(apart.drainSeconds);
    // DynamoDB alone, one call at a time, bounds the separate set-up too.
    expect(apart.drainSeconds * 1000).toBeGreaterThanOrEqual(
      workload.recordsPerFile * 30 + auditBatches.length * 30,
    );
  });
});
