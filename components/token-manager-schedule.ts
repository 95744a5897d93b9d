/**
 * The token manager's schedule: an EventBridge Scheduler schedule invoking the function, its role
 * (invoke only this function, dead-letter only to its DLQ) and the DLQ for invocations Scheduler
 * could not deliver. Children of the TokenManager component; logical names `<name>-scheduler-…`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { kmsUseStatement, policyDocument } from "./iam.js";
import type { BundledFunction } from "./lambda-function.js";
import type { Naming } from "./naming.js";

export interface RefreshScheduleArgs {
  naming: Naming;
  /** Physical names made by the component (they are part of its facts). */
  scheduleName: string;
  scheduleGroupName: string;
  dlqName: string;
  /** Scheduler expression, e.g. `rate(55 minutes)`. */
  expression: string;
  secretName: string;
  kmsKeyArn: pulumi.Input<string>;
  /** Delivery retries of one invocation. */
  retryAttempts: number;
  maximumEventAgeSeconds: number;
}

export interface RefreshSchedule {
  schedule: aws.scheduler.Schedule;
  dlq: aws.sqs.Queue;
}

/**
 * @param alsoWaitFor resources the first firing needs besides the roles (the function's async
 *   configuration, so a failed first run already goes to the failed-invocations queue).
 */
export function createRefreshSchedule(
  name: string,
  args: RefreshScheduleArgs,
  fn: BundledFunction,
  parent: pulumi.Resource,
  alsoWaitFor: pulumi.Resource[] = [],
): RefreshSchedule {
  // A group of its own: Scheduler's metrics are per group, so the token schedule's target-error alarm
  // sees this schedule only (in `default` it also saw every other schedule of the account and region).
  const group = new aws.scheduler.ScheduleGroup(
    `${name}-schedule-group`,
    { name: args.scheduleGroupName },
    { parent },
  );
  const dlq = new aws.sqs.Queue(
    `${name}-dlq`,
    {
      name: args.dlqName,
      kmsMasterKeyId: args.kmsKeyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: 14 * 24 * 3600,
    },
    { parent },
  );
  const identity = aws.getCallerIdentityOutput({}, { parent });
  const role = new aws.iam.Role(
    `${name}-scheduler-role`,
    {
      name: args.naming.physicalName("iam-role", "token-scheduler"),
      description: `Lets EventBridge Scheduler invoke ${fn.functionName} and dead-letter to ${args.dlqName}`,
      // Only schedules of this account may use the role (confused-deputy protection).
      assumeRolePolicy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "scheduler.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": identity.accountId } },
          },
        ],
      }),
    },
    { parent },
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-scheduler-policy`,
    {
      name: args.naming.physicalName("iam-policy", "token-scheduler"),
      role: role.id,
      policy: policyDocument([
        {
          Sid: "InvokeTokenManager",
          Effect: "Allow",
          Action: "lambda:InvokeFunction",
          Resource: fn.function.arn,
        },
        { Sid: "DeadLetterUndelivered", Effect: "Allow", Action: "sqs:SendMessage", Resource: dlq.arn },
        // The DLQ is encrypted with the platform key; sending to it needs the key.
        kmsUseStatement(args.kmsKeyArn),
      ]),
    },
    { parent },
  );
  const schedule = new aws.scheduler.Schedule(
    `${name}-schedule`,
    {
      name: args.scheduleName,
      groupName: group.name,
      description: `Refreshes the TIAA token in ${args.secretName}`,
      scheduleExpression: args.expression,
      // No startDate on purpose: a rate schedule without one starts invoking at once
      // (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based).
      // OFF: a refresh that drifts by up to the window could land after the token has expired.
      flexibleTimeWindow: { mode: "OFF" },
      state: "ENABLED",
      target: {
        arn: fn.function.arn,
        roleArn: role.arn,
        retryPolicy: {
          maximumRetryAttempts: args.retryAttempts,
          maximumEventAgeInSeconds: args.maximumEventAgeSeconds,
        },
        deadLetterConfig: { arn: dlq.arn },
      },
    },
    // Issue #10: the schedule may fire as soon as it exists, so it waits until Scheduler may invoke
    // (its role's policy) and the function may do its work (the function's own policy).
    {
      parent,
      dependsOn: [role, policy, fn.function, ...(fn.rolePolicy ? [fn.rolePolicy] : []), ...alsoWaitFor],
    },
  );
  return { schedule, dlq };
}
