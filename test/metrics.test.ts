import { CloudWatchClient, GetMetricStatisticsCommand, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { describe, expect, it } from "vitest";
import { metricNamespace } from "../handlers/lib/metric-catalog.js";
import { EmfSink, MemorySink, Metrics, PutMetricDataSink } from "../handlers/lib/metrics.js";
import { testClientConfig, uniqueName } from "./support/emulator.js";

const NOW = new Date("2026-11-26T09:00:00Z");

describe("Metrics", () => {
  it("sums counts per name and dimensions and keeps latency values apart, flushing once", async () => {
    const sink = new MemorySink();
    const metrics = new Metrics({
      component: "case-creator",
      namespace: "bbkyc/cta-case-creator/sit",
      environment: "sit",
      sink,
      now: () => NOW,
    });
    for (let i = 0; i < 200; i++) metrics.add("SFCaseCreationSuccess");
    metrics.add("EndToEndLatency", 120);
    metrics.add("EndToEndLatency", 80);
    await metrics.flush();
    await metrics.flush(); // nothing left: no second publish
    expect(sink.published).toHaveLength(1);
    expect(sink.published[0]!.series).toEqual([
      { name: "SFCaseCreationSuccess", unit: "Count", dimensions: { Environment: "sit" }, values: [200] },
      {
        name: "EndToEndLatency",
        unit: "Milliseconds",
        dimensions: { Environment: "sit" },
        values: [120, 80],
      },
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
    const metrics = new Metrics({
      component: "case-creator",
      namespace: "bbkyc/cta-case-creator/sit",
      environment: "sit",
      sink: new EmfSink((l) => lines.push(l)),
      now: () => NOW,
    });
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
    expect(documents.map((d) => (Array.isArray(d.EndToEndLatency) ? d.EndToEndLatency.length : 1))).toEqual([
      100, 100, 50,
    ]);
    expect(documents.slice(1).every((d) => d.SFCaseCreationSuccess === undefined)).toBe(true);
  });
});

describe("PutMetricDataSink against the emulator", () => {
  it("publishes one batched call per flush and the values read back", async () => {
    const cloudwatch = new CloudWatchClient(testClientConfig());
    let calls = 0;
    cloudwatch.middlewareStack.add(
      (next) => async (args) => {
        calls += 1;
        return next(args);
      },
      {
        step: "initialize",
      },
    );
    const namespace = `test/${uniqueName("metrics")}/sit`;
    const metrics = new Metrics({
      component: "event-producer",
      namespace,
      environment: "sit",
      sink: new PutMetricDataSink(cloudwatch),
    });
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

/**
 * A failure metric published under a Reason only when something failed leaves a chart of it blank
 * on a good day. `total` metrics (TokenRefreshFailure) are therefore published under [Environment]
 * as well: every failure under both dimension sets, and a 0 in each flush that counted none.
 */
describe("total metrics: the [Environment] series beside the Reason series", () => {
  it("EMF: one document lists both dimension sets for a failure, and a 0 under [Environment] alone when none failed", async () => {
    const lines: string[] = [];
    const metrics = new Metrics({
      component: "token-manager",
      namespace: "bbkyc/token-manager/sit",
      environment: "sit",
      sink: new EmfSink((l) => lines.push(l)),
      now: () => NOW,
    });
    metrics.add("TokenRefreshFailure", 1, { Reason: "tls" });
    await metrics.flush();
    metrics.add("TokenRefreshSuccess");
    await metrics.flush();
    const [failure, success] = lines.map((l) => JSON.parse(l));
    expect(failure._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: "bbkyc/token-manager/sit",
      Dimensions: [["Environment", "Reason"], ["Environment"]],
      Metrics: [{ Name: "TokenRefreshFailure", Unit: "Count" }],
    });
    expect(failure).toMatchObject({ Environment: "sit", Reason: "tls", TokenRefreshFailure: 1 });
    expect(success._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: "bbkyc/token-manager/sit",
      Dimensions: [["Environment"]],
      Metrics: [
        { Name: "TokenRefreshSuccess", Unit: "Count" },
        { Name: "TokenRefreshFailure", Unit: "Count" },
      ],
    });
    expect(success).toMatchObject({ TokenRefreshSuccess: 1, TokenRefreshFailure: 0 });
    expect(lines).toHaveLength(2);
  });

  it("adds nothing to an empty flush, and counts each failure once in memory", async () => {
    const sink = new MemorySink();
    const metrics = new Metrics({ component: "token-manager", namespace: "ns", environment: "sit", sink });
    await metrics.flush();
    expect(sink.published).toEqual([]);
    metrics.add("TokenRefreshFailure", 1, { Reason: "timeout" });
    await metrics.flush();
    expect(sink.total("TokenRefreshFailure")).toBe(1);
  });

  it("PutMetricData publishes the same series as EMF: the failure under both sets, the zero under [Environment]", async () => {
    const cloudwatch = new CloudWatchClient(testClientConfig());
    const namespace = `test/${uniqueName("totals")}/sit`;
    const failing = new Metrics({
      component: "token-manager",
      namespace,
      environment: "sit",
      sink: new PutMetricDataSink(cloudwatch),
    });
    failing.add("TokenRefreshFailure", 1, { Reason: "credentials" });
    await failing.flush();
    const listed = await cloudwatch.send(
      new ListMetricsCommand({ Namespace: namespace, MetricName: "TokenRefreshFailure" }),
    );
    const sets = (listed.Metrics ?? [])
      .map((m) =>
        (m.Dimensions ?? [])
          .map((d) => `${d.Name}=${d.Value}`)
          .sort()
          .join(","),
      )
      .sort();
    expect(sets).toEqual(["Environment=sit", "Environment=sit,Reason=credentials"]);

    const quietNamespace = `test/${uniqueName("totals-zero")}/sit`;
    const quiet = new Metrics({
      component: "token-manager",
      namespace: quietNamespace,
      environment: "sit",
      sink: new PutMetricDataSink(cloudwatch),
    });
    quiet.add("TokenRefreshSuccess");
    await quiet.flush();
    const zero = await cloudwatch.send(
      new ListMetricsCommand({ Namespace: quietNamespace, MetricName: "TokenRefreshFailure" }),
    );
    expect((zero.Metrics ?? []).map((m) => m.Dimensions)).toEqual([[{ Name: "Environment", Value: "sit" }]]);
    const stats = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: quietNamespace,
        MetricName: "TokenRefreshFailure",
        Dimensions: [{ Name: "Environment", Value: "sit" }],
        StartTime: new Date(Date.now() - 3_600_000),
        EndTime: new Date(Date.now() + 60_000),
        Period: 3600,
        Statistics: ["Sum", "SampleCount"],
      }),
    );
    expect(stats.Datapoints?.map((d) => [d.Sum, d.SampleCount])).toEqual([[0, 1]]);
  });
});
