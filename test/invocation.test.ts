/** The shared shell helpers (handlers/lib/invocation.ts): sink choice, request logger, safe flush. */
import { describe, expect, it } from "vitest";
import { flushMetrics, invocationLogger, metricsSinkFromEnv } from "../handlers/lib/invocation.js";
import { Logger } from "../handlers/lib/logger.js";
import { EmfSink, PutMetricDataSink } from "../handlers/lib/metrics.js";

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, logger: new Logger({ service: "test", write: (line) => lines.push(JSON.parse(line)) }) };
}

describe("invocation helpers", () => {
  it("EMF in Lambda; PutMetricData only when METRICS_SINK=cloudwatch", () => {
    expect(metricsSinkFromEnv({})).toBeInstanceOf(EmfSink);
    expect(metricsSinkFromEnv({ METRICS_SINK: "emf" })).toBeInstanceOf(EmfSink);
    expect(metricsSinkFromEnv({ METRICS_SINK: "cloudwatch", AWS_REGION: "eu-west-1" })).toBeInstanceOf(
      PutMetricDataSink,
    );
  });

  it("every line of an invocation carries its request id (`local` without a Lambda context)", () => {
    const { logger, lines } = capture();
    invocationLogger(logger, { awsRequestId: "req-7" }).info("a");
    invocationLogger(logger, undefined).info("b");
    expect(lines.map((l) => l.requestId)).toEqual(["req-7", "local"]);
  });

  it("a failed flush is logged with its error and never thrown", async () => {
    const { logger, lines } = capture();
    await expect(
      flushMetrics({ flush: () => Promise.reject(new Error("CloudWatch down")) }, logger),
    ).resolves.toBeUndefined();
    expect(lines).toEqual([
      expect.objectContaining({
        level: "WARN",
        message: "metrics not published",
        error: expect.objectContaining({ message: "CloudWatch down" }),
      }),
    ]);
  });
});
