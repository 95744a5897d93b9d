/**
 * The launcher's CloudWatch speed fixes (local/moto_fixes/cloudwatch.py: GetMetricStatistics and ListMetrics of
 * a named metric read that name's datums from an index instead of filtering every stored sample)
 * changes no answer: the same metrics, published as the local run publishes them (Values with
 * Counts, several namespaces, dimension sets and units, over several seconds), read back with the
 * statistics, periods, dimension subsets and units the summary and the dashboards use, and listed
 * with and without a name (past ListMetrics' page of 500), get the same answers from the launcher
 * and from moto's own `moto_server`.
 */
import {
  CloudWatchClient,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  PutMetricDataCommand,
  type MetricDatum,
} from "@aws-sdk/client-cloudwatch";
import { describe, expect, it } from "vitest";
import { emulatorClientConfig } from "../local/emulator.js";
import { launcherAndPlainMoto } from "./support/launcher-vs-plain-moto.js";

const START = Date.UTC(2026, 11, 4, 6, 0, 0);

function datum(name: string, second: number, dimensions: Record<string, string>, unit: string): MetricDatum {
  return {
    MetricName: name,
    Timestamp: new Date(START + second * 1000),
    Unit: unit as MetricDatum["Unit"],
    Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
    Values: [1, 2.5, 40 + second],
    Counts: [3, 1, 2],
  };
}

async function answers(endpoint: string) {
  const cloudwatch = new CloudWatchClient(emulatorClientConfig(endpoint));
  for (let second = 0; second < 6; second++) {
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: "KYC/AuditProcessor",
        MetricData: [
          datum("AuditEventWritten", second, { Environment: "sit", Status: "PROCESSED" }, "Count"),
          datum("AuditEventWritten", second, { Environment: "sit", Status: "FAILED" }, "Count"),
          datum("EndToEndLatency", second, { Environment: "sit" }, "Milliseconds"),
        ],
      }),
    );
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: "KYC/CaseCreator",
        MetricData: [
          datum("EndToEndLatency", second, { Environment: "sit" }, "Milliseconds"),
          datum("SFCaseCreationSuccess", second, { Environment: "sit" }, "Count"),
        ],
      }),
    );
  }
  // More than one page of distinct metrics for ListMetrics without a name.
  await cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: "KYC/Many",
      MetricData: Array.from({ length: 510 }, (_, i) => ({
        MetricName: `Series${i % 3}`,
        Dimensions: [{ Name: "Shard", Value: String(i) }],
        Value: i,
        Timestamp: new Date(START),
      })),
    }),
  );
  const out: unknown[] = [];
  const stats = async (
    input: Omit<ConstructorParameters<typeof GetMetricStatisticsCommand>[0], "StartTime" | "EndTime">,
  ) => {
    const { $metadata, ...rest } = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        ...input,
        StartTime: new Date(START - 60_000),
        EndTime: new Date(START + 120_000),
      }),
    );
    void $metadata;
    rest.Datapoints?.sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
    out.push(rest);
  };
  const everything = ["Sum", "SampleCount", "Average", "Minimum", "Maximum"] as const;
  await stats({
    Namespace: "KYC/AuditProcessor",
    MetricName: "AuditEventWritten",
    Period: 1,
    Statistics: [...everything],
  });
  await stats({
    Namespace: "KYC/AuditProcessor",
    MetricName: "AuditEventWritten",
    Period: 60,
    Statistics: ["Sum", "SampleCount"],
    Dimensions: [{ Name: "Status", Value: "FAILED" }],
  });
  await stats({
    Namespace: "KYC/CaseCreator",
    MetricName: "EndToEndLatency",
    Period: 2,
    Statistics: [...everything],
    Dimensions: [{ Name: "Environment", Value: "sit" }],
  });
  await stats({
    Namespace: "KYC/CaseCreator",
    MetricName: "EndToEndLatency",
    Period: 60,
    Statistics: ["Sum"],
    Unit: "Seconds",
  });
  await stats({ Namespace: "KYC/CaseCreator", MetricName: "NoSuchMetric", Period: 60, Statistics: ["Sum"] });
  const list = async (input: ConstructorParameters<typeof ListMetricsCommand>[0]) => {
    const pages: unknown[] = [];
    let token: string | undefined;
    do {
      const page = await cloudwatch.send(new ListMetricsCommand({ ...input, NextToken: token }));
      pages.push(page.Metrics);
      token = page.NextToken;
    } while (token);
    out.push(pages);
  };
  await list({ Namespace: "KYC/AuditProcessor", MetricName: "AuditEventWritten" });
  await list({ MetricName: "EndToEndLatency" });
  await list({ MetricName: "AuditEventWritten", Dimensions: [{ Name: "Status", Value: "PROCESSED" }] });
  await list({ Namespace: "KYC/Many" });
  await list({ MetricName: "Series1" });
  return out;
}

describe("moto launcher CloudWatch speed fix", () => {
  const bothAnswer = launcherAndPlainMoto();

  it("answers GetMetricStatistics and ListMetrics exactly as plain moto does", async () => {
    const { fromFixed, fromPlain } = await bothAnswer(answers);
    expect(fromFixed).toEqual(fromPlain);
    // The reads saw what was published: 6 samples per value set a second, both statuses.
    const all = fromFixed[0] as { Datapoints: Array<{ SampleCount: number }> };
    expect(all.Datapoints).toHaveLength(6);
    expect(all.Datapoints[0]!.SampleCount).toBe(12);
    expect(JSON.stringify(fromFixed[5])).toContain("FAILED");
    expect(JSON.stringify(fromFixed[5])).toContain("PROCESSED");
    expect((fromFixed[8] as unknown[][]).length).toBeGreaterThan(1);
  });
});
