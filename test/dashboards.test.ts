/**
 * Dashboard bodies: they satisfy CloudWatch's dashboard body structure, read only metrics that
 * components really emit, show every queue, function and alarm, and follow the readability rules.
 * Alarm definitions and the Dashboards component under mocks are in dashboards-component.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { AlarmDefinition } from "../components/monitoring/alarms.js";
import type { EmittedMetrics } from "../components/monitoring/facts.js";
import { pipelineSegment } from "../components/monitoring/segments/pipeline.js";
import { managedFunctions, type PlatformFacts } from "../components/monitoring/segments/platform-facts.js";
import { METRIC_CATALOG } from "../handlers/lib/metric-catalog.js";
import {
  insightsReference,
  metricReferences,
  searchReferences,
  validateDashboardBody,
  type MetricReference,
} from "./support/dashboard-body.js";
import { findWidget, metricWidgets, stack, widgetsOf, type Json } from "./support/platform-monitoring.js";

/** The custom metrics components declare, as `namespace|name|dimension names` (from METRIC_CATALOG). */
function emittedKeys(facts: PlatformFacts): Set<string> {
  const all: EmittedMetrics[] = [
    facts.tokenManager.metrics,
    facts.audit.metrics,
    ...facts.pipelines.flatMap((p) =>
      [p.producerMetrics, p.caseCreatorMetrics].filter((m): m is EmittedMetrics => m !== undefined),
    ),
    ...facts.glueJobs.map((g) => g.metrics),
  ];
  const keys = new Set<string>();
  for (const m of all) {
    for (const [name, def] of Object.entries(METRIC_CATALOG[m.component]) as Array<
      [string, { extraDimensions: readonly string[]; total?: boolean }]
    >) {
      keys.add(`${m.namespace}|${name}|${["Environment", ...def.extraDimensions].sort().join(",")}`);
      // A `total` metric is also published under [Environment] alone (handlers/lib/metrics.ts).
      if (def.total) keys.add(`${m.namespace}|${name}|Environment`);
    }
  }
  return keys;
}

function alarmReferences(alarms: AlarmDefinition[]): MetricReference[] {
  return alarms.flatMap((a) => {
    const where = `alarm ${a.nameSuffix}`;
    if (a.metric)
      return [
        {
          namespace: a.metric.namespace,
          metricName: a.metric.metricName,
          dimensions: a.metric.dimensions,
          where,
        },
      ];
    return (a.queries ?? []).flatMap((q): MetricReference[] => {
      if (q.metric)
        return [
          {
            namespace: q.metric.namespace,
            metricName: q.metric.metricName,
            dimensions: q.metric.dimensions,
            where,
          },
        ];
      const insights = insightsReference(q.expression ?? "", where);
      return insights ? [insights] : searchReferences(q.expression ?? "", where);
    });
  });
}

const isCustom = (r: MetricReference) => !r.namespace.startsWith("AWS/") && r.namespace !== "Glue";

/**
 * Every queue named anywhere in the facts (any `…QueueName` / `…DlqName` field, however deep), so a
 * queue a component adds to its facts is checked without this test having to learn about it.
 */
function queuesInFacts(value: unknown, key = ""): string[] {
  if (typeof value === "string") return /(QueueName|DlqName|^queueName|^dlqName)$/.test(key) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v) => queuesInFacts(v));
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => queuesInFacts(v, k));
  return [];
}

describe("dashboard bodies (sit, eu-west-1)", () => {
  const sit = stack("sit");

  it("parse and satisfy the CloudWatch dashboard body structure", () => {
    for (const body of [sit.functional, sit.technical]) {
      expect(validateDashboardBody(body)).toEqual([]);
      expect(widgetsOf(body).length).toBeGreaterThan(10);
    }
  });

  it("never show a sparkline and title every widget", () => {
    for (const body of [sit.functional, sit.technical]) {
      expect(/"sparkline":\s*true/.test(body), "a widget shows a sparkline").toBe(false);
      for (const w of widgetsOf(body)) {
        if (w.type === "text") expect(w.properties.markdown).toMatch(/^## \S/);
        else expect(String(w.properties.title).length).toBeGreaterThan(5);
        if (w.properties.view === "singleValue") expect(w.properties.sparkline).toBe(false);
      }
    }
  });

  it("explain every section to a non-engineer, including what to do when it is red", () => {
    for (const section of [...sit.monitoring.functional, ...sit.monitoring.technical]) {
      expect(section.meaning.length, section.title).toBeGreaterThan(60);
      expect(section.whenRed.length, section.title).toBeGreaterThan(40);
    }
    const headers = widgetsOf(sit.functional).filter((w) => w.type === "text");
    expect(headers.length).toBe(sit.monitoring.functional.length);
    for (const h of headers) expect(h.properties.markdown).toContain("**When it is red:**");
  });

  it("read only custom metrics a component emits: namespace, name and exact dimensions (from METRIC_CATALOG)", () => {
    const emitted = emittedKeys(sit.facts);
    const refs = [
      ...metricReferences(sit.functional),
      ...metricReferences(sit.technical),
      ...alarmReferences(sit.monitoring.alarms),
    ].filter(isCustom);
    for (const r of refs) {
      const key = `${r.namespace}|${r.metricName}|${Object.keys(r.dimensions).sort().join(",")}`;
      expect(emitted.has(key), `${r.where}: ${key} is not emitted by any component`).toBe(true);
      expect(r.dimensions.Environment, `${r.where}: Environment`).toBe("sit");
    }
    // Every component's metrics appear somewhere, including the searched (Reason) and per-Status ones.
    const used = new Set(refs.map((r) => `${r.namespace}|${r.metricName}`));
    for (const key of emitted)
      expect(used.has(key.split("|").slice(0, 2).join("|")), `${key} is never shown`).toBe(true);
  });

  it("refuses to build a widget for a metric the component kind does not emit", () => {
    const p = sit.facts.pipelines.find((x) => x.caseCreatorMetrics)!;
    const wrong = {
      ...p,
      caseCreatorMetrics: { ...p.caseCreatorMetrics!, component: "event-producer" as const },
    };
    expect(() => pipelineSegment(wrong, { naming: sit.naming, slaSeconds: 300, domain: "KYC" })).toThrow(
      /does not emit SFCaseCreationSuccess/,
    );
  });

  it("lists every alarm in the alarm status widget", () => {
    const listed = widgetsOf(sit.technical)
      .filter((w) => w.type === "alarm")
      .flatMap((w) => w.properties.alarms as string[]);
    expect(sit.arns.length).toBe(sit.monitoring.alarms.length);
    expect([...listed].sort()).toEqual([...sit.arns].sort());
  });

  it("show Lambda errors and throttles of every function, managed and external, in one widget", () => {
    const widget = findWidget(sit.technical, /errors and throttles, every function/)!;
    const refs = metricReferences({ widgets: [widget] });
    const names = [
      ...managedFunctions(sit.facts).map((f) => f.functionName),
      ...sit.config.external.lambdaFunctions,
    ];
    expect(sit.config.external.lambdaFunctions).toContain("bbkyc-cnc-bdp-creator");
    for (const name of names) {
      for (const metric of ["Errors", "Throttles"])
        expect(
          refs.some((r) => r.metricName === metric && r.dimensions.FunctionName === name),
          `${metric} ${name}`,
        ).toBe(true);
    }
  });

  it("cover streams, Glue, queues, DynamoDB, rules, Scheduler and Batch with the metrics AWS publishes", () => {
    const refs = metricReferences(sit.technical);
    const has = (ns: string, name: string, dims: Record<string, string>) =>
      refs.some(
        (r) =>
          r.namespace === ns &&
          r.metricName === name &&
          Object.entries(dims).every(([k, v]) => r.dimensions[k] === v),
      );
    for (const p of sit.facts.pipelines) {
      for (const m of [
        "GetRecords.IteratorAgeMilliseconds",
        "ReadProvisionedThroughputExceeded",
        "WriteProvisionedThroughputExceeded",
        "PutRecords.FailedRecords",
      ]) {
        expect(has("AWS/Kinesis", m, { StreamName: p.streamName }), `${m} ${p.streamName}`).toBe(true);
      }
    }
    for (const job of [...sit.facts.glueJobs.map((g) => g.jobName), ...sit.config.external.glueJobs]) {
      expect(
        has("Glue", "glue.driver.aggregate.numFailedTasks", { JobName: job, JobRunId: "ALL", Type: "count" }),
      ).toBe(true);
      expect(
        has("Glue", "glue.driver.aggregate.elapsedTime", { JobName: job, JobRunId: "ALL", Type: "count" }),
      ).toBe(true);
    }
    for (const g of sit.facts.glueJobs)
      expect(has("AWS/Events", "MatchedEvents", { RuleName: g.ruleName })).toBe(true);
    const queues = [
      sit.facts.audit.queueName,
      sit.facts.audit.dlqName,
      sit.facts.tokenManager.scheduleDlqName,
      sit.facts.tokenManager.failedInvocationQueueName,
      ...sit.facts.pipelines.flatMap((p) =>
        [p.onFailureQueueName ?? [], p.producerFailureQueueName ?? [], p.discardAuditorDlqName ?? []].flat(),
      ),
      ...sit.facts.glueJobs.flatMap((g) => g.scheduleDlqName ?? []),
    ];
    expect(queues.length).toBe(8);
    expect([...queues].sort()).toEqual(queuesInFacts(sit.facts).sort());
    for (const q of queues) {
      expect(has("AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: q }), q).toBe(true);
      expect(has("AWS/SQS", "ApproximateAgeOfOldestMessage", { QueueName: q }), q).toBe(true);
    }
    for (const m of ["ReadThrottleEvents", "WriteThrottleEvents", "ThrottledRequests"])
      expect(has("AWS/DynamoDB", m, { TableName: sit.facts.audit.tableName }), m).toBe(true);
    for (const rule of [...sit.facts.glueJobs.map((g) => g.ruleName), "bbkyc-et-bdp-scheduler"])
      expect(has("AWS/Events", "FailedInvocations", { RuleName: rule }), rule).toBe(true);
    // The token schedule has a Scheduler group of its own: its metrics (and alarm) see only it.
    for (const m of ["TargetErrorCount", "InvocationAttemptCount"])
      expect(has("AWS/Scheduler", m, { ScheduleGroup: "bbkyc-token-refresh-group-sit" }), m).toBe(true);
    for (const m of ["JobsMovedToFailed", "JobAttemptExecutionDuration"])
      expect(has("AWS/Batch", m, { JobQueueName: "bbkyc-batch-processor" }), m).toBe(true);
  });

  it("show every dead-letter and failure queue in the queue widgets, each with a not-empty alarm on it", () => {
    // The case creator's on-failure queue is drained by the discard auditor: its alarm is on age (tested with the alarms).
    const consumed = sit.facts.pipelines.flatMap((p) =>
      p.discardAuditor && p.onFailureQueueName ? [p.onFailureQueueName] : [],
    );
    expect(consumed).toEqual(["bbkyc-cta-case-creator-failures-sit"]);
    const deadLetter = queuesInFacts(sit.facts).filter(
      (q) => q !== sit.facts.audit.queueName && !consumed.includes(q),
    );
    expect([...deadLetter].sort()).toEqual([
      "bbkyc-audit-dlq-sit",
      "bbkyc-cta-discard-auditor-dlq-sit",
      "bbkyc-cta-producer-failures-sit",
      "bbkyc-et-event-producer-glue-schedule-dlq-sit",
      "bbkyc-token-refresh-dlq-sit",
      "bbkyc-token-refresh-failed-invocations-sit",
    ]);
    const queueWidgets = metricWidgets(sit.technical).filter((w) => /per queue/.test(w.properties.title));
    expect(queueWidgets).toHaveLength(2);
    for (const q of deadLetter) {
      for (const w of queueWidgets)
        expect(
          metricReferences({ widgets: [w] }).some(
            (r) => r.namespace === "AWS/SQS" && r.dimensions.QueueName === q,
          ),
          `${q} in "${w.properties.title}"`,
        ).toBe(true);
      const alarms = sit.monitoring.alarms.filter(
        (a) => a.metric?.namespace === "AWS/SQS" && a.metric.dimensions.QueueName === q,
      );
      expect(alarms, `not-empty alarm on ${q}`).toHaveLength(1);
      expect(alarms[0]).toMatchObject({
        nameSuffix: expect.stringMatching(/-not-empty$/),
        threshold: 0,
        comparison: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
      });
      expect(alarms[0]!.metric).toMatchObject({ metricName: "ApproximateNumberOfMessagesVisible" });
      expect(alarms[0]!.description).toContain(q);
    }
  });

  it("query the token manager's log group for ERROR lines and their reason", () => {
    const logs = widgetsOf(sit.technical).filter((w) => w.type === "log");
    expect(logs.length).toBeGreaterThanOrEqual(1);
    for (const w of logs) {
      expect(w.properties.query).toContain(`SOURCE '${sit.facts.tokenManager.fn.logGroupName}'`);
      expect(w.properties.query).toMatch(/level = "ERROR"/);
      expect(w.properties.query).toMatch(/reason/);
    }
  });

  it("draw the SLA on latency graphs and show p50/p95/p99/max on the technical one", () => {
    const sla = findWidget(sit.functional, /End-to-end latency vs SLA/)!;
    expect(sla.properties.annotations.horizontal[0].value).toBe(sit.config.slaSeconds);
    const tech = findWidget(sit.technical, /Technical end-to-end latency/)!;
    const stats = (tech.properties.metrics as any[]).map((m) => m[m.length - 1]?.stat).filter(Boolean);
    expect(stats).toEqual(["p50", "p95", "p99", "Maximum"]);
  });

  it("combine Glue, Lambda, case and token failures with metric math", () => {
    const widget = findWidget(sit.functional, /Failures per day/)!;
    expect(widget.properties.period).toBe(86400);
    const expressions = (widget.properties.metrics as any[]).filter((m) => m.length === 1).map((m) => m[0]);
    const total = expressions.find((e) => e.id === "allFailures");
    for (const part of ["glueFailed", "lambdaErrors", "caseFailures", "tokenFailures"])
      expect(total.expression).toContain(`FILL(${part}, 0)`);
    // A failed refresh is counted once (as a token failure), not again as the token manager's Lambda error.
    const lambdaErrors = (widget.properties.metrics as any[])
      .filter((m) => m.length > 1 && m[1] === "Errors")
      .map((m) => m[3]);
    expect(lambdaErrors.length).toBeGreaterThan(2);
    expect(lambdaErrors).not.toContain("bbkyc-token-manager-sit");
  });

  it("use pies, bars and whole-range totals where the business view needs them", () => {
    const views = metricWidgets(sit.functional).map((w) => w.properties.view);
    expect(views).toContain("pie");
    expect(views).toContain("bar");
    for (const w of metricWidgets(sit.functional).filter((w) => ["pie", "bar"].includes(w.properties.view)))
      expect(w.properties.setPeriodToTimeRange).toBe(true);
    const today = findWidget(sit.functional, /Events received in the last 24 hours/)!;
    expect(today.properties).toMatchObject({
      start: "-PT24H",
      setPeriodToTimeRange: true,
      singleValueFullPrecision: true,
    });
    expect(JSON.stringify(findWidget(sit.functional, /Audit events by status/)?.properties ?? {})).toMatch(
      /Audit events by status/,
    );
    expect(JSON.stringify(findWidget(sit.functional, /Glue audit/)?.properties ?? {})).toMatch(/Glue audit/);
  });
});

describe("the validator itself", () => {
  const metric = (x: number, y: number, extra: Json = {}) => ({
    type: "metric",
    x,
    y,
    width: 12,
    height: 6,
    properties: {
      title: "t",
      region: "eu-west-1",
      metrics: [["AWS/SQS", "NumberOfMessagesSent", "QueueName", "q"]],
      ...extra,
    },
  });

  it("accepts a minimal valid body and reports each kind of mistake", () => {
    expect(validateDashboardBody({ widgets: [metric(0, 0), metric(12, 0)] })).toEqual([]);
    const cases: Array<[Json, RegExp]> = [
      [{ widgets: [metric(0, 0), metric(6, 3)] }, /overlap/],
      [{ widgets: [metric(18, 0)] }, /exceeds the 24-column grid/],
      [{ widgets: [metric(0, 0, { metrics: [["AWS/SQS", "NumberOfMessagesSent", "QueueName"]] })] }, /pairs/],
      [
        {
          widgets: [
            metric(0, 0, { metrics: [[{ expression: "a + b", id: "e1" }], ["AWS/SQS", "X", { id: "a" }]] }),
          ],
        },
        /unknown id "b"/,
      ],
      [{ widgets: [metric(0, 0, { title: undefined })] }, /title is required/],
      [{ widgets: [metric(0, 0, { view: "donut" })] }, /view "donut"/],
      [
        {
          widgets: [
            { type: "text", x: 0, y: 0, width: 6, height: 2, properties: { markdown: "no heading" } },
          ],
        },
        /heading/,
      ],
      [
        {
          widgets: [
            {
              type: "alarm",
              x: 0,
              y: 0,
              width: 6,
              height: 2,
              properties: { title: "a", alarms: ["not-an-arn"] },
            },
          ],
        },
        /not an alarm ARN/,
      ],
      [
        {
          widgets: [
            {
              type: "log",
              x: 0,
              y: 0,
              width: 6,
              height: 2,
              properties: { title: "l", region: "eu-west-1", query: "fields @message" },
            },
          ],
        },
        /SOURCE/,
      ],
    ];
    for (const [body, error] of cases) expect(validateDashboardBody(body).join("\n")).toMatch(error);
  });
});

describe("names across regions", () => {
  it("differ between the eu-west-1 and eu-west-2 stacks of one env", () => {
    const ireland = stack("sit");
    const london = stack("sit-london");
    expect(ireland.config.env).toBe(london.config.env);
    for (const kind of ["functional", "technical"]) {
      const a = ireland.naming.physicalName("dashboard", kind);
      const b = london.naming.physicalName("dashboard", kind);
      expect(a).toBe(`bbkyc-${kind}-sit-euw1`);
      expect(b).toBe(`bbkyc-${kind}-sit-euw2`);
    }
    expect(validateDashboardBody(london.technical)).toEqual([]);
    expect(
      JSON.parse(london.functional).widgets.every(
        (w: Json) => w.type === "text" || w.properties.region === "eu-west-2",
      ),
    ).toBe(true);
  });
});
