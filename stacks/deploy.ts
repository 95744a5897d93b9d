/**
 * Composes one region's deployment from the validated config. `index.ts` only calls this and
 * exports what it returns.
 *
 * Order follows the data: the key every store uses, the audit trail every component writes to, the
 * token every consumer reads, the pipelines, the Glue publishers that feed them, and last the
 * dashboards and alarms built from everyone's facts.
 */
import type * as pulumi from "@pulumi/pulumi";
import { AuditStore } from "../components/audit-store.js";
import { Dashboards } from "../components/dashboards.js";
import { EventPipeline, pipelineMetricNamespace } from "../components/event-pipeline.js";
import { caseOutcomeComponents } from "../handlers/audit-processor/outcome-metrics.js";
import { GlueJob } from "../components/glue-job.js";
import { Naming } from "../components/naming.js";
import { Network } from "../components/network.js";
import { PlatformKey } from "../components/platform-key.js";
import { TokenManager } from "../components/token-manager.js";
import type { PlatformConfig } from "./config-types.js";
import { regionalProvider } from "./provider.js";

export interface PlatformOutputs {
  region: string;
  env: string;
  kmsKeyArn: pulumi.Output<string>;
  tokenSecretName: string;
  tokenManagerFunction: string;
  auditQueueUrl: pulumi.Output<string>;
  auditTableName: string;
  /** Per pipeline: its input bucket (when fed by files) and stream. */
  pipelines: Record<string, { bucket?: string; stream: string }>;
  glueJobs: string[];
  dashboards: { functional: string; technical: string };
  alarmTopicArn: pulumi.Output<string>;
}

/** Where the audit processor counts each case-creating pipeline's outcomes: its case creator's namespace. */
function caseOutcomeNamespaces(config: PlatformConfig, naming: Naming): Record<string, string> {
  return Object.fromEntries(
    config.pipelines
      .filter((p) => p.caseCreator)
      .flatMap((p) =>
        caseOutcomeComponents(p.name).map((component) => [
          component,
          pipelineMetricNamespace(naming, p.name, "case-creator"),
        ]),
      ),
  );
}

export function deployPlatform(config: PlatformConfig): PlatformOutputs {
  const provider = regionalProvider(config);
  const opts: pulumi.ComponentResourceOptions = { providers: [provider] };
  const naming = new Naming({ prefix: config.prefix, env: config.env, region: config.region });
  const common = { naming, logRetentionDays: config.logRetentionDays };

  // Issue #20: only a stack placed in a VPC declares a Network; `none` plans exactly as before.
  const network =
    config.network.mode === "none"
      ? undefined
      : new Network(
          "network",
          {
            naming,
            config: config.network,
            glue: config.glueJobs.length > 0,
            lakeFormation: config.glueJobs.some((job) => job.tableAccess.mode === "lake-formation"),
          },
          opts,
        );

  const key = new PlatformKey("platform-key", { naming, crossAccountPipelines: config.pipelines }, opts);

  const audit = new AuditStore(
    "audit",
    {
      ...common,
      kmsKeyArn: key.arn,
      retentionDays: config.audit.retentionDays,
      maxReceives: config.audit.maxReceives,
      caseOutcomeNamespaces: caseOutcomeNamespaces(config, naming),
      network,
    },
    opts,
  );

  const credentials = config.tokenManager.credentials;
  const tokenManager = new TokenManager(
    "token-manager",
    {
      ...common,
      kmsKeyArn: key.arn,
      config: config.tokenManager,
      csmResponseFields: credentials.source === "csm-lambda" ? credentials.responseFields : undefined,
      reservedConcurrency: config.tokenManager.reservedConcurrency,
      network,
    },
    opts,
  );

  const pipelines = config.pipelines.map(
    (pipeline) =>
      new EventPipeline(
        `${pipeline.name}-pipeline`,
        {
          ...common,
          pipeline,
          kmsKeyArn: key.arn,
          auditQueueArn: audit.queueArn,
          auditQueueUrl: audit.queueUrl,
          auditTable: {
            name: audit.tableName,
            arn: audit.tableArn,
            retentionDays: config.audit.retentionDays,
          },
          salesforce: config.salesforce,
          tokenSecretArn: tokenManager.secretArn,
          tokenSecretName: tokenManager.secretName,
          secretsManagerEndpoint: config.tokenManager.secretsManagerEndpoint,
          network,
        },
        opts,
      ),
  );

  const glueJobs = config.glueJobs.map((job) => {
    // Validation guarantees the pipeline exists.
    const target = pipelines[config.pipelines.findIndex((p) => p.name === job.pipeline)]!;
    return new GlueJob(
      `${job.name}-glue`,
      {
        ...common,
        job,
        kmsKeyArn: key.arn,
        streamName: target.streamName,
        streamArn: target.streamArn,
        auditQueueUrl: audit.queueUrl,
        auditQueueArn: audit.queueArn,
        auditTableName: audit.tableName,
        auditTableArn: audit.tableArn,
        network: network?.glue,
      },
      opts,
    );
  });

  const dashboards = new Dashboards(
    "dashboards",
    {
      naming,
      kmsKeyArn: key.arn,
      alarmEmail: config.alarmEmail,
      slaSeconds: config.slaSeconds,
      domain: config.domain,
      tokenManager: tokenManager.facts,
      pipelines: pipelines.map((p) => p.facts),
      audit: audit.facts,
      glueJobs: glueJobs.map((j) => j.facts),
      external: config.external,
    },
    opts,
  );

  return {
    region: config.region,
    env: config.env,
    kmsKeyArn: key.arn,
    tokenSecretName: tokenManager.secretName,
    tokenManagerFunction: tokenManager.functionName,
    auditQueueUrl: audit.queueUrl,
    auditTableName: audit.tableName,
    pipelines: Object.fromEntries(
      pipelines.map((p) => [p.facts.pipelineName, { bucket: p.bucketName, stream: p.streamName }]),
    ),
    glueJobs: glueJobs.map((j) => j.jobName),
    dashboards: {
      functional: dashboards.functionalDashboardName,
      technical: dashboards.technicalDashboardName,
    },
    alarmTopicArn: dashboards.topicArn,
  };
}
