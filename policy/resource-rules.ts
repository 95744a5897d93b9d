/**
 * Guardrails that judge one resource at a time, as pure functions of its type and inputs (plus its
 * provider's default tags). The policy pack's `validateResource` and `npm test` (over every stack's
 * offline plan) call these same functions; see `policies.ts` and `check-plan.ts`.
 */
import { allowlistEntry } from "./resource-star-allowlist.js";
import {
  effectiveTags,
  identityPolicies,
  listOf,
  resourcePolicy,
  statementsOf,
  type PlannedResource,
  type PolicyStatementView,
} from "./planned-resource.js";

export interface ResourceRule {
  name: string;
  description: string;
  /** Messages for what is wrong with this resource; empty when it complies. */
  check(resource: PlannedResource): string[];
}

const present = (value: unknown): boolean =>
  typeof value === "string" ? value.trim() !== "" : value !== undefined && value !== null;

/** Per store type: whether it is encrypted with a KMS key, and the input to set when it is not. */
const ENCRYPTION: Record<
  string,
  { label: string; encrypted: (inputs: Record<string, any>) => boolean; fix: string }
> = {
  "aws:sqs/queue:Queue": {
    label: "queue",
    encrypted: (i) => present(i.kmsMasterKeyId),
    fix: "set kmsMasterKeyId to the platform key",
  },
  "aws:kinesis/stream:Stream": {
    label: "stream",
    encrypted: (i) => i.encryptionType === "KMS" && present(i.kmsKeyId),
    fix: 'set encryptionType "KMS" and kmsKeyId',
  },
  "aws:dynamodb/table:Table": {
    label: "table",
    encrypted: (i) => i.serverSideEncryption?.enabled === true && present(i.serverSideEncryption?.kmsKeyArn),
    fix: "set serverSideEncryption { enabled: true, kmsKeyArn }",
  },
  "aws:secretsmanager/secret:Secret": {
    label: "secret",
    encrypted: (i) => present(i.kmsKeyId),
    fix: "set kmsKeyId (a customer key, so key policy and CloudTrail govern who decrypts)",
  },
  "aws:cloudwatch/logGroup:LogGroup": {
    label: "log group",
    encrypted: (i) => present(i.kmsKeyId),
    fix: "set kmsKeyId",
  },
  "aws:sns/topic:Topic": {
    label: "topic",
    encrypted: (i) => present(i.kmsMasterKeyId),
    fix: "set kmsMasterKeyId",
  },
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
    label: "bucket encryption",
    encrypted: (i) =>
      listOf(i.rules as any[]).some(
        (r) =>
          r?.applyServerSideEncryptionByDefault?.sseAlgorithm === "aws:kms" &&
          present(r.applyServerSideEncryptionByDefault.kmsMasterKeyId),
      ),
    fix: 'apply sseAlgorithm "aws:kms" with kmsMasterKeyId by default',
  },
};

export const storesEncrypted: ResourceRule = {
  name: "stores-encrypted-with-kms",
  description: "Every queue, stream, table, secret, log group, topic and bucket is encrypted with a KMS key.",
  check(resource) {
    const rule = ENCRYPTION[resource.type];
    if (!rule || rule.encrypted(resource.inputs)) return [];
    return [`${rule.label} ${resource.name} is not encrypted with a KMS key: ${rule.fix}.`];
  },
};

const PUBLIC_ACCESS_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
] as const;

export const publicAccessBlocked: ResourceRule = {
  name: "s3-public-access-blocked",
  description: "A bucket's public access block sets all four flags.",
  check(resource) {
    if (resource.type !== "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") return [];
    const off = PUBLIC_ACCESS_FLAGS.filter((flag) => resource.inputs[flag] !== true);
    return off.length === 0
      ? []
      : [`public access block ${resource.name} leaves ${off.join(", ")} off: set all four to true.`];
  },
};

/** A Deny for every principal when aws:SecureTransport is false, covering the bucket and its objects. */
export function deniesInsecureTransport(
  statements: PolicyStatementView[],
  bucketArn: string | undefined,
): boolean {
  return statements.some((s) => {
    if (
      s.Effect !== "Deny" ||
      (s.Principal !== "*" && JSON.stringify(s.Principal) !== JSON.stringify({ AWS: "*" }))
    )
      return false;
    if (!listOf(s.Action).some((a) => a === "s3:*" || a === "*")) return false;
    if (String(s.Condition?.Bool?.["aws:SecureTransport"]) !== "false") return false;
    const resources = listOf(s.Resource);
    return bucketArn === undefined
      ? resources.length > 0
      : resources.includes(bucketArn) && resources.includes(`${bucketArn}/*`);
  });
}

export const bucketPolicyTlsOnly: ResourceRule = {
  name: "s3-deny-insecure-transport",
  description: "A bucket policy denies every request that does not use TLS, on the bucket and its objects.",
  check(resource) {
    if (resource.type !== "aws:s3/bucketPolicy:BucketPolicy") return [];
    const bucket =
      typeof resource.inputs.bucket === "string" ? `arn:aws:s3:::${resource.inputs.bucket}` : undefined;
    return deniesInsecureTransport(statementsOf(resource.inputs.policy), bucket)
      ? []
      : [
          `bucket policy ${resource.name} does not deny non-TLS requests: add a Deny of s3:* for Principal "*" on the bucket and bucket/* when aws:SecureTransport is "false".`,
        ];
  },
};

export const productionTablesProtected: ResourceRule = {
  name: "prod-tables-protected",
  description:
    "In a stack whose Environment tag is prod, every DynamoDB table has point-in-time recovery and deletion protection.",
  check(resource) {
    if (resource.type !== "aws:dynamodb/table:Table" || effectiveTags(resource).Environment !== "prod")
      return [];
    const problems: string[] = [];
    if (resource.inputs.pointInTimeRecovery?.enabled !== true)
      problems.push(
        `prod table ${resource.name} has no point-in-time recovery: set pointInTimeRecovery { enabled: true }.`,
      );
    if (resource.inputs.deletionProtectionEnabled !== true)
      problems.push(
        `prod table ${resource.name} has no deletion protection: set deletionProtectionEnabled true.`,
      );
    return problems;
  },
};

export const logRetentionSet: ResourceRule = {
  name: "log-retention-set",
  description: 'Every log group has a retention period (never "keep forever").',
  check(resource) {
    if (resource.type !== "aws:cloudwatch/logGroup:LogGroup") return [];
    const days = resource.inputs.retentionInDays;
    return typeof days === "number" && days > 0
      ? []
      : [`log group ${resource.name} keeps logs forever: set retentionInDays.`];
  },
};

const isWholeServiceAction = (action: string): boolean => action === "*" || /^[a-z0-9-]+:\*$/i.test(action);

/**
 * The key policy statement AWS itself puts in every key's default policy: the owning account's root
 * may use IAM policies to grant use of the key. It is the only Allow of `kms:*` this pack accepts.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */
function isDefaultKeyPolicyRootStatement(resource: PlannedResource, s: PolicyStatementView): boolean {
  if (resource.type !== "aws:kms/key:Key") return false;
  const principal = (s.Principal as { AWS?: unknown } | undefined)?.AWS;
  return (
    listOf(s.Action).every((a) => a === "kms:*") &&
    listOf(principal as string | string[]).every(
      (p) => typeof p === "string" && /^arn:aws[a-z-]*:iam::\d{12}:root$/.test(p),
    )
  );
}

function allowStatements(
  resource: PlannedResource,
): Array<{ statement: PolicyStatementView; identity: boolean }> {
  const identity = identityPolicies(resource)
    .flatMap((doc) => statementsOf(doc))
    .map((statement) => ({ statement, identity: true }));
  const onResource = statementsOf(resourcePolicy(resource)).map((statement) => ({
    statement,
    identity: false,
  }));
  return [...identity, ...onResource].filter(({ statement }) => statement.Effect === "Allow");
}

export const noWildcardActions: ResourceRule = {
  name: "no-wildcard-actions",
  description:
    "No Allow statement grants `*` or `service:*` (or uses NotAction), in identity or resource policies.",
  check(resource) {
    const problems: string[] = [];
    for (const { statement } of allowStatements(resource)) {
      const label = statement.Sid ?? "(no Sid)";
      if (statement.NotAction !== undefined)
        problems.push(`${resource.name} statement ${label} allows NotAction: list the actions instead.`);
      const wild = listOf(statement.Action).filter(isWholeServiceAction);
      if (wild.length > 0 && !isDefaultKeyPolicyRootStatement(resource, statement)) {
        problems.push(
          `${resource.name} statement ${label} allows the wildcard action ${wild.join(", ")}: list the actions the function calls.`,
        );
      }
    }
    return problems;
  },
};

export const resourceStarOnlyWhereRequired: ResourceRule = {
  name: "resource-star-only-where-required",
  description:
    'An identity policy grants Resource "*" only for the allowlisted actions that support nothing narrower (with their condition key).',
  check(resource) {
    const problems: string[] = [];
    for (const { statement, identity } of allowStatements(resource)) {
      if (!listOf(statement.Resource).includes("*")) continue;
      const label = statement.Sid ?? "(no Sid)";
      // In a key policy "*" means "this key" (the policy is attached to one key); other resource policies name their resource.
      if (!identity && resource.type === "aws:kms/key:Key") continue;
      for (const action of listOf(statement.Action)) {
        const entry = identity ? allowlistEntry(action) : undefined;
        if (!entry) {
          problems.push(
            `${resource.name} statement ${label} grants ${action} on Resource "*": name the resource's ARN (only ${"policy/resource-star-allowlist.ts"} actions may use "*").`,
          );
        } else if (
          entry.requiredConditionKey &&
          !Object.values(statement.Condition ?? {}).some((c) => entry.requiredConditionKey! in c)
        ) {
          problems.push(
            `${resource.name} statement ${label} grants ${action} on Resource "*" without the ${entry.requiredConditionKey} condition: add it.`,
          );
        }
      }
    }
    return problems;
  },
};

export const REQUIRED_TAGS = ["Project", "Environment", "Domain", "ManagedBy"] as const;

/** AWS resource types of this program that carry tags (alarms, queues, roles, ...). */
const TAGGABLE = new Set([
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:sqs/queue:Queue",
  "aws:kinesis/stream:Stream",
  "aws:dynamodb/table:Table",
  "aws:secretsmanager/secret:Secret",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:sns/topic:Topic",
  "aws:lambda/function:Function",
  "aws:iam/role:Role",
  "aws:kms/key:Key",
  "aws:glue/job:Job",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:cloudwatch/eventRule:EventRule",
]);

export const requiredTags: ResourceRule = {
  name: "required-tags",
  description: `Every taggable resource carries ${REQUIRED_TAGS.join(", ")} (its own tags or its provider's default tags).`,
  check(resource) {
    if (!TAGGABLE.has(resource.type)) return [];
    const tags = effectiveTags(resource);
    const missing = REQUIRED_TAGS.filter((key) => !present(tags[key]));
    return missing.length === 0
      ? []
      : [
          `${resource.name} lacks the tag(s) ${missing.join(", ")}: set them in the provider's defaultTags (stacks/provider.ts).`,
        ];
  },
};

export const RESOURCE_RULES: readonly ResourceRule[] = [
  storesEncrypted,
  publicAccessBlocked,
  bucketPolicyTlsOnly,
  productionTablesProtected,
  logRetentionSet,
  noWildcardActions,
  resourceStarOnlyWhereRequired,
  requiredTags,
];
