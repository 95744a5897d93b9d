/**
 * What every segment shares: its input context, its output shape, and the metric builders that keep
 * namespaces, names and dimensions right. Custom metrics are built only from a component's declared
 * `EmittedMetrics` and `METRIC_CATALOG`, so a dashboard cannot ask for a metric nobody emits.
 */
import { METRIC_CATALOG, type MetricDefinition } from "../../../handlers/lib/metric-catalog.js";
import type { Naming } from "../../naming.js";
import { alarmMetric, type AlarmDefinition } from "../alarms.js";
import type { EmittedMetrics } from "../facts.js";
import type { Section } from "../layout.js";
import type { MetricStat } from "../widgets.js";

export interface SegmentContext {
  /** Env, region and prefix of the stack; makes alarm names. */
  naming: Naming;
  /** End-to-end SLA (S3 upload to Salesforce case), seconds. */
  slaSeconds: number;
  /** Human name of the KYC domain, used in titles. */
  domain: string;
}

/** What one component contributes: business sections, engineering sections, and alarms. */
export interface Segment {
  functional: Section[];
  technical: Section[];
  alarms: AlarmDefinition[];
}

export const EMPTY_SEGMENT: Segment = { functional: [], technical: [], alarms: [] };

/** Concatenates segments in order. */
export function mergeSegments(segments: Segment[]): Segment {
  return {
    functional: segments.flatMap((s) => s.functional),
    technical: segments.flatMap((s) => s.technical),
    alarms: segments.flatMap((s) => s.alarms),
  };
}

type Rendering = Omit<MetricStat, "namespace" | "metricName" | "dimensions">;

function definitionOf(emitted: EmittedMetrics, metricName: string): MetricDefinition {
  const catalog = METRIC_CATALOG[emitted.component] as Record<string, MetricDefinition>;
  const definition = catalog[metricName];
  if (!definition) {
    throw new Error(
      `Component kind "${emitted.component}" does not emit ${metricName}; it emits ${Object.keys(catalog).join(", ")}`,
    );
  }
  return definition;
}

/**
 * A custom metric exactly as the component emits it: its namespace, `Environment` plus the catalog's
 * extra dimensions (all of them, with values), nothing else.
 */
export function customMetric(
  emitted: EmittedMetrics,
  metricName: string,
  env: string,
  render: Rendering = {},
  extraDimensions: Record<string, string> = {},
): MetricStat {
  const definition = definitionOf(emitted, metricName);
  const expected = [...definition.extraDimensions].sort().join(",");
  const given = Object.keys(extraDimensions).sort().join(",");
  if (expected !== given) {
    throw new Error(
      `${metricName} in ${emitted.namespace} carries dimensions [Environment${expected ? `,${expected}` : ""}]; got [Environment${given ? `,${given}` : ""}]`,
    );
  }
  return {
    namespace: emitted.namespace,
    metricName,
    dimensions: { Environment: env, ...extraDimensions },
    ...render,
  };
}

/**
 * A `total` metric (see `MetricDefinition.total`) under `[Environment]` alone: the sum over every
 * value of its extra dimensions, with a 0 on a good day, so a tile shows 0 rather than "no data".
 */
export function totalMetric(
  emitted: EmittedMetrics,
  metricName: string,
  env: string,
  render: Rendering = {},
): MetricStat {
  const definition = definitionOf(emitted, metricName);
  if (definition.total !== true)
    throw new Error(
      `${metricName} in ${emitted.namespace} has no [Environment] total; it carries [Environment,${definition.extraDimensions.join(",")}]`,
    );
  return { namespace: emitted.namespace, metricName, dimensions: { Environment: env }, ...render };
}

/**
 * A search over every value of the catalog's extra dimensions (e.g. every failure `Reason`), for
 * metrics whose extra dimension values are not known in advance. One time series per value.
 */
export function searchExpression(
  emitted: EmittedMetrics,
  metricName: string,
  env: string,
  stat: string,
  period?: number,
): string {
  const definition = definitionOf(emitted, metricName);
  const schema = [`"${emitted.namespace}"`, "Environment", ...definition.extraDimensions].join(",");
  // Without a period the search follows the widget's (so whole-range totals stay whole-range).
  return `SEARCH('{${schema}} MetricName="${metricName}" Environment="${env}"', '${stat}'${period === undefined ? "" : `, ${period}`})`;
}

/** A Metrics Insights query summing a metric over all its extra dimension values (usable in alarms). */
export function insightsSum(emitted: EmittedMetrics, metricName: string, env: string): string {
  const definition = definitionOf(emitted, metricName);
  const schema = [`"${emitted.namespace}"`, "Environment", ...definition.extraDimensions].join(", ");
  return `SELECT SUM(${metricName}) FROM SCHEMA(${schema}) WHERE Environment = '${env}'`;
}

export function lambdaMetric(
  functionName: string,
  metricName: "Errors" | "Throttles" | "Duration" | "Invocations" | "ConcurrentExecutions",
  render: Rendering = {},
): MetricStat {
  return { namespace: "AWS/Lambda", metricName, dimensions: { FunctionName: functionName }, ...render };
}

export function sqsMetric(
  queueName: string,
  metricName: "ApproximateNumberOfMessagesVisible" | "ApproximateAgeOfOldestMessage" | "NumberOfMessagesSent",
  render: Rendering = {},
): MetricStat {
  return { namespace: "AWS/SQS", metricName, dimensions: { QueueName: queueName }, ...render };
}

export function kinesisMetric(streamName: string, metricName: string, render: Rendering = {}): MetricStat {
  return { namespace: "AWS/Kinesis", metricName, dimensions: { StreamName: streamName }, ...render };
}

export function eventRuleMetric(
  ruleName: string,
  metricName: "FailedInvocations" | "MatchedEvents" | "Invocations",
  render: Rendering = {},
): MetricStat {
  return { namespace: "AWS/Events", metricName, dimensions: { RuleName: ruleName }, ...render };
}

/**
 * "A dead-letter (or on-failure) queue is not empty": any message there is work that was given up on.
 * @param holds what the messages are, for the description.
 * @param action what to do about them.
 */
export function queueNotEmptyAlarm(
  nameSuffix: string,
  queueName: string,
  holds: string,
  action: string,
): AlarmDefinition {
  return {
    nameSuffix,
    description: `Queue ${queueName} is not empty: it holds ${holds}. ${action} Once handled, delete the messages (or move them back with start-message-move-task where replaying is the fix) so the alarm can clear.`,
    metric: alarmMetric(sqsMetric(queueName, "ApproximateNumberOfMessagesVisible"), "Maximum", 300),
    threshold: 0,
    comparison: "GreaterThanThreshold",
    evaluationPeriods: 1,
    treatMissingData: "notBreaching",
  };
}

/**
 * "A queue a function consumes is not being drained": its oldest message is older than `maxAgeSeconds`.
 * For queues whose messages are handled automatically, where "not empty" would fire on every message.
 */
export function queueStuckAlarm(
  nameSuffix: string,
  queueName: string,
  maxAgeSeconds: number,
  consumer: string,
  action: string,
): AlarmDefinition {
  return {
    nameSuffix,
    description: `The oldest message of ${queueName} is older than ${maxAgeSeconds} s: ${consumer} is not draining it. ${action}`,
    metric: alarmMetric(sqsMetric(queueName, "ApproximateAgeOfOldestMessage"), "Maximum", 300),
    threshold: maxAgeSeconds,
    comparison: "GreaterThanThreshold",
    evaluationPeriods: 1,
    treatMissingData: "notBreaching",
  };
}

/**
 * EventBridge and Scheduler publish their metrics best effort and sometimes minutes late; an alarm
 * that looks at one 5-minute period has already evaluated that period (as OK) when the point
 * arrives. Evaluating the last three periods and alarming on any one of them (1 out of 3) still
 * sees a point up to ten minutes late. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
 */
export const LATE_DATA_PERIOD_SECONDS = 300;
export const LATE_DATA_WINDOW = { evaluationPeriods: 3, datapointsToAlarm: 1 } as const;

/** Sum of several series where a missing point counts as 0 (so one quiet source does not hide the others). */
export function sumOf(ids: string[]): string {
  if (ids.length === 0) throw new Error("sumOf needs at least one id");
  return ids.map((id) => `FILL(${id}, 0)`).join(" + ");
}

/**
 * The component part of a physical name, for alarm names: `bbkyc-cta-case-creator-sit` →
 * `cta-case-creator`; an external `bbkyc-cnc-bdp-creator` → `cnc-bdp-creator`.
 */
export function componentOf(naming: Naming, physicalName: string): string {
  let name = physicalName.toLowerCase();
  for (const suffix of [`-${naming.env}-${naming.regionCode}`, `-${naming.env}`]) {
    if (name.endsWith(suffix)) {
      name = name.slice(0, -suffix.length);
      break;
    }
  }
  if (name.startsWith(`${naming.prefix}-`)) name = name.slice(naming.prefix.length + 1);
  return name.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}
