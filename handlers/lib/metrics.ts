/**
 * Per-invocation metrics: values are collected in memory and flushed once at the end of an
 * invocation (never one CloudWatch call per record). Two sinks share one interface: Embedded Metric
 * Format log lines in Lambda (no API call at all), and batched PutMetricData where EMF is not read,
 * such as the local emulator.
 */
import {
  PutMetricDataCommand,
  type CloudWatchClient,
  type MetricDatum as CwDatum,
} from "@aws-sdk/client-cloudwatch";
import { METRIC_CATALOG, type MetricComponent, type MetricName, type MetricUnit } from "./metric-catalog.js";

export interface MetricSeries {
  name: string;
  unit: MetricUnit;
  dimensions: Record<string, string>;
  values: number[];
  /**
   * The dimension sets the values are published under (each a list of keys of `dimensions`), as in
   * EMF's `Dimensions`. @default `[Object.keys(dimensions)]` (the series' own dimensions only)
   */
  dimensionSets?: string[][];
}

/** The dimension sets of a series (its own dimensions unless it says otherwise). */
export function dimensionSetsOf(series: MetricSeries): string[][] {
  return series.dimensionSets ?? [Object.keys(series.dimensions)];
}

type CatalogEntry = { unit: MetricUnit; extraDimensions: readonly string[]; total?: boolean };

export interface MetricsSink {
  publish(namespace: string, series: MetricSeries[], timestamp: Date): Promise<void>;
}

export interface MetricsOptions<C extends MetricComponent> {
  component: C;
  namespace: string;
  environment: string;
  sink: MetricsSink;
  now?: () => Date;
}

export class Metrics<C extends MetricComponent> {
  private readonly series = new Map<string, MetricSeries>();

  constructor(private readonly options: MetricsOptions<C>) {}

  get namespace(): string {
    return this.options.namespace;
  }

  private get catalog(): Record<string, CatalogEntry> {
    return METRIC_CATALOG[this.options.component] as Record<string, CatalogEntry>;
  }

  /** Adds a value; counts with the same name and dimensions are summed, other units kept apart. */
  add(name: MetricName<C>, value = 1, extraDimensions: Record<string, string> = {}): void {
    const definition = this.catalog[name]!;
    const dimensions = { Environment: this.options.environment, ...extraDimensions };
    const key = `${name}|${JSON.stringify(dimensions)}`;
    const existing = this.series.get(key);
    if (!existing) {
      // A `total` metric's value also goes to [Environment] alone, in the same document / call.
      const withTotal = definition.total === true && Object.keys(extraDimensions).length > 0;
      this.series.set(key, {
        name,
        unit: definition.unit,
        dimensions,
        values: [value],
        ...(withTotal ? { dimensionSets: [Object.keys(dimensions), ["Environment"]] } : {}),
      });
    } else if (definition.unit === "Count") {
      existing.values[0]! += value;
    } else {
      existing.values.push(value);
    }
  }

  /**
   * A 0 under [Environment] for every `total` metric this flush counted nothing of. Only a flush that
   * publishes something carries them (once per invocation), never a document or call of their own.
   */
  private addZeroTotals(): void {
    const counted = new Set([...this.series.values()].map((s) => s.name));
    for (const [name, definition] of Object.entries(this.catalog)) {
      if (definition.total !== true || counted.has(name)) continue;
      this.series.set(`${name}|zero-total`, {
        name,
        unit: definition.unit,
        dimensions: { Environment: this.options.environment },
        values: [0],
      });
    }
  }

  /** What has been collected and not flushed yet (for tests and summaries). */
  pending(): MetricSeries[] {
    return [...this.series.values()].map((s) => ({ ...s, values: [...s.values] }));
  }

  async flush(): Promise<void> {
    if (this.series.size === 0) return;
    this.addZeroTotals();
    const batch = [...this.series.values()];
    this.series.clear();
    await this.options.sink.publish(
      this.options.namespace,
      batch,
      (this.options.now ?? (() => new Date()))(),
    );
  }
}

/** EMF allows at most 100 values per metric in one document. */
const EMF_MAX_VALUES = 100;

/**
 * Embedded Metric Format: one JSON log line per set of dimension values, read by CloudWatch Logs in
 * Lambda. A series with several dimension sets (e.g. `[Environment, Reason]` and `[Environment]`)
 * is one document whose `Dimensions` lists them all: CloudWatch publishes each value under every set
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 */
export class EmfSink implements MetricsSink {
  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  async publish(namespace: string, series: MetricSeries[], timestamp: Date): Promise<void> {
    const byDimensions = new Map<string, MetricSeries[]>();
    for (const s of series) {
      const key = JSON.stringify([s.dimensions, dimensionSetsOf(s)]);
      byDimensions.set(key, [...(byDimensions.get(key) ?? []), s]);
    }
    for (const group of byDimensions.values()) {
      const dimensions = group[0]!.dimensions;
      const dimensionSets = dimensionSetsOf(group[0]!);
      const longest = Math.max(...group.map((s) => s.values.length));
      for (let offset = 0; offset < longest; offset += EMF_MAX_VALUES) {
        const slice = group.filter((s) => s.values.length > offset);
        const document: Record<string, unknown> = {
          _aws: {
            Timestamp: timestamp.getTime(),
            CloudWatchMetrics: [
              {
                Namespace: namespace,
                Dimensions: dimensionSets,
                Metrics: slice.map((s) => ({ Name: s.name, Unit: s.unit })),
              },
            ],
          },
          ...dimensions,
        };
        for (const s of slice) {
          const values = s.values.slice(offset, offset + EMF_MAX_VALUES);
          document[s.name] = values.length === 1 ? values[0] : values;
        }
        this.write(JSON.stringify(document));
      }
    }
  }
}

/** PutMetricData allows 1000 datums a call and 150 distinct values per datum. */
const PUT_MAX_DATUMS = 1000;
const PUT_MAX_VALUES = 150;

/** Batched PutMetricData, for runtimes where EMF log lines are not turned into metrics. */
export class PutMetricDataSink implements MetricsSink {
  constructor(private readonly cloudwatch: CloudWatchClient) {}

  async publish(namespace: string, series: MetricSeries[], timestamp: Date): Promise<void> {
    const datums: CwDatum[] = [];
    for (const s of series) {
      const counts = new Map<number, number>();
      for (const v of s.values) counts.set(v, (counts.get(v) ?? 0) + 1);
      const distinct = [...counts.entries()];
      // The same values under every dimension set, as CloudWatch does for an EMF document.
      for (const set of dimensionSetsOf(s)) {
        for (let i = 0; i < distinct.length; i += PUT_MAX_VALUES) {
          const chunk = distinct.slice(i, i + PUT_MAX_VALUES);
          datums.push({
            MetricName: s.name,
            Unit: s.unit,
            Timestamp: timestamp,
            Dimensions: set.map((Name) => ({ Name, Value: s.dimensions[Name]! })),
            Values: chunk.map(([v]) => v),
            Counts: chunk.map(([, c]) => c),
          });
        }
      }
    }
    for (let i = 0; i < datums.length; i += PUT_MAX_DATUMS) {
      await this.cloudwatch.send(
        new PutMetricDataCommand({ Namespace: namespace, MetricData: datums.slice(i, i + PUT_MAX_DATUMS) }),
      );
    }
  }
}

/** Collects published series in memory: for tests and the local run's summary. Each series once, whatever its dimension sets. */
export class MemorySink implements MetricsSink {
  readonly published: Array<{ namespace: string; series: MetricSeries[] }> = [];
  async publish(namespace: string, series: MetricSeries[]): Promise<void> {
    this.published.push({ namespace, series });
  }
  /** Sum of every value of one metric name across flushes. */
  total(name: string, dimensions: Record<string, string> = {}): number {
    return this.published
      .flatMap((p) => p.series)
      .filter((s) => s.name === name && Object.entries(dimensions).every(([k, v]) => s.dimensions[k] === v))
      .reduce((sum, s) => sum + s.values.reduce((a, b) => a + b, 0), 0);
  }
}
