/**
 * What CloudWatch Logs does with Embedded Metric Format lines in Lambda, for the local run: every
 * log line of a function that is an EMF document becomes metrics in the emulator's CloudWatch
 * (PutMetricData). So the functions run with their deployed metrics sink (EMF, no API call), and a
 * function killed before it printed its metrics publishes none — exactly as in AWS.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { MemorySink, PutMetricDataSink, type MetricSeries } from "../../handlers/lib/metrics.js";
import type { MetricUnit } from "../../handlers/lib/metric-catalog.js";

interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit?: string }> }> };
  [key: string]: unknown;
}

export class EmfMetrics {
  /** Everything extracted, for the summary (e.g. latency percentiles). */
  readonly memory = new MemorySink();
  private readonly sink: PutMetricDataSink;
  private chain: Promise<void> = Promise.resolve();
  private failures = 0;

  constructor(cloudwatch: CloudWatchClient) {
    this.sink = new PutMetricDataSink(cloudwatch);
  }

  /** Takes one log line; EMF documents are published, everything else is ignored. */
  accept(line: string): boolean {
    if (!line.startsWith("{") || !line.includes('"_aws"')) return false;
    let doc: EmfDocument;
    try {
      doc = JSON.parse(line) as EmfDocument;
    } catch {
      return false;
    }
    if (!doc._aws || !Array.isArray(doc._aws.CloudWatchMetrics)) return false;
    const timestamp = new Date(doc._aws.Timestamp);
    for (const directive of doc._aws.CloudWatchMetrics) {
      // Only the first (most specific) dimension set: moto's GetMetricStatistics matches any series
      // that has the asked-for dimensions, so a value published again under [Environment] alone
      // would be summed twice by the run's CloudWatch read-back. AWS keeps dimension sets apart
      // and publishes each (the deployed EMF sink writes all of them; test/metrics.test.ts).
      for (const dimensionSet of directive.Dimensions.slice(0, 1)) {
        const dimensions = Object.fromEntries(dimensionSet.map((name) => [name, String(doc[name])]));
        const series: MetricSeries[] = directive.Metrics.map((m) => {
          const raw = doc[m.Name];
          return { name: m.Name, unit: (m.Unit ?? "None") as MetricUnit, dimensions, values: (Array.isArray(raw) ? raw : [raw]).map(Number) };
        });
        void this.memory.publish(directive.Namespace, series);
        // One PutMetricData at a time, in order: the summary waits for `drain()`.
        this.chain = this.chain.then(() => this.sink.publish(directive.Namespace, series, timestamp)).catch(() => void this.failures++);
      }
    }
    return true;
  }

  /** Resolves once everything extracted so far is in the emulator's CloudWatch; returns failed publishes. */
  async drain(): Promise<number> {
    await this.chain;
    return this.failures;
  }
}
