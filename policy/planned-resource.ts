/**
 * What a guardrail sees of one resource: its Pulumi type token and its inputs, as the offline plan
 * records them (`stacks/offline/recording-mocks.ts`) and as `pulumi preview --policy-pack` hands them
 * to the policy pack. Also the small readers every rule shares (policy documents, effective tags).
 */

export interface PlannedResource {
  type: string;
  /** Logical name; only used to say which resource broke a rule. */
  name: string;
  inputs: Record<string, any>;
  /** Inputs of the provider that manages it (its `defaultTags`), when known. */
  providerInputs?: Record<string, any>;
}

export interface PolicyStatementView {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export const listOf = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** A policy document given as a JSON string (as the program renders it) or as an object. */
export function statementsOf(document: unknown): PolicyStatementView[] {
  if (document === undefined || document === null || document === "") return [];
  const parsed =
    typeof document === "string"
      ? (JSON.parse(document) as { Statement?: unknown })
      : (document as { Statement?: unknown });
  return listOf(parsed.Statement as PolicyStatementView | PolicyStatementView[]);
}

/** Input that holds a policy document, per type: identity policies and resource policies. */
export const IDENTITY_POLICY_INPUT: Record<string, string> = {
  "aws:iam/rolePolicy:RolePolicy": "policy",
  "aws:iam/policy:Policy": "policy",
  "aws:iam/userPolicy:UserPolicy": "policy",
  "aws:iam/groupPolicy:GroupPolicy": "policy",
};
export const RESOURCE_POLICY_INPUT: Record<string, string> = {
  "aws:s3/bucketPolicy:BucketPolicy": "policy",
  "aws:sqs/queuePolicy:QueuePolicy": "policy",
  "aws:sns/topicPolicy:TopicPolicy": "policy",
  "aws:kms/key:Key": "policy",
  "aws:kinesis/resourcePolicy:ResourcePolicy": "policy",
  "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "policyDocument",
  "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
};

/** Every identity-policy document a resource carries (a role's inline policies included). */
export function identityPolicies(resource: PlannedResource): unknown[] {
  const input = IDENTITY_POLICY_INPUT[resource.type];
  if (input) return [resource.inputs[input]];
  if (resource.type === "aws:iam/role:Role")
    return listOf(resource.inputs.inlinePolicies as Array<{ policy?: unknown }>).map((p) => p.policy);
  return [];
}

export function resourcePolicy(resource: PlannedResource): unknown {
  const input = RESOURCE_POLICY_INPUT[resource.type];
  return input ? resource.inputs[input] : undefined;
}

/** `{"tags": {...}}` as the provider's input (a JSON string under the engine and the mocks) or an object. */
function defaultTagsOf(providerInputs: Record<string, any> | undefined): Record<string, string> {
  const raw = providerInputs?.defaultTags;
  if (raw === undefined || raw === null || raw === "") return {};
  const parsed =
    typeof raw === "string"
      ? (JSON.parse(raw) as { tags?: Record<string, string> })
      : (raw as { tags?: Record<string, string> });
  return parsed.tags ?? {};
}

/**
 * The tags AWS will hold for the resource: `tagsAll` when the engine has computed it, otherwise the
 * provider's default tags overlaid by the resource's own (what the AWS provider computes as `tagsAll`).
 */
export function effectiveTags(resource: PlannedResource): Record<string, string> {
  if (resource.inputs.tagsAll && typeof resource.inputs.tagsAll === "object")
    return resource.inputs.tagsAll as Record<string, string>;
  return {
    ...defaultTagsOf(resource.providerInputs),
    ...((resource.inputs.tags as Record<string, string> | undefined) ?? {}),
  };
}
