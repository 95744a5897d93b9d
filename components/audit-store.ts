/**
 * AuditStore: the platform's proof that nothing was lost. Producers send audit events to an encrypted
 * SQS queue; the audit processor records each transaction's status, reason and history in a DynamoDB
 * table; messages it cannot record go to a dead-letter queue after a bounded number of receives.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  LAST_UPDATED_ATTRIBUTE,
  STATUS_DAY_ATTRIBUTE,
  STATUS_INDEX_ATTRIBUTES,
  STATUS_INDEX_NAME,
  TTL_ATTRIBUTE,
} from "../handlers/audit-processor/audit-item.js";
import { metricNamespace } from "../handlers/lib/metric-catalog.js";
import { kmsUseStatement, putMetricStatement, type PolicyStatement } from "./iam.js";
import { createBundledFunction, type BundledFunction, type FunctionNetwork } from "./lambda-function.js";
import type { AuditFacts } from "./monitoring/facts.js";
import type { Naming } from "./naming.js";

export interface AuditStoreArgs {
  /** Makes every physical name; its `env` also decides deletion protection (on in `prod`). */
  naming: Naming;
  /**
   * The stack's network: where the audit processor runs (AWS only: always placed in a VPC when there is one) (issue #20).
   * @default `undefined` (outside any VPC)
   */
  network?: FunctionNetwork;
  /** ARN of the platform KMS key: encrypts both queues, the table, the log group and the function's environment. */
  kmsKeyArn: pulumi.Input<string>;
  /** Days the audit processor's log group keeps logs. */
  logRetentionDays: number;
  /**
   * Days an audit item is kept after its last write; DynamoDB's TTL then removes it.
   * @example `2555` (seven years)
   */
  retentionDays: number;
  /** Receives of one message (a failed processing each) before it moves to the DLQ. Between 1 and 1000. */
  maxReceives: number;
  /**
   * Audit `component` → the namespace its case outcomes are counted in. The processor counts
   * `SFCaseCreationSuccess` / `SFCaseCreationFailure` / `EndToEndLatency` there, once per transaction,
   * at the write that records the outcome first (see `handlers/audit-processor/outcome-metrics.ts`).
   * @example `{ "cta-case-creator": "bbkyc/cta-case-creator/sit", "cta-discard-auditor": "bbkyc/cta-case-creator/sit" }`
   * @default `{}` (no case-creating pipeline)
   */
  caseOutcomeNamespaces?: Record<string, string>;
  /**
   * Messages per processor invocation (1–10000). Above 10, `maximumBatchingWindowInSeconds` must be at least 1.
   * @default `25`
   */
  batchSize?: number;
  /**
   * Seconds Lambda waits to fill a batch (0–300); it bounds how late an audit record can appear.
   * @default `5`
   */
  maximumBatchingWindowInSeconds?: number;
  /**
   * Processor timeout in seconds. The queue's visibility timeout is six times this plus the batching
   * window, as AWS recommends, so a message is never handed out twice while a batch still runs.
   * @default `30`
   */
  timeoutSeconds?: number;
  /** Processor memory in MB. @default `256` */
  memorySize?: number;
  /**
   * Upper bound on concurrent processor invocations (at least 2), e.g. to spare the table in a flood.
   * @default unset (Lambda scales with the queue)
   */
  maximumConcurrency?: number;
}

/** Seconds a message may wait in the DLQ for a person to look at it (the SQS maximum). */
const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;
/** Seconds an audit message may wait in the queue (4 days); well under the DLQ's, as SQS requires. */
const QUEUE_RETENTION_SECONDS = 4 * 24 * 3600;
const METRICS_COMPONENT = "audit-processor";

/**
 * The audit queue, its DLQ, the audit-processor Lambda with its SQS event source, and the audit table.
 *
 * @example
 * const audit = new AuditStore("audit", {
 *   naming, kmsKeyArn: key.arn, logRetentionDays: 90, retentionDays: 2555, maxReceives: 5,
 * });
 * // producers: send with AuditSender to audit.queueUrl; grant sqs:SendMessage on audit.queueArn
 */
export class AuditStore extends pulumi.ComponentResource {
  public readonly queueUrl: pulumi.Output<string>;
  public readonly queueArn: pulumi.Output<string>;
  public readonly queueName: string;
  public readonly dlqUrl: pulumi.Output<string>;
  public readonly dlqArn: pulumi.Output<string>;
  public readonly dlqName: string;
  public readonly tableName: string;
  public readonly tableArn: pulumi.Output<string>;
  public readonly functionName: string;
  public readonly statusIndexName: string = STATUS_INDEX_NAME;
  /** What the dashboards and alarms need to know about this store. */
  public readonly facts: AuditFacts;

  private readonly args: AuditStoreArgs;
  private readonly name: string;

  constructor(name: string, args: AuditStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kyc:platform:AuditStore", name, {}, opts);
    this.name = name;
    this.args = args;
    const settings = validateArgs(args);
    const namespace = metricNamespace(args.naming.prefix, METRICS_COMPONENT, args.naming.env);

    const dlq = this.createDeadLetterQueue();
    const queue = this.createQueue(dlq, settings.visibilityTimeoutSeconds);
    this.allowRedriveOnlyFrom(dlq, queue);
    const table = this.createTable();
    const processor = this.createProcessor(queue, table, namespace, settings);
    this.subscribeProcessor(processor, queue, settings);

    this.queueUrl = queue.url;
    this.queueArn = queue.arn;
    this.queueName = args.naming.physicalName("sqs-queue", "audit-queue");
    this.dlqUrl = dlq.url;
    this.dlqArn = dlq.arn;
    this.dlqName = args.naming.physicalName("sqs-queue", "audit-dlq");
    this.tableName = args.naming.physicalName("dynamodb-table", "audit-trail");
    this.tableArn = table.arn;
    this.functionName = processor.functionName;
    this.facts = {
      queueName: this.queueName,
      dlqName: this.dlqName,
      tableName: this.tableName,
      indexNames: [STATUS_INDEX_NAME],
      processor: {
        functionName: processor.functionName,
        logGroupName: processor.logGroupName,
        label: "Audit processor",
      },
      metrics: { component: METRICS_COMPONENT, namespace },
    };

    this.registerOutputs({
      queueUrl: this.queueUrl,
      queueArn: this.queueArn,
      dlqArn: this.dlqArn,
      tableName: this.tableName,
      tableArn: this.tableArn,
      functionName: this.functionName,
    });
  }

  private createDeadLetterQueue(): aws.sqs.Queue {
    const dlq = new aws.sqs.Queue(
      `${this.name}-dlq`,
      {
        name: this.args.naming.physicalName("sqs-queue", "audit-dlq"),
        kmsMasterKeyId: this.args.kmsKeyArn,
        kmsDataKeyReusePeriodSeconds: 300,
        messageRetentionSeconds: DLQ_RETENTION_SECONDS,
      },
      { parent: this },
    );
    this.denyInsecureTransport("dlq", dlq);
    return dlq;
  }

  private createQueue(dlq: aws.sqs.Queue, visibilityTimeoutSeconds: number): aws.sqs.Queue {
    const queue = new aws.sqs.Queue(
      `${this.name}-queue`,
      {
        name: this.args.naming.physicalName("sqs-queue", "audit-queue"),
        kmsMasterKeyId: this.args.kmsKeyArn,
        kmsDataKeyReusePeriodSeconds: 300,
        visibilityTimeoutSeconds,
        messageRetentionSeconds: QUEUE_RETENTION_SECONDS,
        receiveWaitTimeSeconds: 20,
        redrivePolicy: pulumi.jsonStringify({
          deadLetterTargetArn: dlq.arn,
          maxReceiveCount: this.args.maxReceives,
        }),
      },
      { parent: this },
    );
    this.denyInsecureTransport("queue", queue);
    return queue;
  }

  /** Only the audit queue may use the DLQ (a separate resource: the two queues refer to each other). */
  private allowRedriveOnlyFrom(dlq: aws.sqs.Queue, queue: aws.sqs.Queue): void {
    new aws.sqs.RedriveAllowPolicy(
      `${this.name}-dlq-redrive-allow`,
      {
        queueUrl: dlq.url,
        redriveAllowPolicy: pulumi.jsonStringify({
          redrivePermission: "byQueue",
          sourceQueueArns: [queue.arn],
        }),
      },
      { parent: this },
    );
  }

  /** Audit events travel only over TLS. */
  private denyInsecureTransport(suffix: string, queue: aws.sqs.Queue): void {
    new aws.sqs.QueuePolicy(
      `${this.name}-${suffix}-policy`,
      {
        queueUrl: queue.url,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "sqs:*",
              Resource: queue.arn,
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ],
        }),
      },
      { parent: this },
    );
  }

  private createTable(): aws.dynamodb.Table {
    return new aws.dynamodb.Table(
      `${this.name}-table`,
      {
        name: this.args.naming.physicalName("dynamodb-table", "audit-trail"),
        billingMode: "PAY_PER_REQUEST",
        hashKey: "transactionId",
        attributes: [
          { name: "transactionId", type: "S" },
          { name: STATUS_DAY_ATTRIBUTE, type: "S" },
          { name: LAST_UPDATED_ATTRIBUTE, type: "S" },
        ],
        globalSecondaryIndexes: [
          {
            name: STATUS_INDEX_NAME,
            keySchemas: [
              { attributeName: STATUS_DAY_ATTRIBUTE, keyType: "HASH" },
              { attributeName: LAST_UPDATED_ATTRIBUTE, keyType: "RANGE" },
            ],
            // The listing needs the reason and who reported it, not the whole history.
            projectionType: "INCLUDE",
            nonKeyAttributes: [...STATUS_INDEX_ATTRIBUTES],
          },
        ],
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true, kmsKeyArn: this.args.kmsKeyArn },
        ttl: { attributeName: TTL_ATTRIBUTE, enabled: true },
        deletionProtectionEnabled: this.args.naming.env === "prod",
      },
      { parent: this },
    );
  }

  private createProcessor(
    queue: aws.sqs.Queue,
    table: aws.dynamodb.Table,
    namespace: string,
    settings: Settings,
  ): BundledFunction {
    const statements: pulumi.Input<PolicyStatement>[] = [
      {
        Sid: "ConsumeAuditQueue",
        Effect: "Allow",
        Action: [
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:GetQueueAttributes",
          "sqs:ChangeMessageVisibility",
        ],
        Resource: queue.arn,
      },
      // Read-modify-write with a version condition: a batch's items read with BatchGetItem, one re-read
      // with GetItem after a conflict, and a conditional PutItem are all the processor calls.
      {
        Sid: "WriteAuditTrail",
        Effect: "Allow",
        Action: ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem"],
        Resource: table.arn,
      },
      kmsUseStatement(this.args.kmsKeyArn),
      putMetricStatement([namespace, ...new Set(Object.values(this.caseOutcomeNamespaces()))]),
    ];
    return createBundledFunction(
      `${this.name}-processor`,
      {
        component: METRICS_COMPONENT,
        naming: this.args.naming,
        entry: "handlers/audit-processor/handler.ts",
        description: "Records audit events from the audit queue in the audit table",
        memorySize: this.args.memorySize ?? 256,
        timeoutSeconds: settings.timeoutSeconds,
        environment: {
          ENVIRONMENT: this.args.naming.env,
          METRIC_NAMESPACE: namespace,
          AUDIT_TABLE_NAME: table.name,
          AUDIT_RETENTION_DAYS: String(this.args.retentionDays),
          CASE_OUTCOME_NAMESPACES: JSON.stringify(this.caseOutcomeNamespaces()),
        },
        statements,
        logRetentionDays: this.args.logRetentionDays,
        kmsKeyArn: this.args.kmsKeyArn,
        placement: this.args.network?.placementFor("aws-only"),
      },
      this,
    );
  }

  private caseOutcomeNamespaces(): Record<string, string> {
    return this.args.caseOutcomeNamespaces ?? {};
  }

  private subscribeProcessor(processor: BundledFunction, queue: aws.sqs.Queue, settings: Settings): void {
    new aws.lambda.EventSourceMapping(
      `${this.name}-processor-events`,
      {
        eventSourceArn: queue.arn,
        functionName: processor.function.arn,
        batchSize: settings.batchSize,
        maximumBatchingWindowInSeconds: settings.maximumBatchingWindowInSeconds,
        functionResponseTypes: ["ReportBatchItemFailures"],
        ...(this.args.maximumConcurrency !== undefined
          ? { scalingConfig: { maximumConcurrency: this.args.maximumConcurrency } }
          : {}),
      },
      // AWS checks the role's SQS rights when the mapping is created.
      { parent: this, dependsOn: processor.rolePolicy ? [processor.rolePolicy] : [processor.function] },
    );
  }
}

interface Settings {
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  timeoutSeconds: number;
  visibilityTimeoutSeconds: number;
}

/** Checks the args against AWS's limits before anything is declared; messages name the arg to change. */
export function validateArgs(args: AuditStoreArgs): Settings {
  const batchSize = args.batchSize ?? 25;
  const maximumBatchingWindowInSeconds = args.maximumBatchingWindowInSeconds ?? 5;
  const timeoutSeconds = args.timeoutSeconds ?? 30;
  requireInteger("retentionDays", args.retentionDays, 1, 36_500);
  requireInteger("maxReceives", args.maxReceives, 1, 1000);
  requireInteger("logRetentionDays", args.logRetentionDays, 1, 3653);
  requireInteger("batchSize", batchSize, 1, 10_000);
  requireInteger("maximumBatchingWindowInSeconds", maximumBatchingWindowInSeconds, 0, 300);
  requireInteger("timeoutSeconds", timeoutSeconds, 1, 900);
  if (args.memorySize !== undefined) requireInteger("memorySize", args.memorySize, 128, 10_240);
  if (args.maximumConcurrency !== undefined)
    requireInteger("maximumConcurrency", args.maximumConcurrency, 2, 1000);
  if (batchSize > 10 && maximumBatchingWindowInSeconds < 1) {
    throw new Error(
      "A `batchSize` above 10 needs `maximumBatchingWindowInSeconds` of at least 1 (an SQS event source rule)",
    );
  }
  // At most 6 × 900 + 300 = 5700 s, well within SQS's 43200 s limit.
  const visibilityTimeoutSeconds = 6 * timeoutSeconds + maximumBatchingWindowInSeconds;
  return { batchSize, maximumBatchingWindowInSeconds, timeoutSeconds, visibilityTimeoutSeconds };
}

function requireInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`AuditStore \`${name}\` must be a whole number from ${min} to ${max}, got ${value}`);
  }
}
