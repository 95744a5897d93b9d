/**
 * The functional dashboard's sections that span components: today's totals, each pipeline's flow from
 * file to Salesforce case (or Glue row to case), and every kind of failure per day with its total.
 */
import type { Section } from "../layout.js";
import {
  customMetric,
  eventRuleMetric,
  lambdaMetric,
  sumOf,
  totalMetric,
  type SegmentContext,
} from "./common.js";
import {
  COLORS,
  PERIOD,
  bar,
  singleValue,
  timeSeries,
  type GraphMetric,
  type MetricStat,
} from "../widgets.js";
import { managedFunctions, type PlatformFacts } from "./platform-facts.js";

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

export function todaySection(facts: PlatformFacts, ctx: SegmentContext): Section {
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

export function flowSection(facts: PlatformFacts, ctx: SegmentContext): Section {
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

export function failuresSection(facts: PlatformFacts, ctx: SegmentContext): Section {
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
