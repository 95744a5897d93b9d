/**
 * The whole platform's monitoring: every component segment in dashboard order, plus the technical
 * widgets that span components (every Lambda function, every queue, every schedule and rule) and a
 * Lambda-errors alarm per function. The functional sections that span components (today's totals,
 * the end-to-end flow, combined daily failures) are in platform-functional.ts.
 */
import { alarmMetric, type AlarmDefinition } from "../alarms.js";
import type { Section } from "../layout.js";
import { AUDIT_QUEUE_MAX_AGE_SECONDS, auditStoreSegment } from "./audit-store.js";
import {
  componentOf,
  eventRuleMetric,
  lambdaMetric,
  mergeSegments,
  sqsMetric,
  type Segment,
  type SegmentContext,
} from "./common.js";
import { externalSegment } from "./external.js";
import { glueJobSegment, schedulerMetric } from "./glue-job.js";
import { pipelineSegment } from "./pipeline.js";
import { tokenManagerSegment } from "./token-manager.js";
import { COLORS, MAX_ALARMS_PER_WIDGET, alarmStatus, timeSeries, type MetricStat } from "../widgets.js";

import { allFunctions, type PlatformFacts } from "./platform-facts.js";
import { failuresSection, flowSection, todaySection } from "./platform-functional.js";

/** Every section and alarm of both dashboards (the alarm status section is added once alarms exist). */
export function platformMonitoring(facts: PlatformFacts, ctx: SegmentContext): Segment {
  const token = tokenManagerSegment(facts.tokenManager, ctx);
  const pipelines = facts.pipelines.map((p) => pipelineSegment(p, ctx));
  const audit = auditStoreSegment(facts.audit, facts.pipelines, ctx);
  const glue = facts.glueJobs.map((g) => glueJobSegment(g, ctx));
  const external = externalSegment(facts.external, ctx);
  const all = mergeSegments([...pipelines, token, audit, ...glue, external]);
  return {
    functional: [
      todaySection(facts, ctx),
      flowSection(facts, ctx),
      ...pipelines.flatMap((s) => s.functional),
      ...token.functional,
      ...audit.functional,
      failuresSection(facts, ctx),
      ...glue.flatMap((s) => s.functional),
    ],
    technical: [
      lambdaSection(facts, ctx),
      ...pipelines.flatMap((s) => s.technical),
      queueSection(facts, ctx),
      ...audit.technical,
      ...glue.flatMap((s) => s.technical),
      ...external.technical,
      schedulingSection(facts, ctx),
      ...token.technical,
    ].filter((s) => s.widgets.length > 0),
    alarms: [...all.alarms, ...lambdaErrorAlarms(facts, ctx)],
  };
}

/** The first technical section: the state of every alarm (ALARM first). */
export function alarmSection(alarmArns: string[], domain: string): Section {
  const chunks: string[][] = [];
  for (let i = 0; i < alarmArns.length; i += MAX_ALARMS_PER_WIDGET)
    chunks.push(alarmArns.slice(i, i + MAX_ALARMS_PER_WIDGET));
  return {
    title: "Alarms",
    meaning: `Every alarm of the ${domain} platform in this stack, alarms in ALARM first, then the most recently changed. Each alarm's description says what broke and where to look; the same text is e-mailed to the alarm topic.`,
    whenRed: "open the alarm, read its description, and follow it to the section of this dashboard it names.",
    widgets: chunks.map((arns, i) =>
      alarmStatus({
        title:
          chunks.length > 1
            ? `Alarm status (${i + 1} of ${chunks.length})`
            : "Alarm status: every platform alarm",
        alarmArns: arns,
      }),
    ),
  };
}

function lambdaSection(facts: PlatformFacts, ctx: SegmentContext): Section {
  const { region } = ctx.naming;
  const functions = allFunctions(facts);
  return {
    title: "Lambda functions",
    meaning: `Errors, throttles, duration and invocations of every function: ${functions.map((f) => f.functionName).join(", ")}.`,
    whenRed:
      'open the function\'s log group (/aws/lambda/<function>) and filter level = "ERROR"; throttles mean the account or reserved concurrency is exhausted.',
    widgets: [
      timeSeries({
        title: "Lambda errors and throttles, every function",
        region,
        yAxisLabel: "count",
        legend: "right",
        metrics: functions.flatMap((f) => [
          lambdaMetric(f.functionName, "Errors", { label: `${f.label}: errors` }),
          lambdaMetric(f.functionName, "Throttles", { label: `${f.label}: throttles` }),
        ]),
        width: 24,
        height: 7,
      }),
      timeSeries({
        title: "Lambda duration p95, every function (milliseconds)",
        region,
        stat: "p95",
        yAxisLabel: "milliseconds",
        metrics: functions.map((f) => lambdaMetric(f.functionName, "Duration", { label: f.label })),
        width: 12,
      }),
      timeSeries({
        title: "Lambda invocations, every function",
        region,
        yAxisLabel: "invocations",
        metrics: functions.map((f) => lambdaMetric(f.functionName, "Invocations", { label: f.label })),
        width: 12,
      }),
    ],
  };
}

function queues(facts: PlatformFacts): Array<{ name: string; label: string }> {
  return [
    { name: facts.audit.queueName, label: "Audit queue" },
    { name: facts.audit.dlqName, label: "Audit DLQ" },
    { name: facts.tokenManager.scheduleDlqName, label: "Token schedule DLQ" },
    { name: facts.tokenManager.failedInvocationQueueName, label: "Token refresh failed invocations" },
    ...facts.pipelines
      .filter((p) => p.producerFailureQueueName)
      .map((p) => ({ name: p.producerFailureQueueName!, label: `${p.pipelineName} producer failure queue` })),
    ...facts.pipelines
      .filter((p) => p.onFailureQueueName)
      .map((p) => ({
        name: p.onFailureQueueName!,
        label: `${p.pipelineName} case creator on-failure queue`,
      })),
    ...facts.pipelines
      .filter((p) => p.discardAuditorDlqName)
      .map((p) => ({ name: p.discardAuditorDlqName!, label: `${p.pipelineName} discard auditor DLQ` })),
    ...facts.glueJobs
      .filter((g) => g.scheduleDlqName)
      .map((g) => ({ name: g.scheduleDlqName!, label: `${g.jobName} schedule DLQ` })),
  ];
}

function queueSection(facts: PlatformFacts, ctx: SegmentContext): Section {
  const { region } = ctx.naming;
  const all = queues(facts);
  return {
    title: "Queues",
    meaning: `Messages waiting and the age of the oldest one in the audit queue and every dead-letter / on-failure queue: ${all.map((q) => q.name).join(", ")}. Every queue but the audit queue should be empty.`,
    whenRed: `a message in a DLQ is work that was given up on (see the matching alarm's description); an audit queue older than ${AUDIT_QUEUE_MAX_AGE_SECONDS / 60} minutes means the audit processor is behind.`,
    widgets: [
      timeSeries({
        title: "Messages waiting (visible), per queue",
        region,
        stat: "Maximum",
        yAxisLabel: "messages",
        metrics: all.map((q) => sqsMetric(q.name, "ApproximateNumberOfMessagesVisible", { label: q.label })),
        width: 12,
      }),
      timeSeries({
        title: "Age of the oldest message, per queue (seconds)",
        region,
        stat: "Maximum",
        yAxisLabel: "seconds",
        annotations: [
          { value: AUDIT_QUEUE_MAX_AGE_SECONDS, label: "Audit queue alarm threshold", color: COLORS.failure },
        ],
        metrics: all.map((q) => sqsMetric(q.name, "ApproximateAgeOfOldestMessage", { label: q.label })),
        width: 12,
      }),
    ],
  };
}

function schedulingSection(facts: PlatformFacts, ctx: SegmentContext): Section {
  const { region } = ctx.naming;
  const t = facts.tokenManager;
  const rules = [...facts.glueJobs.map((g) => g.ruleName), ...facts.external.eventRules];
  // One group per component, so each widget (and alarm) sees exactly one component's schedule.
  const groups = [
    {
      group: t.scheduleGroupName,
      holds: `the token refresh schedule ${t.scheduleName}`,
      dlq: t.scheduleDlqName,
    },
    ...facts.glueJobs
      .filter((g) => g.scheduleGroupName)
      .map((g) => ({
        group: g.scheduleGroupName!,
        holds: `the schedule ${g.scheduleName ?? ""} starting Glue job ${g.jobName}`,
        dlq: g.scheduleDlqName ?? "its DLQ",
      })),
  ];
  const scheduler = (group: string, metricName: string, label: string, color: string): MetricStat =>
    schedulerMetric(group, metricName, { label, color });
  return {
    title: "Schedules and event rules",
    meaning:
      `EventBridge rules that failed to deliver to their targets (FailedInvocations; AWS reports it only when it is not zero) for ${rules.join(", ") || "no rules"}, ` +
      `and EventBridge Scheduler's attempts and target errors per schedule group (Scheduler reports per group; each group holds one component's schedule): ` +
      groups.map((g) => `${g.group} holds ${g.holds}`).join("; ") +
      ".",
    whenRed: `check the target's permissions (the rule's or schedule's role) and the target itself; starts Scheduler gave up on land in ${groups.map((g) => g.dlq).join(", ")}.`,
    widgets: [
      ...(rules.length > 0
        ? [
            timeSeries({
              title: "EventBridge rule failed invocations",
              region,
              yAxisLabel: "invocations",
              metrics: rules.map((r) => eventRuleMetric(r, "FailedInvocations", { label: r })),
              width: 12,
            }),
          ]
        : []),
      ...groups.map((g) =>
        timeSeries({
          title: `EventBridge Scheduler, group ${g.group}: attempts and target errors`,
          region,
          yAxisLabel: "invocations",
          metrics: [
            scheduler(g.group, "InvocationAttemptCount", "Invocation attempts", COLORS.neutral),
            scheduler(g.group, "TargetErrorCount", "Target errors", COLORS.failure),
            scheduler(g.group, "InvocationDroppedCount", "Dropped after retries", COLORS.warning),
            scheduler(g.group, "InvocationsSentToDeadLetterCount", "Sent to DLQ", COLORS.muted),
          ],
          width: 12,
        }),
      ),
    ],
  };
}

function lambdaErrorAlarms(facts: PlatformFacts, ctx: SegmentContext): AlarmDefinition[] {
  return allFunctions(facts).map((f) => ({
    nameSuffix: `${componentOf(ctx.naming, f.functionName)}-lambda-errors`,
    description:
      `Lambda function ${f.functionName}${f.external ? " (managed outside this platform)" : ""} failed at least one invocation in 5 minutes (AWS/Lambda Errors > 0). ` +
      `Look at its log group /aws/lambda/${f.functionName} (Logs Insights: filter level = "ERROR") and the technical dashboard section "Lambda functions".`,
    metric: alarmMetric(lambdaMetric(f.functionName, "Errors"), "Sum", 300),
    threshold: 0,
    comparison: "GreaterThanThreshold",
    evaluationPeriods: 1,
    treatMissingData: "notBreaching",
  }));
}
