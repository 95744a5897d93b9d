/**
 * A validator for CloudWatch dashboard bodies, after AWS's "Dashboard Body Structure and Syntax"
 * (CloudWatch API Reference): top-level fields, the widgets array and its 24-column grid, and the
 * properties of metric, text, alarm and log widgets, including the metrics array format, math and
 * search expressions, annotations and yAxis. Plus one house rule: every widget is titled (a text
 * widget by its first markdown heading).
 *
 * It returns every problem found (empty = valid), each prefixed with where it is.
 */

const WIDGET_TYPES = ["metric", "text", "alarm", "log"] as const;
const TOP_LEVEL_KEYS = new Set(["widgets", "variables", "start", "end", "periodOverride"]);
const WIDGET_KEYS = new Set(["type", "x", "y", "width", "height", "properties"]);
const METRIC_VIEWS = new Set(["timeSeries", "singleValue", "gauge", "bar", "pie", "table"]);
const METRIC_PROPERTY_KEYS = new Set([
  "accountId",
  "annotations",
  "liveData",
  "legend",
  "metrics",
  "period",
  "region",
  "sparkline",
  "stacked",
  "stat",
  "table",
  "timezone",
  "title",
  "view",
  "yAxis",
  "setPeriodToTimeRange",
  "singleValueFullPrecision",
  "labels",
  "start",
  "end",
  "trend",
]);
const RENDER_KEYS = new Set([
  "accountId",
  "color",
  "label",
  "period",
  "stat",
  "visible",
  "yAxis",
  "id",
  "region",
]);
const EXPRESSION_KEYS = new Set([
  "expression",
  "label",
  "id",
  "visible",
  "yAxis",
  "period",
  "color",
  "region",
  "accountId",
]);
const TEXT_KEYS = new Set(["markdown", "background"]);
const ALARM_KEYS = new Set(["alarms", "sortBy", "states", "title"]);
const LOG_KEYS = new Set(["accountId", "region", "title", "query", "view", "stacked"]);
const STAT = /^(SampleCount|Average|Sum|Minimum|Maximum|IQM|(p|tm|wm|tc|ts)\d{1,2}(\.\d+)?|p100)$/;
const METRIC_ID = /^[a-z][A-Za-z0-9_]*$/;
const COLOR = /^#[0-9a-fA-F]{6}$/;
const RELATIVE_TIME = /^-P(T\d+[MH]|\d+[DWM]|\d+D?T\d+[HM])$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const ALARM_ARN = /^arn:aws[\w-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.+$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/** Validates a dashboard body (the JSON string or the parsed object). */
export function validateDashboardBody(body: string | unknown): string[] {
  const errors: string[] = [];
  let parsed: unknown = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      return [`body is not JSON: ${(e as Error).message}`];
    }
  }
  if (!isObj(parsed)) return ["body must be a JSON object"];
  for (const key of Object.keys(parsed))
    if (!TOP_LEVEL_KEYS.has(key)) errors.push(`body: unknown top-level field "${key}"`);
  if (parsed.periodOverride !== undefined && !["auto", "inherit"].includes(parsed.periodOverride as string))
    errors.push(`body: periodOverride must be auto or inherit`);
  if (parsed.start !== undefined && !validTime(parsed.start))
    errors.push(`body: start "${String(parsed.start)}" is neither -PT…/-P… nor ISO 8601`);
  if (parsed.end !== undefined && (parsed.start === undefined || !ISO_TIME.test(String(parsed.end))))
    errors.push("body: end needs start and an ISO 8601 time");
  if (!Array.isArray(parsed.widgets)) return [...errors, "body: widgets must be an array"];
  if (parsed.widgets.length > 500) errors.push(`body: ${parsed.widgets.length} widgets; at most 500`);
  for (const [i, w] of parsed.widgets.entries()) errors.push(...validateWidget(w, `widget[${i}]`));
  errors.push(...overlaps(parsed.widgets));
  return errors;
}

function validTime(v: unknown): boolean {
  return typeof v === "string" && (RELATIVE_TIME.test(v) || ISO_TIME.test(v));
}

function validateWidget(w: unknown, where: string): string[] {
  if (!isObj(w)) return [`${where}: not an object`];
  const errors: string[] = [];
  for (const key of Object.keys(w))
    if (!WIDGET_KEYS.has(key)) errors.push(`${where}: unknown field "${key}"`);
  if (!(WIDGET_TYPES as readonly unknown[]).includes(w.type))
    errors.push(`${where}: type must be one of ${WIDGET_TYPES.join("|")}, got ${String(w.type)}`);
  if (!isInt(w.x) || w.x < 0 || w.x > 23) errors.push(`${where}: x must be an integer 0-23`);
  if (!isInt(w.y) || w.y < 0) errors.push(`${where}: y must be an integer ≥ 0`);
  if (!isInt(w.width) || w.width < 1 || w.width > 24) errors.push(`${where}: width must be an integer 1-24`);
  if (!isInt(w.height) || w.height < 1 || w.height > 1000)
    errors.push(`${where}: height must be an integer 1-1000`);
  if (isInt(w.x) && isInt(w.width) && w.x + w.width > 24)
    errors.push(`${where}: x + width = ${w.x + w.width} exceeds the 24-column grid`);
  if (!isObj(w.properties)) return [...errors, `${where}: properties must be an object`];
  const p = w.properties;
  const label = typeof p.title === "string" ? `${where} "${p.title}"` : where;
  if (w.type === "metric") errors.push(...validateMetricWidget(p, label));
  if (w.type === "text") errors.push(...validateTextWidget(p, label));
  if (w.type === "alarm") errors.push(...validateAlarmWidget(p, label));
  if (w.type === "log") errors.push(...validateLogWidget(p, label));
  return errors;
}

function requireTitle(p: Obj, where: string): string[] {
  return typeof p.title === "string" && p.title.trim().length > 0 ? [] : [`${where}: title is required`];
}

function unknownKeys(p: Obj, allowed: Set<string>, where: string): string[] {
  return Object.keys(p)
    .filter((k) => !allowed.has(k))
    .map((k) => `${where}: unknown property "${k}"`);
}

function validateMetricWidget(p: Obj, where: string): string[] {
  const errors = [...unknownKeys(p, METRIC_PROPERTY_KEYS, where), ...requireTitle(p, where)];
  if (typeof p.region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(p.region))
    errors.push(`${where}: region is required (e.g. eu-west-1)`);
  if (p.view !== undefined && !METRIC_VIEWS.has(p.view as string))
    errors.push(`${where}: view "${String(p.view)}" is not valid`);
  if (p.period !== undefined && !validPeriod(p.period))
    errors.push(`${where}: period must be 1, 5, 10, 30 or a multiple of 60`);
  if (p.stat !== undefined && !STAT.test(String(p.stat)))
    errors.push(`${where}: stat "${String(p.stat)}" is not a CloudWatch statistic`);
  for (const flag of [
    "liveData",
    "stacked",
    "sparkline",
    "setPeriodToTimeRange",
    "singleValueFullPrecision",
  ]) {
    if (p[flag] !== undefined && typeof p[flag] !== "boolean")
      errors.push(`${where}: ${flag} must be a boolean`);
  }
  if (p.start !== undefined && !validTime(p.start))
    errors.push(`${where}: start is neither -PT…/-P… nor ISO 8601`);
  if (
    p.legend !== undefined &&
    (!isObj(p.legend) || !["right", "bottom", "hidden"].includes(p.legend.position as string))
  )
    errors.push(`${where}: legend.position must be right|bottom|hidden`);
  if (p.yAxis !== undefined) errors.push(...validateYAxis(p.yAxis, where));
  if (
    p.view === "gauge" &&
    !(
      isObj(p.yAxis) &&
      isObj(p.yAxis.left) &&
      typeof p.yAxis.left.min === "number" &&
      typeof p.yAxis.left.max === "number"
    )
  ) {
    errors.push(`${where}: a gauge needs yAxis.left min and max`);
  }
  const hasAlarmAnnotation =
    isObj(p.annotations) && Array.isArray(p.annotations.alarms) && p.annotations.alarms.length > 0;
  if (p.annotations !== undefined)
    errors.push(...validateAnnotations(p.annotations, where, p.metrics !== undefined));
  if (p.metrics === undefined) {
    if (!hasAlarmAnnotation)
      errors.push(`${where}: metrics are required unless an alarm annotation is given`);
  } else {
    errors.push(...validateMetricsArray(p.metrics, where));
  }
  return errors;
}

function validPeriod(v: unknown): boolean {
  return isInt(v) && ([1, 5, 10, 30].includes(v) || (v >= 60 && v % 60 === 0));
}

function validateYAxis(y: unknown, where: string): string[] {
  if (!isObj(y)) return [`${where}: yAxis must be an object`];
  const errors = Object.keys(y)
    .filter((k) => !["left", "right"].includes(k))
    .map((k) => `${where}: yAxis.${k} is not left|right`);
  for (const side of ["left", "right"] as const) {
    const axis = y[side];
    if (axis === undefined) continue;
    if (!isObj(axis)) {
      errors.push(`${where}: yAxis.${side} must be an object`);
      continue;
    }
    for (const [k, v] of Object.entries(axis)) {
      if (k === "min" || k === "max") {
        if (typeof v !== "number") errors.push(`${where}: yAxis.${side}.${k} must be a number`);
      } else if (k === "label") {
        if (typeof v !== "string") errors.push(`${where}: yAxis.${side}.label must be a string`);
      } else if (k === "showUnits") {
        if (typeof v !== "boolean") errors.push(`${where}: yAxis.${side}.showUnits must be a boolean`);
      } else errors.push(`${where}: yAxis.${side}.${k} is not a yAxis property`);
    }
  }
  return errors;
}

function validateAnnotations(a: unknown, where: string, hasMetrics: boolean): string[] {
  if (!isObj(a)) return [`${where}: annotations must be an object`];
  const errors: string[] = [];
  if (a.alarms !== undefined) {
    if (!Array.isArray(a.alarms) || a.alarms.length > 1)
      errors.push(`${where}: annotations.alarms holds 0-1 alarm ARNs`);
    if (hasMetrics && Array.isArray(a.alarms) && a.alarms.length > 0)
      errors.push(`${where}: an alarm annotation cannot be combined with metrics`);
  }
  for (const key of ["horizontal", "vertical"] as const) {
    const list = a[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      errors.push(`${where}: annotations.${key} must be an array`);
      continue;
    }
    for (const item of list) {
      const band = Array.isArray(item) ? item : [item];
      for (const ann of band) {
        if (!isObj(ann)) {
          errors.push(`${where}: ${key} annotation must be an object`);
          continue;
        }
        if (key === "horizontal" ? typeof ann.value !== "number" : typeof ann.value !== "string")
          errors.push(`${where}: ${key} annotation value has the wrong type`);
        if (ann.color !== undefined && !COLOR.test(String(ann.color)))
          errors.push(`${where}: annotation color must be #RRGGBB`);
        const fills = key === "horizontal" ? ["above", "below", "none"] : ["before", "after", "none"];
        if (ann.fill !== undefined && !fills.includes(ann.fill as string))
          errors.push(`${where}: annotation fill must be ${fills.join("|")}`);
      }
    }
  }
  return errors;
}

/** Resolved metric (namespace, name, dimensions) of one entry, with `"."` shorthands expanded. */
export interface ResolvedMetric {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  rendering: Obj;
}

function validateMetricsArray(metrics: unknown, where: string): string[] {
  if (!Array.isArray(metrics) || metrics.length === 0 || metrics.length > 500)
    return [`${where}: metrics must be an array of 1-500 entries`];
  const errors: string[] = [];
  const ids = new Map<string, number>();
  const expressions: Array<{ text: string; at: number }> = [];
  let insightsQueries = 0;
  let previous: unknown[] | undefined;
  metrics.forEach((entry, i) => {
    const at = `${where} metrics[${i}]`;
    if (!Array.isArray(entry) || entry.length === 0) {
      errors.push(`${at}: each entry must be a non-empty array`);
      return;
    }
    if (entry.length === 1 && isObj(entry[0]) && "expression" in entry[0]) {
      const e = entry[0];
      errors.push(...unknownKeys(e, EXPRESSION_KEYS, at));
      if (typeof e.expression !== "string" || e.expression.trim() === "")
        errors.push(`${at}: expression must be a non-empty string`);
      else {
        expressions.push({ text: e.expression, at: i });
        if (/^\s*SELECT\s/i.test(e.expression)) insightsQueries++;
      }
      if (typeof e.id !== "string") errors.push(`${at}: an expression needs an id`);
      errors.push(...renderingErrors(e, at));
      if (typeof e.id === "string") addId(ids, e.id, i, at, errors);
      return;
    }
    const resolved = resolveEntry(entry, previous, at, errors);
    previous = entry;
    if (resolved && typeof resolved.rendering.id === "string")
      addId(ids, resolved.rendering.id, i, at, errors);
  });
  if (insightsQueries > 1) errors.push(`${where}: at most one Metrics Insights query per widget`);
  for (const e of expressions) {
    for (const ref of referencedIds(e.text)) {
      if (!ids.has(ref)) errors.push(`${where} metrics[${e.at}]: expression refers to unknown id "${ref}"`);
    }
  }
  return errors;
}

function addId(ids: Map<string, number>, id: string, index: number, at: string, errors: string[]): void {
  if (!METRIC_ID.test(id))
    errors.push(`${at}: id "${id}" must start with a lower-case letter (letters, digits, _)`);
  if (ids.has(id)) errors.push(`${at}: id "${id}" is used twice in one widget`);
  ids.set(id, index);
}

/** Identifiers an expression uses: lower-case words outside string literals (functions are upper-case). */
export function referencedIds(expression: string): string[] {
  const withoutStrings = expression.replace(/'(?:[^'\\]|\\.)*'/g, "''").replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...new Set(withoutStrings.match(/\b[a-z][A-Za-z0-9_]*\b/g) ?? [])];
}

function renderingErrors(r: Obj, at: string): string[] {
  const errors: string[] = [];
  if (r.stat !== undefined && !STAT.test(String(r.stat)))
    errors.push(`${at}: stat "${String(r.stat)}" is not a CloudWatch statistic`);
  if (r.period !== undefined && !validPeriod(r.period))
    errors.push(`${at}: period must be 1, 5, 10, 30 or a multiple of 60`);
  if (r.yAxis !== undefined && !["left", "right"].includes(r.yAxis as string))
    errors.push(`${at}: yAxis must be left|right`);
  if (r.visible !== undefined && typeof r.visible !== "boolean")
    errors.push(`${at}: visible must be a boolean`);
  if (r.label !== undefined && typeof r.label !== "string") errors.push(`${at}: label must be a string`);
  if (r.color !== undefined && !COLOR.test(String(r.color))) errors.push(`${at}: color must be #RRGGBB`);
  return errors;
}

/** `[Namespace, MetricName, (DimName, DimValue)*, {rendering}?]`, with `"."` meaning "same as the previous entry". */
export function resolveEntry(
  entry: unknown[],
  previous: unknown[] | undefined,
  at: string,
  errors: string[] = [],
): ResolvedMetric | undefined {
  const last = entry[entry.length - 1];
  const rendering = isObj(last) ? last : {};
  const parts = isObj(last) ? entry.slice(0, -1) : entry;
  if (isObj(last)) errors.push(...unknownKeys(last, RENDER_KEYS, at), ...renderingErrors(last, at));
  if (parts.length < 2 || parts.some((p) => typeof p !== "string" || p === "")) {
    errors.push(
      `${at}: a metric is [Namespace, MetricName, (DimensionName, DimensionValue)*, {rendering}?] of non-empty strings`,
    );
    return undefined;
  }
  if ((parts.length - 2) % 2 !== 0) {
    errors.push(`${at}: dimension names and values must come in pairs`);
    return undefined;
  }
  const prevParts = previous ? (isObj(previous[previous.length - 1]) ? previous.slice(0, -1) : previous) : [];
  const resolvedParts = (parts as string[]).map((p, i) => {
    if (p !== ".") return p;
    const from = prevParts[i];
    if (typeof from !== "string") errors.push(`${at}: "." at position ${i} has nothing to repeat`);
    return typeof from === "string" ? from : p;
  });
  const dimensions: Record<string, string> = {};
  for (let i = 2; i < resolvedParts.length; i += 2) {
    const name = resolvedParts[i]!;
    if (name in dimensions) errors.push(`${at}: dimension ${name} given twice`);
    dimensions[name] = resolvedParts[i + 1]!;
  }
  if (Object.keys(dimensions).length > 30) errors.push(`${at}: at most 30 dimensions`);
  return { namespace: resolvedParts[0]!, metricName: resolvedParts[1]!, dimensions, rendering };
}

function validateTextWidget(p: Obj, where: string): string[] {
  const errors = unknownKeys(p, TEXT_KEYS, where);
  if (typeof p.markdown !== "string" || p.markdown.trim() === "")
    errors.push(`${where}: markdown is required`);
  else if (!/^#{1,6} \S/.test(p.markdown))
    errors.push(`${where}: text widgets are titled by a first markdown heading`);
  if (p.background !== undefined && !["solid", "transparent"].includes(p.background as string))
    errors.push(`${where}: background must be solid|transparent`);
  return errors;
}

function validateAlarmWidget(p: Obj, where: string): string[] {
  const errors = [...unknownKeys(p, ALARM_KEYS, where), ...requireTitle(p, where)];
  if (!Array.isArray(p.alarms) || p.alarms.length < 1 || p.alarms.length > 100)
    errors.push(`${where}: alarms must hold 1-100 alarm ARNs`);
  else
    for (const arn of p.alarms)
      if (typeof arn !== "string" || !ALARM_ARN.test(arn))
        errors.push(`${where}: "${String(arn)}" is not an alarm ARN`);
  if (
    p.sortBy !== undefined &&
    !["default", "stateUpdatedTimestamp", "timestamp"].includes(p.sortBy as string)
  )
    errors.push(`${where}: sortBy is not valid`);
  if (
    p.states !== undefined &&
    (!Array.isArray(p.states) ||
      p.states.some((s) => !["ALARM", "INSUFFICIENT_DATA", "OK"].includes(s as string)))
  )
    errors.push(`${where}: states must be ALARM|INSUFFICIENT_DATA|OK`);
  return errors;
}

function validateLogWidget(p: Obj, where: string): string[] {
  const errors = [...unknownKeys(p, LOG_KEYS, where), ...requireTitle(p, where)];
  if (typeof p.region !== "string" || p.region === "") errors.push(`${where}: region is required`);
  if (typeof p.query !== "string" || !/^SOURCE '[^']+'( \| SOURCE '[^']+')* \|/.test(p.query))
    errors.push(`${where}: query must start with SOURCE '<log group>' (| SOURCE '…')* |`);
  if (p.view !== undefined && !["table", "timeSeries", "bar", "pie"].includes(p.view as string))
    errors.push(`${where}: view must be table|timeSeries|bar|pie`);
  return errors;
}

function overlaps(widgets: unknown[]): string[] {
  const errors: string[] = [];
  const boxes = widgets.flatMap((w, i) =>
    isObj(w) && isInt(w.x) && isInt(w.y) && isInt(w.width) && isInt(w.height)
      ? [{ i, x: w.x, y: w.y, r: w.x + w.width, b: w.y + w.height }]
      : [],
  );
  for (let a = 0; a < boxes.length; a++) {
    for (let b = a + 1; b < boxes.length; b++) {
      const p = boxes[a]!;
      const q = boxes[b]!;
      if (p.x < q.r && q.x < p.r && p.y < q.b && q.y < p.b)
        errors.push(`widget[${p.i}] and widget[${q.i}] overlap`);
    }
  }
  return errors;
}

/** A metric a widget or alarm reads: namespace, name and the dimension names (values for Environment checks). */
export interface MetricReference {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string | undefined>;
  /** Where it was found, for messages. */
  where: string;
}

/**
 * Every metric a dashboard body reads: plain metric entries and the metrics named by SEARCH
 * expressions (`SEARCH('{Namespace,Dim1,Dim2} MetricName="X" Dim1="v"', ...)`, dimension values
 * known only where the search pins them).
 */
export function metricReferences(body: string | unknown): MetricReference[] {
  const parsed = (typeof body === "string" ? JSON.parse(body) : body) as {
    widgets: Array<{ type: string; properties: Obj }>;
  };
  const refs: MetricReference[] = [];
  parsed.widgets.forEach((w, wi) => {
    if (w.type !== "metric" || !Array.isArray(w.properties.metrics)) return;
    const where = `widget[${wi}] "${String(w.properties.title)}"`;
    let previous: unknown[] | undefined;
    for (const entry of w.properties.metrics as unknown[][]) {
      if (entry.length === 1 && isObj(entry[0]) && typeof entry[0].expression === "string") {
        refs.push(...searchReferences(entry[0].expression, where));
        continue;
      }
      const resolved = resolveEntry(entry, previous, where);
      previous = entry;
      if (resolved)
        refs.push({
          namespace: resolved.namespace,
          metricName: resolved.metricName,
          dimensions: resolved.dimensions,
          where,
        });
    }
  });
  return refs;
}

/** The metrics named by the SEARCH expressions inside one expression. */
export function searchReferences(expression: string, where: string): MetricReference[] {
  const refs: MetricReference[] = [];
  for (const match of expression.matchAll(/SEARCH\(\s*'\{([^}]*)\}([^']*)'/g)) {
    const [namespace, ...dimensionNames] = match[1]!.split(",").map((s) => s.trim().replace(/^"|"$/g, ""));
    const terms = match[2]!;
    const metricName = /MetricName="([^"]+)"/.exec(terms)?.[1];
    if (!metricName)
      throw new Error(`${where}: SEARCH without an exact MetricName="…" cannot be checked: ${expression}`);
    const dimensions: Record<string, string | undefined> = {};
    for (const name of dimensionNames) dimensions[name] = new RegExp(`\\b${name}="([^"]*)"`).exec(terms)?.[1];
    refs.push({ namespace: namespace!, metricName, dimensions, where });
  }
  return refs;
}

/** The metric named by a Metrics Insights query `SELECT FN(Metric) FROM SCHEMA("ns", Dim1, Dim2) WHERE Dim1 = 'v'`. */
export function insightsReference(query: string, where: string): MetricReference | undefined {
  const match = /SELECT\s+\w+\((\w+)\)\s+FROM\s+SCHEMA\(\s*"([^"]+)"((?:\s*,\s*\w+)*)\s*\)(.*)$/i.exec(
    query.trim(),
  );
  if (!match) return undefined;
  const dimensions: Record<string, string | undefined> = {};
  for (const name of match[3]!
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    dimensions[name] = new RegExp(`\\b${name}\\s*=\\s*'([^']*)'`).exec(match[4] ?? "")?.[1];
  }
  return { namespace: match[2]!, metricName: match[1]!, dimensions, where };
}
