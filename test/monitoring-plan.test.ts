/**
 * Alarms and widgets of the sit plan against CloudWatch's documented behaviour (issue #19): the
 * program is planned under Pulumi's mocks (`planStack`), and the assertions read the MetricAlarm,
 * Schedule and Dashboard resources it would create — the real names, not a hand-made list.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { longestIntervalHours } from "../components/monitoring/schedule-interval.js";
import type { RecordedResource } from "../stacks/offline/recording-mocks.js";
import { planStack, type OfflinePlan } from "../stacks/offline/plan.js";
import { resolveEntry, type ResolvedMetric } from "./support/dashboard-body.js";

type Json = Record<string, any>;

let plan: OfflinePlan;
let alarms: Map<string, Json>;
let functional: Json[];
let technical: Json[];

const ofType = (type: string): RecordedResource[] => plan.resources.filter((r) => r.type === type);
const alarm = (suffix: string): Json => {
  const found = alarms.get(`bbkyc-${suffix}-sit`);
  if (!found) throw new Error(`no alarm bbkyc-${suffix}-sit; the plan has ${[...alarms.keys()].join(", ")}`);
  return found;
};
const queryMetrics = (a: Json): Json[] =>
  (a.metricQueries ?? []).filter((q: Json) => q.metric).map((q: Json) => q.metric);
const returned = (a: Json): Json => a.metricQueries.find((q: Json) => q.returnData);

/** A widget's entries: expressions by id, and metrics (resolved, with their rendering) by id. */
function entries(widget: Json): { expressions: Map<string, string>; metrics: Map<string, ResolvedMetric> } {
  const expressions = new Map<string, string>();
  const metrics = new Map<string, ResolvedMetric>();
  let previous: unknown[] | undefined;
  for (const entry of widget.properties.metrics as unknown[][]) {
    const first = entry[0] as Json;
    if (entry.length === 1 && typeof first.expression === "string") {
      expressions.set(first.id, first.expression);
      continue;
    }
    const resolved = resolveEntry(entry, previous, "test")!;
    previous = entry;
    metrics.set(String(resolved.rendering.id ?? `#${metrics.size}`), resolved);
  }
  return { expressions, metrics };
}

/** Evaluates a stage expression made of `FILL(id, 0)` terms joined by `+`, with the given metric values. */
function evaluateSum(
  expression: string,
  value: (metricName: string) => number,
  metrics: Map<string, ResolvedMetric>,
): number {
  const terms = expression.split("+").map((t) => t.trim());
  return terms.reduce((sum, term) => {
    const id = /^FILL\((\w+), 0\)$/.exec(term)?.[1];
    if (!id || !metrics.has(id)) throw new Error(`stage term "${term}" is not FILL(<metric id>, 0)`);
    return sum + value(metrics.get(id)!.metricName);
  }, 0);
}

beforeAll(async () => {
  plan = await planStack("sit");
  alarms = new Map(ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((r) => [r.physicalName!, r.inputs]));
  const body = (name: string) =>
    JSON.parse(
      ofType("aws:cloudwatch/dashboard:Dashboard").find((d) => d.physicalName === name)!.inputs.dashboardBody,
    ).widgets as Json[];
  functional = body("bbkyc-functional-sit-euw1");
  technical = body("bbkyc-technical-sit-euw1");
}, 120_000);

describe("the sit plan's alarms", () => {
  it("are as many as the README says (25)", () => {
    expect(alarms.size).toBe(25);
  });
});

describe("1. stream lag alarms fire when the reader stops", () => {
  it("treats missing iterator age as breaching on the case creator's stream (its mapping polls every second)", () => {
    expect(alarm("cta-iterator-age")).toMatchObject({
      metricName: "GetRecords.IteratorAgeMilliseconds",
      dimensions: { StreamName: "bbkyc-cta-event-stream-sit" },
      treatMissingData: "breaching",
    });
    expect(alarm("cta-iterator-age").alarmDescription).toMatch(/Enabled/);
  });

  it("watches the external consumer's stream for records written but none read in an hour", () => {
    expect(alarm("tt-iterator-age").treatMissingData).toBe("notBreaching");
    const unread = alarm("tt-consumer-not-reading");
    const metrics = queryMetrics(unread);
    expect(
      metrics.map((m) => [m.namespace, m.metricName, m.dimensions.StreamName, m.stat, m.period]),
    ).toEqual([
      ["AWS/Kinesis", "IncomingRecords", "bbkyc-tt-event-stream-sit", "Sum", 3600],
      ["AWS/Kinesis", "GetRecords.Records", "bbkyc-tt-event-stream-sit", "Sum", 3600],
    ]);
    expect(returned(unread).expression).toBe("IF(FILL(incoming, 0) > 0 AND FILL(read, 0) == 0, 1, 0)");
    expect(unread).toMatchObject({ comparisonOperator: "GreaterThanThreshold", threshold: 0 });
    // The case-creating stream needs none: its iterator-age alarm already breaches on silence.
    expect(alarms.has("bbkyc-cta-consumer-not-reading-sit")).toBe(false);
  });
});

describe("2. DynamoDB throttles on the index are seen", () => {
  it("alarms on the table and on every index of the audit table, under the index's own dimension", () => {
    const table = ofType("aws:dynamodb/table:Table")[0]!.inputs;
    const indexNames = (table.globalSecondaryIndexes as Json[]).map((i) => i.name);
    expect(indexNames).toEqual(["status-day-index"]);
    const metrics = queryMetrics(alarm("audit-table-throttles"));
    for (const metricName of ["ReadThrottleEvents", "WriteThrottleEvents"]) {
      expect(
        metrics.some(
          (m) =>
            m.metricName === metricName &&
            JSON.stringify(m.dimensions) === JSON.stringify({ TableName: table.name }),
        ),
        `${metricName} table`,
      ).toBe(true);
      for (const index of indexNames) {
        expect(
          metrics.some(
            (m) =>
              m.metricName === metricName &&
              m.dimensions.TableName === table.name &&
              m.dimensions.GlobalSecondaryIndexName === index,
          ),
          `${metricName} ${index}`,
        ).toBe(true);
      }
    }
    const widget = technical.find((w) => /DynamoDB throttles on/.test(w.properties.title ?? ""))!;
    const drawn = [...entries(widget).metrics.values()];
    expect(
      drawn.some(
        (m) =>
          m.dimensions.GlobalSecondaryIndexName === "status-day-index" &&
          m.metricName === "WriteThrottleEvents",
      ),
    ).toBe(true);
  });
});

describe("3. one Scheduler group per component", () => {
  it("puts every schedule in a group of its own, and alarms and charts each group", () => {
    const schedules = ofType("aws:scheduler/schedule:Schedule").map((s) => s.inputs);
    const groups = ofType("aws:scheduler/scheduleGroup:ScheduleGroup").map((g) => g.inputs.name);
    expect(schedules.length).toBe(2);
    expect(schedules.map((s) => s.groupName).sort()).toEqual([...groups].sort());
    expect(new Set(groups).size).toBe(schedules.length);
    const schedulerRefs = technical
      .flatMap((w) => (w.type === "metric" ? [...entries(w).metrics.values()] : []))
      .filter((m) => m.namespace === "AWS/Scheduler");
    for (const group of groups) {
      const targetErrors = [...alarms.values()].filter(
        (a) =>
          a.namespace === "AWS/Scheduler" &&
          a.metricName === "TargetErrorCount" &&
          a.dimensions.ScheduleGroup === group,
      );
      expect(targetErrors, `target-error alarm of ${group}`).toHaveLength(1);
      expect(
        schedulerRefs.some(
          (m) => m.metricName === "TargetErrorCount" && m.dimensions.ScheduleGroup === group,
        ),
        `widget of ${group}`,
      ).toBe(true);
    }
    expect(JSON.stringify([...alarms.values(), technical])).not.toMatch(/"ScheduleGroup":"default"/);
  });
});

describe("4. alarms on late, best-effort metrics look at more than one period", () => {
  it("alarms on EventBridge, Scheduler or DynamoDB metrics alarm on 1 of 3 periods", () => {
    const late = [...alarms.entries()].filter(([, a]) =>
      [a.namespace, ...queryMetrics(a).map((m) => m.namespace)].some((ns) =>
        ["AWS/Events", "AWS/DynamoDB", "AWS/Scheduler"].includes(ns),
      ),
    );
    const names = late.map(([name]) => name);
    expect(names).toEqual(
      expect.arrayContaining(["bbkyc-et-event-producer-run-failures-sit", "bbkyc-audit-table-throttles-sit"]),
    );
    for (const [name, a] of late) {
      expect({
        name,
        evaluationPeriods: a.evaluationPeriods,
        datapointsToAlarm: a.datapointsToAlarm,
      }).toEqual({ name, evaluationPeriods: 3, datapointsToAlarm: 1 });
    }
  });

  it("adds the Glue failure counts without FILL (missing stays missing, not a filled 0)", () => {
    expect(returned(alarm("et-event-producer-run-failures")).expression).toBe(
      "SUM([stateChanges, recorded])",
    );
  });
});

describe("5. Glue run time is a Sum", () => {
  it("never draws the elapsed-time delta with another statistic, and shows it per run", () => {
    const elapsed = technical.filter(
      (w) =>
        w.type === "metric" &&
        JSON.stringify(w.properties.metrics).includes("glue.driver.aggregate.elapsedTime"),
    );
    expect(elapsed.length).toBeGreaterThanOrEqual(2);
    for (const w of elapsed) {
      for (const m of entries(w).metrics.values())
        if (m.metricName === "glue.driver.aggregate.elapsedTime")
          expect(m.rendering.stat ?? w.properties.stat, w.properties.title).toBe("Sum");
      for (const e of entries(w).expressions.values())
        if (e.startsWith("SEARCH(")) expect(e).toMatch(/NOT JobRunId="ALL"', 'Sum'\)$/);
    }
    const perRun = elapsed.find((w) => /per run/.test(w.properties.title))!;
    expect(perRun.properties).toMatchObject({ view: "bar", setPeriodToTimeRange: true });
  });
});

describe("6. the end-to-end flow counts like with like", () => {
  it("gives each pipeline a flow whose final stage equals what was read when nothing is lost", () => {
    const flows = functional.filter(
      (w) => /^Records at each stage: /.test(w.properties.title ?? "") && w.properties.view === "bar",
    );
    expect(flows.map((w) => w.properties.title)).toEqual([
      "Records at each stage: CTA case events (cta) (selected period)",
      "Records at each stage: bbkyc-et-event-producer-sit → tt (selected period)",
    ]);
    // A day where nothing is lost: every record read ends as a case, a case failure or a rejection
    // (cta), or as a row published to TMS or a failed row (Glue → tt).
    const day: Record<string, number> = {
      S3RecordsProcessed: 100,
      EventPublishSuccess: 95,
      EventPublishFailure: 5,
      SFCaseCreationSuccess: 92,
      SFCaseCreationFailure: 3,
      RecordsRead: 40,
      RecordsSucceeded: 38,
      RecordsFailed: 2,
    };
    for (const w of flows) {
      const { expressions, metrics } = entries(w);
      const namespaces = new Set([...metrics.values()].map((m) => m.namespace));
      expect(
        [...metrics.values()].map((m) => m.metricName),
        w.properties.title,
      ).not.toContain("AuditEventWritten");
      const value = (name: string) => day[name] ?? NaN;
      const read = evaluateSum(expressions.get("stageRead")!, value, metrics);
      const final = evaluateSum(expressions.get("stageFinal")!, value, metrics);
      expect({ title: w.properties.title, read, final }).toEqual({
        title: w.properties.title,
        read,
        final: read,
      });
      // One pipeline per flow: its producer and case creator, or its Glue job.
      expect(namespaces.size, w.properties.title).toBeLessThanOrEqual(2);
    }
  });
});

describe("7. failure tiles show 0, not 'no data'", () => {
  it("charts the token failure total under [Environment] (published as 0 on a good day), not a SEARCH over Reason", () => {
    for (const title of [
      /^Token refreshes in the selected period$/,
      /^Failures in the last 24 hours/,
      /^Failures per day/,
    ]) {
      const w = functional.find((x) => title.test(x.properties.title ?? ""))!;
      const { metrics, expressions } = entries(w);
      const token = [...metrics.values()].filter((m) => m.metricName === "TokenRefreshFailure");
      expect(
        token.map((m) => m.dimensions),
        String(title),
      ).toEqual([{ Environment: "sit" }]);
      expect(
        [...expressions.values()].some((e) => e.includes("TokenRefreshFailure")),
        String(title),
      ).toBe(false);
    }
  });
});

describe("8. no widget for a status nothing writes", () => {
  it("shows only the audit statuses some component of this stack writes (no RECEIVED; no PUBLISHED without an S3 pipeline lacking a case creator)", () => {
    const statuses = new Set(
      [...functional, ...technical]
        .filter((w) => w.type === "metric")
        .flatMap((w) =>
          [...entries(w).metrics.values()]
            .filter((m) => m.metricName === "AuditEventWritten")
            .map((m) => m.dimensions.Status),
        ),
    );
    expect([...statuses].sort()).toEqual(["FAILED", "PROCESSED"]);
  });
});

describe("9. the retry success rate divides calls by calls", () => {
  it("reads only Salesforce-call metrics and says what it means", () => {
    const w = functional.find((x) => /^Retry success rate/.test(x.properties.title ?? ""))!;
    const { metrics, expressions } = entries(w);
    expect(expressions.get("retryRate")).toBe(
      "100 * FILL(retried, 0) / (FILL(retried, 0) + FILL(exhausted, 0))",
    );
    expect([metrics.get("retried")!.metricName, metrics.get("exhausted")!.metricName]).toEqual([
      "RetrySuccess",
      "RetryExhausted",
    ]);
    expect([...metrics.values()].map((m) => m.metricName)).not.toContain("SFCaseCreationFailure");
    const header = functional.find(
      (x) => x.type === "text" && /Salesforce case creation: CTA/.test(x.properties.markdown),
    )!;
    expect(header.properties.markdown).toMatch(/share of those calls a retry fixed/);
    expect(header.properties.markdown).toMatch(/Invalid records are not in it/);
  });
});

describe("10. a Glue run that never happened is noticed", () => {
  it("alarms when JobRunSuccess is missing for longer than two on-schedule successes can be apart", () => {
    const a = alarm("et-event-producer-run-missing");
    expect(a).toMatchObject({
      namespace: "bbkyc/et-event-producer-glue-publisher/sit",
      metricName: "JobRunSuccess",
      dimensions: { Environment: "sit" },
      statistic: "Sum",
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      treatMissingData: "breaching",
    });
    expect(a.datapointsToAlarm).toBe(a.evaluationPeriods);
    // The worst on-schedule gap, from what the plan deploys: a quick run at 02:00, then a start that
    // Scheduler retried for its whole maximumEventAgeInSeconds and a run that ended just inside the
    // job's timeout. The alarm's window slides (it ends at each evaluation), so it must be longer
    // than that gap, with an hour to spare for Glue's start-up and the metric's delivery.
    const schedule = ofType("aws:scheduler/schedule:Schedule").find((s) =>
      s.inputs.target.input?.includes("bbkyc-et-event-producer-sit"),
    )!.inputs;
    const job = ofType("aws:glue/job:Job").find(
      (j) => j.inputs.name === "bbkyc-et-event-producer-sit",
    )!.inputs;
    const worstGapSeconds =
      longestIntervalHours(schedule.scheduleExpression) * 3600 +
      schedule.target.retryPolicy.maximumEventAgeInSeconds +
      job.timeout * 60;
    expect({ worstGapSeconds, window: a.period * a.evaluationPeriods }).toEqual({
      worstGapSeconds: 26 * 3600,
      window: worstGapSeconds + 3600,
    });
    expect(a.alarmDescription).toMatch(/retried for up to 60 minutes/);
  });

  it("tells the longest gap of a schedule", () => {
    expect(longestIntervalHours("cron(0 2 * * ? *)")).toBe(24);
    expect(longestIntervalHours("rate(55 minutes)")).toBe(1);
    expect(longestIntervalHours("rate(6 hours)")).toBe(6);
    expect(longestIntervalHours("cron(30 1,13 * * ? *)")).toBe(12);
    expect(longestIntervalHours("cron(0 */4 * * ? *)")).toBe(4);
    expect(longestIntervalHours("cron(0 2 ? * MON-FRI *)")).toBe(72);
    expect(() => longestIntervalHours("cron(0 2 1 * ? *)")).toThrow(/every day of the month/);
  });
});
