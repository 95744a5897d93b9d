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
import { alarmMetric, type AlarmDefinition } from "../alarms.js";
import type { GlueJobFacts } from "../facts.js";
import type { Section } from "../layout.js";
import { COLORS, PERIOD, bar, pie, singleValue, timeSeries, type MetricStat } from "../widgets.js";
import { componentOf, customMetric, eventRuleMetric, queueNotEmptyAlarm, type Segment, type SegmentContext } from "./common.js";

type GlueDriverMetric = "glue.driver.aggregate.numFailedTasks" | "glue.driver.aggregate.elapsedTime";

/** One of Glue's own job metrics, aggregated over all runs of the job. */
export function glueDriverMetric(jobName: string, metricName: GlueDriverMetric, render: Partial<MetricStat> = {}): MetricStat {
  // Both are Spark aggregates that Glue reports with Type=count.
  return { namespace: "Glue", metricName, dimensions: { JobName: jobName, JobRunId: "ALL", Type: "count" }, ...render };
}

/** Failed Spark tasks and run time of any Glue job (managed here or elsewhere). */
export function glueRuntimeWidgets(jobName: string, region: string) {
  return [
    timeSeries({
      title: `Glue job ${jobName}: failed Spark tasks`,
      region,
      yAxisLabel: "failed tasks",
      metrics: [glueDriverMetric(jobName, "glue.driver.aggregate.numFailedTasks", { label: "Failed tasks (all runs)", color: COLORS.failure })],
      width: 8,
    }),
    timeSeries({
      title: `Glue job ${jobName}: run time (minutes, longest run)`,
      region,
      stat: "Maximum",
      yAxisLabel: "minutes",
      metrics: [
        glueDriverMetric(jobName, "glue.driver.aggregate.elapsedTime", { id: "elapsedMs", visible: false }),
        { expression: "elapsedMs / 60000", id: "elapsedMinutes", label: "Elapsed time" },
      ],
      width: 8,
    }),
  ];
}

export function glueJobSegment(g: GlueJobFacts, ctx: SegmentContext): Segment {
  const { env, region } = ctx.naming;
  const row = (name: string, label: string, color: string) => customMetric(g.metrics, name, env, { id: name.charAt(0).toLowerCase() + name.slice(1), label, color });
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
        pie({ title: `Rows published vs failed (${g.jobName}, selected period)`, region, metrics: [succeeded, failed], width: 6 }),
        singleValue({ title: `Rows (${g.jobName}, selected period)`, region, metrics: rows, width: 12, height: 6 }),
        singleValue({ title: `Job runs (${g.jobName}, selected period)`, region, metrics: [runsOk, runsFailed], width: 6, height: 6 }),
        bar({ title: `Read vs processed vs published vs failed (${g.jobName}, totals)`, region, yAxisLabel: "rows", metrics: rows, width: 8 }),
        timeSeries({ title: `Rows per day (${g.jobName})`, region, period: PERIOD.day, yAxisLabel: "rows", metrics: rows, width: 10 }),
        timeSeries({ title: `Job runs per day (${g.jobName})`, region, period: PERIOD.day, yAxisLabel: "runs", metrics: [runsOk, runsFailed], width: 6 }),
      ],
    },
  ];

  const technical: Section[] = [
    {
      title: `Glue job ${g.jobName}`,
      meaning:
        `Failed runs come from the job-state-change rule ${g.ruleName} (Glue Job State Change FAILED / TIMEOUT / ERROR) and from the job's own JobRunFailure metric; ` +
        "failed tasks and elapsed time are Glue's own Spark metrics (namespace Glue, all runs).",
      whenRed:
        `open the failed run in the Glue console (job ${g.jobName}) and its error log (/aws-glue/jobs/error); the state-change events are kept in the rule's log group.`,
      widgets: [
        timeSeries({
          title: `Glue job ${g.jobName}: failed runs`,
          region,
          yAxisLabel: "runs",
          metrics: [
            eventRuleMetric(g.ruleName, "MatchedEvents", { label: "Failed/timed-out runs (state-change events)", color: COLORS.failure }),
            customMetric(g.metrics, "JobRunFailure", env, { label: "Runs that recorded JobRunFailure", color: COLORS.warning }),
          ],
          width: 8,
        }),
        ...glueRuntimeWidgets(g.jobName, region),
      ],
    },
  ];

  const alarms: AlarmDefinition[] = [
    {
      nameSuffix: `${componentOf(ctx.naming, g.jobName)}-run-failures`,
      description:
        `A run of Glue job ${g.jobName} failed, timed out or recorded JobRunFailure (state-change rule ${g.ruleName} matched, or ${g.metrics.namespace} JobRunFailure > 0). ` +
        `Rows after the failure were not published to the ${g.pipelineName} stream. Open the run in the Glue console and its error log; rerun after fixing.`,
      queries: [
        { id: "stateChanges", label: "Failed runs (state-change events)", metric: alarmMetric(eventRuleMetric(g.ruleName, "MatchedEvents"), "Sum", 300) },
        { id: "recorded", label: "JobRunFailure", metric: alarmMetric(customMetric(g.metrics, "JobRunFailure", env), "Sum", 300) },
        { id: "failedRuns", label: "Failed runs", expression: "FILL(stateChanges, 0) + FILL(recorded, 0)", returnData: true },
      ],
      threshold: 0,
      comparison: "GreaterThanThreshold",
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
    },
  ];
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
