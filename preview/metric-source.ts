/**
 * Where a preview's numbers come from: the emulator's CloudWatch after a local run, or a clearly
 * marked sample for `npm run plan`. Both answer per-period datapoints on the period grid of a range.
 */
import {
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  type CloudWatchClient,
  type Datapoint,
  type Statistic,
} from "@aws-sdk/client-cloudwatch";
import { UnsupportedExpression, type Series } from "./metric-math.js";

export interface TimeRange {
  start: Date;
  end: Date;
}

export interface MetricQuery {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: string;
  /** Seconds; the range's length for whole-range totals. */
  period: number;
}

export interface MetricSource {
  /** `true`: made-up numbers, every picture must say so. */
  readonly sample: boolean;
  /** Datapoints keyed by the start of their period on `periodGrid(period, range)`. */
  fetch(query: MetricQuery, range: TimeRange): Promise<Series>;
  /** The metrics a `SEARCH('{schema} terms', stat)` finds, one series each, labelled by their dimension values. */
  search(expression: string, stat: string, period: number, range: TimeRange): Promise<Series[]>;
}

/**
 * Period starts within a range. A period as long as the range is one datapoint for the whole range
 * (`setPeriodToTimeRange`); shorter periods start on multiples of the period, as CloudWatch aligns them.
 */
export function periodGrid(period: number, range: TimeRange): number[] {
  const start = range.start.getTime();
  const end = range.end.getTime();
  const ms = period * 1000;
  if (ms >= end - start) return [start];
  const grid: number[] = [];
  for (let t = Math.floor(start / ms) * ms; t < end; t += ms) grid.push(t);
  return grid;
}

/** Which grid period a timestamp falls into, or undefined outside the range. */
export function periodOf(
  timestamp: number,
  grid: number[],
  period: number,
  range: TimeRange,
): number | undefined {
  if (timestamp < range.start.getTime() || timestamp >= range.end.getTime()) return undefined;
  if (grid.length === 1) return grid[0];
  const ms = period * 1000;
  return Math.floor(timestamp / ms) * ms;
}

const BASIC_STATS = new Set(["Sum", "SampleCount", "Average", "Minimum", "Maximum"]);

/** A `SEARCH` string: `{namespace,Dim,...} MetricName="X" Dim="v"` (the form the dashboards write). */
export function parseSearch(expression: string): {
  namespace: string;
  dimensionNames: string[];
  terms: Record<string, string>;
} {
  const m = /^\s*\{([^}]*)\}(.*)$/.exec(expression);
  if (!m)
    throw new UnsupportedExpression(
      `SEARCH without a {namespace,dimensions} schema is not evaluated locally: ${expression}`,
    );
  const [namespace, ...dimensionNames] = m[1]!.split(",").map((s) => s.trim().replace(/^"(.*)"$/, "$1"));
  const terms: Record<string, string> = {};
  let rest = m[2]!.trim();
  while (rest.length > 0) {
    const term = /^([A-Za-z][\w.]*)="([^"]*)"\s*(AND\s+)?/.exec(rest);
    if (!term)
      throw new UnsupportedExpression(
        `SEARCH terms other than Name="value" are not evaluated locally: ${rest}`,
      );
    terms[term[1]!] = term[2]!;
    rest = rest.slice(term[0].length).trim();
  }
  return { namespace: namespace!, dimensionNames, terms };
}

/**
 * The emulator's CloudWatch, read with GetMetricStatistics at a 1-second period and aggregated here
 * into the widget's periods. Not GetMetricData: moto's GetMetricData ignores the namespace when
 * dimensions are given (it would add up, e.g., SFCaseCreationFailure of the case creator and of the
 * discard auditor). moto's GetMetricStatistics matches dimensions as a subset, where CloudWatch
 * matches them exactly; a query that would therefore mix in other dimension sets is refused.
 * Percentiles need the raw values, which the emulator does not return: refused too.
 */
export class EmulatorMetricSource implements MetricSource {
  readonly sample = false;
  private readonly listed = new Map<string, Promise<Array<Record<string, string>>>>();
  private readonly fetched = new Map<string, Promise<Datapoint[]>>();

  constructor(private readonly cloudwatch: CloudWatchClient) {}

  async fetch(q: MetricQuery, range: TimeRange): Promise<Series> {
    if (!BASIC_STATS.has(q.stat))
      throw new UnsupportedExpression(
        `statistic ${q.stat} is not evaluated locally (the emulator returns no raw values for percentiles)`,
      );
    const existing = await this.dimensionSets(q.namespace, q.metricName);
    const wanted = Object.keys(q.dimensions).sort().join("\u0000");
    const exact = existing.some(
      (d) =>
        Object.keys(d).sort().join("\u0000") === wanted &&
        Object.entries(q.dimensions).every(([k, v]) => d[k] === v),
    );
    if (!exact) return { points: new Map() };
    const wider = existing.some(
      (d) =>
        Object.keys(d).length > Object.keys(q.dimensions).length &&
        Object.entries(q.dimensions).every(([k, v]) => d[k] === v),
    );
    if (wider)
      throw new UnsupportedExpression(
        `${q.metricName} exists with more dimensions too; the emulator cannot keep them apart`,
      );
    const datapoints = await this.seconds(q, range);
    const grid = periodGrid(q.period, range);
    const buckets = new Map<number, { sum: number; count: number; min: number; max: number }>();
    for (const p of datapoints) {
      const at = p.Timestamp ? periodOf(p.Timestamp.getTime(), grid, q.period, range) : undefined;
      if (at === undefined) continue;
      const b = buckets.get(at) ?? { sum: 0, count: 0, min: Infinity, max: -Infinity };
      b.sum += p.Sum ?? 0;
      b.count += p.SampleCount ?? 0;
      b.min = Math.min(b.min, p.Minimum ?? Infinity);
      b.max = Math.max(b.max, p.Maximum ?? -Infinity);
      buckets.set(at, b);
    }
    const points = new Map<number, number>();
    for (const [t, b] of [...buckets.entries()].sort((x, y) => x[0] - y[0])) {
      const value = {
        Sum: b.sum,
        SampleCount: b.count,
        Average: b.count > 0 ? b.sum / b.count : NaN,
        Minimum: b.min,
        Maximum: b.max,
      }[q.stat as "Sum"];
      if (Number.isFinite(value)) points.set(t, value);
    }
    return { points };
  }

  async search(expression: string, stat: string, period: number, range: TimeRange): Promise<Series[]> {
    const { namespace, dimensionNames, terms } = parseSearch(expression);
    const metricName = terms.MetricName;
    if (metricName === undefined)
      throw new UnsupportedExpression('SEARCH without MetricName="…" is not evaluated locally');
    const schema = [...dimensionNames].sort().join("\u0000");
    const found = (await this.dimensionSets(namespace, metricName)).filter(
      (d) =>
        Object.keys(d).sort().join("\u0000") === schema &&
        Object.entries(terms).every(([k, v]) => k === "MetricName" || d[k] === v),
    );
    const results: Series[] = [];
    for (const dimensions of found) {
      const s = await this.fetch({ namespace, metricName, dimensions, stat, period }, range);
      const distinguishing = dimensionNames.filter((n) => terms[n] === undefined).map((n) => dimensions[n]);
      results.push({ ...s, label: distinguishing.join(" ") || metricName });
    }
    return results;
  }

  /**
   * One metric's 1-second datapoints over the range, fetched once: the dashboards read the same
   * metric in many widgets and periods, and every call to the emulator waits its turn at the gateway.
   */
  private seconds(q: MetricQuery, range: TimeRange): Promise<Datapoint[]> {
    const key = `${q.namespace}\u0000${q.metricName}\u0000${JSON.stringify(Object.entries(q.dimensions).sort())}\u0000${range.start.getTime()}\u0000${range.end.getTime()}`;
    let points = this.fetched.get(key);
    if (!points) {
      points = this.cloudwatch
        .send(
          new GetMetricStatisticsCommand({
            Namespace: q.namespace,
            MetricName: q.metricName,
            Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
            StartTime: range.start,
            EndTime: range.end,
            Period: 1,
            Statistics: ["Sum", "SampleCount", "Minimum", "Maximum"] satisfies Statistic[],
          }),
        )
        .then((response) => response.Datapoints ?? []);
      this.fetched.set(key, points);
    }
    return points;
  }

  /** Every dimension set the metric has in the emulator (ListMetrics, all pages). */
  private dimensionSets(namespace: string, metricName: string): Promise<Array<Record<string, string>>> {
    const key = `${namespace}\u0000${metricName}`;
    let sets = this.listed.get(key);
    if (!sets) {
      sets = (async () => {
        const out: Array<Record<string, string>> = [];
        let NextToken: string | undefined;
        do {
          const page = await this.cloudwatch.send(
            new ListMetricsCommand({ Namespace: namespace, MetricName: metricName, NextToken }),
          );
          for (const m of page.Metrics ?? [])
            out.push(Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name ?? "", d.Value ?? ""])));
          NextToken = page.NextToken;
        } while (NextToken);
        return out;
      })();
      this.listed.set(key, sets);
    }
    return sets;
  }
}

/**
 * Made-up numbers for `npm run plan` (no run, no account): deterministic per metric, shaped so
 * failures are a small share of successes. Every picture drawn from it carries a SAMPLE mark.
 */
export class SampleMetricSource implements MetricSource {
  readonly sample = true;

  async fetch(q: MetricQuery, range: TimeRange): Promise<Series> {
    const grid = periodGrid(q.period, range);
    const seed = hash(`${q.namespace}|${q.metricName}|${JSON.stringify(q.dimensions)}|${q.stat}`);
    const failureLike = /Fail|Error|Throttl|Exceeded|Age|Visible|Dlq|DLQ/i.test(q.metricName);
    const latencyLike = /Latency|Duration|Time|Elapsed/i.test(q.metricName) || q.stat !== "Sum";
    const perHour = failureLike ? 2 + (seed % 5) : 400 + (seed % 600);
    const points = new Map<number, number>();
    grid.forEach((t, i) => {
      const share = Math.min(q.period, (range.end.getTime() - range.start.getTime()) / 1000) / 3600;
      const wave = 1 + 0.35 * Math.sin((i + (seed % 7)) / 2);
      const value = latencyLike ? 900 + (seed % 4000) * wave : Math.round(perHour * share * wave);
      points.set(t, value);
    });
    return { points };
  }

  async search(expression: string, stat: string, period: number, range: TimeRange): Promise<Series[]> {
    const { namespace, terms } = parseSearch(expression);
    const s = await this.fetch(
      { namespace, metricName: terms.MetricName ?? "Search", dimensions: terms, stat, period },
      range,
    );
    return [{ ...s, label: "sample" }];
  }
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}
