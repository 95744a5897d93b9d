/**
 * The case creator of a pipeline: the function that upserts Salesforce cases from the pipeline's
 * stream, and the Kinesis event source mapping that feeds it (batch size, parallelization, bisect,
 * bounded retries and record age, partial batch response, on-failure queue).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { EventPipelineArgs } from "./event-pipeline.js";
import { kmsUseStatement, putMetricStatement } from "./iam.js";
import { createBundledFunction, type BundledFunction } from "./lambda-function.js";

/**
 * Seconds the event source mapping gathers a lane's records before invoking the case creator with a
 * batch that is not full. Without it Lambda invokes as soon as any record is there, so a shard that
 * the producer feeds 500 records a PutRecords call at a time gives the case creator batches of a
 * few dozen records, and each batch costs a Salesforce call (the "8 calls per 1,000 records" of the
 * default local run; bench/case-creator.ts measures both). The cost is latency: a batch that does
 * not fill waits up to this long (a lone record is 5 s later; a busy shard fills 200 records long
 * before). Lambda allows 0–300 s for streams:
 * https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
 */
export const CASE_CREATOR_BATCHING_WINDOW_SECONDS = 5;

/** Seconds kept between "give up and audit FAILED" and Lambda's own maximum record age. */
const GIVE_UP_MARGIN_SECONDS = 300;
const MIN_GIVE_UP_SECONDS = 60;

/** When the case creator audits a record FAILED instead of leaving it for redelivery (seconds of age). */
export function giveUpAfterSeconds(maximumRecordAgeSeconds: number): number {
  return Math.max(MIN_GIVE_UP_SECONDS, maximumRecordAgeSeconds - GIVE_UP_MARGIN_SECONDS);
}

export interface CaseCreatorWiring {
  stream: aws.kinesis.Stream;
  onFailureQueue: aws.sqs.Queue;
  /** The case creator's metric namespace. */
  namespace: string;
}

export function createCaseCreator(
  logicalPrefix: string,
  args: EventPipelineArgs,
  wiring: CaseCreatorWiring,
  parent: pulumi.Resource,
): BundledFunction {
  const p = args.pipeline.name;
  const { stream, onFailureQueue, namespace } = wiring;
  return createBundledFunction(
    `${logicalPrefix}-case-creator`,
    {
      component: `${p}-case-creator`,
      naming: args.naming,
      entry: args.caseCreatorEntry ?? "handlers/case-creator/handler.ts",
      description: `Upserts Salesforce cases from the ${p} event stream (token from ${args.tokenSecretName})`,
      memorySize: args.caseCreatorMemorySize ?? 512,
      timeoutSeconds: args.caseCreatorTimeoutSeconds ?? 120,
      logRetentionDays: args.logRetentionDays,
      kmsKeyArn: args.kmsKeyArn,
      placement: args.network?.placementFor("egress"),
      environment: {
        ENVIRONMENT: args.naming.env,
        METRIC_NAMESPACE: namespace,
        PIPELINE_NAME: p,
        AUDIT_QUEUE_URL: args.auditQueueUrl,
        TOKEN_SECRET_ID: args.tokenSecretArn,
        ...(args.secretsManagerEndpoint ? { SECRETS_MANAGER_ENDPOINT: args.secretsManagerEndpoint } : {}),
        SALESFORCE_INSTANCE_URL: args.salesforce.instanceUrl,
        SALESFORCE_API_VERSION: args.salesforce.apiVersion,
        SALESFORCE_OBJECT: args.salesforce.objectName,
        SALESFORCE_EXTERNAL_ID_FIELD: args.salesforce.externalIdField,
        // Records older than this are audited FAILED instead of retried again, so they end with a
        // reason in the audit table before Lambda's maximum record age sends them to the queue.
        GIVE_UP_AFTER_SECONDS: String(giveUpAfterSeconds(args.pipeline.maximumRecordAgeSeconds)),
      },
      statements: [
        {
          Sid: "ReadStream",
          Effect: "Allow",
          // What Lambda's event source mapping needs for a standard (non-fan-out) consumer.
          Action: [
            "kinesis:DescribeStream",
            "kinesis:DescribeStreamSummary",
            "kinesis:GetRecords",
            "kinesis:GetShardIterator",
            "kinesis:ListShards",
          ],
          Resource: stream.arn,
        },
        {
          Sid: "SendToOnFailureQueue",
          Effect: "Allow",
          Action: "sqs:SendMessage",
          Resource: onFailureQueue.arn,
        },
        { Sid: "SendAuditEvents", Effect: "Allow", Action: "sqs:SendMessage", Resource: args.auditQueueArn },
        {
          Sid: "ReadToken",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource: args.tokenSecretArn,
        },
        kmsUseStatement(args.kmsKeyArn),
        putMetricStatement(namespace),
      ],
    },
    parent,
  );
}

export function connectStreamToCaseCreator(
  logicalPrefix: string,
  args: EventPipelineArgs,
  caseCreator: BundledFunction,
  wiring: CaseCreatorWiring,
  parent: pulumi.Resource,
): void {
  const { pipeline } = args;
  new aws.lambda.EventSourceMapping(
    `${logicalPrefix}-case-creator-events`,
    {
      eventSourceArn: wiring.stream.arn,
      functionName: caseCreator.function.arn,
      startingPosition: "TRIM_HORIZON",
      batchSize: pipeline.batchSize,
      maximumBatchingWindowInSeconds: CASE_CREATOR_BATCHING_WINDOW_SECONDS,
      parallelizationFactor: pipeline.parallelizationFactor,
      maximumRetryAttempts: pipeline.maximumRetryAttempts,
      maximumRecordAgeInSeconds: pipeline.maximumRecordAgeSeconds,
      bisectBatchOnFunctionError: true,
      functionResponseTypes: ["ReportBatchItemFailures"],
      destinationConfig: { onFailure: { destinationArn: wiring.onFailureQueue.arn } },
    },
    // AWS checks the role's stream and queue rights when the mapping is created.
    { parent, dependsOn: caseCreator.rolePolicy ? [caseCreator.rolePolicy] : [] },
  );
}
