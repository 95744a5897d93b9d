/**
 * Factories for CloudWatch dashboard widgets, producing the JSON of AWS's "Dashboard Body Structure
 * and Syntax". They are pure: segments describe what to show, these decide how it is drawn, so every
 * widget on both dashboards follows the same readability rules (titled, no sparklines, full-precision
 * numbers, axis labels instead of raw units, periods that work from 1 hour to 1 week).
 */

/** One CloudWatch metric (namespace, name, dimensions) and how to draw it. */
export interface MetricStat {
  namespace: string;
  metricName: string;
  /** Dimension name → value, in the order they are written. */
  dimensions: Record<string, string>;
  /** Id for metric math; must start with a lower-case letter. */
  id?: string;
  label?: string;
  /** Overrides the widget's statistic, e.g. `p95`. */
  stat?: string;
  /** Overrides the widget's period (seconds, multiple of 60). */
  period?: number;
  /** `false` keeps a metric that only feeds an expression off the graph. */
  visible?: boolean;
  yAxis?: "left" | "right";
  /** Six-digit HTML colour, e.g. `#d62728`. */
  color?: string;
}

/** A metric math or search expression over other entries of the same widget. */
export interface MathExpression {
  expression: string;
  id: string;
  label?: string;
  visible?: boolean;
  yAxis?: "left" | "right";
  period?: number;
  color?: string;
}

export type GraphMetric = MetricStat | MathExpression;

export function isExpression(metric: GraphMetric): metric is MathExpression {
  return "expression" in metric;
}

export type WidgetType = "metric" | "text" | "alarm" | "log";

/** A widget before it has a place on the grid. */
export interface WidgetSpec {
  type: WidgetType;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

/** A widget placed on the 24-column grid. */
export interface DashboardWidget extends WidgetSpec {
  x: number;
  y: number;
}

/** A horizontal line on a graph, e.g. the SLA. */
export interface HorizontalAnnotation {
  value: number;
  label: string;
  color?: string;
  fill?: "above" | "below" | "none";
  yAxis?: "left" | "right";
}

/** Colours used for the same meaning everywhere, so red always means "failed". */
export const COLORS = {
  success: "#2ca02c",
  failure: "#d62728",
  warning: "#ff7f0e",
  neutral: "#1f77b4",
  info: "#9467bd",
  muted: "#7f7f7f",
} as const;

/** Periods (seconds) the dashboards use; chosen so a 1-week range stays within CloudWatch's point limits. */
export const PERIOD = { fiveMinutes: 300, fifteenMinutes: 900, hour: 3600, day: 86400 } as const;

interface CommonOptions {
  /** Shown above the widget; every widget has one. */
  title: string;
  region: string;
  /** Grid units (1-24). */
  width?: number;
  height?: number;
}

interface MetricWidgetOptions extends CommonOptions {
  metrics: GraphMetric[];
  /** Seconds. @default `300` */
  period?: number;
  /** Widget-wide statistic. @default `"Sum"` */
  stat?: string;
  /** Widget-level time range, e.g. `-PT24H`; independent of the dashboard's time picker. */
  start?: string;
}

export interface TimeSeriesOptions extends MetricWidgetOptions {
  /** Left axis label, e.g. `records` or `seconds`. */
  yAxisLabel: string;
  /** Right axis label when some metric uses `yAxis: "right"`. */
  rightAxisLabel?: string;
  /** Whether CloudWatch should print the unit next to the axis. @default `false` (the label says it) */
  showUnits?: boolean;
  annotations?: HorizontalAnnotation[];
  stacked?: boolean;
  /** @default `"bottom"` */
  legend?: "right" | "bottom" | "hidden";
  /** Include the last, not yet aggregated minute. @default `false` */
  liveData?: boolean;
}

/** A line (or stacked area) graph over time. */
export function timeSeries(o: TimeSeriesOptions): WidgetSpec {
  const showUnits = o.showUnits ?? false;
  const yAxis: Record<string, unknown> = { left: { min: 0, label: o.yAxisLabel, showUnits } };
  if (o.rightAxisLabel !== undefined) yAxis.right = { min: 0, label: o.rightAxisLabel, showUnits };
  return metricWidget(o, 12, 6, {
    view: "timeSeries",
    stacked: o.stacked ?? false,
    liveData: o.liveData ?? false,
    legend: { position: o.legend ?? "bottom" },
    yAxis,
    ...(o.annotations && o.annotations.length > 0 ? { annotations: { horizontal: o.annotations } } : {}),
  });
}

export interface SingleValueOptions extends MetricWidgetOptions {
  /**
   * `true`: one number for the whole time range (totals, "today"); `false`: the latest period's value
   * (current state, e.g. queue depth). @default `true`
   */
  wholeRange?: boolean;
}

/** Big numbers: full precision (132,516 rather than 132.5k), never a sparkline. */
export function singleValue(o: SingleValueOptions): WidgetSpec {
  return metricWidget(o, 6, 3, {
    view: "singleValue",
    sparkline: false,
    singleValueFullPrecision: true,
    setPeriodToTimeRange: o.wholeRange ?? true,
    liveData: false,
  });
}

/** Parts of a whole over the selected time range, labelled on the chart. */
export function pie(o: MetricWidgetOptions & { legend?: "right" | "bottom" | "hidden" }): WidgetSpec {
  return metricWidget(o, 6, 6, {
    view: "pie",
    setPeriodToTimeRange: true,
    labels: { visible: true },
    legend: { position: o.legend ?? "right" },
    liveData: false,
  });
}

/** One bar per metric, totalled over the selected time range (comparisons such as read vs processed). */
export function bar(o: MetricWidgetOptions & { yAxisLabel: string }): WidgetSpec {
  return metricWidget(o, 6, 6, {
    view: "bar",
    setPeriodToTimeRange: true,
    legend: { position: "bottom" },
    yAxis: { left: { min: 0, label: o.yAxisLabel, showUnits: false } },
    liveData: false,
  });
}

/**
 * Markdown for people: text widgets have no title property, so the title is the first heading.
 */
export function text(
  title: string,
  markdown: string,
  size: { width?: number; height?: number } = {},
): WidgetSpec {
  return {
    type: "text",
    width: size.width ?? 24,
    height: size.height ?? 3,
    properties: { markdown: `## ${title}\n\n${markdown.trim()}` },
  };
}

/** CloudWatch shows at most 100 alarms per alarm status widget. */
export const MAX_ALARMS_PER_WIDGET = 100;

/** The state of a set of alarms, ALARM first, then most recently changed. */
export function alarmStatus(o: {
  title: string;
  alarmArns: string[];
  width?: number;
  height?: number;
}): WidgetSpec {
  if (o.alarmArns.length === 0 || o.alarmArns.length > MAX_ALARMS_PER_WIDGET) {
    throw new Error(
      `An alarm status widget shows 1-${MAX_ALARMS_PER_WIDGET} alarms; got ${o.alarmArns.length}`,
    );
  }
  return {
    type: "alarm",
    width: o.width ?? 24,
    height: o.height ?? Math.min(12, 2 + Math.ceil(o.alarmArns.length / 4)),
    properties: { title: o.title, alarms: [...o.alarmArns], sortBy: "stateUpdatedTimestamp" },
  };
}

/** A CloudWatch Logs Insights query over one or more log groups. */
export function logsInsights(
  o: CommonOptions & {
    logGroupNames: string[];
    query: string;
    view?: "table" | "timeSeries" | "bar" | "pie";
  },
): WidgetSpec {
  if (o.logGroupNames.length === 0)
    throw new Error(`Logs Insights widget "${o.title}" needs at least one log group`);
  const sources = o.logGroupNames.map((name) => `SOURCE '${name}'`).join(" | ");
  return {
    type: "log",
    width: o.width ?? 24,
    height: o.height ?? 6,
    properties: {
      title: o.title,
      region: o.region,
      query: `${sources} | ${o.query.trim()}`,
      view: o.view ?? "table",
    },
  };
}

/** The CloudWatch array form of one entry of a widget's `metrics`. */
export function metricArray(metric: GraphMetric): unknown[] {
  if (isExpression(metric)) {
    return [
      compact({
        expression: metric.expression,
        id: metric.id,
        label: metric.label,
        visible: metric.visible,
        yAxis: metric.yAxis,
        period: metric.period,
        color: metric.color,
      }),
    ];
  }
  const dims = Object.entries(metric.dimensions).flat();
  const rendering = compact({
    id: metric.id,
    label: metric.label,
    stat: metric.stat,
    period: metric.period,
    visible: metric.visible,
    yAxis: metric.yAxis,
    color: metric.color,
  });
  return Object.keys(rendering).length > 0
    ? [metric.namespace, metric.metricName, ...dims, rendering]
    : [metric.namespace, metric.metricName, ...dims];
}

function metricWidget(
  o: MetricWidgetOptions,
  width: number,
  height: number,
  view: Record<string, unknown>,
): WidgetSpec {
  if (o.metrics.length === 0) throw new Error(`Widget "${o.title}" has no metrics`);
  return {
    type: "metric",
    width: o.width ?? width,
    height: o.height ?? height,
    properties: {
      title: o.title,
      region: o.region,
      metrics: o.metrics.map(metricArray),
      period: o.period ?? PERIOD.fiveMinutes,
      stat: o.stat ?? "Sum",
      ...(o.start !== undefined ? { start: o.start } : {}),
      ...view,
    },
  };
}

function compact(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
