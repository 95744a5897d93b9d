/**
 * The discard auditor of a case-creating pipeline (issue #18, defect 3): Lambda's Kinesis event
 * source sends an invocation record (shard + sequence range, no records) to the case creator's
 * on-failure queue for every batch it gives up on. Nothing else would audit those records, so a
 * small function consumes that queue, reads the range back from the stream and audits each record
 * FAILED with the cause (`handlers/discard-auditor/`). What it cannot audit moves to its own DLQ
 * after a few receives, watched by a not-empty alarm.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { kmsUseStatement } from "./iam.js";
import { createBundledFunction, type BundledFunction, type FunctionNetwork } from "./lambda-function.js";
import type { Naming } from "./naming.js";

/** Function timeout: one SQS batch of ≤10 ranges, each ≤ one Kinesis batch read back. */
export const DISCARD_AUDITOR_TIMEOUT_SECONDS = 120;
/** Lambda requires the queue's visibility timeout to cover the function's; six times is AWS's advice. */
export const ON_FAILURE_VISIBILITY_SECONDS = 6 * DISCARD_AUDITOR_TIMEOUT_SECONDS;
/** Receives of one invocation record before it is left in the auditor's DLQ for a person. */
export const DISCARD_AUDITOR_MAX_RECEIVES = 5;
const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

export interface DiscardAuditorArgs {
  naming: Naming;
  pipelineName: string;
  kmsKeyArn: pulumi.Input<string>;
  logRetentionDays: number;
  streamArn: pulumi.Input<string>;
  auditQueueArn: pulumi.Input<string>;
  auditQueueUrl: pulumi.Input<string>;
  /** The case creator whose discarded batches these are (named in audit reasons). */
  caseCreatorFunctionName: string;
  /** The stack's network: the auditor calls AWS only, so it is placed whenever there is a VPC. */
  network?: FunctionNetwork;
}

/** The DLQ behind the on-failure queue: create it first, the on-failure queue's redrive policy names it. */
export function createDiscardAuditorDlq(
  logicalPrefix: string,
  args: Pick<DiscardAuditorArgs, "naming" | "pipelineName" | "kmsKeyArn">,
  parent: pulumi.Resource,
): aws.sqs.Queue {
  return new aws.sqs.Queue(
    `${logicalPrefix}-discard-auditor-dlq`,
    {
      name: args.naming.physicalName("sqs-queue", `${args.pipelineName}-discard-auditor-dlq`),
      kmsMasterKeyId: args.kmsKeyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: DLQ_RETENTION_SECONDS,
    },
    { parent },
  );
}

/** The on-failure queue's redrive policy to the auditor's DLQ. */
export function onFailureRedrivePolicy(dlq: aws.sqs.Queue): pulumi.Output<string> {
  return pulumi.jsonStringify({
    deadLetterTargetArn: dlq.arn,
    maxReceiveCount: DISCARD_AUDITOR_MAX_RECEIVES,
  });
}

export function createDiscardAuditor(
  logicalPrefix: string,
  args: DiscardAuditorArgs,
  onFailureQueue: aws.sqs.Queue,
  parent: pulumi.Resource,
): BundledFunction {
  const p = args.pipelineName;
  const auditor = createBundledFunction(
    `${logicalPrefix}-discard-auditor`,
    {
      component: `${p}-discard-auditor`,
      naming: args.naming,
      entry: "handlers/discard-auditor/handler.ts",
      description: `Audits FAILED every record of the Kinesis batches Lambda gave up on for ${args.caseCreatorFunctionName}`,
      memorySize: 256,
      timeoutSeconds: DISCARD_AUDITOR_TIMEOUT_SECONDS,
      logRetentionDays: args.logRetentionDays,
      kmsKeyArn: args.kmsKeyArn,
      placement: args.network?.placementFor("aws-only"),
      environment: {
        ENVIRONMENT: args.naming.env,
        PIPELINE_NAME: p,
        AUDIT_QUEUE_URL: args.auditQueueUrl,
        CASE_CREATOR_FUNCTION: args.caseCreatorFunctionName,
      },
      statements: [
        {
          Sid: "ConsumeOnFailureQueue",
          Effect: "Allow",
          Action: [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ChangeMessageVisibility",
          ],
          Resource: onFailureQueue.arn,
        },
        // Its own iterator over the discarded range; the mapping's position is not touched.
        {
          Sid: "ReadDiscardedRange",
          Effect: "Allow",
          Action: ["kinesis:GetShardIterator", "kinesis:GetRecords"],
          Resource: args.streamArn,
        },
        { Sid: "SendAuditEvents", Effect: "Allow", Action: "sqs:SendMessage", Resource: args.auditQueueArn },
        kmsUseStatement(args.kmsKeyArn),
      ],
    },
    parent,
  );
  new aws.lambda.EventSourceMapping(
    `${logicalPrefix}-discard-auditor-events`,
    {
      eventSourceArn: onFailureQueue.arn,
      functionName: auditor.function.arn,
      batchSize: 10,
      functionResponseTypes: ["ReportBatchItemFailures"],
    },
    // AWS checks the role's SQS rights when the mapping is created.
    { parent, dependsOn: auditor.rolePolicy ? [auditor.rolePolicy] : [auditor.function] },
  );
  return auditor;
}
