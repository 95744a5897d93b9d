/**
 * EventPipeline: one KYC domain's event flow (SPEC §3). Files uploaded to the input bucket trigger
 * the event producer, which publishes validated records to the pipeline's Kinesis stream; the case
 * creator reads the stream and upserts Salesforce cases. Pipelines fed by a Glue job have no bucket
 * and no producer; pipelines read by an external consumer (e.g. `tt` → TMS) have no case creator.
 * Whatever either function finally gives up on lands in a KMS-encrypted failure queue of its own
 * (the producer's holds the S3 event of a file it could not process), watched by a not-empty alarm.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { metricNamespace } from "../handlers/lib/metric-catalog.js";
import { checkPipelineLimits, type PipelineConfig, type SalesforceConfig } from "./event-pipeline-config.js";
import { connectStreamToCaseCreator, createCaseCreator } from "./event-pipeline-case-creator.js";
import {
  createDiscardAuditor,
  createDiscardAuditorDlq,
  ON_FAILURE_VISIBILITY_SECONDS,
  onFailureRedrivePolicy,
} from "./event-pipeline-discard-auditor.js";
import { grantStreamReaders } from "./cross-account-access.js";
import { createInputBucket, producerLedgerStatements } from "./event-pipeline-input-bucket.js";
import { kmsUseStatement, putMetricStatement } from "./iam.js";
import { createBundledFunction, type BundledFunction, type FunctionNetwork } from "./lambda-function.js";
import type { PipelineFacts } from "./monitoring/facts.js";
import type { Naming } from "./naming.js";

export interface EventPipelineArgs {
  /** Makes every physical name (`<prefix>-<pipeline>-event-stream-<env>`, …). */
  naming: Naming;
  /**
   * The stack's network: where the functions run: producer and discard auditor call AWS only (always placed), the case creator calls Salesforce (placed only with egress) (issue #20).
   * @default `undefined` (outside any VPC)
   */
  network?: FunctionNetwork;
  /** The validated pipeline entry of the stack config (name, source, shards, case-creator settings). */
  pipeline: PipelineConfig;
  /** ARN of the platform KMS key: encrypts the bucket, the stream, the failure queues, log groups and function environments. */
  kmsKeyArn: pulumi.Input<string>;
  /** Days the functions' log groups keep logs (a value CloudWatch Logs accepts, e.g. `90`). */
  logRetentionDays: number;
  /** ARN of the audit queue (AuditStore): both functions may send to it, nothing else. */
  auditQueueArn: pulumi.Input<string>;
  /** URL of the audit queue, passed to both functions as `AUDIT_QUEUE_URL`. */
  auditQueueUrl: pulumi.Input<string>;
  /**
   * The audit table (AuditStore): the producer keeps its ledger of object versions there, so a file
   * delivered twice is produced and counted once. Passed as `AUDIT_TABLE_NAME`; the role may touch
   * only items whose key starts with `#ledger:`.
   */
  auditTable: { name: string; arn: pulumi.Input<string>; retentionDays: number };
  /** Salesforce instance, API version, sObject and external id field, for the case creator. */
  salesforce: SalesforceConfig;
  /** ARN of the TIAA token secret (TokenManager); the case creator may read only this secret. */
  tokenSecretArn: pulumi.Input<string>;
  /** Name of the TIAA token secret, shown in the case creator's description. */
  tokenSecretName: string;
  /**
   * Secrets Manager endpoint override (e.g. a VPC interface endpoint), passed as `SECRETS_MANAGER_ENDPOINT`.
   * @default unset (the regional endpoint)
   */
  secretsManagerEndpoint?: string;
  /**
   * Handler entry of the case creator, relative to the project.
   * @default `"handlers/case-creator/handler.ts"`
   */
  caseCreatorEntry?: string;
  /**
   * Days an uploaded file is kept after upload; processing takes minutes, the rest is for re-runs.
   * @default `30`
   */
  inputRetentionDays?: number;
  /** Days an overwritten or deleted file's previous version is kept. @default `7` */
  noncurrentVersionRetentionDays?: number;
  /**
   * Producer timeout in seconds. A 50,000-record file takes well under a minute; the rest is room for
   * Kinesis throttling backoff, since a timeout re-runs the whole file.
   * @default `900`
   */
  producerTimeoutSeconds?: number;
  /** Producer memory in MB (the file is streamed; memory also buys CPU). @default `512` */
  producerMemorySize?: number;
  /** Case creator timeout in seconds: one batch including Salesforce retries with backoff. @default `120` */
  caseCreatorTimeoutSeconds?: number;
  /** Case creator memory in MB. @default `512` */
  caseCreatorMemorySize?: number;
}

/** Namespace of one pipeline function's metrics: `<prefix>/<pipeline>-<kind>/<env>`. */
export function pipelineMetricNamespace(
  naming: Naming,
  pipelineName: string,
  kind: "event-producer" | "case-creator",
): string {
  return metricNamespace(naming.prefix, `${pipelineName}-${kind}`, naming.env);
}

/** SQS's longest retention: a failure queue keeps what it is given as long as it can. */
const ON_FAILURE_RETENTION_SECONDS = 14 * 24 * 3600;
/** Lambda's own retries of a failed asynchronous (S3-triggered) invocation; 2 is Lambda's maximum. */
const PRODUCER_ASYNC_RETRIES = 2;
/** How long Lambda keeps retrying a throttled S3 event before it goes to the failure queue (its maximum). */
const PRODUCER_MAX_EVENT_AGE_SECONDS = 6 * 3600;

/**
 * @example
 * const cta = new EventPipeline("cta", {
 *   naming, pipeline: config.pipelines[0], kmsKeyArn: key.arn, logRetentionDays: 90,
 *   auditQueueArn: audit.queueArn, auditQueueUrl: audit.queueUrl, salesforce: config.salesforce,
 *   tokenSecretArn: tokens.secretArn, tokenSecretName: tokens.secretName,
 * });
 */
export class EventPipeline extends pulumi.ComponentResource {
  public readonly streamName: string;
  public readonly streamArn: pulumi.Output<string>;
  /** Input bucket; undefined for pipelines fed by a Glue job. */
  public readonly bucketName?: string;
  /** Undefined for pipelines fed by a Glue job (nothing to produce from). */
  public readonly producerFunctionName?: string;
  /** Where S3 events the producer failed on after all retries are kept; undefined without a producer. */
  public readonly producerFailureQueueName?: string;
  /** Undefined for streams read by an external consumer. */
  public readonly caseCreatorFunctionName?: string;
  public readonly onFailureQueueName?: string;
  /** Audits the records of batches Lambda gave up on; undefined without a case creator. */
  public readonly discardAuditorFunctionName?: string;
  /** What the dashboards and alarms need to know about this pipeline. */
  public readonly facts: PipelineFacts;

  private readonly stream: aws.kinesis.Stream;

  constructor(name: string, args: EventPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kyc:platform:EventPipeline", name, {}, opts);
    checkPipelineLimits(args.pipeline);
    const p = args.pipeline.name;
    const naming = args.naming;

    this.streamName = naming.physicalName("kinesis-stream", `${p}-event-stream`);
    this.stream = this.createStream(name, args);
    this.streamArn = this.stream.arn;
    grantStreamReaders(name, args.pipeline, this.stream.arn, this);
    this.facts = { pipelineName: p, label: args.pipeline.label, streamName: this.streamName };

    if (args.pipeline.source === "s3") {
      this.bucketName = naming.physicalName("s3-bucket", `${p}-input`);
      const retention = {
        retentionDays: args.inputRetentionDays,
        noncurrentRetentionDays: args.noncurrentVersionRetentionDays,
      };
      const uploaderPrincipals = args.pipeline.uploaderPrincipals;
      const bucket = createInputBucket(
        name,
        { bucketName: this.bucketName, kmsKeyArn: args.kmsKeyArn, ...retention, uploaderPrincipals },
        this,
      );
      const producerFailures = this.createFailureQueue(name, args, "producer-failures");
      const producer = this.createProducer(name, args, bucket, producerFailures);
      this.keepFailedProducerEvents(name, producer, producerFailures);
      this.connectBucketToProducer(name, bucket, producer);
      this.producerFunctionName = producer.functionName;
      this.producerFailureQueueName = naming.physicalName("sqs-queue", `${p}-producer-failures`);
      this.facts.bucketName = this.bucketName;
      this.facts.producerFailureQueueName = this.producerFailureQueueName;
      this.facts.producer = {
        functionName: producer.functionName,
        logGroupName: producer.logGroupName,
        label: `${args.pipeline.label} producer`,
      };
      this.facts.producerMetrics = {
        component: "event-producer",
        namespace: this.namespace(args, "event-producer"),
      };
    }

    if (args.pipeline.caseCreator) {
      // Batches Lambda gives up on go to the on-failure queue; the discard auditor audits their records.
      const auditorDlq = createDiscardAuditorDlq(
        name,
        { naming, pipelineName: p, kmsKeyArn: args.kmsKeyArn },
        this,
      );
      const onFailureQueue = this.createFailureQueue(name, args, "case-creator-failures", {
        redrivePolicy: onFailureRedrivePolicy(auditorDlq),
        visibilityTimeoutSeconds: ON_FAILURE_VISIBILITY_SECONDS,
      });
      const wiring = { stream: this.stream, onFailureQueue, namespace: this.namespace(args, "case-creator") };
      const caseCreator = createCaseCreator(name, args, wiring, this);
      connectStreamToCaseCreator(name, args, caseCreator, wiring, this);
      const auditor = createDiscardAuditor(
        name,
        {
          ...args,
          pipelineName: p,
          streamArn: this.stream.arn,
          caseCreatorFunctionName: caseCreator.functionName,
        },
        onFailureQueue,
        this,
      );
      this.caseCreatorFunctionName = caseCreator.functionName;
      this.onFailureQueueName = naming.physicalName("sqs-queue", `${p}-case-creator-failures`);
      this.discardAuditorFunctionName = auditor.functionName;
      this.facts.caseCreator = {
        functionName: caseCreator.functionName,
        logGroupName: caseCreator.logGroupName,
        label: `${args.pipeline.label} case creator`,
      };
      this.facts.caseCreatorMetrics = {
        component: "case-creator",
        namespace: this.namespace(args, "case-creator"),
      };
      this.facts.onFailureQueueName = this.onFailureQueueName;
      this.facts.discardAuditor = {
        functionName: auditor.functionName,
        logGroupName: auditor.logGroupName,
        label: `${args.pipeline.label} discard auditor`,
      };
      this.facts.discardAuditorDlqName = naming.physicalName("sqs-queue", `${p}-discard-auditor-dlq`);
    }

    this.registerOutputs({
      streamName: this.streamName,
      streamArn: this.streamArn,
      bucketName: this.bucketName,
      producerFunctionName: this.producerFunctionName,
      producerFailureQueueName: this.producerFailureQueueName,
      caseCreatorFunctionName: this.caseCreatorFunctionName,
      onFailureQueueName: this.onFailureQueueName,
      discardAuditorFunctionName: this.discardAuditorFunctionName,
    });
  }

  private namespace(args: EventPipelineArgs, kind: "event-producer" | "case-creator"): string {
    return pipelineMetricNamespace(args.naming, args.pipeline.name, kind);
  }

  private createStream(name: string, args: EventPipelineArgs): aws.kinesis.Stream {
    const { pipeline } = args;
    return new aws.kinesis.Stream(
      `${name}-stream`,
      {
        name: this.streamName,
        streamModeDetails: { streamMode: pipeline.onDemand ? "ON_DEMAND" : "PROVISIONED" },
        shardCount: pipeline.onDemand ? undefined : pipeline.shardCount,
        retentionPeriod: pipeline.retentionHours,
        encryptionType: "KMS",
        kmsKeyId: args.kmsKeyArn,
      },
      { parent: this },
    );
  }

  private createProducer(
    name: string,
    args: EventPipelineArgs,
    bucket: aws.s3.Bucket,
    failureQueue: aws.sqs.Queue,
  ): BundledFunction {
    const p = args.pipeline.name;
    const namespace = this.namespace(args, "event-producer");
    return createBundledFunction(
      `${name}-producer`,
      {
        component: `${p}-event-producer`,
        naming: args.naming,
        entry: "handlers/event-producer/handler.ts",
        description: `Publishes records of files uploaded to the ${p} input bucket to the ${p} event stream`,
        memorySize: args.producerMemorySize ?? 512,
        timeoutSeconds: args.producerTimeoutSeconds ?? 900,
        logRetentionDays: args.logRetentionDays,
        kmsKeyArn: args.kmsKeyArn,
        placement: args.network?.placementFor("aws-only"),
        environment: {
          ENVIRONMENT: args.naming.env,
          METRIC_NAMESPACE: namespace,
          STREAM_NAME: this.stream.name,
          PARTITION_KEY_PREFIX: `${args.naming.prefix}-${p}-`,
          AUDIT_QUEUE_URL: args.auditQueueUrl,
          AUDIT_TABLE_NAME: args.auditTable.name,
          AUDIT_RETENTION_DAYS: String(args.auditTable.retentionDays),
          PIPELINE_NAME: p,
          // Without a case creator the records end at an external consumer: the producer's
          // PUBLISHED is the last status anyone on this platform can record for them.
          AUDIT_PUBLISHED: args.pipeline.caseCreator ? "false" : "true",
        },
        statements: [
          {
            Sid: "ReadInputFiles",
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: pulumi.interpolate`${bucket.arn}/*`,
          },
          {
            Sid: "PublishToStream",
            Effect: "Allow",
            Action: "kinesis:PutRecords",
            Resource: this.stream.arn,
          },
          {
            Sid: "SendAuditEvents",
            Effect: "Allow",
            Action: "sqs:SendMessage",
            Resource: args.auditQueueArn,
          },
          // Lambda delivers the failed-invocation record to the on-failure destination with this role.
          {
            Sid: "SendToFailureQueue",
            Effect: "Allow",
            Action: "sqs:SendMessage",
            Resource: failureQueue.arn,
          },
          kmsUseStatement(args.kmsKeyArn),
          putMetricStatement(namespace),
          ...producerLedgerStatements(bucket, args.auditTable.arn),
        ],
      },
      this,
    );
  }

  /**
   * An S3 notification is an asynchronous invocation: when the producer fails on it (crash, timeout,
   * throttling) past Lambda's retries, the whole file's records would be lost without a trace. The
   * on-failure destination keeps the invocation record, S3 event included, so the file can be
   * re-uploaded or the producer re-invoked with it.
   */
  private keepFailedProducerEvents(
    name: string,
    producer: BundledFunction,
    failureQueue: aws.sqs.Queue,
  ): void {
    new aws.lambda.FunctionEventInvokeConfig(
      `${name}-producer-async-config`,
      {
        functionName: producer.function.name,
        maximumRetryAttempts: PRODUCER_ASYNC_RETRIES,
        maximumEventAgeInSeconds: PRODUCER_MAX_EVENT_AGE_SECONDS,
        destinationConfig: { onFailure: { destination: failureQueue.arn } },
      },
      // Lambda checks that the role may send to the destination when the configuration is saved.
      { parent: this, dependsOn: producer.rolePolicy ? [producer.rolePolicy] : [] },
    );
  }

  private connectBucketToProducer(name: string, bucket: aws.s3.Bucket, producer: BundledFunction): void {
    const account = aws.getCallerIdentityOutput({}, { parent: this });
    const permission = new aws.lambda.Permission(
      `${name}-producer-s3-invoke`,
      {
        function: producer.function.name,
        action: "lambda:InvokeFunction",
        principal: "s3.amazonaws.com",
        sourceArn: bucket.arn,
        // Bucket names are global: the account pins the permission to this account's bucket.
        sourceAccount: account.accountId,
      },
      { parent: this },
    );
    new aws.s3.BucketNotification(
      `${name}-input-notification`,
      {
        bucket: bucket.id,
        lambdaFunctions: [{ lambdaFunctionArn: producer.function.arn, events: ["s3:ObjectCreated:*"] }],
      },
      // S3 checks that it may invoke the function when the notification is saved.
      { parent: this, dependsOn: [permission] },
    );
  }

  /** A KMS-encrypted queue that keeps what a function gave up on, for a person to look at and replay. */
  private createFailureQueue(
    name: string,
    args: EventPipelineArgs,
    kind: "producer-failures" | "case-creator-failures",
    consumed?: { redrivePolicy: pulumi.Input<string>; visibilityTimeoutSeconds: number },
  ): aws.sqs.Queue {
    return new aws.sqs.Queue(
      `${name}-${kind}`,
      {
        name: args.naming.physicalName("sqs-queue", `${args.pipeline.name}-${kind}`),
        kmsMasterKeyId: args.kmsKeyArn,
        kmsDataKeyReusePeriodSeconds: 300,
        messageRetentionSeconds: ON_FAILURE_RETENTION_SECONDS,
        ...(consumed ?? {}),
      },
      { parent: this },
    );
  }
}
