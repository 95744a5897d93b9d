/**
 * Alarms as plain data (segments decide what to watch) and one function that turns them into
 * CloudWatch metric alarms, all notifying the same SNS topic on ALARM and on recovery (OK).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { Naming } from "../naming.js";
import type { MetricStat } from "./widgets.js";

export type ComparisonOperator =
  | "GreaterThanThreshold"
  | "GreaterThanOrEqualToThreshold"
  | "LessThanThreshold"
  | "LessThanOrEqualToThreshold";

/** `breaching`: silence is itself the problem (e.g. no token refresh); `notBreaching`: silence is fine. */
export type TreatMissingData = "breaching" | "notBreaching" | "ignore" | "missing";

/** One metric with the statistic and period the alarm evaluates. */
export interface AlarmMetric {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** `Sum`, `Maximum`, ... or a percentile such as `p95`. */
  stat: string;
  /** Seconds, a multiple of 60. */
  period: number;
}

/** One entry of a metric-math alarm: a metric, a math expression, or a Metrics Insights query. */
export interface AlarmQuery {
  /** Lower-case first letter; expressions refer to entries by it. */
  id: string;
  label?: string;
  metric?: AlarmMetric;
  expression?: string;
  /** Required for a Metrics Insights (`SELECT ...`) expression. */
  period?: number;
  /** Exactly one query of an alarm returns the value that is compared. */
  returnData?: boolean;
}

export interface AlarmDefinition {
  /** Lower-case words joined by '-'; the alarm is named `naming.physicalName("alarm", nameSuffix)`. */
  nameSuffix: string;
  /** What broke, where, and where to look first. Sent in every notification. */
  description: string;
  /** A single metric... */
  metric?: AlarmMetric;
  /** ...or metric math / a Metrics Insights query. */
  queries?: AlarmQuery[];
  threshold: number;
  comparison: ComparisonOperator;
  evaluationPeriods: number;
  /** Breaching points within `evaluationPeriods` that trigger the alarm. @default `evaluationPeriods` */
  datapointsToAlarm?: number;
  treatMissingData: TreatMissingData;
}

/** Statistics CloudWatch calls "statistic"; everything else (p95, tm99...) is an "extended statistic". */
const STANDARD_STATISTICS = new Set(["SampleCount", "Average", "Sum", "Minimum", "Maximum"]);

/**
 * AWS limits: description ≤ 1024 characters; period × evaluation periods ≤ seven days, and ≤ one day
 * for a period under an hour (PutMetricAlarm, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 */
const MAX_DESCRIPTION = 1024;
const MAX_WINDOW_SECONDS = 604_800;
const MAX_SHORT_PERIOD_WINDOW_SECONDS = 86_400;
/**
 * PutMetricAlarm takes up to 20 queries: at most 10 that retrieve a metric and at most 10 expressions
 * (boto3 CloudWatch `Alarm.metrics`; CloudWatch User Guide, "Limits that apply to alarms based on
 * metric math expressions": a hard limit). A Metrics Insights alarm evaluates only the latest 3 hours
 * ("Limits that apply to alarms based on Metrics Insights queries").
 */
const MAX_ALARM_METRICS = 10;
const MAX_ALARM_EXPRESSIONS = 10;
const MAX_INSIGHTS_WINDOW_SECONDS = 3 * 3600;

/** The longest evaluation window CloudWatch accepts for alarms of this period. */
export function maxWindowSeconds(periodSeconds: number): number {
  return periodSeconds < 3600 ? MAX_SHORT_PERIOD_WINDOW_SECONDS : MAX_WINDOW_SECONDS;
}

/** An alarm metric from a dashboard metric, with the statistic and period the alarm needs. */
export function alarmMetric(metric: MetricStat, stat: string, period: number): AlarmMetric {
  return {
    namespace: metric.namespace,
    metricName: metric.metricName,
    dimensions: { ...metric.dimensions },
    stat,
    period,
  };
}

/** The period the alarm evaluates (of its single metric, or of the query that returns data). */
export function evaluatedPeriod(definition: AlarmDefinition): number {
  if (definition.metric) return definition.metric.period;
  const periods = (definition.queries ?? []).map((q) => q.metric?.period ?? q.period ?? 0);
  return Math.max(...periods);
}

/** Throws with a clear message when a definition would be rejected by CloudWatch (or is ambiguous). */
export function checkAlarmDefinitions(definitions: AlarmDefinition[]): void {
  const seen = new Set<string>();
  for (const d of definitions) {
    const where = `Alarm "${d.nameSuffix}"`;
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(d.nameSuffix))
      throw new Error(`${where}: name suffix must be lower-case words joined by '-'`);
    if (seen.has(d.nameSuffix)) throw new Error(`${where} is defined twice`);
    seen.add(d.nameSuffix);
    if (d.description.trim().length === 0 || d.description.length > MAX_DESCRIPTION) {
      throw new Error(
        `${where}: description must be 1-${MAX_DESCRIPTION} characters (got ${d.description.length})`,
      );
    }
    if ((d.metric === undefined) === (d.queries === undefined))
      throw new Error(`${where}: give exactly one of metric or queries`);
    if (d.queries) {
      const returning = d.queries.filter((q) => q.returnData === true);
      if (returning.length !== 1)
        throw new Error(`${where}: exactly one query must return data (got ${returning.length})`);
      const metrics = d.queries.filter((q) => q.metric !== undefined).length;
      const expressions = d.queries.length - metrics;
      if (metrics > MAX_ALARM_METRICS || expressions > MAX_ALARM_EXPRESSIONS) {
        throw new Error(
          `${where}: ${metrics} metrics and ${expressions} expressions; an alarm takes at most ${MAX_ALARM_METRICS} of each (use a Metrics Insights query or split it)`,
        );
      }
      for (const q of d.queries) {
        if (!/^[a-z][A-Za-z0-9_]*$/.test(q.id))
          throw new Error(`${where}: query id "${q.id}" must start with a lower-case letter`);
        if ((q.metric === undefined) === (q.expression === undefined))
          throw new Error(`${where}: query "${q.id}" needs a metric or an expression`);
        if (q.expression?.trimStart().toUpperCase().startsWith("SELECT") && q.period === undefined) {
          throw new Error(`${where}: Metrics Insights query "${q.id}" needs a period`);
        }
      }
    }
    const period = evaluatedPeriod(d);
    if (period < 60 || period % 60 !== 0)
      throw new Error(`${where}: period ${period} s must be a multiple of 60`);
    if (d.evaluationPeriods < 1 || period * d.evaluationPeriods > maxWindowSeconds(period)) {
      const limit = period < 3600 ? "one-day" : "seven-day";
      throw new Error(
        `${where}: ${d.evaluationPeriods} periods of ${period} s exceed CloudWatch's ${limit} evaluation window`,
      );
    }
    const insights =
      d.queries?.some((q) => q.expression?.trimStart().toUpperCase().startsWith("SELECT")) ?? false;
    if (insights && period * d.evaluationPeriods > MAX_INSIGHTS_WINDOW_SECONDS) {
      throw new Error(
        `${where}: a Metrics Insights alarm evaluates only the latest 3 hours; ${d.evaluationPeriods} periods of ${period} s is longer`,
      );
    }
    const points = d.datapointsToAlarm ?? d.evaluationPeriods;
    if (points < 1 || points > d.evaluationPeriods)
      throw new Error(`${where}: datapointsToAlarm must be 1-${d.evaluationPeriods}`);
  }
}

/** The ARN CloudWatch gives an alarm, for dashboards built from names (tests, offline review). */
export function alarmArn(name: string, region: string, accountId: string, partition = "aws"): string {
  return `arn:${partition}:cloudwatch:${region}:${accountId}:alarm:${name}`;
}

export interface CreatedAlarm {
  definition: AlarmDefinition;
  name: string;
  alarm: aws.cloudwatch.MetricAlarm;
}

export interface CreateAlarmsOptions {
  naming: Naming;
  /** Every alarm notifies this topic when it fires and when it recovers. */
  topicArn: pulumi.Input<string>;
  parent: pulumi.Resource;
}

/** Declares one `aws.cloudwatch.MetricAlarm` per definition; logical names are `${logicalPrefix}-${nameSuffix}`. */
export function createAlarms(
  logicalPrefix: string,
  definitions: AlarmDefinition[],
  options: CreateAlarmsOptions,
): CreatedAlarm[] {
  checkAlarmDefinitions(definitions);
  return definitions.map((definition) => {
    const name = options.naming.physicalName("alarm", definition.nameSuffix);
    const alarm = new aws.cloudwatch.MetricAlarm(
      `${logicalPrefix}-${definition.nameSuffix}`,
      {
        name,
        alarmDescription: definition.description,
        comparisonOperator: definition.comparison,
        threshold: definition.threshold,
        evaluationPeriods: definition.evaluationPeriods,
        datapointsToAlarm: definition.datapointsToAlarm ?? definition.evaluationPeriods,
        treatMissingData: definition.treatMissingData,
        actionsEnabled: true,
        alarmActions: [options.topicArn],
        okActions: [options.topicArn],
        ...metricArgs(definition),
      },
      { parent: options.parent },
    );
    return { definition, name, alarm };
  });
}

function metricArgs(definition: AlarmDefinition): Partial<aws.cloudwatch.MetricAlarmArgs> {
  if (definition.metric) {
    const m = definition.metric;
    return {
      namespace: m.namespace,
      metricName: m.metricName,
      dimensions: m.dimensions,
      period: m.period,
      ...(STANDARD_STATISTICS.has(m.stat) ? { statistic: m.stat } : { extendedStatistic: m.stat }),
    };
  }
  return {
    metricQueries: (definition.queries ?? []).map((q) => ({
      id: q.id,
      label: q.label,
      returnData: q.returnData ?? false,
      ...(q.expression !== undefined ? { expression: q.expression } : {}),
      ...(q.period !== undefined ? { period: q.period } : {}),
      ...(q.metric
        ? {
            metric: {
              namespace: q.metric.namespace,
              metricName: q.metric.metricName,
              dimensions: q.metric.dimensions,
              stat: q.metric.stat,
              period: q.metric.period,
            },
          }
        : {}),
    })),
  };
}
