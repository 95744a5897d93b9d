/**
 * Reads a CloudWatch dashboard body (AWS's "Dashboard Body Structure and Syntax") into the shapes the
 * preview draws. Generic over every widget the syntax allows: it knows widget types and metric views,
 * never particular titles, so widgets added or renamed by the dashboards code render without a change here.
 */

export interface Grid {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One entry of a metric widget's `metrics`: a metric to fetch or an expression over others. */
export type MetricEntry =
  | {
      kind: "metric";
      id: string;
      namespace: string;
      metricName: string;
      dimensions: Record<string, string>;
      stat?: string;
      period?: number;
      label?: string;
      visible: boolean;
      color?: string;
      yAxis: "left" | "right";
    }
  | {
      kind: "expression";
      id: string;
      expression: string;
      period?: number;
      label?: string;
      visible: boolean;
      color?: string;
      yAxis: "left" | "right";
    };

export interface MetricWidget extends Grid {
  type: "metric";
  title: string;
  view: "timeSeries" | "singleValue" | "pie" | "bar" | "gauge" | "table";
  stacked: boolean;
  /** Seconds, the widget's own (`periodOverride: inherit` keeps it whatever the range). */
  period: number;
  stat: string;
  /** One period spanning the whole time range (totals) rather than `period`. */
  setPeriodToTimeRange: boolean;
  /** Widget-level range such as `-PT24H`, if any. */
  start?: string;
  metrics: MetricEntry[];
  yAxisLabel?: string;
  rightAxisLabel?: string;
  legend: "bottom" | "right" | "hidden";
  annotations: Array<{ value: number; label: string; color?: string }>;
}

export interface TextWidget extends Grid {
  type: "text";
  /** The first markdown heading (text widgets have no title property). */
  title: string;
  markdown: string;
}

export interface AlarmWidget extends Grid {
  type: "alarm";
  title: string;
  alarms: string[];
}

export interface LogWidget extends Grid {
  type: "log";
  title: string;
  query: string;
  view: string;
}

export type Widget = MetricWidget | TextWidget | AlarmWidget | LogWidget;

export interface Dashboard {
  name: string;
  /** The body's own range, e.g. `-PT24H`. */
  start: string;
  widgets: Widget[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** Parses one body (the JSON the program gives `aws.cloudwatch.Dashboard`); throws naming the widget that is malformed. */
export function parseDashboard(name: string, body: string | unknown): Dashboard {
  const parsed = typeof body === "string" ? (JSON.parse(body) as unknown) : body;
  if (!isObj(parsed) || !Array.isArray(parsed.widgets))
    throw new Error(`dashboard ${name}: the body has no widgets array`);
  return {
    name,
    start: str(parsed.start) ?? "-PT3H",
    widgets: parsed.widgets.map((w, i) => parseWidget(w, `dashboard ${name}, widget[${i}]`)),
  };
}

function parseWidget(raw: unknown, where: string): Widget {
  if (!isObj(raw) || !isObj(raw.properties)) throw new Error(`${where}: not a widget object with properties`);
  const p = raw.properties;
  const grid: Grid = {
    x: num(raw.x) ?? 0,
    y: num(raw.y) ?? 0,
    width: num(raw.width) ?? 6,
    height: num(raw.height) ?? 6,
  };
  switch (raw.type) {
    case "text": {
      const markdown = str(p.markdown) ?? "";
      const heading = /^#{1,6}\s+(.+)$/m.exec(markdown);
      return { type: "text", ...grid, title: heading?.[1]?.trim() ?? "", markdown };
    }
    case "alarm":
      return {
        type: "alarm",
        ...grid,
        title: str(p.title) ?? "",
        alarms: Array.isArray(p.alarms) ? p.alarms.filter((a): a is string => typeof a === "string") : [],
      };
    case "log":
      return {
        type: "log",
        ...grid,
        title: str(p.title) ?? "",
        query: str(p.query) ?? "",
        view: str(p.view) ?? "table",
      };
    case "metric":
      return parseMetricWidget(p, grid, where);
    default:
      throw new Error(`${where}: unknown widget type "${String(raw.type)}"`);
  }
}

function parseMetricWidget(p: Obj, grid: Grid, where: string): MetricWidget {
  if (!Array.isArray(p.metrics)) throw new Error(`${where}: a metric widget needs a metrics array`);
  const yAxis = isObj(p.yAxis) ? p.yAxis : {};
  const axisLabel = (side: string) => (isObj(yAxis[side]) ? str((yAxis[side] as Obj).label) : undefined);
  const legend = isObj(p.legend) ? str(p.legend.position) : undefined;
  const horizontal =
    isObj(p.annotations) && Array.isArray(p.annotations.horizontal) ? p.annotations.horizontal : [];
  return {
    type: "metric",
    ...grid,
    title: str(p.title) ?? "",
    view: (str(p.view) ?? "timeSeries") as MetricWidget["view"],
    stacked: p.stacked === true,
    period: num(p.period) ?? 300,
    stat: str(p.stat) ?? "Average",
    setPeriodToTimeRange: p.setPeriodToTimeRange === true,
    ...(str(p.start) !== undefined ? { start: str(p.start)! } : {}),
    metrics: metricEntries(p.metrics, where),
    ...(axisLabel("left") !== undefined ? { yAxisLabel: axisLabel("left")! } : {}),
    ...(axisLabel("right") !== undefined ? { rightAxisLabel: axisLabel("right")! } : {}),
    legend: legend === "right" || legend === "hidden" ? legend : "bottom",
    annotations: horizontal.filter(isObj).map((a) => ({
      value: num(a.value) ?? 0,
      label: str(a.label) ?? "",
      ...(str(a.color) ? { color: str(a.color)! } : {}),
    })),
  };
}

/**
 * The metrics array: `[namespace, name, dimName, dimValue, ..., {rendering}]` or `[{expression, id, ...}]`.
 * A `"."` repeats the entry above at that position (CloudWatch's shorthand). Entries without an id get
 * CloudWatch's automatic `m1`, `m2`, ... (expressions `e1`, ...).
 */
function metricEntries(raw: unknown[], where: string): MetricEntry[] {
  const entries: MetricEntry[] = [];
  let previous: unknown[] = [];
  raw.forEach((item, i) => {
    if (!Array.isArray(item) || item.length === 0) throw new Error(`${where}: metrics[${i}] is not an array`);
    const last = item[item.length - 1];
    const rendering: Obj = isObj(last) ? last : {};
    const positional = isObj(last) ? item.slice(0, -1) : item;
    const common = {
      ...(str(rendering.label) !== undefined ? { label: str(rendering.label)! } : {}),
      ...(num(rendering.period) !== undefined ? { period: num(rendering.period)! } : {}),
      ...(str(rendering.color) !== undefined ? { color: str(rendering.color)! } : {}),
      visible: rendering.visible !== false,
      yAxis: rendering.yAxis === "right" ? ("right" as const) : ("left" as const),
    };
    if (positional.length === 0 && str(rendering.expression) !== undefined) {
      entries.push({
        kind: "expression",
        id: str(rendering.id) ?? `e${i + 1}`,
        expression: str(rendering.expression)!,
        ...common,
      });
      return;
    }
    const resolved = positional.map((v, k) => (v === "." ? previous[k] : v));
    previous = resolved;
    const [namespace, metricName, ...dims] = resolved.map(String);
    if (!namespace || !metricName || dims.length % 2 !== 0)
      throw new Error(`${where}: metrics[${i}] is not [namespace, name, dimension, value, ...]`);
    const dimensions: Record<string, string> = {};
    for (let k = 0; k < dims.length; k += 2) dimensions[dims[k]!] = dims[k + 1]!;
    entries.push({
      kind: "metric",
      id: str(rendering.id) ?? `m${i + 1}`,
      namespace,
      metricName,
      dimensions,
      ...(str(rendering.stat) !== undefined ? { stat: str(rendering.stat)! } : {}),
      ...common,
    });
  });
  return entries;
}
