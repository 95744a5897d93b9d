/**
 * One Glue publisher: a PySpark job that publishes the rows appended to an Iceberg table since its
 * last successful run to a pipeline's Kinesis stream (from Spark's executors; its bookmark is an
 * item of the audit table), with its assets bucket, security configuration, least-privilege role,
 * schedule and a record of every failed run. The assets (bucket, script, helpers zip) are built in
 * `glue-job-assets.ts`, the job role's policy in `glue-job-iam.ts`.
 *
 * @example
 * const glue = new GlueJob("et-event-producer", {
 *   naming,
 *   job: {
 *     name: "et-event-producer", pipeline: "tt", icebergTable: "kyc_db.et_events", schedule: "cron(0 2 * * ? *)",
 *     tableAccess: { mode: "s3", location: "s3://bbkyc-datalake-sit/kyc_db/et_events" }, firstRun: "all", publishPartitions: 0,
 *   },
 *   streamName: tt.streamName, streamArn: tt.streamArn, kmsKeyArn: key.arn, logRetentionDays: 90,
 *   auditQueueUrl: audit.queueUrl, auditQueueArn: audit.queueArn,
 *   auditTableName: audit.tableName, auditTableArn: audit.tableArn,
 * });
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { metricNamespace } from "../handlers/lib/metric-catalog.js";
import type { GlueJobConfig } from "./glue-job-config.js";
import { createFailedRunsRule } from "./glue-job-failed-runs.js";
import { CATALOG, icebergCatalogConf } from "./glue-job-iceberg.js";
import { HELPERS_KEY, SCRIPT_KEY, createAssetsBucket, uploadAssets } from "./glue-job-assets.js";
import { createGlueConnection, type GlueNetworkPlacement } from "./glue-job-connection.js";
import { jobRoleStatements } from "./glue-job-iam.js";
import { assumeRolePolicy, kmsUseStatement, policyDocument } from "./iam.js";
import type { GlueJobFacts } from "./monitoring/facts.js";
import { checkName, type Naming } from "./naming.js";

export { GLUE_HELPERS_DIR, GLUE_SCRIPT, helpersArchive } from "./glue-job-assets.js";
/** Glue job-run states that mean the run did not finish its work. */
export { FAILED_RUN_STATES } from "./glue-job-failed-runs.js";

/** Glue stops a run as TIMEOUT after this many minutes unless `timeoutMinutes` says otherwise. */
const DEFAULT_TIMEOUT_MINUTES = 60;

/**
 * A refused start (e.g. the previous run still going) is retried for an hour, then kept in the DLQ.
 * The run-missing alarm reads the same numbers (a start retried this long is still on schedule).
 * https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html
 */
const SCHEDULE_RETRY_POLICY = { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 } as const;

export interface GlueJobArgs {
  naming: Naming;
  /** The job's configuration (name, pipeline, Iceberg table `database.table`, schedule expression). */
  job: GlueJobConfig;
  /** Physical name of the pipeline's Kinesis stream the job writes to. */
  streamName: pulumi.Input<string>;
  /** ARN of that stream: the only stream the job may `PutRecords` to. */
  streamArn: pulumi.Input<string>;
  /** Platform key: encrypts the assets bucket, Glue's S3 output, logs, bookmarks and the schedule. */
  kmsKeyArn: pulumi.Input<string>;
  /** Retention of the failed-runs log group, in days. */
  logRetentionDays: number;
  /** URL of the audit queue that receives FAILED audit events for rows that were not published. */
  auditQueueUrl: pulumi.Input<string>;
  /** ARN of the audit queue. */
  auditQueueArn: pulumi.Input<string>;
  /** Name of the audit table, which also keeps the job's bookmark (item `#glue-bookmark:<job name>`). */
  auditTableName: pulumi.Input<string>;
  /** ARN of the audit table: the role may get and put its own bookmark item there, nothing else. */
  auditTableArn: pulumi.Input<string>;
  /**
   * Glue version: 5.0 is Spark 3.5, Python 3.11 and Iceberg 1.7 (what the job is tested with);
   * Lake Formation full-table access needs 5.0 or later.
   * @default `"5.0"`
   */
  glueVersion?: string;
  /**
   * Glue worker type.
   * @default `"G.1X"`
   */
  workerType?: string;
  /**
   * Number of workers (the driver counts as one).
   * @default `2`
   */
  numberOfWorkers?: number;
  /**
   * Minutes after which a run is stopped as TIMEOUT (Glue's own default is 48 hours).
   * @default `60`
   */
  timeoutMinutes?: number;
  /**
   * Automatic retries of a failed run. Off by default: a failed run publishes its increment again
   * when it is re-run (its bookmark did not move), so it is alerted and re-run by a person or by
   * the next scheduled run.
   * @default `0`
   */
  maxRetries?: number;
  /**
   * Time zone of the schedule expression (IANA name).
   * @default `"UTC"`
   */
  scheduleTimezone?: string;
  /**
   * Prefix of every Kinesis partition key (`<prefix><transactionId>`), the same as the pipeline's S3 producer.
   * @default `` `${naming.prefix}-${job.pipeline}-` ``
   */
  partitionKeyPrefix?: string;
  /** VPC placement (issue #20): the job runs through a NETWORK connection. @default `undefined` (Glue's own network) */
  network?: GlueNetworkPlacement;
}

interface JobParts {
  bucket: aws.s3.Bucket;
  role: aws.iam.Role;
  securityConfiguration: aws.glue.SecurityConfiguration;
  namespace: string;
  dependsOn: pulumi.Resource[];
  connection?: aws.glue.Connection;
}

export class GlueJob extends pulumi.ComponentResource {
  public readonly jobName: string;
  /** The rule that records failed runs (`Glue Job State Change` FAILED/TIMEOUT/ERROR). */
  public readonly ruleName: string;
  public readonly scheduleName: string;
  /** The job's own Scheduler group: AWS/Scheduler metrics are per group, so its alarm sees only this job's starts. */
  public readonly scheduleGroupName: string;
  public readonly scheduleDlqName: string;
  public readonly failedRunsLogGroupName: string;
  public readonly assetsBucketName: string;
  public readonly job: aws.glue.Job;
  /** The job role's inline policy (for review and tests). */
  public readonly rolePolicy: pulumi.Output<string>;
  public readonly facts: GlueJobFacts;

  private readonly account: pulumi.Output<string>;
  private readonly partition: pulumi.Output<string>;

  constructor(name: string, args: GlueJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kyc:platform:GlueJob", name, {}, opts);
    validateArgs(args);
    const { naming, job } = args;
    this.jobName = naming.physicalName("glue-job", job.name);
    this.ruleName = naming.physicalName("event-rule", `${job.name}-glue-failed`);
    this.scheduleName = naming.physicalName("schedule", `${job.name}-glue`);
    this.scheduleGroupName = naming.physicalName("schedule", `${job.name}-glue-group`);
    this.scheduleDlqName = naming.physicalName("sqs-queue", `${job.name}-glue-schedule-dlq`);
    this.failedRunsLogGroupName = `/aws/events/${this.ruleName}`;
    checkName("log-group", this.failedRunsLogGroupName, job.name);
    this.assetsBucketName = naming.physicalName("s3-bucket", `${job.name}-glue-assets`);
    this.account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    this.partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const namespace = metricNamespace(naming.prefix, `${job.name}-glue-publisher`, naming.env);

    const bucket = createAssetsBucket(name, this.assetsBucketName, args.kmsKeyArn, this);
    const assets = uploadAssets(name, bucket, args.kmsKeyArn, this);
    const securityConfiguration = this.createSecurityConfiguration(name, args);
    const { role, policy, attachment } = this.createJobRole(name, args, bucket, namespace);
    this.rolePolicy = policy;
    this.job = this.createJob(name, args, {
      bucket,
      role,
      securityConfiguration,
      namespace,
      dependsOn: [...assets, attachment],
      connection: createGlueConnection(name, args, this),
    });
    this.createSchedule(name, args);
    createFailedRunsRule(
      name,
      {
        jobName: this.jobName,
        ruleName: this.ruleName,
        logGroupName: this.failedRunsLogGroupName,
        logRetentionDays: args.logRetentionDays,
        kmsKeyArn: args.kmsKeyArn,
      },
      this,
    );

    this.facts = {
      jobName: this.jobName,
      pipelineName: job.pipeline,
      metrics: { component: "glue-publisher", namespace },
      ruleName: this.ruleName,
      scheduleName: this.scheduleName,
      scheduleGroupName: this.scheduleGroupName,
      scheduleExpression: job.schedule,
      timeoutMinutes: args.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES,
      scheduleMaxEventAgeSeconds: SCHEDULE_RETRY_POLICY.maximumEventAgeInSeconds,
      scheduleDlqName: this.scheduleDlqName,
    };
    this.registerOutputs({
      jobName: this.jobName,
      ruleName: this.ruleName,
      scheduleName: this.scheduleName,
      facts: this.facts,
    });
  }

  private createSecurityConfiguration(name: string, args: GlueJobArgs): aws.glue.SecurityConfiguration {
    const kmsKeyArn = args.kmsKeyArn;
    const encryptionConfiguration = {
      s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn },
      cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn },
      jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn },
    };
    // Security configurations follow the same name rules as jobs.
    const configName = args.naming.physicalName("glue-job", `${args.job.name}-security`);
    return new aws.glue.SecurityConfiguration(
      `${name}-security`,
      { name: configName, encryptionConfiguration },
      { parent: this },
    );
  }

  private createJobRole(name: string, args: GlueJobArgs, bucket: aws.s3.Bucket, namespace: string) {
    const { naming, job } = args;
    const roleName = naming.physicalName("iam-role", `${job.name}-glue`);
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: roleName,
        description: `Runs Glue job ${this.jobName} (least privilege)`,
        assumeRolePolicy: assumeRolePolicy("glue.amazonaws.com"),
      },
      { parent: this },
    );
    const statements = jobRoleStatements(args, {
      account: this.account,
      partition: this.partition,
      assetsBucketArn: bucket.arn,
      namespace,
      jobName: this.jobName,
    });
    const policy = policyDocument(statements);
    const attachment = new aws.iam.RolePolicy(
      `${name}-policy`,
      { name: naming.physicalName("iam-policy", `${job.name}-glue`), role: role.id, policy },
      { parent: this },
    );
    return { role, policy, attachment };
  }

  private createJob(name: string, args: GlueJobArgs, parts: JobParts): aws.glue.Job {
    const { naming, job } = args;
    const assets = (key: string) => pulumi.interpolate`s3://${parts.bucket.bucket}/${key}`;
    return new aws.glue.Job(
      `${name}-job`,
      {
        name: this.jobName,
        description: `Publishes ${job.icebergTable} to the ${job.pipeline} stream (${naming.env})`,
        roleArn: parts.role.arn,
        glueVersion: glueVersionOf(args),
        workerType: args.workerType ?? "G.1X",
        numberOfWorkers: args.numberOfWorkers ?? 2,
        timeout: args.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES,
        maxRetries: args.maxRetries ?? 0,
        // One run at a time: two overlapping runs would publish every row twice.
        executionProperty: { maxConcurrentRuns: 1 },
        securityConfiguration: parts.securityConfiguration.name,
        ...(parts.connection ? { connections: [parts.connection.name] } : {}),
        command: { name: "glueetl", scriptLocation: assets(SCRIPT_KEY), pythonVersion: "3" },
        defaultArguments: {
          "--job-language": "python",
          "--extra-py-files": assets(HELPERS_KEY),
          "--datalake-formats": "iceberg",
          "--conf": icebergCatalogConf(assets("iceberg-warehouse/"), job.tableAccess, {
            accountId: aws.getCallerIdentityOutput({}, { parent: this }).accountId,
            region: naming.region,
          }),
          "--enable-metrics": "true",
          // Glue 5.0 logs in real time on its own; the flag exists for 4.0 and earlier only.
          // https://docs.aws.amazon.com/glue/latest/dg/monitor-continuous-logging-enable.html
          ...(glueMajorVersion(args) < 5 ? { "--enable-continuous-cloudwatch-log": "true" } : {}),
          // Glue's bookmarks do not track Spark reads of Iceberg tables; the job keeps its own (--BOOKMARK_TABLE).
          "--job-bookmark-option": "job-bookmark-disable",
          "--STREAM_NAME": args.streamName,
          "--ICEBERG_TABLE": `${CATALOG}.${job.icebergTable}`,
          "--METRIC_NAMESPACE": parts.namespace,
          "--ENVIRONMENT": naming.env,
          "--AUDIT_QUEUE_URL": args.auditQueueUrl,
          "--PARTITION_KEY_PREFIX": args.partitionKeyPrefix ?? `${naming.prefix}-${job.pipeline}-`,
          "--AUDIT_COMPONENT": `${job.name}-glue`,
          "--BOOKMARK_TABLE": args.auditTableName,
          "--FIRST_RUN": job.firstRun,
          "--PUBLISH_PARTITIONS": String(job.publishPartitions),
          "--REGION": naming.region,
        },
      },
      { parent: this, dependsOn: parts.dependsOn },
    );
  }

  /**
   * EventBridge Scheduler rather than a scheduled EventBridge rule: a rule cannot start a Glue job
   * without a Lambda or a Glue workflow in between, while the Scheduler's universal target calls
   * `glue:StartJobRun` itself, honours a time zone, retries, and keeps failed starts in a DLQ.
   */
  private createSchedule(name: string, args: GlueJobArgs): aws.scheduler.Schedule {
    // A group of its own (as the token schedule has): AWS/Scheduler metrics carry only the
    // ScheduleGroup dimension, so in `default` this job's alarm would also count every other
    // schedule of the account and region. https://docs.aws.amazon.com/scheduler/latest/UserGuide/monitoring-cloudwatch.html
    const group = new aws.scheduler.ScheduleGroup(
      `${name}-schedule-group`,
      { name: this.scheduleGroupName },
      { parent: this },
    );
    const dlq = new aws.sqs.Queue(
      `${name}-schedule-dlq`,
      { name: this.scheduleDlqName, kmsMasterKeyId: args.kmsKeyArn, messageRetentionSeconds: 14 * 24 * 3600 },
      { parent: this },
    );
    const role = new aws.iam.Role(
      `${name}-schedule-role`,
      {
        name: args.naming.physicalName("iam-role", `${args.job.name}-glue-sched`),
        description: `Lets EventBridge Scheduler start ${this.jobName} only`,
        assumeRolePolicy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "scheduler.amazonaws.com" },
              Action: "sts:AssumeRole",
              Condition: { StringEquals: { "aws:SourceAccount": this.account } },
            },
          ],
        }),
      },
      { parent: this },
    );
    const policy = policyDocument([
      { Sid: "StartThisJobOnly", Effect: "Allow", Action: "glue:StartJobRun", Resource: this.job.arn },
      { Sid: "KeepFailedStarts", Effect: "Allow", Action: "sqs:SendMessage", Resource: dlq.arn },
      kmsUseStatement(args.kmsKeyArn),
    ]);
    const policyName = args.naming.physicalName("iam-policy", `${args.job.name}-glue-sched`);
    new aws.iam.RolePolicy(
      `${name}-schedule-policy`,
      { name: policyName, role: role.id, policy },
      { parent: this },
    );
    return new aws.scheduler.Schedule(
      `${name}-schedule`,
      {
        name: this.scheduleName,
        groupName: group.name,
        description: `Starts Glue job ${this.jobName}`,
        scheduleExpression: args.job.schedule,
        scheduleExpressionTimezone: args.scheduleTimezone ?? "UTC",
        flexibleTimeWindow: { mode: "OFF" },
        kmsKeyArn: args.kmsKeyArn,
        target: {
          arn: pulumi.interpolate`arn:${this.partition}:scheduler:::aws-sdk:glue:startJobRun`,
          roleArn: role.arn,
          input: JSON.stringify({ JobName: this.jobName }),
          retryPolicy: { ...SCHEDULE_RETRY_POLICY },
          deadLetterConfig: { arn: dlq.arn },
        },
      },
      { parent: this },
    );
  }
}

function validateArgs(args: GlueJobArgs): void {
  if (!/^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/.test(args.job.icebergTable)) {
    throw new Error(
      `GlueJob "${args.job.name}": \`icebergTable\` must be database.table, got "${args.job.icebergTable}"`,
    );
  }
  const access = args.job.tableAccess;
  if (access.mode === "s3" && !/^s3:\/\/[a-z0-9][a-z0-9.-]+[a-z0-9](\/.*)?$/.test(access.location)) {
    throw new Error(
      `GlueJob "${args.job.name}": \`tableAccess.location\` must be an s3://bucket/prefix URI, got "${access.location}"`,
    );
  }
  if (access.mode === "lake-formation" && glueMajorVersion(args) < 5) {
    throw new Error(
      `GlueJob "${args.job.name}": Lake Formation full-table access needs \`glueVersion\` 5.0 or later, got "${args.glueVersion}"`,
    );
  }
  if (args.numberOfWorkers !== undefined && args.numberOfWorkers < 2) {
    throw new Error(
      `GlueJob "${args.job.name}": \`numberOfWorkers\` must be at least 2 (a driver and an executor)`,
    );
  }
}

function glueVersionOf(args: GlueJobArgs): string {
  return args.glueVersion ?? "5.0";
}

function glueMajorVersion(args: GlueJobArgs): number {
  return Number.parseInt(glueVersionOf(args), 10);
}
