/**
 * The dashboard preview's metric math and widget evaluation, on small hand-made series (no
 * emulator): CloudWatch's rules for FILL, arithmetic between series, SUM of an array vs of one
 * series, IF, division by zero, and what the tile says for what cannot be evaluated locally.
 */
import { describe, expect, it } from "vitest";
import { parseDashboard, type MetricWidget } from "../preview/dashboard-body.js";
import {
  evaluateExpression,
  UnsupportedExpression,
  type MathValue,
  type Series,
} from "../preview/metric-math.js";
import {
  parseSearch,
  periodGrid,
  type MetricQuery,
  type MetricSource,
  type TimeRange,
} from "../preview/metric-source.js";
import { renderDashboard } from "../preview/render-dashboard.js";
import { formatNumber, logColumns } from "../preview/render-tile.js";
import { widgetData } from "../preview/widget-data.js";

const T0 = Date.UTC(2026, 0, 1, 0, 0);
const MIN5 = 300_000;
const grid = [T0, T0 + MIN5, T0 + 2 * MIN5, T0 + 3 * MIN5];
const ts = (values: Array<number | undefined>): MathValue => ({
  kind: "series",
  series: {
    points: new Map(
      values.flatMap((v, i) => (v === undefined ? [] : [[T0 + i * MIN5, v] as [number, number]])),
    ),
  },
});
const points = (v: MathValue) =>
  v.kind === "series" ? [...v.series.points.entries()].map(([t, x]) => [(t - T0) / MIN5, x]) : v;

function evaluate(expression: string, ids: Record<string, MathValue>, search: Series[] = []) {
  return evaluateExpression(expression, {
    grid,
    lookup: (id) => {
      if (!(id in ids)) throw new UnsupportedExpression(`unknown id ${id}`);
      return ids[id]!;
    },
    metrics: () => Object.values(ids).flatMap((v) => (v.kind === "series" ? [v.series] : [])),
    search: () => search,
  });
}

describe("metric math as CloudWatch evaluates it", () => {
  it("FILL gives every period a value; arithmetic between series keeps only common timestamps", () => {
    const ids = { a: ts([1, undefined, 3, undefined]), b: ts([undefined, 10, 20, undefined]) };
    expect(points(evaluate("FILL(a, 0)", ids))).toEqual([
      [0, 1],
      [1, 0],
      [2, 3],
      [3, 0],
    ]);
    expect(points(evaluate("a + b", ids))).toEqual([[2, 23]]);
    expect(points(evaluate("FILL(a, 0) + FILL(b, 0)", ids))).toEqual([
      [0, 1],
      [1, 10],
      [2, 23],
      [3, 0],
    ]);
    expect(points(evaluate("FILL(a, REPEAT)", ids))).toEqual([
      [0, 1],
      [1, 1],
      [2, 3],
      [3, 3],
    ]);
    expect(points(evaluate("-a * 2 + 1", ids))).toEqual([
      [0, -1],
      [2, -5],
    ]);
  });

  it("SUM of an array is a series point by point; SUM of one series is a number", () => {
    const ids = { a: ts([1, 2, undefined, undefined]), b: ts([10, undefined, 30, undefined]) };
    expect(points(evaluate("SUM([a, b])", ids))).toEqual([
      [0, 11],
      [1, 2],
      [2, 30],
    ]);
    expect(evaluate("SUM(a)", ids)).toEqual({ kind: "scalar", value: 3 });
    const searched = [
      { label: "Timeout", points: new Map([[T0, 2]]) },
      {
        label: "Refused",
        points: new Map([
          [T0, 5],
          [T0 + MIN5, 1],
        ]),
      },
    ];
    expect(points(evaluate("SUM(s)", { s: { kind: "array", series: searched } }))).toEqual([
      [0, 7],
      [1, 1],
    ]);
    expect(points(evaluate("MAX(METRICS())", ids))).toEqual([
      [0, 10],
      [1, 2],
      [2, 30],
    ]);
  });

  it("drops a point divided by zero instead of inventing a rate", () => {
    const ids = { ok: ts([9, 0, undefined, undefined]), failed: ts([1, 0, undefined, undefined]) };
    expect(points(evaluate("100 * FILL(ok, 0) / (FILL(ok, 0) + FILL(failed, 0))", ids))).toEqual([[0, 90]]);
  });

  it("IF picks per point of the condition; comparisons and AND/OR give 1 or 0", () => {
    const ids = { e: ts([0, 5, 0, 7]), i: ts([10, 10, 10, 10]) };
    expect(points(evaluate("IF(e > 0, 100 * e / i, 0)", ids))).toEqual([
      [0, 0],
      [1, 50],
      [2, 0],
      [3, 70],
    ]);
    expect(points(evaluate("IF(e > 0 AND i >= 10, 1)", ids))).toEqual([
      [1, 1],
      [3, 1],
    ]);
  });

  it("refuses what it cannot evaluate, naming it", () => {
    expect(() => evaluate("ANOMALY_DETECTION_BAND(a, 2)", { a: ts([1]) })).toThrow(
      /ANOMALY_DETECTION_BAND\(\) is not evaluated locally/,
    );
    expect(() => evaluate("a + ", { a: ts([1]) })).toThrow(UnsupportedExpression);
    expect(() => parseSearch('MetricName="X"')).toThrow(/schema/);
  });

  it("reads SEARCH strings the dashboards write", () => {
    expect(
      parseSearch(
        '{"bbkyc/token-manager/sit",Environment,Reason} MetricName="TokenRefreshFailure" Environment="sit"',
      ),
    ).toEqual({
      namespace: "bbkyc/token-manager/sit",
      dimensionNames: ["Environment", "Reason"],
      terms: { MetricName: "TokenRefreshFailure", Environment: "sit" },
    });
  });
});

/** A source with fixed datapoints per metric name; percentiles refused as the emulator's are. */
class FakeSource implements MetricSource {
  readonly sample = false;
  queries: MetricQuery[] = [];
  constructor(private readonly data: Record<string, number[]>) {}
  async fetch(q: MetricQuery, range: TimeRange): Promise<Series> {
    this.queries.push(q);
    if (q.stat.startsWith("p"))
      throw new UnsupportedExpression(`statistic ${q.stat} is not evaluated locally`);
    const g = periodGrid(q.period, range);
    return {
      points: new Map(
        (this.data[q.metricName] ?? []).map((v, i) => [g[Math.min(i, g.length - 1)]!, v] as [number, number]),
      ),
    };
  }
  async search(): Promise<Series[]> {
    return [
      { label: "Timeout", points: new Map([[T0, 4]]) },
      { label: "Refused", points: new Map([[T0, 1]]) },
    ];
  }
}

const range: TimeRange = { start: new Date(T0), end: new Date(T0 + 3_600_000) };
const metric = (name: string, render: Record<string, unknown>) => ["ns", name, "Environment", "sit", render];

describe("widget evaluation and drawing", () => {
  it("totals a whole-range single value over one period, with SEARCH + SUM, and names the entry it cannot draw", async () => {
    const body = {
      widgets: [
        {
          type: "metric",
          x: 0,
          y: 0,
          width: 12,
          height: 4,
          properties: {
            title: "Totals",
            view: "singleValue",
            period: 300,
            stat: "Sum",
            setPeriodToTimeRange: true,
            metrics: [
              metric("Ok", { id: "ok", label: "Created" }),
              [
                {
                  expression:
                    "SEARCH('{ns,Environment,Reason} MetricName=\"Fail\" Environment=\"sit\"', 'Sum')",
                  id: "fr",
                  visible: false,
                },
              ],
              [{ expression: "SUM(fr)", id: "frTotal", label: "Failed" }],
              metric("Latency", { id: "p95", stat: "p95", label: "p95" }),
            ],
          },
        },
      ],
    };
    const widget = parseDashboard("d", body).widgets[0] as MetricWidget;
    const source = new FakeSource({ Ok: [132516] });
    const data = await widgetData(widget, source, range);
    expect(source.queries.map((q) => q.period)).toEqual([3600, 3600]);
    expect(data.series.map((s) => [s.label, s.points.map((p) => p[1])])).toEqual([
      ["Created", [132516]],
      ["Failed", [5]],
    ]);
    expect(data.problems).toEqual(["p95: statistic p95 is not evaluated locally"]);
    const rendered = await renderDashboard(parseDashboard("d", body), {
      source,
      range,
      subtitle: "",
      alarmNote: "",
      logNote: "",
    });
    expect(rendered.tiles[0]!.svg).toContain("132,516");
    expect(rendered.tiles[0]!.svg).toContain("not evaluated locally");
  });

  it("draws one tile per widget by kind, reads CloudWatch's '.' shorthand, and keeps tiles on the 24-column grid", async () => {
    const body = {
      widgets: [
        {
          type: "text",
          x: 0,
          y: 0,
          width: 24,
          height: 2,
          properties: { markdown: "## Today\n\nWhat the **numbers** mean." },
        },
        {
          type: "metric",
          x: 0,
          y: 2,
          width: 8,
          height: 6,
          properties: {
            title: "Pie",
            view: "pie",
            period: 300,
            stat: "Sum",
            setPeriodToTimeRange: true,
            metrics: [metric("Ok", { label: "ok" }), [".", "Fail", ".", ".", { label: "failed" }]],
          },
        },
        {
          type: "metric",
          x: 8,
          y: 2,
          width: 8,
          height: 6,
          properties: {
            title: "Bars",
            view: "bar",
            period: 300,
            stat: "Sum",
            setPeriodToTimeRange: true,
            metrics: [metric("Ok", {})],
          },
        },
        {
          type: "metric",
          x: 16,
          y: 2,
          width: 8,
          height: 6,
          properties: {
            title: "Lines",
            view: "timeSeries",
            stacked: true,
            period: 300,
            stat: "Sum",
            metrics: [metric("Ok", {})],
            annotations: { horizontal: [{ value: 3, label: "SLA" }] },
          },
        },
        {
          type: "alarm",
          x: 0,
          y: 8,
          width: 12,
          height: 3,
          properties: { title: "Alarms", alarms: ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a-1"] },
        },
        {
          type: "log",
          x: 12,
          y: 8,
          width: 12,
          height: 3,
          properties: {
            title: "Logs",
            query: "SOURCE 'g' | stats count(*) as failures by reason",
            view: "table",
          },
        },
      ],
    };
    const dashboard = parseDashboard("d", body);
    expect(
      (dashboard.widgets[1] as MetricWidget).metrics.map((m) =>
        m.kind === "metric" ? [m.id, m.namespace, m.metricName, m.dimensions] : m.id,
      ),
    ).toEqual([
      ["m1", "ns", "Ok", { Environment: "sit" }],
      ["m2", "ns", "Fail", { Environment: "sit" }],
    ]);
    const rendered = await renderDashboard(dashboard, {
      source: new FakeSource({ Ok: [11], Fail: [1] }),
      range,
      subtitle: "",
      alarmNote: "no alarms locally",
      logNote: "no logs locally",
    });
    expect(rendered.tiles.map((t) => [t.type, t.view ?? "", t.title])).toEqual([
      ["text", "", "Today"],
      ["metric", "pie", "Pie"],
      ["metric", "bar", "Bars"],
      ["metric", "timeSeries", "Lines"],
      ["alarm", "", "Alarms"],
      ["log", "table", "Logs"],
    ]);
    expect(rendered.tiles[1]!.values).toEqual([
      { id: "m1", label: "ok", value: 11 },
      { id: "m2", label: "failed", value: 1 },
    ]);
    expect(rendered.tiles[1]!.svg).toMatch(/<path/);
    expect(rendered.tiles[4]!.svg).toContain("a-1");
    expect(rendered.html).toContain("<strong>numbers</strong>");
    expect(rendered.html.match(/<section class="tile"/g)).toHaveLength(6);
    for (const t of rendered.tiles) expect(t.left + t.width).toBeLessThanOrEqual(24 * 60);
  });

  it("formats large numbers readably and finds a Logs Insights table's columns", () => {
    expect(formatNumber(132516)).toBe("132,516");
    expect(formatNumber(98.2857)).toBe("98.29");
    expect(
      logColumns(
        "SOURCE 'g' | stats count(*) as failures by coalesce(reason, message) as failureReason\n| sort failures desc",
      ),
    ).toEqual(["failureReason", "failures"]);
    expect(
      logColumns("SOURCE 'g' | fields @timestamp, coalesce(reason, message) as failureReason, message"),
    ).toEqual(["@timestamp", "failureReason", "message"]);
  });
});
