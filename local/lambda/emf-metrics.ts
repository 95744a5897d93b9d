/**
 * What CloudWatch Logs does with Embedded Metric Format lines in Lambda, for the local run: every
 * log line of a function that is an EMF document becomes metrics in the emulator's CloudWatch
 * (PutMetricData). So the functions run with their deployed metrics sink (EMF, no API call), and a
 * function killed before it printed its metrics publishes none — exactly as in AWS.
 *
 * Like CloudWatch, it aggregates before storing: documents arriving within `COALESCE_MS` of each other
 * for the same namespace and second go to the emulator in one PutMetricData, stamped with that second
 * (the audit processor prints a document per outcome; a call each would make the emulator the
 * bottleneck of the run). CloudWatch keeps nothing finer than a second (high-resolution metrics) and
 * every period starts on a whole second, so flooring a timestamp to its second never moves a value
 * to another period of a read-back. Grouped by the millisecond (as before), nearly every document was
 * a call of its own: 3,938 PutMetricData calls for 2,000 records.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { MemorySink, PutMetricDataSink, type MetricSeries } from "../../handlers/lib/metrics.js";
import type { MetricUnit } from "../../handlers/lib/metric-catalog.js";

interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit?: string }>;
    }>;
  };
  [key: string]: unknown;
}

/** Documents are gathered this long before they are published together. */
const COALESCE_MS = 250;

export class EmfMetrics {
  /** Everything extracted, for the summary (e.g. latency percentiles). */
  readonly memory = new MemorySink();
  private readonly sink: PutMetricDataSink;
  private chain: Promise<void> = Promise.resolve();
  private failures = 0;
  /** Series waiting to be published, by namespace and second. */
  private pending = new Map<string, { namespace: string; timestamp: Date; series: MetricSeries[] }>();
  private timer: NodeJS.Timeout | undefined;

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
    const timestamp = new Date(Math.floor(doc._aws.Timestamp / 1000) * 1000);
    for (const directive of doc._aws.CloudWatchMetrics) {
      // Only the first (most specific) dimension set: moto's GetMetricStatistics matches any series
      // that has the asked-for dimensions, so a value published again under [Environment] alone
      // would be summed twice by the run's CloudWatch read-back. AWS keeps dimension sets apart
      // and publishes each (the deployed EMF sink writes all of them; test/metrics.test.ts).
      for (const dimensionSet of directive.Dimensions.slice(0, 1)) {
        const dimensions = Object.fromEntries(dimensionSet.map((name) => [name, String(doc[name])]));
        const series: MetricSeries[] = directive.Metrics.map((m) => {
          const raw = doc[m.Name];
          return {
            name: m.Name,
            unit: (m.Unit ?? "None") as MetricUnit,
            dimensions,
            values: (Array.isArray(raw) ? raw : [raw]).map(Number),
          };
        });
        void this.memory.publish(directive.Namespace, series);
        const key = `${directive.Namespace}\n${timestamp.getTime()}`;
        const batch =
          this.pending.get(key) ??
          this.pending.set(key, { namespace: directive.Namespace, timestamp, series: [] }).get(key)!;
        batch.series.push(...series);
      }
    }
    this.timer ??= setTimeout(() => this.publishPending(), COALESCE_MS);
    return true;
  }

  /** Resolves once everything extracted so far is in the emulator's CloudWatch; returns failed publishes. */
  async drain(): Promise<number> {
    this.publishPending();
    await this.chain;
    return this.failures;
  }

  /** One PutMetricData (or a few: the sink splits at the API's limits) per namespace and second, in order. */
  private publishPending(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const { namespace, timestamp, series } of this.pending.values()) {
      this.chain = this.chain
        .then(() => this.sink.publish(namespace, mergeSeries(series), timestamp))
        .catch(() => void this.failures++);
    }
    this.pending.clear();
  }
}

/** Series of the same name, unit and dimensions become one with all their values (CloudWatch would sum them alike). */
function mergeSeries(series: MetricSeries[]): MetricSeries[] {
  const merged = new Map<string, MetricSeries>();
  for (const s of series) {
    const key = JSON.stringify([s.name, s.unit, Object.entries(s.dimensions).sort()]);
    const existing = merged.get(key);
    if (existing) existing.values.push(...s.values);
    else merged.set(key, { ...s, values: [...s.values] });
  }
  return [...merged.values()];
}
