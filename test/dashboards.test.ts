/**
 * Dashboards and alarms: the bodies satisfy CloudWatch's dashboard body structure, read only metrics
 * that components really emit, show every alarm, and follow the readability rules; the component
 * wires the topic, subscription, alarms and dashboards correctly under Pulumi mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { Dashboards, type DashboardsArgs } from "../components/dashboards.js";
import { alarmArn, checkAlarmDefinitions, evaluatedPeriod, type AlarmDefinition } from "../components/monitoring/alarms.js";
import type { EmittedMetrics } from "../components/monitoring/facts.js";
import { dashboardBody } from "../components/monitoring/layout.js";
import { pipelineSegment } from "../components/monitoring/segments/pipeline.js";
import { alarmSection, managedFunctions, platformMonitoring, type PlatformFacts } from "../components/monitoring/segments/platform.js";
import { Naming } from "../components/naming.js";
import { METRIC_CATALOG, metricNamespace, type MetricComponent } from "../handlers/lib/metric-catalog.js";
import type { PlatformConfig } from "../stacks/config-types.js";
import { MOCK_ACCOUNT_ID, RecordingMocks } from "../stacks/offline/recording-mocks.js";
import { configFromMap } from "../stacks/read-stack-config.js";
import { pulumiConfigForStack } from "../stacks/stack-files.js";
import { insightsReference, metricReferences, searchReferences, validateDashboardBody, type MetricReference } from "./support/dashboard-body.js";

type Json = Record<string, any>;

/** Facts as the components would expose them, with the real naming rules of one stack. */
function factsFor(config: PlatformConfig): { naming: Naming; facts: PlatformFacts } {
  const naming = new Naming({ prefix: config.prefix, env: config.env, region: config.region });
  const emitted = (component: MetricComponent, instance: string): EmittedMetrics => ({ component, namespace: metricNamespace(config.prefix, instance, config.env) });
  const fn = (component: string, label: string) => {
    const functionName = naming.physicalName("lambda", component);
    return { functionName, logGroupName: naming.logGroupForFunction(functionName), label };
  };
  const facts: PlatformFacts = {
    tokenManager: {
      fn: fn("token-manager", "TIAA token manager"),
      metrics: emitted("token-manager", "token-manager"),
      scheduleName: naming.physicalName("schedule", "token-refresh"),
      scheduleGroupName: "default",
      scheduleDlqName: naming.physicalName("sqs-queue", "token-refresh-dlq"),
      secretName: naming.physicalName("secret", "tiaa-token"),
      lifetimeMinutes: config.tokenManager.lifetimeMinutes,
    },
    pipelines: config.pipelines.map((p) => ({
      pipelineName: p.name,
      label: p.label,
      streamName: naming.physicalName("kinesis-stream", `${p.name}-event-stream`),
      ...(p.source === "s3"
        ? { bucketName: naming.physicalName("s3-bucket", `${p.name}-input`), producer: fn(`${p.name}-event-producer`, `${p.label} producer`), producerMetrics: emitted("event-producer", `${p.name}-event-producer`) }
        : {}),
      ...(p.caseCreator
        ? {
            caseCreator: fn(`${p.name}-case-creator`, `${p.label} case creator`),
            caseCreatorMetrics: emitted("case-creator", `${p.name}-case-creator`),
            onFailureQueueName: naming.physicalName("sqs-queue", `${p.name}-case-creator-failures`),
          }
        : {}),
    })),
    audit: {
      queueName: naming.physicalName("sqs-queue", "audit-queue"),
      dlqName: naming.physicalName("sqs-queue", "audit-dlq"),
      tableName: naming.physicalName("dynamodb-table", "audit-data"),
      processor: fn("audit-processor", "Audit processor"),
      metrics: emitted("audit-processor", "audit-processor"),
    },
    glueJobs: config.glueJobs.map((g) => ({
      jobName: naming.physicalName("glue-job", g.name),
      pipelineName: g.pipeline,
      metrics: emitted("glue-publisher", `${g.name}-glue-publisher`),
      ruleName: naming.physicalName("event-rule", `${g.name}-failed`),
    })),
    external: config.external,
  };
  return { naming, facts };
}

function stack(name: string) {
  const config = configFromMap(name, pulumiConfigForStack(name));
  const { naming, facts } = factsFor(config);
  const monitoring = platformMonitoring(facts, { naming, slaSeconds: config.slaSeconds, domain: config.domain });
  const arns = monitoring.alarms.map((a) => alarmArn(naming.physicalName("alarm", a.nameSuffix), naming.region, MOCK_ACCOUNT_ID));
  const functional = JSON.stringify(dashboardBody(monitoring.functional));
  const technical = JSON.stringify(dashboardBody([alarmSection(arns, config.domain), ...monitoring.technical]));
  return { config, naming, facts, monitoring, arns, functional, technical };
}

const widgetsOf = (body: string): Json[] => JSON.parse(body).widgets;
const metricWidgets = (body: string) => widgetsOf(body).filter((w) => w.type === "metric");
const findWidget = (body: string, title: RegExp) => widgetsOf(body).find((w) => title.test(String(w.properties.title ?? w.properties.markdown)));

/** The custom metrics components declare, as `namespace|name|dimension names` (from METRIC_CATALOG). */
function emittedKeys(facts: PlatformFacts): Set<string> {
  const all: EmittedMetrics[] = [
    facts.tokenManager.metrics,
    facts.audit.metrics,
    ...facts.pipelines.flatMap((p) => [p.producerMetrics, p.caseCreatorMetrics].filter((m): m is EmittedMetrics => m !== undefined)),
    ...facts.glueJobs.map((g) => g.metrics),
  ];
  const keys = new Set<string>();
  for (const m of all) {
    for (const [name, def] of Object.entries(METRIC_CATALOG[m.component])) {
      keys.add(`${m.namespace}|${name}|${["Environment", ...def.extraDimensions].sort().join(",")}`);
    }
  }
  return keys;
}

function alarmReferences(alarms: AlarmDefinition[]): MetricReference[] {
  return alarms.flatMap((a) => {
    const where = `alarm ${a.nameSuffix}`;
    if (a.metric) return [{ namespace: a.metric.namespace, metricName: a.metric.metricName, dimensions: a.metric.dimensions, where }];
    return (a.queries ?? []).flatMap((q): MetricReference[] => {
      if (q.metric) return [{ namespace: q.metric.namespace, metricName: q.metric.metricName, dimensions: q.metric.dimensions, where }];
      const insights = insightsReference(q.expression ?? "", where);
      return insights ? [insights] : searchReferences(q.expression ?? "", where);
    });
  });
}

const isCustom = (r: MetricReference) => !r.namespace.startsWith("AWS/") && r.namespace !== "Glue";

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
    const refs = [...metricReferences(sit.functional), ...metricReferences(sit.technical), ...alarmReferences(sit.monitoring.alarms)].filter(isCustom);
    for (const r of refs) {
      const key = `${r.namespace}|${r.metricName}|${Object.keys(r.dimensions).sort().join(",")}`;
      expect(emitted.has(key), `${r.where}: ${key} is not emitted by any component`).toBe(true);
      expect(r.dimensions.Environment, `${r.where}: Environment`).toBe("sit");
    }
    // Every component's metrics appear somewhere, including the searched (Reason) and per-Status ones.
    const used = new Set(refs.map((r) => `${r.namespace}|${r.metricName}`));
    for (const key of emitted) expect(used.has(key.split("|").slice(0, 2).join("|")), `${key} is never shown`).toBe(true);
  });

  it("refuses to build a widget for a metric the component kind does not emit", () => {
    const p = sit.facts.pipelines.find((x) => x.caseCreatorMetrics)!;
    const wrong = { ...p, caseCreatorMetrics: { ...p.caseCreatorMetrics!, component: "event-producer" as const } };
    expect(() => pipelineSegment(wrong, { naming: sit.naming, slaSeconds: 300, domain: "KYC" })).toThrow(/does not emit SFCaseCreationSuccess/);
  });

  it("lists every alarm in the alarm status widget", () => {
    const listed = widgetsOf(sit.technical).filter((w) => w.type === "alarm").flatMap((w) => w.properties.alarms as string[]);
    expect(sit.arns.length).toBe(sit.monitoring.alarms.length);
    expect([...listed].sort()).toEqual([...sit.arns].sort());
  });

  it("show Lambda errors and throttles of every function, managed and external, in one widget", () => {
    const widget = findWidget(sit.technical, /errors and throttles, every function/)!;
    const refs = metricReferences({ widgets: [widget] });
    const names = [...managedFunctions(sit.facts).map((f) => f.functionName), ...sit.config.external.lambdaFunctions];
    expect(sit.config.external.lambdaFunctions).toContain("bbkyc-cnc-bdp-creator");
    for (const name of names) {
      for (const metric of ["Errors", "Throttles"]) expect(refs.some((r) => r.metricName === metric && r.dimensions.FunctionName === name), `${metric} ${name}`).toBe(true);
    }
  });

  it("cover streams, Glue, queues, DynamoDB, rules, Scheduler and Batch with the metrics AWS publishes", () => {
    const refs = metricReferences(sit.technical);
    const has = (ns: string, name: string, dims: Record<string, string>) =>
      refs.some((r) => r.namespace === ns && r.metricName === name && Object.entries(dims).every(([k, v]) => r.dimensions[k] === v));
    for (const p of sit.facts.pipelines) {
      for (const m of ["GetRecords.IteratorAgeMilliseconds", "ReadProvisionedThroughputExceeded", "WriteProvisionedThroughputExceeded", "PutRecords.FailedRecords"]) {
        expect(has("AWS/Kinesis", m, { StreamName: p.streamName }), `${m} ${p.streamName}`).toBe(true);
      }
    }
    for (const job of [...sit.facts.glueJobs.map((g) => g.jobName), ...sit.config.external.glueJobs]) {
      expect(has("Glue", "glue.driver.aggregate.numFailedTasks", { JobName: job, JobRunId: "ALL", Type: "count" })).toBe(true);
      expect(has("Glue", "glue.driver.aggregate.elapsedTime", { JobName: job, JobRunId: "ALL", Type: "count" })).toBe(true);
    }
    for (const g of sit.facts.glueJobs) expect(has("AWS/Events", "MatchedEvents", { RuleName: g.ruleName })).toBe(true);
    const queues = [sit.facts.audit.queueName, sit.facts.audit.dlqName, sit.facts.tokenManager.scheduleDlqName, ...sit.facts.pipelines.flatMap((p) => p.onFailureQueueName ?? [])];
    expect(queues.length).toBe(4);
    for (const q of queues) {
      expect(has("AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: q }), q).toBe(true);
      expect(has("AWS/SQS", "ApproximateAgeOfOldestMessage", { QueueName: q }), q).toBe(true);
    }
    for (const m of ["ReadThrottleEvents", "WriteThrottleEvents", "ThrottledRequests"]) expect(has("AWS/DynamoDB", m, { TableName: sit.facts.audit.tableName }), m).toBe(true);
    for (const rule of [...sit.facts.glueJobs.map((g) => g.ruleName), "bbkyc-et-bdp-scheduler"]) expect(has("AWS/Events", "FailedInvocations", { RuleName: rule }), rule).toBe(true);
    for (const m of ["TargetErrorCount", "InvocationAttemptCount"]) expect(has("AWS/Scheduler", m, { ScheduleGroup: "default" }), m).toBe(true);
    for (const m of ["JobsMovedToFailed", "JobAttemptExecutionDuration"]) expect(has("AWS/Batch", m, { JobQueueName: "bbkyc-batch-processor" }), m).toBe(true);
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
    for (const part of ["glueFailed", "lambdaErrors", "caseFailures", "tokenFailures"]) expect(total.expression).toContain(`FILL(${part}, 0)`);
  });

  it("use pies, bars and whole-range totals where the business view needs them", () => {
    const views = metricWidgets(sit.functional).map((w) => w.properties.view);
    expect(views).toContain("pie");
    expect(views).toContain("bar");
    for (const w of metricWidgets(sit.functional).filter((w) => ["pie", "bar"].includes(w.properties.view))) expect(w.properties.setPeriodToTimeRange).toBe(true);
    const today = findWidget(sit.functional, /Events received in the last 24 hours/)!;
    expect(today.properties).toMatchObject({ start: "-PT24H", setPeriodToTimeRange: true, singleValueFullPrecision: true });
    expect(findWidget(sit.functional, /Audit events by status/)).toBeDefined();
    expect(findWidget(sit.functional, /Glue audit/)).toBeDefined();
  });
});

describe("alarm definitions", () => {
  const sit = stack("sit");
  const bySuffix = new Map(sit.monitoring.alarms.map((a) => [a.nameSuffix, a]));

  it("cover everything the platform must alarm on", () => {
    const expected = [
      "cta-case-creation-failures", "token-refresh-failures", "token-refresh-missing", "cta-iterator-age", "tt-iterator-age",
      "audit-queue-age", "audit-dlq-not-empty", "token-schedule-dlq-not-empty", "cta-on-failure-queue-not-empty",
      "audit-table-throttles", "et-event-producer-run-failures", "token-schedule-target-errors",
      ...[...managedFunctions(sit.facts).map((f) => f.functionName), "bbkyc-cnc-bdp-creator"].map((n) => `${n.replace(/^bbkyc-/, "").replace(/-sit$/, "")}-lambda-errors`),
    ];
    expect([...bySuffix.keys()].sort()).toEqual(expected.sort());
    expect(() => checkAlarmDefinitions(sit.monitoring.alarms)).not.toThrow();
  });

  it("say what broke and where to look, naming the resource", () => {
    const resourceNames = JSON.stringify(sit.facts).match(/bbkyc-[a-z0-9-]+/g)!;
    const descriptions = new Set<string>();
    for (const a of sit.monitoring.alarms) {
      expect(a.description.length, a.nameSuffix).toBeGreaterThan(100);
      expect(a.description.length).toBeLessThanOrEqual(1024);
      expect(resourceNames.some((n) => a.description.includes(n)), `${a.nameSuffix} names no resource`).toBe(true);
      descriptions.add(a.description);
    }
    expect(descriptions.size).toBe(sit.monitoring.alarms.length);
  });

  it("treat a silent token refresh as breaching for as long as the token lives", () => {
    const silent = bySuffix.get("token-refresh-missing")!;
    expect(silent.treatMissingData).toBe("breaching");
    expect(silent.comparison).toBe("LessThanThreshold");
    expect(silent.metric?.metricName).toBe("TokenRefreshSuccess");
    expect(evaluatedPeriod(silent) * silent.evaluationPeriods).toBe(sit.facts.tokenManager.lifetimeMinutes * 60);
    expect(bySuffix.get("cta-case-creation-failures")).toMatchObject({ threshold: 0, comparison: "GreaterThanThreshold", treatMissingData: "notBreaching" });
  });

  it("reject definitions CloudWatch would refuse", () => {
    const base = sit.monitoring.alarms[0]!;
    expect(() => checkAlarmDefinitions([base, base])).toThrow(/defined twice/);
    expect(() => checkAlarmDefinitions([{ ...base, evaluationPeriods: 300 }])).toThrow(/one-day/);
    expect(() => checkAlarmDefinitions([{ ...base, description: "x".repeat(1025) }])).toThrow(/description/);
  });
});

describe("the validator itself", () => {
  const metric = (x: number, y: number, extra: Json = {}) => ({ type: "metric", x, y, width: 12, height: 6, properties: { title: "t", region: "eu-west-1", metrics: [["AWS/SQS", "NumberOfMessagesSent", "QueueName", "q"]], ...extra } });

  it("accepts a minimal valid body and reports each kind of mistake", () => {
    expect(validateDashboardBody({ widgets: [metric(0, 0), metric(12, 0)] })).toEqual([]);
    const cases: Array<[Json, RegExp]> = [
      [{ widgets: [metric(0, 0), metric(6, 3)] }, /overlap/],
      [{ widgets: [metric(18, 0)] }, /exceeds the 24-column grid/],
      [{ widgets: [metric(0, 0, { metrics: [["AWS/SQS", "NumberOfMessagesSent", "QueueName"]] })] }, /pairs/],
      [{ widgets: [metric(0, 0, { metrics: [[{ expression: "a + b", id: "e1" }], ["AWS/SQS", "X", { id: "a" }]] })] }, /unknown id "b"/],
      [{ widgets: [metric(0, 0, { title: undefined })] }, /title is required/],
      [{ widgets: [metric(0, 0, { view: "donut" })] }, /view "donut"/],
      [{ widgets: [{ type: "text", x: 0, y: 0, width: 6, height: 2, properties: { markdown: "no heading" } }] }, /heading/],
      [{ widgets: [{ type: "alarm", x: 0, y: 0, width: 6, height: 2, properties: { title: "a", alarms: ["not-an-arn"] } }] }, /not an alarm ARN/],
      [{ widgets: [{ type: "log", x: 0, y: 0, width: 6, height: 2, properties: { title: "l", region: "eu-west-1", query: "fields @message" } }] }, /SOURCE/],
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
    expect(JSON.parse(london.functional).widgets.every((w: Json) => w.type === "text" || w.properties.region === "eu-west-2")).toBe(true);
  });
});

describe("Dashboards component under mocks", () => {
  const sit = stack("sit");
  const mocks = new RecordingMocks("eu-west-1");
  const kmsKeyArn = `arn:aws:kms:eu-west-1:${MOCK_ACCOUNT_ID}:key/platform`;
  let withEmail: Dashboards;
  let technicalBody: string;
  let functionalBody: string;

  beforeAll(async () => {
    await pulumi.runtime.setMocks(mocks, "kyc-platform", "sit", false);
    const args: DashboardsArgs = { naming: sit.naming, kmsKeyArn, slaSeconds: sit.config.slaSeconds, domain: sit.config.domain, ...sit.facts };
    withEmail = new Dashboards("with-email", { ...args, alarmEmail: "kyc-platform-sit@kyc-bank.example" });
    new Dashboards("no-email", args);
    technicalBody = await new Promise<string>((r) => withEmail.technicalBody.apply(r));
    functionalBody = await new Promise<string>((r) => withEmail.functionalBody.apply(r));
    await (pulumi.runtime as any).waitForRPCs();
  });

  const ofComponent = (type: string, prefix: string) => mocks.resources.filter((r) => r.type === type && r.name.startsWith(`${prefix}-`));

  it("encrypts the alarm topic with the platform key and lets only this account's alarms publish", () => {
    const [topic] = ofComponent("aws:sns/topic:Topic", "with-email");
    expect(topic!.inputs).toMatchObject({ name: "bbkyc-alarms-sit", kmsMasterKeyId: kmsKeyArn });
    const [policy] = ofComponent("aws:sns/topicPolicy:TopicPolicy", "with-email");
    const statements = JSON.parse(policy!.inputs.policy).Statement;
    expect(statements.find((s: Json) => s.Sid === "CloudWatchAlarmsPublish").Condition.StringEquals["aws:SourceAccount"]).toBe(MOCK_ACCOUNT_ID);
    expect(statements.find((s: Json) => s.Sid === "DenyInsecureTransport").Effect).toBe("Deny");
  });

  it("subscribes the e-mail address only when one is configured", () => {
    const subscriptions = mocks.resources.filter((r) => r.type === "aws:sns/topicSubscription:TopicSubscription");
    expect(subscriptions.map((s) => s.name)).toEqual(["with-email-email"]);
    expect(subscriptions[0]!.inputs).toMatchObject({ protocol: "email", endpoint: "kyc-platform-sit@kyc-bank.example" });
  });

  it("sends every alarm and its recovery to the topic", () => {
    const topicArn = `arn:aws:sns:eu-west-1:${MOCK_ACCOUNT_ID}:bbkyc-alarms-sit`;
    const alarms = ofComponent("aws:cloudwatch/metricAlarm:MetricAlarm", "with-email");
    expect(alarms.length).toBe(sit.monitoring.alarms.length);
    expect(withEmail.alarmNames.length).toBe(alarms.length);
    for (const a of alarms) {
      expect(a.inputs.alarmActions, a.name).toEqual([topicArn]);
      expect(a.inputs.okActions, a.name).toEqual([topicArn]);
      expect(a.physicalName).toMatch(/^bbkyc-.+-sit$/);
    }
    const silent = alarms.find((a) => a.physicalName === "bbkyc-token-refresh-missing-sit")!;
    expect(silent.inputs).toMatchObject({ treatMissingData: "breaching", metricName: "TokenRefreshSuccess", statistic: "Sum" });
    const tokenFailures = alarms.find((a) => a.physicalName === "bbkyc-token-refresh-failures-sit")!;
    expect(tokenFailures.inputs.metricQueries[0].expression).toMatch(/^SELECT SUM\(TokenRefreshFailure\) FROM SCHEMA\("bbkyc\/token-manager\/sit", Environment, Reason\)/);
  });

  it("creates both dashboards with region-coded names and valid bodies listing the real alarm ARNs", () => {
    const dashboards = ofComponent("aws:cloudwatch/dashboard:Dashboard", "with-email");
    expect(dashboards.map((d) => d.physicalName).sort()).toEqual(["bbkyc-functional-sit-euw1", "bbkyc-technical-sit-euw1"]);
    expect(withEmail.functionalDashboardName).toBe("bbkyc-functional-sit-euw1");
    const technical = dashboards.find((d) => d.physicalName === "bbkyc-technical-sit-euw1")!;
    expect(technical.inputs.dashboardBody).toBe(technicalBody);
    expect(dashboards.find((d) => d.physicalName === "bbkyc-functional-sit-euw1")!.inputs.dashboardBody).toBe(functionalBody);
    expect(validateDashboardBody(technicalBody)).toEqual([]);
    expect(validateDashboardBody(functionalBody)).toEqual([]);
    const listed = widgetsOf(technicalBody).filter((w) => w.type === "alarm").flatMap((w) => w.properties.alarms);
    const created = ofComponent("aws:cloudwatch/metricAlarm:MetricAlarm", "with-email").map((a) => `arn:aws:cloudwatch:eu-west-1:${MOCK_ACCOUNT_ID}:alarm:${a.physicalName}`);
    expect(listed.sort()).toEqual(created.sort());
  });

  it("rejects arguments that would make a wrong alarm", () => {
    const args: DashboardsArgs = { naming: sit.naming, kmsKeyArn, slaSeconds: 300, domain: "KYC", ...sit.facts };
    expect(() => new Dashboards("bad-sla", { ...args, slaSeconds: 0 })).toThrow(/slaSeconds/);
    expect(() => new Dashboards("bad-email", { ...args, alarmEmail: "not-an-address" })).toThrow(/alarmEmail/);
  });
});
