/**
 * A Glue publisher's part of the dashboards: the Glue audit section (rows read / processed /
 * succeeded / failed, job runs) for the business; Glue's own failure and runtime metrics for
 * engineers; and the alarms on failed runs and on scheduled starts that never happened.
 *
 * Glue publishes its job metrics in the namespace `Glue` (not `AWS/Glue`), with the dimensions
 * JobName, JobRunId (`ALL` aggregates every run) and Type. Failed runs are counted from the job's
 * `Glue Job State Change` rule (AWS/Events MatchedEvents), which also sees runs that died before the
 * script could record its own JobRunFailure.
 */
import { alarmMetric, maxWindowSeconds, type AlarmDefinition } from "../alarms.js";
import { longestIntervalHours } from "../schedule-interval.js";
import type { GlueJobFacts } from "../facts.js";
import type { Section } from "../layout.js";
import { COLORS, PERIOD, bar, pie, singleValue, timeSeries, type MetricStat } from "../widgets.js";
import {
  LATE_DATA_PERIOD_SECONDS,
  LATE_DATA_WINDOW,
  componentOf,
  customMetric,
  eventRuleMetric,
  queueNotEmptyAlarm,
  type Segment,
  type SegmentContext,
} from "./common.js";

type GlueDriverMetric = "glue.driver.aggregate.numFailedTasks" | "glue.driver.aggregate.elapsedTime";

/** One of Glue's own job metrics, aggregated over all runs of the job. */
export function glueDriverMetric(
  jobName: string,
  metricName: GlueDriverMetric,
  render: Partial<MetricStat> = {},
): MetricStat {
  // Both are Spark aggregates that Glue reports with Type=count.
  return {
    namespace: "Glue",
    metricName,
    dimensions: { JobName: jobName, JobRunId: "ALL", Type: "count" },
    ...render,
  };
}

/**
 * Failed Spark tasks and run time of any Glue job (managed here or elsewhere).
 * `glue.driver.aggregate.elapsedTime` is reported every 30 seconds as the time elapsed since the
 * last report, and its valid statistic is Sum (https://docs.aws.amazon.com/glue/latest/dg/monitoring-awsglue-with-cloudwatch-metrics.html):
 * a Maximum shows one 30-second slice, so run time is the Sum over a run. Per run: a search over
 * the JobRunId dimension (one series per run, `ALL` excluded) summed over the selected period.
 */
export function glueRuntimeWidgets(jobName: string, region: string) {
  const perRun = `SEARCH('{Glue,JobName,JobRunId,Type} MetricName="glue.driver.aggregate.elapsedTime" JobName="${jobName}" Type="count" NOT JobRunId="ALL"', 'Sum')`;
  return [
    timeSeries({
      title: `Glue job ${jobName}: failed Spark tasks`,
      region,
      yAxisLabel: "failed tasks",
      metrics: [
        glueDriverMetric(jobName, "glue.driver.aggregate.numFailedTasks", {
          label: "Failed tasks (all runs)",
          color: COLORS.failure,
        }),
      ],
      width: 8,
    }),
    bar({
      title: `Glue job ${jobName}: run time per run (minutes, selected period)`,
      region,
      yAxisLabel: "minutes",
      metrics: [
        { expression: perRun, id: "elapsedMsByRun", visible: false },
        { expression: "elapsedMsByRun / 60000", id: "elapsedMinutesByRun", label: "Run" },
      ],
      width: 8,
    }),
    timeSeries({
      title: `Glue job ${jobName}: run time per day (minutes, all runs added up)`,
      region,
      period: PERIOD.day,
      stat: "Sum",
      yAxisLabel: "minutes",
      metrics: [
        glueDriverMetric(jobName, "glue.driver.aggregate.elapsedTime", { id: "elapsedMs", visible: false }),
        {
          expression: "elapsedMs / 60000",
          id: "elapsedMinutes",
          label: "Elapsed time (all runs of the day)",
        },
      ],
      width: 8,
    }),
  ];
}

/** AWS/Scheduler metrics exist per schedule group only (dimension ScheduleGroup). */
export function schedulerMetric(
  groupName: string,
  metricName: string,
  render: Partial<MetricStat> = {},
): MetricStat {
  return { namespace: "AWS/Scheduler", metricName, dimensions: { ScheduleGroup: groupName }, ...render };
}

/**
 * "The run that should have happened did not": no JobRunSuccess for longer than the longest gap two
 * on-schedule successes can have. Missing data is the failure (breaching): a run that never started
 * publishes nothing at all, and a failed run publishes only JobRunFailure.
 *
 * The alarm's evaluation window slides (the default SlidingWindow: it ends at each evaluation, not
 * on the hour; https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation-window.html),
 * so it fires once no success lies in the last `periods` hours. Two successes on schedule can be as
 * far apart as the schedule's longest gap + the time Scheduler keeps retrying a refused start
 * (`maximumEventAgeInSeconds`, https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html)
 * + the run's timeout (a quick run at the first attempt, then a start retried for the whole event
 * age and a run that ends just inside its timeout); one more hour covers Glue's start-up before the
 * timeout clock runs and the metric's delivery. Interval + timeout alone (25 h for a daily job with
 * a 60-minute timeout and a 1-hour retry age) paged on such a late, successful run.
 */
function runMissingAlarm(g: GlueJobFacts, ctx: SegmentContext): AlarmDefinition {
  const intervalHours = longestIntervalHours(g.scheduleExpression!);
  const lateStartSeconds = g.scheduleMaxEventAgeSeconds ?? 0;
  const graceHours = Math.ceil((g.timeoutMinutes * 60 + lateStartSeconds) / 3600) + 1;
  const periods = intervalHours + graceHours;
  const hour = 3600;
  if (periods * hour > maxWindowSeconds(hour)) {
    throw new Error(
      `Glue job ${g.jobName}: its schedule "${g.scheduleExpression}" runs every ${intervalHours} h; CloudWatch cannot watch a silence longer than ${maxWindowSeconds(hour) / hour - graceHours} h`,
    );
  }
  return {
    nameSuffix: `${componentOf(ctx.naming, g.jobName)}-run-missing`,
    description:
      `No successful run of Glue job ${g.jobName} for ${periods} hours (its schedule ${g.scheduleExpression} starts it at least every ${intervalHours} h, ` +
      `a refused start is retried for up to ${Math.round(lateStartSeconds / 60)} minutes, and a run may take ${g.timeoutMinutes} minutes): ` +
      `no JobRunSuccess in ${g.metrics.namespace}. The schedule ${g.scheduleName ?? ""} may be disabled or failing (DLQ ${g.scheduleDlqName ?? "none"}), or every run failed. ` +
      `The ${g.pipelineName} stream has not had the table's new rows since; start the job by hand once the cause is fixed.`,
    metric: alarmMetric(customMetric(g.metrics, "JobRunSuccess", ctx.naming.env), "Sum", hour),
    threshold: 1,
    comparison: "LessThanThreshold",
    evaluationPeriods: periods,
    treatMissingData: "breaching",
  };
}

export function glueJobSegment(g: GlueJobFacts, ctx: SegmentContext): Segment {
  const { env, region } = ctx.naming;
  const row = (name: string, label: string, color: string) =>
    customMetric(g.metrics, name, env, { id: name.charAt(0).toLowerCase() + name.slice(1), label, color });
  const read = row("RecordsRead", "Rows read", COLORS.neutral);
  const processed = row("RecordsProcessed", "Rows processed", COLORS.info);
  const succeeded = row("RecordsSucceeded", "Rows published", COLORS.success);
  const failed = row("RecordsFailed", "Rows failed", COLORS.failure);
  const runsOk = row("JobRunSuccess", "Successful runs", COLORS.success);
  const runsFailed = row("JobRunFailure", "Failed runs", COLORS.failure);
  const rows = [read, processed, succeeded, failed];

  const functional: Section[] = [
    {
      title: `Glue audit: ${g.jobName}`,
      meaning:
        `The Glue job ${g.jobName} reads the rows added to its Iceberg table since its last successful run and publishes them as events to the ${g.pipelineName} stream. ` +
        "Rows read → processed (turned into events) → published (accepted by Kinesis); failed rows were invalid or could not be published and are audited FAILED. " +
        "After a successful run, published + failed equals read. A failed run publishes its rows again on the next run, so they are counted in both runs.",
      whenRed:
        "failed rows: check the audit table's FAILED items for the reason. A failed run: the job stopped early; call the data platform on-call engineer (technical dashboard, section Glue).",
      widgets: [
        pie({
          title: `Rows published vs failed (${g.jobName}, selected period)`,
          region,
          metrics: [succeeded, failed],
          width: 6,
        }),
        singleValue({
          title: `Rows (${g.jobName}, selected period)`,
          region,
          metrics: rows,
          width: 12,
          height: 6,
        }),
        singleValue({
          title: `Job runs (${g.jobName}, selected period)`,
          region,
          metrics: [runsOk, runsFailed],
          width: 6,
          height: 6,
        }),
        bar({
          title: `Read vs processed vs published vs failed (${g.jobName}, totals)`,
          region,
          yAxisLabel: "rows",
          metrics: rows,
          width: 8,
        }),
        timeSeries({
          title: `Rows per day (${g.jobName})`,
          region,
          period: PERIOD.day,
          yAxisLabel: "rows",
          metrics: rows,
          width: 10,
        }),
        timeSeries({
          title: `Job runs per day (${g.jobName})`,
          region,
          period: PERIOD.day,
          yAxisLabel: "runs",
          metrics: [runsOk, runsFailed],
          width: 6,
        }),
      ],
    },
  ];

  const technical: Section[] = [
    {
      title: `Glue job ${g.jobName}`,
      meaning:
        `Failed runs come from the job-state-change rule ${g.ruleName} (Glue Job State Change FAILED / TIMEOUT / ERROR) and from the job's own JobRunFailure metric; ` +
        "failed tasks and elapsed time are Glue's own Spark metrics (namespace Glue, all runs).",
      whenRed: `open the failed run in the Glue console (job ${g.jobName}) and its error log (/aws-glue/jobs/error); the state-change events are kept in the rule's log group.`,
      widgets: [
        timeSeries({
          title: `Glue job ${g.jobName}: failed runs`,
          region,
          yAxisLabel: "runs",
          metrics: [
            eventRuleMetric(g.ruleName, "MatchedEvents", {
              label: "Failed/timed-out runs (state-change events)",
              color: COLORS.failure,
            }),
            customMetric(g.metrics, "JobRunFailure", env, {
              label: "Runs that recorded JobRunFailure",
              color: COLORS.warning,
            }),
          ],
          width: 8,
        }),
        ...glueRuntimeWidgets(g.jobName, region),
      ],
    },
  ];

  const component = componentOf(ctx.naming, g.jobName);
  const alarms: AlarmDefinition[] = [
    {
      nameSuffix: `${component}-run-failures`,
      description:
        `A run of Glue job ${g.jobName} failed, timed out or recorded JobRunFailure (state-change rule ${g.ruleName} matched, or ${g.metrics.namespace} JobRunFailure > 0, in any of the last 15 minutes). ` +
        `Rows after the failure were not published to the ${g.pipelineName} stream. Open the run in the Glue console and its error log; rerun after fixing.`,
      queries: [
        {
          id: "stateChanges",
          label: "Failed runs (state-change events)",
          metric: alarmMetric(eventRuleMetric(g.ruleName, "MatchedEvents"), "Sum", LATE_DATA_PERIOD_SECONDS),
        },
        {
          id: "recorded",
          label: "JobRunFailure",
          metric: alarmMetric(customMetric(g.metrics, "JobRunFailure", env), "Sum", LATE_DATA_PERIOD_SECONDS),
        },
        // Array SUM adds whichever of the two has a point and is missing only when both are, so no
        // FILL is needed; a missing period is then not breaching (nothing failed that we know of).
        {
          id: "failedRuns",
          label: "Failed runs",
          expression: "SUM([stateChanges, recorded])",
          returnData: true,
        },
      ],
      threshold: 0,
      comparison: "GreaterThanThreshold",
      ...LATE_DATA_WINDOW,
      treatMissingData: "notBreaching",
    },
  ];
  if (g.scheduleExpression) alarms.push(runMissingAlarm(g, ctx));
  if (g.scheduleGroupName) {
    alarms.push({
      nameSuffix: `${component}-schedule-target-errors`,
      description:
        `EventBridge Scheduler could not start Glue job ${g.jobName} (AWS/Scheduler TargetErrorCount, schedule group ${g.scheduleGroupName}, which holds only ${g.scheduleName ?? "its schedule"}). ` +
        `Check the scheduler role's glue:StartJobRun right and the job's concurrency; starts given up on land in ${g.scheduleDlqName ?? "the schedule's DLQ"}.`,
      metric: alarmMetric(
        schedulerMetric(g.scheduleGroupName, "TargetErrorCount"),
        "Sum",
        LATE_DATA_PERIOD_SECONDS,
      ),
      threshold: 0,
      comparison: "GreaterThanThreshold",
      ...LATE_DATA_WINDOW,
      treatMissingData: "notBreaching",
    });
  }
  if (g.scheduleDlqName) {
    alarms.push(
      queueNotEmptyAlarm(
        `${componentOf(ctx.naming, g.jobName)}-schedule-dlq-not-empty`,
        g.scheduleDlqName,
        `scheduled starts of Glue job ${g.jobName} that EventBridge Scheduler${g.scheduleName ? ` (schedule ${g.scheduleName})` : ""} gave up on after all retries: the run did not happen, so the ${g.pipelineName} stream did not get those rows`,
        "Read a message for the error (often a run still going, or the scheduler role's glue:StartJobRun right), fix it, then start the job once by hand in the Glue console.",
      ),
    );
  }
  return { functional, technical, alarms };
}
