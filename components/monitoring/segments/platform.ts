/**
 * The whole platform's monitoring: every component segment in dashboard order, plus the widgets that
 * span components (today's totals, the end-to-end flow, combined daily failures, every Lambda
 * function, every queue, every schedule and rule) and a Lambda-errors alarm per function.
 */
import type { ExternalResources } from "../../dashboards-config.js";
import { alarmMetric, type AlarmDefinition } from "../alarms.js";
import type { AuditFacts, FunctionFacts, GlueJobFacts, PipelineFacts, TokenManagerFacts } from "../facts.js";
import type { Section } from "../layout.js";
import { AUDIT_QUEUE_MAX_AGE_SECONDS, auditStoreSegment } from "./audit-store.js";
import {
  componentOf,
  customMetric,
  eventRuleMetric,
  lambdaMetric,
  mergeSegments,
  sqsMetric,
  sumOf,
  totalMetric,
  type Segment,
  type SegmentContext,
} from "./common.js";
import { externalSegment } from "./external.js";
import { glueJobSegment, schedulerMetric } from "./glue-job.js";
import { pipelineSegment } from "./pipeline.js";
import { tokenManagerSegment } from "./token-manager.js";
import {
  COLORS,
  MAX_ALARMS_PER_WIDGET,
  PERIOD,
  alarmStatus,
  bar,
  singleValue,
  timeSeries,
  type GraphMetric,
  type MetricStat,
} from "../widgets.js";

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

/** Every function the platform deploys (for Lambda widgets and alarms). */
export function managedFunctions(facts: PlatformFacts): FunctionFacts[] {
  return [
    facts.tokenManager.fn,
    ...facts.pipelines.flatMap((p) =>
      [p.producer, p.caseCreator, p.discardAuditor].filter((f): f is FunctionFacts => f !== undefined),
    ),
    facts.audit.processor,
  ];
}

function allFunctions(
  facts: PlatformFacts,
): Array<{ functionName: string; label: string; external: boolean }> {
  return [
    ...managedFunctions(facts).map((f) => ({
      functionName: f.functionName,
      label: f.label,
      external: false,
    })),
    ...facts.external.lambdaFunctions.map((name) => ({
      functionName: name,
      label: `${name} (external)`,
      external: true,
    })),
  ];
}

/** One pipeline's flow: each stage's raw metrics (hidden) and the stage line drawn from them. */
interface Flow {
  title: string;
  metrics: GraphMetric[];
}

const hidden = (m: MetricStat, id: string): MetricStat => ({ ...m, id, visible: false });
const stage = (expression: string, id: string, label: string, color: string): GraphMetric => ({
  expression,
  id,
  label,
  color,
});

/**
 * The flow of every pipeline, counted like with like: each stage counts the same records as the
 * one before it, in the same unit, from the components that decide them. Stage 4 is every record
 * with a final status, made of the parts that end a record (so it equals stage 1 once everything is
 * settled): for an S3 pipeline with a case creator, cases created + case failures (both counted by
 * the audit processor at the status-deciding write) + records the producer rejected or could not
 * publish (audited FAILED); for a Glue feed, rows handed to the stream's external consumer (the
 * stream is their destination; Glue does not audit them) + rows that failed (audited FAILED).
 * The audit table's own totals, across pipelines, are in the Audit summary section.
 */
function flows(facts: PlatformFacts, env: string): Flow[] {
  const out: Flow[] = [];
  for (const p of facts.pipelines) {
    if (!p.producerMetrics) continue;
    const pm = p.producerMetrics;
    const read = hidden(customMetric(pm, "S3RecordsProcessed", env), "read");
    const published = hidden(customMetric(pm, "EventPublishSuccess", env), "published");
    const rejected = hidden(customMetric(pm, "EventPublishFailure", env), "rejected");
    const metrics: GraphMetric[] = [
      read,
      published,
      rejected,
      stage("FILL(read, 0)", "stageRead", "1. Records read from files", COLORS.neutral),
      stage("FILL(published, 0)", "stagePublished", "2. Published to Kinesis", COLORS.info),
    ];
    if (p.caseCreatorMetrics) {
      const cm = p.caseCreatorMetrics;
      metrics.splice(
        3,
        0,
        hidden(customMetric(cm, "SFCaseCreationSuccess", env), "cases"),
        hidden(customMetric(cm, "SFCaseCreationFailure", env), "caseFailures"),
      );
      metrics.push(
        stage("FILL(cases, 0)", "stageCases", "3. Salesforce cases created", COLORS.success),
        stage(
          sumOf(["cases", "caseFailures", "rejected"]),
          "stageFinal",
          "4. With a final status (cases + case failures + rejected)",
          COLORS.muted,
        ),
      );
    } else {
      metrics.push(
        stage(
          sumOf(["published", "rejected"]),
          "stageFinal",
          "4. With a final status (published + rejected)",
          COLORS.muted,
        ),
      );
    }
    out.push({ title: `${p.label} (${p.pipelineName})`, metrics });
  }
  for (const g of facts.glueJobs) {
    const read = hidden(customMetric(g.metrics, "RecordsRead", env), "read");
    const succeeded = hidden(customMetric(g.metrics, "RecordsSucceeded", env), "published");
    const failed = hidden(customMetric(g.metrics, "RecordsFailed", env), "failed");
    out.push({
      title: `${g.jobName} → ${g.pipelineName}`,
      metrics: [
        read,
        succeeded,
        failed,
        stage("FILL(read, 0)", "stageRead", "1. Rows read from the Iceberg table", COLORS.neutral),
        stage(
          "FILL(published, 0)",
          "stagePublished",
          "2. Published to Kinesis (handed to the external consumer)",
          COLORS.info,
        ),
        stage(
          sumOf(["published", "failed"]),
          "stageFinal",
          "4. With a final status (published + failed)",
          COLORS.muted,
        ),
      ],
    });
  }
  return out;
}

function todaySection(facts: PlatformFacts, ctx: SegmentContext): Section {
  const { env, region } = ctx.naming;
  const received: GraphMetric[] = [
    ...facts.pipelines
      .filter((p) => p.producerMetrics)
      .map((p, i) =>
        customMetric(p.producerMetrics!, "TotalEvents", env, {
          id: `total${i}`,
          label: `${p.label}: records received`,
        }),
      ),
    ...facts.glueJobs.map((g, i) =>
      customMetric(g.metrics, "RecordsRead", env, { id: `glueTotal${i}`, label: `${g.jobName}: rows read` }),
    ),
  ];
  const creators = facts.pipelines.filter((p) => p.caseCreatorMetrics);
  const cases = creators.map((p, i) =>
    customMetric(p.caseCreatorMetrics!, "SFCaseCreationSuccess", env, {
      id: `cases${i}`,
      label: `${p.label}: cases created`,
      color: COLORS.success,
    }),
  );
  const widgets = [
    ...(received.length > 0
      ? [
          singleValue({
            title: "Events received in the last 24 hours",
            region,
            start: "-PT24H",
            metrics: withTotal(received, "All sources"),
            width: 8,
            height: 4,
          }),
        ]
      : []),
    ...(cases.length > 0
      ? [
          singleValue({
            title: "Salesforce cases created in the last 24 hours",
            region,
            start: "-PT24H",
            metrics: withTotal(cases, "All pipelines"),
            width: 8,
            height: 4,
          }),
        ]
      : []),
    singleValue({
      title: "Failures in the last 24 hours (all kinds)",
      region,
      start: "-PT24H",
      metrics: failureMetrics(facts, env, true),
      width: 8,
      height: 4,
    }),
  ];
  return {
    title: `${ctx.domain} platform today`,
    meaning: `Totals for the last 24 hours (a rolling day, independent of the time picker): records received from uploaded files and Glue jobs, Salesforce cases created, and every kind of failure added up. Environment: ${env}, region: ${region}.`,
    whenRed:
      "failures above zero: read the sections below to see which part failed, then follow its advice. Nothing received on a working day: ask the data provider whether files were sent.",
    widgets,
  };
}

function withTotal(metrics: GraphMetric[], label: string): GraphMetric[] {
  if (metrics.length <= 1) return metrics;
  return [
    { expression: sumOf(metrics.map((m) => m.id!)), id: "total", label, color: COLORS.neutral },
    ...metrics,
  ];
}

function flowSection(facts: PlatformFacts, ctx: SegmentContext): Section {
  const { env, region } = ctx.naming;
  return {
    title: "End-to-end flow",
    meaning:
      "How many records reached each stage, per pipeline: 1. read (from uploaded files, or from a Glue job's table), 2. published to the pipeline's Kinesis stream, " +
      "3. turned into Salesforce cases (pipelines with a case creator), 4. ended with a final status. Stage 4 adds up what ends a record — a case, a failure with a reason (audited FAILED), " +
      "or, for a stream an external consumer reads, being handed to it — so it matches stage 1 when nothing is lost, once the last records are settled (minutes after an upload). " +
      "A Glue run that failed publishes its rows again in the next run, so they are counted in both runs.",
    whenRed:
      "stage 4 below stage 1 for longer than an hour shows records without an outcome: check that pipeline's section below (case creation, Glue audit) and the audit summary.",
    widgets: flows(facts, env).flatMap((flow) => [
      bar({
        title: `Records at each stage: ${flow.title} (selected period)`,
        region,
        yAxisLabel: "records",
        metrics: flow.metrics,
        width: 6,
      }),
      singleValue({
        title: `Records at each stage: ${flow.title} (selected period)`,
        region,
        metrics: flow.metrics,
        width: 6,
        height: 6,
      }),
    ]),
  };
}

/** Glue failed runs + Lambda errors + case failures + token failures, each a sum, plus their total. */
function failureMetrics(facts: PlatformFacts, env: string, totalOnly: boolean): GraphMetric[] {
  const parts: Array<{
    id: string;
    label: string;
    color: string;
    sources: GraphMetric[];
    expression?: string;
  }> = [
    {
      id: "glueFailed",
      label: "Glue failed runs",
      color: COLORS.info,
      sources: facts.glueJobs.map((g, i) => hidden(eventRuleMetric(g.ruleName, "MatchedEvents"), `rule${i}`)),
    },
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
      sources: facts.pipelines
        .filter((p) => p.caseCreatorMetrics)
        .map((p, i) => hidden(customMetric(p.caseCreatorMetrics!, "SFCaseCreationFailure", env), `cf${i}`)),
    },
    {
      id: "tokenFailures",
      label: "Token refresh failures",
      color: COLORS.muted,
      // The total over every Reason, published (as 0 on a good day) under [Environment] alone.
      sources: [hidden(totalMetric(facts.tokenManager.metrics, "TokenRefreshFailure", env), "tokenFailed")],
    },
  ];
  const present = parts.filter((p) => p.sources.length > 0);
  const metrics: GraphMetric[] = present.flatMap((p) => [
    ...p.sources,
    {
      expression: p.expression ?? sumOf(p.sources.map((s) => s.id!)),
      id: p.id,
      label: p.label,
      color: p.color,
      ...(totalOnly ? { visible: false } : {}),
    },
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
      "A failed token refresh is also an error of the token manager's Lambda function; it is counted once, as a token refresh failure.",
    whenRed:
      "find the part that is not zero and go to its section (Glue audit, case creation, token refresh); engineers find the details on the technical dashboard.",
    widgets: [
      timeSeries({
        title: "Failures per day, by kind and in total",
        region,
        period: PERIOD.day,
        yAxisLabel: "failures",
        metrics: failureMetrics(facts, env, false),
        width: 16,
      }),
      singleValue({
        title: "Failures in the selected period, by kind",
        region,
        metrics: failureMetrics(facts, env, false),
        width: 8,
        height: 6,
      }),
    ],
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
