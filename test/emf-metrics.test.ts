import type { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { describe, expect, it } from "vitest";
import { EmfMetrics } from "../local/lambda/emf-metrics.js";

/** One EMF document as the functions print it (one metric, the Environment dimension). */
function emfLine(timestamp: number, value: number): string {
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        { Namespace: "ns", Dimensions: [["Environment"]], Metrics: [{ Name: "Written", Unit: "Count" }] },
      ],
    },
    Environment: "sit",
    Written: value,
  });
}

function recordingCloudWatch() {
  const calls: PutMetricDataCommand["input"][] = [];
  const client = {
    send: async (command: PutMetricDataCommand) => {
      calls.push(command.input);
      return {};
    },
  } as unknown as CloudWatchClient;
  return { client, calls };
}

describe("EmfMetrics (the local run's CloudWatch Logs)", () => {
  it("publishes documents of one namespace and second in one PutMetricData, stamped with that second", async () => {
    const { client, calls } = recordingCloudWatch();
    const emf = new EmfMetrics(client);
    const second = Date.parse("2026-12-04T04:00:00Z");
    for (let ms = 0; ms < 1000; ms += 100) expect(emf.accept(emfLine(second + ms, 1))).toBe(true);
    expect(await emf.drain()).toBe(0);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.MetricData).toEqual([
      expect.objectContaining({
        MetricName: "Written",
        Timestamp: new Date(second),
        Values: [1],
        Counts: [10],
      }),
    ]);
  });

  it("keeps documents of different seconds apart, each at its own second", async () => {
    const { client, calls } = recordingCloudWatch();
    const emf = new EmfMetrics(client);
    const second = Date.parse("2026-12-04T04:00:00Z");
    emf.accept(emfLine(second + 999, 1));
    emf.accept(emfLine(second + 1000, 2));
    await emf.drain();
    expect(calls.map((c) => c.MetricData![0]!.Timestamp)).toEqual([
      new Date(second),
      new Date(second + 1000),
    ]);
  });
});
