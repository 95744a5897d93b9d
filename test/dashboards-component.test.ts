/**
 * Alarms: the definitions cover everything the platform must alarm on and say what broke and where to
 * look; the Dashboards component wires the topic, subscription, alarms and dashboards correctly under
 * Pulumi mocks.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Dashboards, type DashboardsArgs } from "../components/dashboards.js";
import { checkAlarmDefinitions, evaluatedPeriod } from "../components/monitoring/alarms.js";
import { managedFunctions } from "../components/monitoring/segments/platform-facts.js";
import { MOCK_ACCOUNT_ID, type RecordingMocks } from "../stacks/offline/recording-mocks.js";
import { validateDashboardBody } from "./support/dashboard-body.js";
import { statementsBySid } from "./support/iam.js";
import { stack, widgetsOf } from "./support/platform-monitoring.js";
import {
  ofComponent as componentResources,
  outputOf,
  useRecordingMocks,
  waitForRegistrations,
} from "./support/pulumi-harness.js";

describe("alarm definitions", () => {
  const sit = stack("sit");
  const bySuffix = new Map(sit.monitoring.alarms.map((a) => [a.nameSuffix, a]));

  it("cover everything the platform must alarm on", () => {
    const expected = [
      "cta-case-creation-failures",
      "token-refresh-failures",
      "token-refresh-missing",
      "cta-iterator-age",
      "tt-iterator-age",
      "audit-queue-age",
      "audit-dlq-not-empty",
      "token-schedule-dlq-not-empty",
      "cta-on-failure-queue-stuck",
      "cta-discard-auditor-dlq-not-empty",
      "cta-producer-failures-not-empty",
      "et-event-producer-schedule-dlq-not-empty",
      "token-failed-invocations-not-empty",
      "audit-table-throttles",
      "et-event-producer-run-failures",
      "token-schedule-target-errors",
      "tt-consumer-not-reading",
      "et-event-producer-run-missing",
      "et-event-producer-schedule-target-errors",
      ...[...managedFunctions(sit.facts).map((f) => f.functionName), "bbkyc-cnc-bdp-creator"].map(
        (n) => `${n.replace(/^bbkyc-/, "").replace(/-sit$/, "")}-lambda-errors`,
      ),
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
      expect(
        resourceNames.some((n) => a.description.includes(n)),
        `${a.nameSuffix} names no resource`,
      ).toBe(true);
      descriptions.add(a.description);
    }
    expect(descriptions.size).toBe(sit.monitoring.alarms.length);
  });

  it("tell whoever gets a producer-failure alarm that a whole file was not processed and how to replay it", () => {
    const alarm = bySuffix.get("cta-producer-failures-not-empty")!;
    expect(alarm.description).toContain("a whole uploaded file was not processed");
    expect(alarm.description).toContain("bbkyc-cta-input-sit-euw1");
    expect(alarm.description).toContain("bbkyc-cta-event-producer-sit");
    expect(alarm.description).toMatch(/S3 event .* requestPayload/);
    expect(alarm.description).toMatch(/re-upload the file or re-invoke/);
    const glue = bySuffix.get("et-event-producer-schedule-dlq-not-empty")!;
    expect(glue.description).toContain("bbkyc-et-event-producer-sit");
    expect(glue.description).toMatch(/start the job once by hand/);
  });

  it("watch the on-failure queue for being stuck (the discard auditor drains it) and its DLQ for being non-empty", () => {
    const stuck = bySuffix.get("cta-on-failure-queue-stuck")!;
    expect(stuck.metric).toMatchObject({
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: "bbkyc-cta-case-creator-failures-sit" },
    });
    expect(stuck.description).toContain("bbkyc-cta-discard-auditor-sit");
    const dlq = bySuffix.get("cta-discard-auditor-dlq-not-empty")!;
    expect(dlq.description).toContain("bbkyc-cta-discard-auditor-dlq-sit");
    expect(dlq.description).toMatch(/start-message-move-task/);
  });

  it("treat a silent token refresh as breaching for as long as the token lives", () => {
    const silent = bySuffix.get("token-refresh-missing")!;
    expect(silent.treatMissingData).toBe("breaching");
    expect(silent.comparison).toBe("LessThanThreshold");
    expect(silent.metric?.metricName).toBe("TokenRefreshSuccess");
    expect(evaluatedPeriod(silent) * silent.evaluationPeriods).toBe(
      sit.facts.tokenManager.lifetimeMinutes * 60,
    );
    expect(bySuffix.get("cta-case-creation-failures")).toMatchObject({
      threshold: 0,
      comparison: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    });
  });

  it("reject definitions CloudWatch would refuse", () => {
    const base = sit.monitoring.alarms[0]!;
    expect(() => checkAlarmDefinitions([base, base])).toThrow(/defined twice/);
    expect(() => checkAlarmDefinitions([{ ...base, evaluationPeriods: 300 }])).toThrow(/one-day/);
    expect(() => checkAlarmDefinitions([{ ...base, description: "x".repeat(1025) }])).toThrow(/description/);
  });

  it("reject metric-math alarms past CloudWatch's query limits and Metrics Insights alarms past 3 hours", () => {
    const math = sit.monitoring.alarms.find((a) => a.queries?.some((q) => q.metric !== undefined))!;
    const metricQuery = math.queries!.find((q) => q.metric !== undefined)!;
    const eleven = Array.from({ length: 11 }, (_, i) => ({ ...metricQuery, id: `m${i}`, returnData: false }));
    const sum = { id: "total", expression: eleven.map((q) => q.id).join(" + "), returnData: true };
    expect(() => checkAlarmDefinitions([{ ...math, queries: [...eleven, sum] }])).toThrow(
      /11 metrics and 1 expressions; an alarm takes at most 10 of each/,
    );
    expect(() => checkAlarmDefinitions([{ ...math, queries: [...eleven.slice(0, 10), sum] }])).not.toThrow();
    const insights = sit.monitoring.alarms.find((a) =>
      a.queries?.some((q) => q.expression?.trimStart().toUpperCase().startsWith("SELECT")),
    )!;
    expect(() => checkAlarmDefinitions([insights])).not.toThrow();
    expect(() =>
      checkAlarmDefinitions([{ ...insights, evaluationPeriods: 37, datapointsToAlarm: 1 }]),
    ).toThrow(/evaluates only the latest 3 hours/);
  });
});

describe("Dashboards component under mocks", () => {
  const sit = stack("sit");
  let mocks: RecordingMocks;
  const kmsKeyArn = `arn:aws:kms:eu-west-1:${MOCK_ACCOUNT_ID}:key/platform`;
  let withEmail: Dashboards;
  let technicalBody: string;
  let functionalBody: string;

  beforeAll(async () => {
    mocks = await useRecordingMocks("eu-west-1");
    const args: DashboardsArgs = {
      naming: sit.naming,
      kmsKeyArn,
      slaSeconds: sit.config.slaSeconds,
      domain: sit.config.domain,
      ...sit.facts,
    };
    withEmail = new Dashboards("with-email", { ...args, alarmEmail: "kyc-platform-sit@kyc-bank.example" });
    new Dashboards("no-email", args);
    technicalBody = await outputOf(withEmail.technicalBody);
    functionalBody = await outputOf(withEmail.functionalBody);
    await waitForRegistrations();
  });

  const ofComponent = (type: string, prefix: string) => componentResources(mocks, prefix).byType(type);

  it("encrypts the alarm topic with the platform key and lets only this account's alarms publish", () => {
    const [topic] = ofComponent("aws:sns/topic:Topic", "with-email");
    expect(topic!.inputs).toMatchObject({ name: "bbkyc-alarms-sit", kmsMasterKeyId: kmsKeyArn });
    const [policy] = ofComponent("aws:sns/topicPolicy:TopicPolicy", "with-email");
    const statements = statementsBySid(policy!.inputs.policy);
    expect(statements.CloudWatchAlarmsPublish!.Condition!.StringEquals!["aws:SourceAccount"]).toBe(
      MOCK_ACCOUNT_ID,
    );
    expect(statements.DenyInsecureTransport!.Effect).toBe("Deny");
  });

  it("subscribes the e-mail address only when one is configured", () => {
    const subscriptions = mocks.resources.filter(
      (r) => r.type === "aws:sns/topicSubscription:TopicSubscription",
    );
    expect(subscriptions.map((s) => s.name)).toEqual(["with-email-email"]);
    expect(subscriptions[0]!.inputs).toMatchObject({
      protocol: "email",
      endpoint: "kyc-platform-sit@kyc-bank.example",
    });
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
    expect(silent.inputs).toMatchObject({
      treatMissingData: "breaching",
      metricName: "TokenRefreshSuccess",
      statistic: "Sum",
    });
    const tokenFailures = alarms.find((a) => a.physicalName === "bbkyc-token-refresh-failures-sit")!;
    expect(tokenFailures.inputs.metricQueries[0].expression).toMatch(
      /^SELECT SUM\(TokenRefreshFailure\) FROM SCHEMA\("bbkyc\/token-manager\/sit", Environment, Reason\)/,
    );
  });

  it("creates both dashboards with region-coded names and valid bodies listing the real alarm ARNs", () => {
    const dashboards = ofComponent("aws:cloudwatch/dashboard:Dashboard", "with-email");
    expect(dashboards.map((d) => d.physicalName).sort()).toEqual([
      "bbkyc-functional-sit-euw1",
      "bbkyc-technical-sit-euw1",
    ]);
    expect(withEmail.functionalDashboardName).toBe("bbkyc-functional-sit-euw1");
    const technical = dashboards.find((d) => d.physicalName === "bbkyc-technical-sit-euw1")!;
    expect(technical.inputs.dashboardBody).toBe(technicalBody);
    expect(dashboards.find((d) => d.physicalName === "bbkyc-functional-sit-euw1")!.inputs.dashboardBody).toBe(
      functionalBody,
    );
    expect(validateDashboardBody(technicalBody)).toEqual([]);
    expect(validateDashboardBody(functionalBody)).toEqual([]);
    const listed = widgetsOf(technicalBody)
      .filter((w) => w.type === "alarm")
      .flatMap((w) => w.properties.alarms);
    const created = ofComponent("aws:cloudwatch/metricAlarm:MetricAlarm", "with-email").map(
      (a) => `arn:aws:cloudwatch:eu-west-1:${MOCK_ACCOUNT_ID}:alarm:${a.physicalName}`,
    );
    expect(listed.sort()).toEqual(created.sort());
  });

  it("rejects arguments that would make a wrong alarm", () => {
    const args: DashboardsArgs = {
      naming: sit.naming,
      kmsKeyArn,
      slaSeconds: 300,
      domain: "KYC",
      ...sit.facts,
    };
    expect(() => new Dashboards("bad-sla", { ...args, slaSeconds: 0 })).toThrow(/slaSeconds/);
    expect(() => new Dashboards("bad-email", { ...args, alarmEmail: "not-an-address" })).toThrow(
      /alarmEmail/,
    );
  });
});
