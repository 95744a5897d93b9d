/**
 * The numbers of one metric widget: fetches its metrics for the widget's period (the whole range
 * when `setPeriodToTimeRange`), evaluates its expressions with `metric-math.ts`, and returns the
 * visible series as CloudWatch would draw them. An entry that cannot be evaluated locally is left
 * out and named in `problems`, so the tile can say so instead of drawing a wrong number.
 */
import type { MetricEntry, MetricWidget } from "./dashboard-body.js";
import { evaluateExpression, UnsupportedExpression, type MathValue, type Series } from "./metric-math.js";
import { periodGrid, type MetricSource, type TimeRange } from "./metric-source.js";

export interface DrawnSeries {
  id: string;
  label: string;
  color?: string;
  yAxis: "left" | "right";
  /** [period start (ms), value], ascending. */
  points: Array<[number, number]>;
}

export interface WidgetData {
  series: DrawnSeries[];
  /** Why some entries are not drawn ("… is not evaluated locally"). */
  problems: string[];
  /** Seconds per datapoint. */
  period: number;
  range: TimeRange;
}

/** Seconds per datapoint of an entry: its own period, else the widget's, else the whole range. */
export function effectivePeriod(widget: MetricWidget, range: TimeRange, entryPeriod?: number): number {
  if (widget.setPeriodToTimeRange)
    return Math.max(1, Math.round((range.end.getTime() - range.start.getTime()) / 1000));
  return entryPeriod ?? widget.period;
}

export async function widgetData(
  widget: MetricWidget,
  source: MetricSource,
  range: TimeRange,
): Promise<WidgetData> {
  const period = effectivePeriod(widget, range);
  const grid = periodGrid(period, range);
  const values = new Map<string, MathValue | Error>();
  const entries = new Map(widget.metrics.map((e) => [e.id, e]));

  await Promise.all(
    widget.metrics
      .filter((e): e is Extract<MetricEntry, { kind: "metric" }> => e.kind === "metric")
      .map(async (e) => {
        try {
          const s = await source.fetch(
            {
              namespace: e.namespace,
              metricName: e.metricName,
              dimensions: e.dimensions,
              stat: e.stat ?? widget.stat,
              period: effectivePeriod(widget, range, e.period),
            },
            range,
          );
          values.set(e.id, { kind: "series", series: { ...s, label: e.label ?? e.metricName } });
        } catch (error) {
          values.set(e.id, asProblem(error));
        }
      }),
  );
  // SEARCH results are fetched up front, so the evaluation itself stays synchronous.
  const searches = new Map<string, Series[] | Error>();
  for (const e of widget.metrics) {
    if (e.kind !== "expression") continue;
    for (const m of e.expression.matchAll(/SEARCH\(\s*'([^']*)'\s*,\s*'([^']*)'\s*(?:,\s*(\d+)\s*)?\)/g)) {
      const key = searchKey(m[1]!, m[2]!, m[3] ? Number(m[3]) : undefined);
      if (searches.has(key)) continue;
      try {
        searches.set(key, await source.search(m[1]!, m[2]!, m[3] ? Number(m[3]) : period, range));
      } catch (error) {
        searches.set(key, asProblem(error));
      }
    }
  }

  const evaluating = new Set<string>();
  const valueOfId = (id: string): MathValue => {
    const known = values.get(id);
    if (known instanceof Error) throw known;
    if (known) return known;
    const entry = entries.get(id);
    if (!entry || entry.kind !== "expression")
      throw new UnsupportedExpression(`no metric or expression with id "${id}"`);
    if (evaluating.has(id)) throw new UnsupportedExpression(`expression "${id}" refers to itself`);
    evaluating.add(id);
    try {
      const value = evaluateExpression(entry.expression, {
        grid,
        lookup: valueOfId,
        metrics: () =>
          widget.metrics
            .filter((m) => m.kind === "metric")
            .flatMap((m) => {
              const v = values.get(m.id);
              return v && !(v instanceof Error) && v.kind === "series" ? [v.series] : [];
            }),
        search: (query, stat, p) => {
          const found = searches.get(searchKey(query, stat, p));
          if (found instanceof Error) throw found;
          if (!found) throw new UnsupportedExpression(`SEARCH('${query}') was not fetched`);
          return found;
        },
      });
      values.set(id, value);
      return value;
    } catch (error) {
      values.set(id, asProblem(error));
      throw error;
    } finally {
      evaluating.delete(id);
    }
  };

  const series: DrawnSeries[] = [];
  const problems: string[] = [];
  for (const e of widget.metrics) {
    if (!e.visible) continue;
    const label = e.label ?? (e.kind === "metric" ? e.metricName : e.id);
    let value: MathValue;
    try {
      value = valueOfId(e.id);
    } catch (error) {
      problems.push(`${label || e.id}: ${(error as Error).message}`);
      continue;
    }
    const base = { yAxis: e.yAxis, ...(e.color !== undefined ? { color: e.color } : {}) };
    if (value.kind === "scalar")
      series.push({ id: e.id, label, ...base, points: grid.map((t) => [t, value.value]) });
    else if (value.kind === "series") series.push({ id: e.id, label, ...base, points: sorted(value.series) });
    else
      for (const [i, s] of value.series.entries()) {
        series.push({
          id: `${e.id}_${i}`,
          label: [label, s.label].filter(Boolean).join(" "),
          ...base,
          ...(i > 0 ? { color: undefined } : {}),
          points: sorted(s),
        });
      }
  }
  return { series, problems, period, range };
}

function sorted(s: Series): Array<[number, number]> {
  return [...s.points.entries()].sort((a, b) => a[0] - b[0]);
}

function searchKey(query: string, stat: string, period?: number): string {
  return `${query}\u0000${stat}\u0000${period ?? ""}`;
}

function asProblem(error: unknown): Error {
  if (error instanceof UnsupportedExpression) return error;
  return new UnsupportedExpression(`could not be read locally (${(error as Error).message})`);
}

/** One number per series over the range: the whole-range datapoint (totals) or the latest one (current state). */
export function latestValue(s: DrawnSeries): number | undefined {
  return s.points.length === 0 ? undefined : s.points[s.points.length - 1]![1];
}
