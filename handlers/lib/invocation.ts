/**
 * What every Lambda shell and core does at the edges of an invocation, written once: where metrics
 * go, the logger that carries the invocation's request id, and the flush that never fails a
 * finished invocation. The convention (STYLE.md: pure core + thin shell): `settings.ts` reads the
 * environment, `handler.ts` builds clients once per container and, per invocation, a `Metrics` and
 * `invocationLogger(...)`, then calls the core.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { awsClientConfig } from "./aws-config.js";
import type { Logger } from "./logger.js";
import { EmfSink, PutMetricDataSink, type MetricsSink } from "./metrics.js";

/**
 * EMF log lines in Lambda (no API call); batched PutMetricData when `METRICS_SINK=cloudwatch`, where
 * nothing turns log lines into metrics (the local emulator).
 */
export function metricsSinkFromEnv(env: NodeJS.ProcessEnv = process.env): MetricsSink {
  return env.METRICS_SINK === "cloudwatch"
    ? new PutMetricDataSink(new CloudWatchClient(awsClientConfig(undefined, env)))
    : new EmfSink();
}

/** The logger for one invocation: every line carries `requestId` (Lambda's `awsRequestId`; `local` without one). */
export function invocationLogger(logger: Logger, context: { awsRequestId?: string } | undefined): Logger {
  return logger.child({ requestId: context?.awsRequestId ?? "local" });
}

/**
 * Publishes what an invocation counted. A metrics outage must not fail (and so re-run) an invocation
 * whose work is done, nor hide its real error: a failed flush is logged, never thrown.
 */
export async function flushMetrics(metrics: { flush(): Promise<void> }, logger: Logger): Promise<void> {
  try {
    await metrics.flush();
  } catch (error) {
    logger.warn("metrics not published", { error });
  }
}
