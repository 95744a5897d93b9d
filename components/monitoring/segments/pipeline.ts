/**
 * One event pipeline's part of the dashboards: Salesforce case creation, retries and the SLA for the
 * business; the Kinesis stream, the producer and the technical latency for engineers; and the alarms
 * (pipeline-alarms.ts) on case failures, consumer lag, the producer's failure queue and the case
 * creator's on-failure queue.
 */
import type { PipelineFacts } from "../facts.js";
import type { Section } from "../layout.js";
import {
  COLORS,
  PERIOD,
  pie,
  singleValue,
  timeSeries,
  type GraphMetric,
  type HorizontalAnnotation,
} from "../widgets.js";
import { customMetric, kinesisMetric, type Segment, type SegmentContext } from "./common.js";
import { pipelineAlarms } from "./pipeline-alarms.js";

export function pipelineSegment(p: PipelineFacts, ctx: SegmentContext): Segment {
  return {
    functional: functionalSections(p, ctx),
    technical: technicalSections(p, ctx),
    alarms: pipelineAlarms(p, ctx),
  };
}

/** The SLA as a red line on latency graphs (values in seconds). */
export function slaLine(ctx: SegmentContext): HorizontalAnnotation {
  return { value: ctx.slaSeconds, label: `SLA ${ctx.slaSeconds} s`, color: COLORS.failure, fill: "above" };
}

function functionalSections(p: PipelineFacts, ctx: SegmentContext): Section[] {
  if (!p.caseCreator || !p.caseCreatorMetrics) return [];
  const { env, region } = ctx.naming;
  const m = p.caseCreatorMetrics;
  const created = customMetric(m, "SFCaseCreationSuccess", env, {
    id: "ok",
    label: "Cases created",
    color: COLORS.success,
  });
  const failed = customMetric(m, "SFCaseCreationFailure", env, {
    id: "failed",
    label: "Records failed",
    color: COLORS.failure,
  });
  const retried = customMetric(m, "RetrySuccess", env, {
    id: "retried",
    label: "Calls fixed by a retry",
    color: COLORS.info,
  });
  const exhausted = customMetric(m, "RetryExhausted", env, {
    id: "exhausted",
    label: "Calls given up after every retry",
    color: COLORS.warning,
  });
  const hidden = <T extends GraphMetric>(metric: T): T => ({ ...metric, visible: false });

  const latencySeconds = (stat: string, id: string, label: string, color?: string): GraphMetric[] => [
    customMetric(m, "EndToEndLatency", env, { id: `${id}Ms`, stat, visible: false }),
    { expression: `${id}Ms / 1000`, id, label, ...(color ? { color } : {}) },
  ];

  return [
    {
      title: `Salesforce case creation: ${p.label}`,
      meaning:
        `Each valid record of ${p.label} becomes (or updates) one Salesforce case. "Cases created" should track the records read; ` +
        `"Records failed" are records that could not become a case and were audited FAILED with a reason. The retry tiles count Salesforce calls ` +
        "(one call carries up to 200 records) that hit a temporary error (busy, unavailable, expired token, locked record): the retry success rate is the share of those calls " +
        "a retry fixed, the platform healing itself; calls given up are retried later from the stream. Invalid records are not in it (no retry can fix them). It is blank when no call needed a retry.",
      whenRed:
        "any failed record needs a look: search the audit table by status FAILED for the reason (invalid data goes back to the data owner; " +
        "Salesforce or token errors go to the platform on-call engineer). A falling retry success rate (calls given up) means Salesforce is struggling.",
      widgets: [
        pie({
          title: `Cases created vs failed (${p.label}, selected period)`,
          region,
          metrics: [created, failed],
          width: 6,
        }),
        timeSeries({
          title: `Cases created and failed per 15 minutes (${p.label})`,
          region,
          period: PERIOD.fifteenMinutes,
          yAxisLabel: "records",
          metrics: [created, failed],
          width: 12,
        }),
        singleValue({
          title: `Case creation totals (${p.label}, selected period)`,
          region,
          metrics: [
            created,
            failed,
            {
              expression: "100 * FILL(ok, 0) / (FILL(ok, 0) + FILL(failed, 0))",
              id: "rate",
              label: "Success rate (%)",
            },
          ],
          width: 6,
          height: 6,
        }),
        timeSeries({
          title: `Salesforce calls with a temporary error: fixed by a retry vs given up, per day (${p.label})`,
          region,
          period: PERIOD.day,
          yAxisLabel: "calls",
          metrics: [retried, exhausted],
          width: 12,
        }),
        singleValue({
          title: `Retry success rate: Salesforce calls fixed by a retry (${p.label}, selected period)`,
          region,
          metrics: [
            hidden(retried),
            hidden(exhausted),
            // One unit (Salesforce calls) above and below the line; records that failed validation are
            // not calls with a temporary error, so no retry could fix them and they are not counted.
            {
              expression: "100 * FILL(retried, 0) / (FILL(retried, 0) + FILL(exhausted, 0))",
              id: "retryRate",
              label: "% of calls with a temporary error fixed by a retry",
            },
            { expression: "FILL(retried, 0)", id: "retriedTotal", label: "Calls fixed by a retry" },
            {
              expression: "FILL(exhausted, 0)",
              id: "exhaustedTotal",
              label: "Calls given up after every retry",
            },
          ],
          width: 12,
          height: 6,
        }),
      ],
    },
    {
      title: `Service level: ${p.label}`,
      meaning:
        `End-to-end latency is the time from a record's production (its producedAt) to its Salesforce case. The red line is the agreed SLA of ${ctx.slaSeconds} seconds. ` +
        "The average shows the usual experience; the 95th percentile (p95) shows the slowest 5 in 100 records.",
      whenRed:
        "when p95 is above the SLA line, cases arrive late: check the technical dashboard for stream lag (iterator age), Lambda errors and throttles, and Salesforce retries.",
      widgets: [
        timeSeries({
          title: `End-to-end latency vs SLA: average and p95 (${p.label}, seconds)`,
          region,
          period: PERIOD.fifteenMinutes,
          yAxisLabel: "seconds",
          annotations: [slaLine(ctx)],
          metrics: [
            ...latencySeconds("Average", "avg", "Average", COLORS.neutral),
            ...latencySeconds("p95", "p95", "95th percentile", COLORS.warning),
          ],
          width: 16,
        }),
        singleValue({
          title: `Latency over the selected period (${p.label}, seconds; SLA ${ctx.slaSeconds} s)`,
          region,
          metrics: [
            ...latencySeconds("Average", "avg", "Average"),
            ...latencySeconds("p95", "p95", "95th percentile"),
          ],
          width: 8,
          height: 6,
        }),
      ],
    },
  ];
}

function technicalSections(p: PipelineFacts, ctx: SegmentContext): Section[] {
  const { env, region } = ctx.naming;
  const s = p.streamName;
  const widgets = [
    timeSeries({
      title: `Consumer lag on ${s}: iterator age (seconds, max)`,
      region,
      stat: "Maximum",
      yAxisLabel: "seconds behind",
      annotations: [
        { value: ctx.slaSeconds, label: "Alarm threshold (SLA)", color: COLORS.failure, fill: "above" },
      ],
      metrics: [
        kinesisMetric(s, "GetRecords.IteratorAgeMilliseconds", { id: "ageMs", visible: false }),
        { expression: "ageMs / 1000", id: "age", label: "Oldest unread record age" },
      ],
      width: 8,
    }),
    timeSeries({
      title: `Throughput exceeded on ${s} (read / write)`,
      region,
      yAxisLabel: "throttled requests",
      metrics: [
        kinesisMetric(s, "ReadProvisionedThroughputExceeded", {
          label: "Read throughput exceeded",
          color: COLORS.warning,
        }),
        kinesisMetric(s, "WriteProvisionedThroughputExceeded", {
          label: "Write throughput exceeded",
          color: COLORS.failure,
        }),
      ],
      width: 8,
    }),
    timeSeries({
      title: `Records into and out of ${s}, and failed puts`,
      region,
      yAxisLabel: "records",
      metrics: [
        kinesisMetric(s, "IncomingRecords", { label: "Records written", color: COLORS.neutral }),
        kinesisMetric(s, "GetRecords.Records", {
          label: "Records read (GetRecords, every reader)",
          color: COLORS.success,
        }),
        kinesisMetric(s, "PutRecords.FailedRecords", {
          label: "Failed puts (PutRecords.FailedRecords)",
          color: COLORS.failure,
        }),
      ],
      width: 8,
    }),
  ];
  if (p.producer && p.producerMetrics) {
    const pm = p.producerMetrics;
    widgets.push(
      timeSeries({
        title: `Producer ${p.producer.functionName}: read, published, rejected`,
        region,
        yAxisLabel: "records",
        metrics: [
          customMetric(pm, "S3RecordsProcessed", env, { label: "Read from files", color: COLORS.neutral }),
          customMetric(pm, "EventPublishSuccess", env, {
            label: "Published to Kinesis",
            color: COLORS.success,
          }),
          customMetric(pm, "EventPublishFailure", env, {
            label: "Rejected or not published",
            color: COLORS.failure,
          }),
        ],
        width: 12,
      }),
    );
  }
  if (p.caseCreator && p.caseCreatorMetrics) {
    const cm = p.caseCreatorMetrics;
    const stats: Array<[string, string]> = [
      ["p50", "p50"],
      ["p95", "p95"],
      ["p99", "p99"],
      ["Maximum", "max"],
    ];
    widgets.push(
      timeSeries({
        title: `Technical end-to-end latency, ${p.label}: p50 / p95 / p99 / max (seconds)`,
        region,
        yAxisLabel: "seconds",
        annotations: [slaLine(ctx)],
        metrics: stats.flatMap(([stat, id]): GraphMetric[] => [
          customMetric(cm, "EndToEndLatency", env, { id: `${id}Ms`, stat, visible: false }),
          { expression: `${id}Ms / 1000`, id, label: stat === "Maximum" ? "max" : stat },
        ]),
        width: 12,
      }),
    );
  }
  return [
    {
      title: `Pipeline ${p.pipelineName}: stream ${s}`,
      meaning:
        `Health of the ${p.label} pipeline. Iterator age is how far behind the slowest reader of ${s} is; throughput exceeded means a shard ` +
        "limit was hit (Kinesis throttles, the producer retries); failed puts are records Kinesis did not accept.",
      whenRed:
        `a growing iterator age means the consumer is failing or too slow: check the Lambda errors above and the on-failure queue ${p.onFailureQueueName ?? "(none)"}. ` +
        "Sustained throughput exceeded needs more shards (or on-demand mode) in the stack config.",
      widgets,
    },
  ];
}
