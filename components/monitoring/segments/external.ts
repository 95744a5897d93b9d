/**
 * Resources managed outside this program that the engineers still watch here (from stack config):
 * Glue jobs and AWS Batch job queues. External Lambda functions and EventBridge rules join the
 * platform-wide widgets instead (see platform.ts), so "every function" really means every one.
 *
 * AWS Batch publishes job metrics itself (namespace AWS/Batch, dimension JobQueueName, best effort);
 * no Container Insights or custom metrics are needed for failures and durations.
 */
import type { ExternalResources } from "../../dashboards-config.js";
import type { Section } from "../layout.js";
import { COLORS, timeSeries, type MetricStat, type WidgetSpec } from "../widgets.js";
import { EMPTY_SEGMENT, type Segment, type SegmentContext } from "./common.js";
import { glueRuntimeWidgets } from "./glue-job.js";

function batchMetric(queueName: string, metricName: string, render: Partial<MetricStat> = {}): MetricStat {
  return { namespace: "AWS/Batch", metricName, dimensions: { JobQueueName: queueName }, ...render };
}

function batchWidgets(queueName: string, region: string): WidgetSpec[] {
  return [
    timeSeries({
      title: `Batch queue ${queueName}: jobs failed vs succeeded`,
      region,
      yAxisLabel: "jobs",
      metrics: [
        batchMetric(queueName, "JobsMovedToFailed", {
          label: "Failed (incl. cancelled/terminated)",
          color: COLORS.failure,
        }),
        batchMetric(queueName, "JobsMovedToSucceeded", { label: "Succeeded", color: COLORS.success }),
        batchMetric(queueName, "JobsRetried", { label: "Attempts retried", color: COLORS.warning }),
      ],
      width: 12,
    }),
    timeSeries({
      title: `Batch queue ${queueName}: job run time (minutes)`,
      region,
      yAxisLabel: "minutes",
      metrics: [
        batchMetric(queueName, "JobAttemptExecutionDuration", {
          id: "runAvgMs",
          stat: "Average",
          visible: false,
        }),
        batchMetric(queueName, "JobAttemptExecutionDuration", {
          id: "runMaxMs",
          stat: "Maximum",
          visible: false,
        }),
        { expression: "runAvgMs / 60000", id: "runAvg", label: "Average attempt" },
        { expression: "runMaxMs / 60000", id: "runMax", label: "Longest attempt" },
      ],
      width: 12,
    }),
  ];
}

export function externalSegment(external: ExternalResources, ctx: SegmentContext): Segment {
  const { region } = ctx.naming;
  const technical: Section[] = [];
  if (external.glueJobs.length > 0) {
    technical.push({
      title: "Glue jobs managed elsewhere",
      meaning: `Glue's own metrics (namespace Glue, all runs) for jobs this platform depends on but does not deploy: ${external.glueJobs.join(", ")}.`,
      whenRed: "the owning team runs these jobs; raise it with them and check the run in the Glue console.",
      widgets: external.glueJobs.flatMap((job) => glueRuntimeWidgets(job, region)),
    });
  }
  if (external.batchJobQueues.length > 0) {
    technical.push({
      title: "AWS Batch jobs",
      meaning:
        `Jobs of the Batch queues ${external.batchJobQueues.join(", ")}, from the metrics AWS Batch publishes per job queue (AWS/Batch). ` +
        "AWS documents them as best effort: a job that fails within seconds may skip a state, so treat small differences as noise.",
      whenRed:
        "open the failed job in the Batch console; its log stream (usually in /aws/batch/job) has the error.",
      widgets: external.batchJobQueues.flatMap((queue) => batchWidgets(queue, region)),
    });
  }
  return { ...EMPTY_SEGMENT, technical };
}
