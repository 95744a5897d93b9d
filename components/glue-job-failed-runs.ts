/**
 * How a Glue job's failed runs are caught: an EventBridge rule on `Glue Job State Change` for the
 * job's runs that ended in a failed state, delivering each to a KMS-encrypted log group (through the
 * group's resource policy). Children of the GlueJob component; logical names `<name>-failed-runs-…`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Glue job-run states that mean the run did not finish its work. */
export const FAILED_RUN_STATES = ["FAILED", "TIMEOUT", "ERROR"];

export interface FailedRunsRuleArgs {
  jobName: string;
  /** Physical names made by the component (they are part of its facts). */
  ruleName: string;
  logGroupName: string;
  logRetentionDays: number;
  kmsKeyArn: pulumi.Input<string>;
}

/** Failed runs become countable (AWS/Events MatchedEvents by RuleName) and are kept for investigation. */
export function createFailedRunsRule(name: string, args: FailedRunsRuleArgs, parent: pulumi.Resource): void {
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-failed-runs-logs`,
    { name: args.logGroupName, retentionInDays: args.logRetentionDays, kmsKeyId: args.kmsKeyArn },
    { parent },
  );
  const rule = new aws.cloudwatch.EventRule(
    `${name}-failed-runs-rule`,
    {
      name: args.ruleName,
      description: `Runs of Glue job ${args.jobName} that ended ${FAILED_RUN_STATES.join("/")}`,
      eventPattern: JSON.stringify({
        source: ["aws.glue"],
        "detail-type": ["Glue Job State Change"],
        detail: { jobName: [args.jobName], state: FAILED_RUN_STATES },
      }),
    },
    { parent },
  );
  // EventBridge writes to CloudWatch Logs through the log group's resource policy, not a role.
  // Note: an account has at most 10 such policies per region; this one is scoped to one group and rule.
  const access = new aws.cloudwatch.LogResourcePolicy(
    `${name}-failed-runs-access`,
    {
      policyName: `${args.ruleName}-to-logs`,
      policyDocument: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "EventBridgeWritesFailedRuns",
            Effect: "Allow",
            Principal: { Service: ["events.amazonaws.com", "delivery.logs.amazonaws.com"] },
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: pulumi.interpolate`${logGroup.arn}:*`,
            Condition: { ArnEquals: { "aws:SourceArn": rule.arn } },
          },
        ],
      }),
    },
    { parent },
  );
  new aws.cloudwatch.EventTarget(
    `${name}-failed-runs-target`,
    { rule: rule.name, targetId: "failed-runs-log", arn: logGroup.arn },
    { parent, dependsOn: [access] },
  );
}
