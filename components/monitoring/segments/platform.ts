/**
 * The whole platform's monitoring: every component segment in dashboard order, plus the widgets that
 * span components (today's totals, the end-to-end flow, combined daily failures, every Lambda
 * function, every queue, every schedule and rule) and a Lambda-errors alarm per function.
 */
import { AUDIT_STATUSES } from "../../../handlers/lib/audit-event.js";
import type { ExternalResources } from "../../dashboards-config.js";
import { alarmMetric, type AlarmDefinition } from "../alarms.js";
import type { AuditFacts, FunctionFacts, GlueJobFacts, PipelineFacts, TokenManagerFacts } from "../facts.js";
import type { Section } from "../layout.js";
import { AUDIT_QUEUE_MAX_AGE_SECONDS, auditStoreSegment, auditWritten } from "./audit-store.js";
import {
  componentOf,
  customMetric,
  eventRuleMetric,
  lambdaMetric,
  mergeSegments,
  searchExpression,
  sqsMetric,
  sumOf,
  type Segment,
  type SegmentContext,
} from "./common.js";
import { externalSegment } from "./external.js";
import { glueJobSegment } from "./glue-job.js";
import { pipelineSegment } from "./pipeline.js";
import { tokenManagerSegment } from "./token-manager.js";
import { COLORS, MAX_ALARMS_PER_WIDGET, PERIOD, alarmStatus, bar, singleValue, timeSeries, type GraphMetric, type MetricStat } from "../widgets.js";

export interface PlatformFacts {
  tokenManager: TokenManagerFacts;
  pipelines: PipelineFacts[];
  audit: AuditFacts;
  glueJobs: GlueJobFacts[];
  external: ExternalResources;
}

/** Every section and alarm of both dashboards (the alarm status section is added once alarms exist). */
export function platformMonitoring(facts: PlatformFacts, ctx: SegmentContext): Segment {
  const token = tokenManagerSegment(facts.tokenManager, ctx);
  const pipelines = facts.pipelines.map((p) => pipelineSegment(p, ctx));
  const audit = auditStoreSegment(facts.audit, ctx);
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
  for (let i = 0; i < alarmArns.length; i += MAX_ALARMS_PER_WIDGET) chunks.push(alarmArns.slice(i, i + MAX_ALARMS_PER_WIDGET));
  return {
    title: "Alarms",
    meaning: `Every alarm of the ${domain} platform in this stack, alarms in ALARM first, then the most recently changed. Each alarm's description says what broke and where to look; the same text is e-mailed to the alarm topic.`,
    whenRed: "open the alarm, read its description, and follow it to the section of this dashboard it names.",
    widgets: chunks.map((arns, i) => alarmStatus({ title: chunks.length > 1 ? `Alarm status (${i + 1} of ${chunks.length})` : "Alarm status: every platform alarm", alarmArns: arns })),
  };
}

/** Every function the platform deploys (for Lambda widgets and alarms). */
export function managedFunctions(facts: PlatformFacts): FunctionFacts[] {
  return [
    facts.tokenManager.fn,
    ...facts.pipelines.flatMap((p) => [p.producer, p.caseCreator, p.discardAuditor].filter((f): f is FunctionFacts => f !== undefined)),
    facts.audit.processor,
  ];
}

function allFunctions(facts: PlatformFacts): Array<{ functionName: string; label: string; external: boolean }> {
  return [
    ...managedFunctions(facts).map((f) => ({ functionName: f.functionName, label: f.label, external: false })),
    ...facts.external.lambdaFunctions.map((name) => ({ functionName: name, label: `${name} (external)`, external: true })),
  ];
}

interface StageSources {
  read: MetricStat[];
  published: MetricStat[];
  cases: MetricStat[];
  audited: MetricStat[];
}

/** The raw metrics behind each flow stage, each with a unique id, hidden (the stage sums are shown). */
function stageSources(facts: PlatformFacts, env: string): StageSources {
  const hide = (m: MetricStat, id: string): MetricStat => ({ ...m, id, visible: false });
  const producers = facts.pipelines.filter((p) => p.producerMetrics);
  const creators = facts.pipelines.filter((p) => p.caseCreatorMetrics);
  return {
    read: [
      ...producers.map((p, i) => hide(customMetric(p.producerMetrics!, "S3RecordsProcessed", env), `read${i}`)),
      ...facts.glueJobs.map((g, i) => hide(customMetric(g.metrics, "RecordsRead", env), `glueRead${i}`)),
    ],
    published: [
      ...producers.map((p, i) => hide(customMetric(p.producerMetrics!, "EventPublishSuccess", env), `pub${i}`)),
      ...facts.glueJobs.map((g, i) => hide(customMetric(g.metrics, "RecordsSucceeded", env), `gluePub${i}`)),
    ],
    cases: creators.map((p, i) => hide(customMetric(p.caseCreatorMetrics!, "SFCaseCreationSuccess", env), `cases${i}`)),
    // A record's final status: a case exists, it was handed to an external consumer, or it failed.
    audited: (["PROCESSED", "PUBLISHED", "FAILED"] as const)
      .filter((s) => (AUDIT_STATUSES as readonly string[]).includes(s))
      .map((status) => auditWritten(facts.audit, env, status, { id: `audit${status.toLowerCase()}`, visible: false })),
  };
}

function stageMetrics(sources: StageSources): GraphMetric[] {
  const stage = (metrics: MetricStat[], id: string, label: string, color: string): GraphMetric[] =>
    metrics.length === 0 ? [] : [...metrics, { expression: sumOf(metrics.map((m) => m.id!)), id, label, color }];
  return [
    ...stage(sources.read, "stageRead", "1. Records read", COLORS.neutral),
    ...stage(sources.published, "stagePublished", "2. Published to Kinesis", COLORS.info),
    ...stage(sources.cases, "stageCases", "3. Salesforce cases created", COLORS.success),
    ...stage(sources.audited, "stageAudited", "4. Audited with a final status", COLORS.muted),
  ];
}

function todaySection(facts: PlatformFacts, ctx: SegmentContext): Section {
  const { env, region } = ctx.naming;
  const received: GraphMetric[] = [
    ...facts.pipelines.filter((p) => p.producerMetrics).map((p, i) => customMetric(p.producerMetrics!, "TotalEvents", env, { id: `total${i}`, label: `${p.label}: records received` })),
    ...facts.glueJobs.map((g, i) => customMetric(g.metrics, "RecordsRead", env, { id: `glueTotal${i}`, label: `${g.jobName}: rows read` })),
  ];
  const creators = facts.pipelines.filter((p) => p.caseCreatorMetrics);
  const cases = creators.map((p, i) => customMetric(p.caseCreatorMetrics!, "SFCaseCreationSuccess", env, { id: `cases${i}`, label: `${p.label}: cases created`, color: COLORS.success }));
  const widgets = [
    ...(received.length > 0 ? [singleValue({ title: "Events received in the last 24 hours", region, start: "-PT24H", metrics: withTotal(received, "All sources"), width: 8, height: 4 })] : []),
    ...(cases.length > 0 ? [singleValue({ title: "Salesforce cases created in the last 24 hours", region, start: "-PT24H", metrics: withTotal(cases, "All pipelines"), width: 8, height: 4 })] : []),
    singleValue({ title: "Failures in the last 24 hours (all kinds)", region, start: "-PT24H", metrics: failureMetrics(facts, env, true), width: 8, height: 4 }),
  ];
  return {
    title: `${ctx.domain} platform today`,
    meaning:
      `Totals for the last 24 hours (a rolling day, independent of the time picker): records received from uploaded files and Glue jobs, Salesforce cases created, and every kind of failure added up. Environment: ${env}, region: ${region}.`,
    whenRed: "failures above zero: read the sections below to see which part failed, then follow its advice. Nothing received on a working day: ask the data provider whether files were sent.",
    widgets,
  };
}

function withTotal(metrics: GraphMetric[], label: string): GraphMetric[] {
  if (metrics.length <= 1) return metrics;
  return [{ expression: sumOf(metrics.map((m) => m.id!)), id: "total", label, color: COLORS.neutral }, ...metrics];
}

function flowSection(facts: PlatformFacts, ctx: SegmentContext): Section {
  const { env, region } = ctx.naming;
  const metrics = stageMetrics(stageSources(facts, env));
  return {
    title: "End-to-end flow",
    meaning:
      "How many records reached each stage: 1. read from uploaded files (and Glue tables), 2. published to the Kinesis streams, 3. turned into Salesforce cases, 4. audited with a final status. " +
      "Each stage should be close to the one before it; the audit count includes failed records, so it matches stage 1 when nothing is lost.",
    whenRed: "a stage far below the one before it shows where records stop: check that part's section below (case creation, Glue audit, audit summary).",
    widgets: [
      bar({ title: "Records at each stage (selected period)", region, yAxisLabel: "records", metrics, width: 8 }),
      singleValue({ title: "Records at each stage (selected period)", region, metrics, width: 8, height: 6 }),
      timeSeries({ title: "Records at each stage per 15 minutes", region, period: PERIOD.fifteenMinutes, yAxisLabel: "records", metrics, width: 8 }),
    ],
  };
}

/** Glue failed runs + Lambda errors + case failures + token failures, each a sum, plus their total. */
function failureMetrics(facts: PlatformFacts, env: string, totalOnly: boolean): GraphMetric[] {
  const hidden = (m: MetricStat, id: string): MetricStat => ({ ...m, id, visible: false });
  const parts: Array<{ id: string; label: string; color: string; sources: GraphMetric[]; expression?: string }> = [
    { id: "glueFailed", label: "Glue failed runs", color: COLORS.info, sources: facts.glueJobs.map((g, i) => hidden(eventRuleMetric(g.ruleName, "MatchedEvents"), `rule${i}`)) },
    {
      id: "lambdaErrors",
      label: "Lambda errors",
      color: COLORS.warning,
      // The token manager's errors are its failed refreshes, already counted (once per refresh, by
      // reason) as token refresh failures below: counting its Lambda errors too counted each twice.
      sources: managedFunctions(facts)
        .filter((f) => f.functionName !== facts.tokenManager.fn.functionName)
        .map((f, i) => hidden(lambdaMetric(f.functionName, "Errors"), `err${i}`)),
    },
    {
      id: "caseFailures",
      label: "Case creation failures",
      color: COLORS.failure,
      sources: facts.pipelines.filter((p) => p.caseCreatorMetrics).map((p, i) => hidden(customMetric(p.caseCreatorMetrics!, "SFCaseCreationFailure", env), `cf${i}`)),
    },
    {
      id: "tokenFailures",
      label: "Token refresh failures",
      color: COLORS.muted,
      sources: [{ expression: searchExpression(facts.tokenManager.metrics, "TokenRefreshFailure", env, "Sum"), id: "tokenByReason", visible: false }],
      expression: "SUM(tokenByReason)",
    },
  ];
  const present = parts.filter((p) => p.sources.length > 0);
  const metrics: GraphMetric[] = present.flatMap((p) => [
    ...p.sources,
    { expression: p.expression ?? sumOf(p.sources.map((s) => s.id!)), id: p.id, label: p.label, color: p.color, ...(totalOnly ? { visible: false } : {}) },
  ]);
  // Array SUM adds whatever parts have data at each time, so one silent source cannot blank the total.
  const total = `SUM([${present.map((p) => `FILL(${p.id}, 0)`).join(", ")}])`;
  return [...metrics, { expression: total, id: "allFailures", label: "All failures", color: COLORS.failure }];
}

function failuresSection(facts: PlatformFacts, ctx: SegmentContext): Section {
  const { env, region } = ctx.naming;
  return {
    title: "Daily failures (combined)",
    meaning:
      "Everything that failed, per day: Glue job runs that failed, Lambda function errors (any platform function), Salesforce case creation failures and TIAA token refresh failures, and their total. " +
      "A token failure usually also counts as a token-manager Lambda error; the parts are shown separately so nothing is hidden.",
    whenRed: "find the part that is not zero and go to its section (Glue audit, case creation, token refresh); engineers find the details on the technical dashboard.",
    widgets: [
      timeSeries({ title: "Failures per day, by kind and in total", region, period: PERIOD.day, yAxisLabel: "failures", metrics: failureMetrics(facts, env, false), width: 16 }),
      singleValue({ title: "Failures in the selected period, by kind", region, metrics: failureMetrics(facts, env, false), width: 8, height: 6 }),
    ],
  };
}

function lambdaSection(facts: PlatformFacts, ctx: SegmentContext): Section {
  const { region } = ctx.naming;
  const functions = allFunctions(facts);
  return {
    title: "Lambda functions",
    meaning: `Errors, throttles, duration and invocations of every function: ${functions.map((f) => f.functionName).join(", ")}.`,
    whenRed: "open the function's log group (/aws/lambda/<function>) and filter level = \"ERROR\"; throttles mean the account or reserved concurrency is exhausted.",
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
      timeSeries({ title: "Lambda duration p95, every function (milliseconds)", region, stat: "p95", yAxisLabel: "milliseconds", metrics: functions.map((f) => lambdaMetric(f.functionName, "Duration", { label: f.label })), width: 12 }),
      timeSeries({ title: "Lambda invocations, every function", region, yAxisLabel: "invocations", metrics: functions.map((f) => lambdaMetric(f.functionName, "Invocations", { label: f.label })), width: 12 }),
    ],
  };
}

function queues(facts: PlatformFacts): Array<{ name: string; label: string }> {
  return [
    { name: facts.audit.queueName, label: "Audit queue" },
    { name: facts.audit.dlqName, label: "Audit DLQ" },
    { name: facts.tokenManager.scheduleDlqName, label: "Token schedule DLQ" },
    { name: facts.tokenManager.failedInvocationQueueName, label: "Token refresh failed invocations" },
    ...facts.pipelines.filter((p) => p.producerFailureQueueName).map((p) => ({ name: p.producerFailureQueueName!, label: `${p.pipelineName} producer failure queue` })),
    ...facts.pipelines.filter((p) => p.onFailureQueueName).map((p) => ({ name: p.onFailureQueueName!, label: `${p.pipelineName} case creator on-failure queue` })),
    ...facts.pipelines.filter((p) => p.discardAuditorDlqName).map((p) => ({ name: p.discardAuditorDlqName!, label: `${p.pipelineName} discard auditor DLQ` })),
    ...facts.glueJobs.filter((g) => g.scheduleDlqName).map((g) => ({ name: g.scheduleDlqName!, label: `${g.jobName} schedule DLQ` })),
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
      timeSeries({ title: "Messages waiting (visible), per queue", region, stat: "Maximum", yAxisLabel: "messages", metrics: all.map((q) => sqsMetric(q.name, "ApproximateNumberOfMessagesVisible", { label: q.label })), width: 12 }),
      timeSeries({
        title: "Age of the oldest message, per queue (seconds)",
        region,
        stat: "Maximum",
        yAxisLabel: "seconds",
        annotations: [{ value: AUDIT_QUEUE_MAX_AGE_SECONDS, label: "Audit queue alarm threshold", color: COLORS.failure }],
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
  const scheduler = (metricName: string, label: string, color: string): MetricStat => ({ namespace: "AWS/Scheduler", metricName, dimensions: { ScheduleGroup: t.scheduleGroupName }, label, color });
  return {
    title: "Schedules and event rules",
    meaning:
      `EventBridge rules that failed to deliver to their targets (FailedInvocations; AWS reports it only when it is not zero) for ${rules.join(", ") || "no rules"}, ` +
      `and EventBridge Scheduler's attempts and target errors for schedule group ${t.scheduleGroupName} (it holds the token refresh schedule ${t.scheduleName}).`,
    whenRed: `check the target's permissions (the rule's or schedule's role) and the target itself; dropped token refreshes land in ${t.scheduleDlqName}.`,
    widgets: [
      ...(rules.length > 0
        ? [timeSeries({ title: "EventBridge rule failed invocations", region, yAxisLabel: "invocations", metrics: rules.map((r) => eventRuleMetric(r, "FailedInvocations", { label: r })), width: 12 })]
        : []),
      timeSeries({
        title: `EventBridge Scheduler, group ${t.scheduleGroupName}: attempts and target errors`,
        region,
        yAxisLabel: "invocations",
        metrics: [
          scheduler("InvocationAttemptCount", "Invocation attempts", COLORS.neutral),
          scheduler("TargetErrorCount", "Target errors", COLORS.failure),
          scheduler("InvocationDroppedCount", "Dropped after retries", COLORS.warning),
          scheduler("InvocationsSentToDeadLetterCount", "Sent to DLQ", COLORS.muted),
        ],
        width: 12,
      }),
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
