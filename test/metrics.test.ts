import { CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { describe, expect, it } from "vitest";
import { metricNamespace } from "../handlers/lib/metric-catalog.js";
import { EmfSink, MemorySink, Metrics, PutMetricDataSink } from "../handlers/lib/metrics.js";
import { testClientConfig, uniqueName } from "./support/emulator.js";

const NOW = new Date("2026-11-26T09:00:00Z");

describe("Metrics", () => {
  it("sums counts per name and dimensions and keeps latency values apart, flushing once", async () => {
    const sink = new MemorySink();
    const metrics = new Metrics({ component: "case-creator", namespace: "bbkyc/cta-case-creator/sit", environment: "sit", sink, now: () => NOW });
    for (let i = 0; i < 200; i++) metrics.add("SFCaseCreationSuccess");
    metrics.add("EndToEndLatency", 120);
    metrics.add("EndToEndLatency", 80);
    await metrics.flush();
    await metrics.flush(); // nothing left: no second publish
    expect(sink.published).toHaveLength(1);
    expect(sink.published[0]!.series).toEqual([
      { name: "SFCaseCreationSuccess", unit: "Count", dimensions: { Environment: "sit" }, values: [200] },
      { name: "EndToEndLatency", unit: "Milliseconds", dimensions: { Environment: "sit" }, values: [120, 80] },
    ]);
  });

  it("keeps extra dimensions (e.g. Status) as separate series", async () => {
    const sink = new MemorySink();
    const metrics = new Metrics({ component: "audit-processor", namespace: "ns", environment: "sit", sink });
    metrics.add("AuditEventWritten", 1, { Status: "PROCESSED" });
    metrics.add("AuditEventWritten", 1, { Status: "PROCESSED" });
    metrics.add("AuditEventWritten", 1, { Status: "FAILED" });
    await metrics.flush();
    expect(sink.total("AuditEventWritten", { Status: "PROCESSED" })).toBe(2);
    expect(sink.total("AuditEventWritten", { Status: "FAILED" })).toBe(1);
  });

  it("namespaces are component + environment", () => {
    expect(metricNamespace("bbkyc", "cta-case-creator", "prod")).toBe("bbkyc/cta-case-creator/prod");
  });
});

describe("EmfSink", () => {
  it("writes Embedded Metric Format documents CloudWatch can read, ≤100 values per metric", async () => {
    const lines: string[] = [];
    const metrics = new Metrics({ component: "case-creator", namespace: "bbkyc/cta-case-creator/sit", environment: "sit", sink: new EmfSink((l) => lines.push(l)), now: () => NOW });
    metrics.add("SFCaseCreationSuccess", 250);
    for (let i = 0; i < 250; i++) metrics.add("EndToEndLatency", i);
    await metrics.flush();
    const documents = lines.map((l) => JSON.parse(l));
    expect(documents).toHaveLength(3);
    expect(documents[0]._aws).toEqual({
      Timestamp: NOW.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: "bbkyc/cta-case-creator/sit",
          Dimensions: [["Environment"]],
          Metrics: [
            { Name: "SFCaseCreationSuccess", Unit: "Count" },
            { Name: "EndToEndLatency", Unit: "Milliseconds" },
          ],
        },
      ],
    });
    expect(documents[0].Environment).toBe("sit");
    expect(documents[0].SFCaseCreationSuccess).toBe(250);
    expect(documents.map((d) => (Array.isArray(d.EndToEndLatency) ? d.EndToEndLatency.length : 1))).toEqual([100, 100, 50]);
    expect(documents.slice(1).every((d) => d.SFCaseCreationSuccess === undefined)).toBe(true);
  });
});

describe("PutMetricDataSink against the emulator", () => {
  it("publishes one batched call per flush and the values read back", async () => {
    const cloudwatch = new CloudWatchClient(testClientConfig());
    let calls = 0;
    cloudwatch.middlewareStack.add((next) => async (args) => ((calls += 1), next(args)), { step: "initialize" });
    const namespace = `test/${uniqueName("metrics")}/sit`;
    const metrics = new Metrics({ component: "event-producer", namespace, environment: "sit", sink: new PutMetricDataSink(cloudwatch) });
    for (let i = 0; i < 5000; i++) metrics.add("EventPublishSuccess");
    metrics.add("EventPublishFailure", 3);
    await metrics.flush();
    expect(calls).toBe(1);

    const stats = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: namespace,
        MetricName: "EventPublishSuccess",
        Dimensions: [{ Name: "Environment", Value: "sit" }],
        StartTime: new Date(Date.now() - 3_600_000),
        EndTime: new Date(Date.now() + 60_000),
        Period: 3600,
        Statistics: ["Sum"],
      }),
    );
    expect(stats.Datapoints?.reduce((sum, d) => sum + (d.Sum ?? 0), 0)).toBe(5000);
  });
});
