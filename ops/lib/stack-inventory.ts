/**
 * What a stack deploys, by physical name, from the program's own offline plan: the tools never keep
 * a second list of names. `inventoryOf("sit")` runs `planStack` (the real program under Pulumi's
 * mocks, as `npm run plan` does) and sorts the recorded resources by what the tools need.
 */
import type { PlatformConfig } from "../../stacks/config-types.js";
import { GLOBAL_RESOURCE_TYPES, planStack } from "../../stacks/offline/plan.js";
import type { RecordedResource } from "../../stacks/offline/recording-mocks.js";

export interface StackInventory {
  stack: string;
  region: string;
  config: PlatformConfig;
  resources: RecordedResource[];
  auditTableName: string;
  auditQueueName: string;
  /** Every dead-letter and on-failure queue (the audit DLQ, producer failures, on-failure queues, schedule DLQs). */
  deadLetterQueueNames: string[];
  /**
   * Dead-letter queue → the queue whose redrive policy sends to it (the messages' home). Queues that
   * Lambda or Scheduler write to (on-failure destinations, schedule DLQs) have no such source.
   */
  redriveSources: Record<string, string>;
  /** Pipeline name → its input bucket (file-fed pipelines) and stream. */
  pipelines: Record<string, { bucket?: string; stream: string; caseCreator?: string; producer?: string }>;
  tokenSecretName: string;
  tokenManagerFunction: string;
  /**
   * The role the token manager runs with: the one the stack creates (by name; its account is the
   * deploying account), or the configured `tokenAuthRoleArn`.
   */
  tokenManagerRole: { name: string; createdByStack: boolean; configuredArn?: string };
  functionNames: string[];
  glueJobNames: string[];
  dashboardNames: string[];
  alarmNames: string[];
  alarmTopicName: string;
  /** Resources whose names are global to an account (IAM, S3, dashboards), as `type name`. */
  globalNames: Array<{ type: string; name: string }>;
}

const physical = (resources: RecordedResource[], type: string): string[] =>
  resources.filter((r) => r.type === type && r.physicalName !== undefined).map((r) => r.physicalName!);

export async function inventoryOf(
  stack: string,
  overrides: Record<string, string> = {},
): Promise<StackInventory> {
  const plan = await planStack(stack, overrides);
  const { resources } = plan;
  const outputs = plan.outputs as {
    auditTableName: string;
    tokenSecretName: string;
    tokenManagerFunction: string;
    pipelines: Record<string, { bucket?: string; stream: string }>;
    glueJobs: string[];
    dashboards: { functional: string; technical: string };
    alarmTopicArn: string;
  };
  const queues = physical(resources, "aws:sqs/queue:Queue");
  const auditQueueUrl = String(plan.outputs.auditQueueUrl);
  const auditQueueName = auditQueueUrl.split("/").pop()!;
  const functions = physical(resources, "aws:lambda/function:Function");
  const pipelines = Object.fromEntries(
    Object.entries(outputs.pipelines).map(([name, p]) => {
      const caseCreator = functions.find((f) => f.endsWith(`-${name}-case-creator-${plan.config.env}`));
      const producer = functions.find((f) => f.endsWith(`-${name}-event-producer-${plan.config.env}`));
      return [name, { ...p, ...(caseCreator ? { caseCreator } : {}), ...(producer ? { producer } : {}) }];
    }),
  );
  return {
    stack,
    region: plan.config.region,
    config: plan.config,
    resources,
    auditTableName: outputs.auditTableName,
    auditQueueName,
    deadLetterQueueNames: queues.filter((q) => q !== auditQueueName),
    redriveSources: redriveSourcesOf(resources),
    pipelines,
    tokenSecretName: outputs.tokenSecretName,
    tokenManagerFunction: outputs.tokenManagerFunction,
    tokenManagerRole: roleOfFunction(resources, outputs.tokenManagerFunction),
    functionNames: functions,
    glueJobNames: outputs.glueJobs,
    dashboardNames: [outputs.dashboards.functional, outputs.dashboards.technical],
    alarmNames: physical(resources, "aws:cloudwatch/metricAlarm:MetricAlarm"),
    alarmTopicName: String(outputs.alarmTopicArn).split(":").pop()!,
    globalNames: resources
      .filter((r) => GLOBAL_RESOURCE_TYPES.includes(r.type) && r.physicalName !== undefined)
      .map((r) => ({ type: r.type, name: r.physicalName! })),
  };
}

/** From each queue's recorded `redrivePolicy` (`{"deadLetterTargetArn": …}`): DLQ name → source queue name. */
function redriveSourcesOf(resources: RecordedResource[]): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const r of resources) {
    if (
      r.type !== "aws:sqs/queue:Queue" ||
      r.physicalName === undefined ||
      typeof r.inputs.redrivePolicy !== "string"
    )
      continue;
    const target = (JSON.parse(r.inputs.redrivePolicy) as { deadLetterTargetArn?: string })
      .deadLetterTargetArn;
    if (target) sources[target.split(":").pop()!] = r.physicalName;
  }
  return sources;
}

/** The role a planned function runs with, from the function's recorded `role` input. */
function roleOfFunction(
  resources: RecordedResource[],
  functionName: string,
): StackInventory["tokenManagerRole"] {
  const fn = resources.find(
    (r) => r.type === "aws:lambda/function:Function" && r.physicalName === functionName,
  );
  const arn = String(fn?.inputs.role ?? "");
  const name = arn.split(":role/").pop()!.split("/").pop()!;
  const createdByStack = resources.some((r) => r.type === "aws:iam/role:Role" && r.physicalName === name);
  return createdByStack ? { name, createdByStack } : { name, createdByStack, configuredArn: arn };
}
