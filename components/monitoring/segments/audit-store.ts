/**
 * The audit trail's part of the dashboards: the audit summary by status for the business; the audit
 * table's throttling and the processor's writes for engineers; alarms on queue age, the audit DLQ and
 * DynamoDB throttling.
 */
import { AUDIT_STATUSES, type AuditStatus } from "../../../handlers/lib/audit-event.js";
import { alarmMetric, type AlarmDefinition } from "../alarms.js";
import type { AuditFacts } from "../facts.js";
import { COLORS, PERIOD, pie, singleValue, timeSeries, type MetricStat } from "../widgets.js";
import { customMetric, queueNotEmptyAlarm, sqsMetric, type Segment, type SegmentContext } from "./common.js";

/** Audit queue messages older than this mean the audit trail is falling behind. */
export const AUDIT_QUEUE_MAX_AGE_SECONDS = 900;

const STATUS_STYLE: Record<AuditStatus, { label: string; color: string }> = {
  RECEIVED: { label: "Received", color: COLORS.muted },
  PUBLISHED: { label: "Published (handed to an external consumer)", color: COLORS.neutral },
  PROCESSED: { label: "Processed (case created)", color: COLORS.success },
  FAILED: { label: "Failed (with a reason)", color: COLORS.failure },
};

/** AuditEventWritten for one status, as the audit processor emits it. */
export function auditWritten(a: AuditFacts, env: string, status: AuditStatus, render: Partial<MetricStat> = {}): MetricStat {
  return customMetric(a.metrics, "AuditEventWritten", env, { id: status.toLowerCase(), label: STATUS_STYLE[status].label, color: STATUS_STYLE[status].color, ...render }, { Status: status });
}

export function auditStoreSegment(a: AuditFacts, ctx: SegmentContext): Segment {
  const { env, region } = ctx.naming;
  const byStatus = AUDIT_STATUSES.map((status) => auditWritten(a, env, status));
  const dynamo = (metricName: string, label: string, color: string): MetricStat => ({ namespace: "AWS/DynamoDB", metricName, dimensions: { TableName: a.tableName }, label, color });

  return {
    functional: [
      {
        title: "Audit summary",
        meaning:
          `Every record that enters the platform ends in the audit table (${a.tableName}) exactly once with a final status: Processed (a case exists), ` +
          "Published (handed to an external consumer such as TMS) or Failed (with a reason). These are the audit events written, by status.",
        whenRed:
          "Failed records need a decision: the reason says whether the data (send back to its owner) or the platform (call the platform on-call engineer) is at fault.",
        widgets: [
          pie({ title: "Audit events by status (selected period)", region, metrics: byStatus, width: 8 }),
          singleValue({ title: "Audit events by status (selected period)", region, metrics: byStatus, width: 8, height: 6 }),
          timeSeries({ title: "Audit events written per hour, by status", region, period: PERIOD.hour, stacked: true, yAxisLabel: "audit events", metrics: byStatus, width: 8 }),
        ],
      },
    ],
    technical: [
      {
        title: `Audit table ${a.tableName}`,
        meaning:
          `DynamoDB throttling of the audit table (on-demand capacity still has per-partition and account limits) and the writes of the audit processor ${a.processor.functionName}.`,
        whenRed:
          `throttled writes are retried from the audit queue ${a.queueName}; if they persist, messages age and finally move to ${a.dlqName}. Check for a hot partition (one transaction id written in a loop) and the account's DynamoDB limits.`,
        widgets: [
          timeSeries({
            title: `DynamoDB throttles on ${a.tableName}`,
            region,
            yAxisLabel: "throttled events",
            metrics: [
              dynamo("ReadThrottleEvents", "Read throttle events", COLORS.warning),
              dynamo("WriteThrottleEvents", "Write throttle events", COLORS.failure),
              {
                expression: `SEARCH('{AWS/DynamoDB,TableName,Operation} MetricName="ThrottledRequests" TableName="${a.tableName}"', 'Sum')`,
                id: "throttledByOperation",
                label: "Throttled requests:",
              },
            ],
            width: 12,
          }),
          timeSeries({ title: `Audit events written by ${a.processor.functionName}, by status`, region, yAxisLabel: "audit events", metrics: byStatus, width: 12 }),
        ],
      },
    ],
    alarms: auditAlarms(a),
  };
}

function auditAlarms(a: AuditFacts): AlarmDefinition[] {
  const table = (metricName: string) => alarmMetric({ namespace: "AWS/DynamoDB", metricName, dimensions: { TableName: a.tableName } }, "Sum", 300);
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
        `DynamoDB throttled reads or writes on the audit table ${a.tableName} (ReadThrottleEvents + WriteThrottleEvents > 0 in 5 minutes). Writes are retried from ` +
        `${a.queueName}; look for a hot partition or account limits in the technical dashboard section "Audit table".`,
      queries: [
        { id: "reads", label: "Read throttle events", metric: table("ReadThrottleEvents") },
        { id: "writes", label: "Write throttle events", metric: table("WriteThrottleEvents") },
        { id: "throttles", label: "Throttle events", expression: "FILL(reads, 0) + FILL(writes, 0)", returnData: true },
      ],
      threshold: 0,
      comparison: "GreaterThanThreshold",
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
    },
  ];
}
