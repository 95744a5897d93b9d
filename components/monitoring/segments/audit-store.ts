/**
 * The audit trail's part of the dashboards: the audit summary by status for the business; the audit
 * table's throttling and the processor's writes for engineers; alarms on queue age, the audit DLQ and
 * DynamoDB throttling.
 */
import { AUDIT_STATUSES, type AuditStatus } from "../../../handlers/lib/audit-event.js";
import { alarmMetric, type AlarmDefinition } from "../alarms.js";
import type { AuditFacts, PipelineFacts } from "../facts.js";
import { COLORS, PERIOD, pie, singleValue, timeSeries, type MetricStat } from "../widgets.js";
import {
  customMetric,
  queueNotEmptyAlarm,
  sqsMetric,
  sumOf,
  type Segment,
  type SegmentContext,
} from "./common.js";

/**
 * The statuses an audit event of this platform can carry. RECEIVED is in the audit contract but no
 * component writes it, so no widget shows it (an always-empty "Received" slice reads as broken).
 * PUBLISHED is written only by an S3 pipeline without a case creator (its producer audits what it
 * handed over); the Glue publisher writes FAILED only.
 */
export function writtenStatuses(pipelines: PipelineFacts[]): AuditStatus[] {
  const statuses: AuditStatus[] = [];
  if (pipelines.some((p) => p.caseCreator)) statuses.push("PROCESSED");
  if (pipelines.some((p) => p.producer && !p.caseCreator)) statuses.push("PUBLISHED");
  statuses.push("FAILED");
  return statuses.filter((s) => (AUDIT_STATUSES as readonly string[]).includes(s));
}

/** Audit queue messages older than this mean the audit trail is falling behind. */
export const AUDIT_QUEUE_MAX_AGE_SECONDS = 900;

const STATUS_STYLE: Record<AuditStatus, { label: string; color: string }> = {
  RECEIVED: { label: "Received (written by no component)", color: COLORS.muted },
  PUBLISHED: { label: "Published (handed to an external consumer)", color: COLORS.neutral },
  PROCESSED: { label: "Processed (case created)", color: COLORS.success },
  FAILED: { label: "Failed (with a reason)", color: COLORS.failure },
};

/** AuditEventWritten for one status, as the audit processor emits it. */
export function auditWritten(
  a: AuditFacts,
  env: string,
  status: AuditStatus,
  render: Partial<MetricStat> = {},
): MetricStat {
  return customMetric(
    a.metrics,
    "AuditEventWritten",
    env,
    {
      id: status.toLowerCase(),
      label: STATUS_STYLE[status].label,
      color: STATUS_STYLE[status].color,
      ...render,
    },
    { Status: status },
  );
}

export function auditStoreSegment(a: AuditFacts, pipelines: PipelineFacts[], ctx: SegmentContext): Segment {
  const { env, region } = ctx.naming;
  const byStatus = writtenStatuses(pipelines).map((status) => auditWritten(a, env, status));
  const dynamo = (metricName: string, label: string, color: string): MetricStat => ({
    namespace: "AWS/DynamoDB",
    metricName,
    dimensions: { TableName: a.tableName },
    label,
    color,
  });
  const index = (indexName: string, metricName: string, label: string, color: string): MetricStat => ({
    namespace: "AWS/DynamoDB",
    metricName,
    dimensions: { TableName: a.tableName, GlobalSecondaryIndexName: indexName },
    label,
    color,
  });

  return {
    functional: [
      {
        title: "Audit summary",
        meaning:
          `The audit events written to the audit table (${a.tableName}), by status, each transaction counted once per status: ` +
          byStatus.map((m) => m.label).join(", ") +
          ". Every record a file brings in ends here exactly once with a final status; rows a Glue job published to an external consumer are not audited (the Glue audit section counts them), only its failed rows are.",
        whenRed:
          "Failed records need a decision: the reason says whether the data (send back to its owner) or the platform (call the platform on-call engineer) is at fault.",
        widgets: [
          pie({ title: "Audit events by status (selected period)", region, metrics: byStatus, width: 8 }),
          singleValue({
            title: "Audit events by status (selected period)",
            region,
            metrics: byStatus,
            width: 8,
            height: 6,
          }),
          timeSeries({
            title: "Audit events written per hour, by status",
            region,
            period: PERIOD.hour,
            stacked: true,
            yAxisLabel: "audit events",
            metrics: byStatus,
            width: 8,
          }),
        ],
      },
    ],
    technical: [
      {
        title: `Audit table ${a.tableName}`,
        meaning:
          `DynamoDB throttling of the audit table and of its indexes ${a.indexNames.join(", ")} (on-demand capacity still has per-partition and account limits; ` +
          `an index's throttling is reported under its own GlobalSecondaryIndexName dimension, not the table's) and the writes of the audit processor ${a.processor.functionName}.`,
        whenRed: `throttled writes are retried from the audit queue ${a.queueName}; if they persist, messages age and finally move to ${a.dlqName}. Check for a hot partition (one transaction id written in a loop) and the account's DynamoDB limits.`,
        widgets: [
          timeSeries({
            title: `DynamoDB throttles on ${a.tableName}`,
            region,
            yAxisLabel: "throttled events",
            metrics: [
              dynamo("ReadThrottleEvents", "Read throttle events (table)", COLORS.warning),
              dynamo("WriteThrottleEvents", "Write throttle events (table)", COLORS.failure),
              ...a.indexNames.flatMap((name) => [
                index(name, "ReadThrottleEvents", `Read throttle events (index ${name})`, COLORS.info),
                index(name, "WriteThrottleEvents", `Write throttle events (index ${name})`, COLORS.muted),
              ]),
              {
                expression: `SEARCH('{AWS/DynamoDB,TableName,Operation} MetricName="ThrottledRequests" TableName="${a.tableName}"', 'Sum')`,
                id: "throttledByOperation",
                label: "Throttled requests:",
              },
            ],
            width: 12,
          }),
          timeSeries({
            title: `Audit events written by ${a.processor.functionName}, by status`,
            region,
            yAxisLabel: "audit events",
            metrics: byStatus,
            width: 12,
          }),
        ],
      },
    ],
    alarms: auditAlarms(a),
  };
}

function auditAlarms(a: AuditFacts): AlarmDefinition[] {
  const table = (metricName: string) =>
    alarmMetric(
      { namespace: "AWS/DynamoDB", metricName, dimensions: { TableName: a.tableName } },
      "Sum",
      300,
    );
  // The table's metrics do not include its indexes: an index is throttled under {TableName, GlobalSecondaryIndexName}
  // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html).
  const index = (indexName: string, metricName: string) =>
    alarmMetric(
      {
        namespace: "AWS/DynamoDB",
        metricName,
        dimensions: { TableName: a.tableName, GlobalSecondaryIndexName: indexName },
      },
      "Sum",
      300,
    );
  const throttleIds = [
    "reads",
    "writes",
    ...a.indexNames.flatMap((_, i) => [`indexReads${i}`, `indexWrites${i}`]),
  ];
  const throttleSum = sumOf(throttleIds);
  return [
    {
      nameSuffix: "audit-queue-age",
      description:
        `Messages in the audit queue ${a.queueName} are older than ${AUDIT_QUEUE_MAX_AGE_SECONDS / 60} minutes: the audit processor ${a.processor.functionName} ` +
        `is failing, throttled or not consuming, so audit statuses in ${a.tableName} lag behind. Check its errors and the log group ${a.processor.logGroupName}.`,
      metric: alarmMetric(sqsMetric(a.queueName, "ApproximateAgeOfOldestMessage"), "Maximum", 300),
      threshold: AUDIT_QUEUE_MAX_AGE_SECONDS,
      comparison: "GreaterThanThreshold",
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
    },
    queueNotEmptyAlarm(
      "audit-dlq-not-empty",
      a.dlqName,
      `audit events that ${a.processor.functionName} failed to write after every retry (their records have no final status in ${a.tableName} yet)`,
      `Find the cause in ${a.processor.logGroupName}, fix it, then redrive the messages to ${a.queueName}.`,
    ),
    {
      nameSuffix: "audit-table-throttles",
      description:
        `DynamoDB throttled reads or writes on the audit table ${a.tableName} or its index ${a.indexNames.join(", ")} (ReadThrottleEvents + WriteThrottleEvents > 0 in any of the last 15 minutes). ` +
        `Writes are retried from ${a.queueName}; look for a hot partition (the index key is one status per day) or account limits in the technical dashboard section "Audit table".`,
      queries: [
        { id: "reads", label: "Read throttle events (table)", metric: table("ReadThrottleEvents") },
        { id: "writes", label: "Write throttle events (table)", metric: table("WriteThrottleEvents") },
        ...a.indexNames.flatMap((name, i) => [
          {
            id: `indexReads${i}`,
            label: `Read throttle events (${name})`,
            metric: index(name, "ReadThrottleEvents"),
          },
          {
            id: `indexWrites${i}`,
            label: `Write throttle events (${name})`,
            metric: index(name, "WriteThrottleEvents"),
          },
        ]),
        { id: "throttles", label: "Throttle events", expression: throttleSum, returnData: true },
      ],
      threshold: 0,
      comparison: "GreaterThanThreshold",
      // DynamoDB publishes throttle events only when there are some, and alarms on AWS/DynamoDB
      // metrics ignore missing data whatever treatMissingData says (so without FILL the alarm would
      // stay in ALARM after the throttling ends; https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html).
      // FILL keeps it recovering; 1 out of 3 periods keeps a point that arrives minutes late from
      // being evaluated away as a filled 0 (the single-period version would miss it).
      evaluationPeriods: 3,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
    },
  ];
}
