/**
 * One stack's monitoring as the tests see it: the facts its components would expose (with the real
 * naming rules of that stack's config), the segments built from them, and both dashboard bodies.
 */
import type { EmittedMetrics } from "../../components/monitoring/facts.js";
import { STATUS_INDEX_NAME } from "../../handlers/audit-processor/audit-item.js";
import { alarmArn } from "../../components/monitoring/alarms.js";
import { dashboardBody } from "../../components/monitoring/layout.js";
import { alarmSection, platformMonitoring } from "../../components/monitoring/segments/platform.js";
import type { PlatformFacts } from "../../components/monitoring/segments/platform-facts.js";
import { Naming } from "../../components/naming.js";
import { metricNamespace, type MetricComponent } from "../../handlers/lib/metric-catalog.js";
import type { PlatformConfig } from "../../stacks/config-types.js";
import { MOCK_ACCOUNT_ID } from "../../stacks/offline/recording-mocks.js";
import { configFromMap } from "../../stacks/read-stack-config.js";
import { pulumiConfigForStack } from "../../stacks/stack-files.js";

export type Json = Record<string, any>;

/** Facts as the components would expose them, with the real naming rules of one stack. */
export function factsFor(config: PlatformConfig): { naming: Naming; facts: PlatformFacts } {
  const naming = new Naming({ prefix: config.prefix, env: config.env, region: config.region });
  const emitted = (component: MetricComponent, instance: string): EmittedMetrics => ({
    component,
    namespace: metricNamespace(config.prefix, instance, config.env),
  });
  const fn = (component: string, label: string) => {
    const functionName = naming.physicalName("lambda", component);
    return { functionName, logGroupName: naming.logGroupForFunction(functionName), label };
  };
  const facts: PlatformFacts = {
    tokenManager: {
      fn: fn("token-manager", "TIAA token manager"),
      metrics: emitted("token-manager", "token-manager"),
      scheduleName: naming.physicalName("schedule", "token-refresh"),
      scheduleGroupName: naming.physicalName("schedule", "token-refresh-group"),
      scheduleDlqName: naming.physicalName("sqs-queue", "token-refresh-dlq"),
      failedInvocationQueueName: naming.physicalName("sqs-queue", "token-refresh-failed-invocations"),
      secretName: naming.physicalName("secret", "tiaa-token"),
      lifetimeMinutes: config.tokenManager.lifetimeMinutes,
    },
    pipelines: config.pipelines.map((p) => ({
      pipelineName: p.name,
      label: p.label,
      streamName: naming.physicalName("kinesis-stream", `${p.name}-event-stream`),
      ...(p.source === "s3"
        ? {
            bucketName: naming.physicalName("s3-bucket", `${p.name}-input`),
            producer: fn(`${p.name}-event-producer`, `${p.label} producer`),
            producerMetrics: emitted("event-producer", `${p.name}-event-producer`),
            producerFailureQueueName: naming.physicalName("sqs-queue", `${p.name}-producer-failures`),
          }
        : {}),
      ...(p.caseCreator
        ? {
            caseCreator: fn(`${p.name}-case-creator`, `${p.label} case creator`),
            caseCreatorMetrics: emitted("case-creator", `${p.name}-case-creator`),
            onFailureQueueName: naming.physicalName("sqs-queue", `${p.name}-case-creator-failures`),
            discardAuditor: fn(`${p.name}-discard-auditor`, `${p.label} discard auditor`),
            discardAuditorDlqName: naming.physicalName("sqs-queue", `${p.name}-discard-auditor-dlq`),
          }
        : {}),
    })),
    audit: {
      queueName: naming.physicalName("sqs-queue", "audit-queue"),
      dlqName: naming.physicalName("sqs-queue", "audit-dlq"),
      tableName: naming.physicalName("dynamodb-table", "audit-trail"),
      indexNames: [STATUS_INDEX_NAME],
      processor: fn("audit-processor", "Audit processor"),
      metrics: emitted("audit-processor", "audit-processor"),
    },
    glueJobs: config.glueJobs.map((g) => ({
      jobName: naming.physicalName("glue-job", g.name),
      pipelineName: g.pipeline,
      metrics: emitted("glue-publisher", `${g.name}-glue-publisher`),
      ruleName: naming.physicalName("event-rule", `${g.name}-glue-failed`),
      scheduleName: naming.physicalName("schedule", `${g.name}-glue`),
      scheduleGroupName: naming.physicalName("schedule", `${g.name}-glue-group`),
      scheduleExpression: g.schedule,
      timeoutMinutes: 60,
      scheduleDlqName: naming.physicalName("sqs-queue", `${g.name}-glue-schedule-dlq`),
    })),
    external: config.external,
  };
  return { naming, facts };
}

/** A stack file's config, facts, segments, alarm ARNs and both dashboard bodies (JSON strings). */
export function stack(name: string) {
  const config = configFromMap(name, pulumiConfigForStack(name));
  const { naming, facts } = factsFor(config);
  const monitoring = platformMonitoring(facts, {
    naming,
    slaSeconds: config.slaSeconds,
    domain: config.domain,
  });
  const arns = monitoring.alarms.map((a) =>
    alarmArn(naming.physicalName("alarm", a.nameSuffix), naming.region, MOCK_ACCOUNT_ID),
  );
  const functional = JSON.stringify(dashboardBody(monitoring.functional));
  const technical = JSON.stringify(
    dashboardBody([alarmSection(arns, config.domain), ...monitoring.technical]),
  );
  return { config, naming, facts, monitoring, arns, functional, technical };
}

export const widgetsOf = (body: string): Json[] => JSON.parse(body).widgets;
export const metricWidgets = (body: string) => widgetsOf(body).filter((w) => w.type === "metric");
export const findWidget = (body: string, title: RegExp) =>
  widgetsOf(body).find((w) => title.test(String(w.properties.title ?? w.properties.markdown)));
