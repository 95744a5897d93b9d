/**
 * One event pipeline's part of the dashboards: Salesforce case creation, retries and the SLA for the
 * business; the Kinesis stream, the producer and the technical latency for engineers; and the alarms
 * on case failures, consumer lag, the producer's failure queue and the case creator's on-failure queue.
 */
import { alarmMetric, type AlarmDefinition } from "../alarms.js";
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
import {
  customMetric,
  kinesisMetric,
  queueNotEmptyAlarm,
  queueStuckAlarm,
  type Segment,
  type SegmentContext,
} from "./common.js";

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

/**
 * Records wait longer than the SLA. `GetRecords.IteratorAgeMilliseconds` exists only while someone
 * calls GetRecords (Kinesis: "the age of the last record in all GetRecords calls",
 * https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html). The case creator's
 * event source mapping polls every shard about once a second even when the stream is empty
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html), so on its stream no data means
 * the reader stopped (mapping disabled or deleted, function gone): missing data breaches.
 * An external consumer's polling is not ours to promise, so there silence is judged by
 * `consumerNotReadingAlarm` instead.
 */
function iteratorAgeAlarm(p: PipelineFacts, ctx: SegmentContext): AlarmDefinition {
  return {
    nameSuffix: `${p.pipelineName}-iterator-age`,
    description:
      `Records wait longer than the ${ctx.slaSeconds} s SLA in Kinesis stream ${p.streamName} (GetRecords.IteratorAgeMilliseconds, max over 5 minutes, twice in a row): ` +
      (p.caseCreator
        ? `its consumer ${p.caseCreator.functionName} is failing, throttled, too slow, or not reading at all (no iterator age for 10 minutes counts as breaching: its event source mapping polls every second). ` +
          `Check that the mapping is Enabled, its Lambda errors, its log group ${p.caseCreator.logGroupName}${p.onFailureQueueName ? ` and the on-failure queue ${p.onFailureQueueName}` : ""}.`
        : "the external consumer reading it (e.g. TMS) is behind. Tell its owners; records expire after the stream's retention period."),
    metric: alarmMetric(kinesisMetric(p.streamName, "GetRecords.IteratorAgeMilliseconds"), "Maximum", 300),
    threshold: ctx.slaSeconds * 1000,
    comparison: "GreaterThanThreshold",
    evaluationPeriods: 2,
    treatMissingData: p.caseCreator ? "breaching" : "notBreaching",
  };
}

/** An hour in which records came in and nobody read any: the external consumer has stopped. */
const CONSUMER_SILENCE_PERIOD_SECONDS = 3600;

/**
 * For streams read by an external consumer (TMS). What TMS is known to do: the stream policy lets
 * its role call GetRecords/GetShardIterator/ListShards/DescribeStream only (`readerPrincipals`), not
 * SubscribeToShard or RegisterStreamConsumer, so it can only read with shared-throughput
 * GetRecords, whose reads Kinesis counts in `GetRecords.Records`. When records arrive
 * (`IncomingRecords` > 0) and none are read within the same hour, TMS has stopped. Missing read
 * data is 0 here (no GetRecords call publishes nothing); missing incoming data is 0 (nothing to read).
 * If TMS ever moves to enhanced fan-out, this alarm fires: read `SubscribeToShardEvent.Records` then.
 */
function consumerNotReadingAlarm(p: PipelineFacts): AlarmDefinition {
  const sum = (metricName: string) =>
    alarmMetric(kinesisMetric(p.streamName, metricName), "Sum", CONSUMER_SILENCE_PERIOD_SECONDS);
  return {
    nameSuffix: `${p.pipelineName}-consumer-not-reading`,
    description:
      `Records were written to Kinesis stream ${p.streamName} in the last hour (IncomingRecords > 0) but its external consumer (e.g. TMS) read none (GetRecords.Records = 0): ` +
      "the consumer has stopped or lost access. Tell its owners; records expire after the stream's retention period, and the Glue job does not publish them again.",
    queries: [
      { id: "incoming", label: "Records written", metric: sum("IncomingRecords") },
      { id: "read", label: "Records read (GetRecords)", metric: sum("GetRecords.Records") },
      {
        id: "unread",
        label: "Written but nothing read (1 = yes)",
        expression: "IF(FILL(incoming, 0) > 0 AND FILL(read, 0) == 0, 1, 0)",
        returnData: true,
      },
    ],
    threshold: 0,
    comparison: "GreaterThanThreshold",
    evaluationPeriods: 1,
    treatMissingData: "notBreaching",
  };
}

/** An on-failure record waits seconds for the discard auditor; fifteen minutes means it is not working. */
const ON_FAILURE_MAX_AGE_SECONDS = 900;

function pipelineAlarms(p: PipelineFacts, ctx: SegmentContext): AlarmDefinition[] {
  const { env } = ctx.naming;
  const alarms: AlarmDefinition[] = [
    iteratorAgeAlarm(p, ctx),
    ...(p.caseCreator ? [] : [consumerNotReadingAlarm(p)]),
  ];
  if (p.caseCreator && p.caseCreatorMetrics) {
    alarms.push({
      nameSuffix: `${p.pipelineName}-case-creation-failures`,
      description:
        `Salesforce case creation failed for at least one ${p.label} record (SFCaseCreationFailure > 0 in ${p.caseCreatorMetrics.namespace}). ` +
        `Each failed record is in the audit table with status FAILED and a reason; the function log group is ${p.caseCreator.logGroupName}.`,
      metric: alarmMetric(customMetric(p.caseCreatorMetrics, "SFCaseCreationFailure", env), "Sum", 300),
      threshold: 0,
      comparison: "GreaterThanThreshold",
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
    });
  }
  if (p.producerFailureQueueName) {
    const producer = p.producer?.functionName ?? "the event producer";
    alarms.push(
      queueNotEmptyAlarm(
        `${p.pipelineName}-producer-failures-not-empty`,
        p.producerFailureQueueName,
        `uploads to ${p.bucketName ?? "the input bucket"} that ${producer} failed on after all retries: a whole uploaded file was not processed (or stopped part-way), so its records may be missing from ${p.streamName} and the audit table`,
        `Each message holds the S3 event (bucket and object key) in requestPayload and the error in responsePayload; the details are in ${p.producer?.logGroupName ?? "the producer's log group"}. ` +
          `Once the cause is fixed, re-upload the file or re-invoke ${producer} with that requestPayload (safe to repeat: cases are upserted by transaction id).`,
      ),
    );
  }
  if (p.onFailureQueueName && p.discardAuditor) {
    // The discard auditor consumes the on-failure queue, so "not empty" would fire on every batch
    // Lambda gives up on; those records are audited FAILED (and SFCaseCreationFailure alarms on them).
    alarms.push(
      queueStuckAlarm(
        `${p.pipelineName}-on-failure-queue-stuck`,
        p.onFailureQueueName,
        ON_FAILURE_MAX_AGE_SECONDS,
        `the discard auditor ${p.discardAuditor.functionName}`,
        `Records of the batches Lambda gave up on for ${p.caseCreator?.functionName ?? "the case creator"} are not being audited: check the auditor's errors and its log group ${p.discardAuditor.logGroupName}.`,
      ),
    );
  }
  if (p.discardAuditorDlqName) {
    alarms.push(
      queueNotEmptyAlarm(
        `${p.pipelineName}-discard-auditor-dlq-not-empty`,
        p.discardAuditorDlqName,
        `invocation records of Kinesis batches (shard and sequence range of ${p.streamName}) that Lambda gave up on and the discard auditor could not audit after several attempts: their records may be missing from the audit table`,
        `The reason is in ${p.discardAuditor?.logGroupName ?? "the discard auditor's log group"}. Once fixed, move the messages back to ${p.onFailureQueueName ?? "the on-failure queue"} with start-message-move-task; the auditor audits them FAILED (records already settled keep their outcome).`,
      ),
    );
  }
  return alarms;
}
