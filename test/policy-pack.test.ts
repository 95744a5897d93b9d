/**
 * The policy pack (policy/) over every stack's offline plan: every real stack passes every rule, and
 * breaking one recorded resource on purpose makes exactly that rule fail with its message — through
 * the pure rules and through the `@pulumi/policy` policies that `pulumi preview --policy-pack` runs.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { checkResources, formatViolation, plannedResources } from "../policy/check-plan.js";
import type { PlannedResource } from "../policy/planned-resource.js";
import { POLICIES } from "../policy/policies.js";
import { RESOURCE_STAR_ALLOWLIST } from "../policy/resource-star-allowlist.js";
import { planStack } from "../stacks/offline/plan.js";

const PROD_URL = { tokenUrl: "https://tiaa-auth.prod.kyc-bank.example/oauth2/token" };
const plans: Record<string, PlannedResource[]> = {};

beforeAll(async () => {
  plans.sit = plannedResources((await planStack("sit")).resources);
  plans["sit-london"] = plannedResources((await planStack("sit-london")).resources);
  plans.prod = plannedResources((await planStack("prod", PROD_URL)).resources);
});

/** A deep copy of a stack's plan with one resource changed by `mutate`. */
function broken(
  stack: string,
  type: string,
  nameEnds: string,
  mutate: (r: PlannedResource) => void,
): PlannedResource[] {
  const copy = JSON.parse(JSON.stringify(plans[stack]!)) as PlannedResource[];
  const target = copy.find((r) => r.type === type && r.name.endsWith(nameEnds));
  if (!target) throw new Error(`no ${type} named …${nameEnds} in the ${stack} plan`);
  mutate(target);
  return copy;
}

const editPolicy = (r: PlannedResource, input: string, edit: (doc: { Statement: any[] }) => void) => {
  const doc = JSON.parse(r.inputs[input]);
  edit(doc);
  r.inputs[input] = JSON.stringify(doc);
};

describe("every real stack passes every guardrail", () => {
  it.each(["sit", "prod", "sit-london"])("%s: no violation", (stack) => {
    expect(checkResources(plans[stack]!).map(formatViolation)).toEqual([]);
  });

  it("the pack has one policy per rule, all mandatory", () => {
    expect(POLICIES.map((p) => p.name).sort()).toEqual([
      "async-functions-have-failure-destination",
      "log-retention-set",
      "no-wildcard-actions",
      "prod-tables-protected",
      "required-tags",
      "resource-star-only-where-required",
      "s3-buckets-guarded",
      "s3-deny-insecure-transport",
      "s3-public-access-blocked",
      "stores-encrypted-with-kms",
    ]);
    expect(POLICIES.every((p) => p.enforcementLevel === "mandatory")).toBe(true);
  });

  it("every resource-* allowlist entry says why and where AWS says so", () => {
    for (const entry of RESOURCE_STAR_ALLOWLIST) {
      expect(entry.reason.length).toBeGreaterThan(40);
      expect(entry.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    }
  });
});

interface Breakage {
  rule: string;
  stack: string;
  type: string;
  name: string;
  mutate: (r: PlannedResource) => void;
  message: string;
}

const BREAKAGES: Breakage[] = [
  {
    rule: "stores-encrypted-with-kms",
    stack: "sit",
    type: "aws:sqs/queue:Queue",
    name: "audit-queue",
    mutate: (r) => delete r.inputs.kmsMasterKeyId,
    message: "queue audit-queue is not encrypted with a KMS key: set kmsMasterKeyId to the platform key.",
  },
  {
    rule: "stores-encrypted-with-kms",
    stack: "sit",
    type: "aws:kinesis/stream:Stream",
    name: "cta-pipeline-stream",
    mutate: (r) => (r.inputs.encryptionType = "NONE"),
    message: "stream cta-pipeline-stream is not encrypted with a KMS key",
  },
  {
    rule: "stores-encrypted-with-kms",
    stack: "sit",
    type: "aws:dynamodb/table:Table",
    name: "audit-table",
    mutate: (r) => delete r.inputs.serverSideEncryption,
    message: "table audit-table is not encrypted with a KMS key",
  },
  {
    rule: "stores-encrypted-with-kms",
    stack: "sit",
    type: "aws:secretsmanager/secret:Secret",
    name: "token-manager-secret",
    mutate: (r) => delete r.inputs.kmsKeyId,
    message: "secret token-manager-secret is not encrypted with a KMS key",
  },
  {
    rule: "stores-encrypted-with-kms",
    stack: "sit",
    type: "aws:cloudwatch/logGroup:LogGroup",
    name: "token-manager-logs",
    mutate: (r) => delete r.inputs.kmsKeyId,
    message: "log group token-manager-logs is not encrypted with a KMS key",
  },
  {
    rule: "stores-encrypted-with-kms",
    stack: "sit",
    type: "aws:sns/topic:Topic",
    name: "dashboards-topic",
    mutate: (r) => delete r.inputs.kmsMasterKeyId,
    message: "topic dashboards-topic is not encrypted with a KMS key",
  },
  {
    rule: "stores-encrypted-with-kms",
    stack: "sit",
    type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    name: "cta-pipeline-input-encryption",
    mutate: (r) => (r.inputs.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]),
    message: "bucket encryption cta-pipeline-input-encryption is not encrypted with a KMS key",
  },
  {
    rule: "s3-public-access-blocked",
    stack: "sit",
    type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    name: "cta-pipeline-input-public-access",
    mutate: (r) => (r.inputs.restrictPublicBuckets = false),
    message:
      "public access block cta-pipeline-input-public-access leaves restrictPublicBuckets off: set all four to true.",
  },
  {
    rule: "s3-deny-insecure-transport",
    stack: "sit",
    type: "aws:s3/bucketPolicy:BucketPolicy",
    name: "cta-pipeline-input-policy",
    mutate: (r) =>
      editPolicy(
        r,
        "policy",
        (d) => (d.Statement = d.Statement.filter((s) => s.Sid !== "DenyInsecureTransport")),
      ),
    message: "bucket policy cta-pipeline-input-policy does not deny non-TLS requests",
  },
  {
    rule: "prod-tables-protected",
    stack: "prod",
    type: "aws:dynamodb/table:Table",
    name: "audit-table",
    mutate: (r) => (r.inputs.deletionProtectionEnabled = false),
    message: "prod table audit-table has no deletion protection: set deletionProtectionEnabled true.",
  },
  {
    rule: "prod-tables-protected",
    stack: "prod",
    type: "aws:dynamodb/table:Table",
    name: "audit-table",
    mutate: (r) => delete r.inputs.pointInTimeRecovery,
    message: "prod table audit-table has no point-in-time recovery",
  },
  {
    rule: "log-retention-set",
    stack: "sit-london",
    type: "aws:cloudwatch/logGroup:LogGroup",
    name: "audit-processor-logs",
    mutate: (r) => delete r.inputs.retentionInDays,
    message: "log group audit-processor-logs keeps logs forever: set retentionInDays.",
  },
  {
    rule: "no-wildcard-actions",
    stack: "sit",
    type: "aws:iam/rolePolicy:RolePolicy",
    name: "cta-pipeline-case-creator-policy",
    mutate: (r) =>
      editPolicy(r, "policy", (d) =>
        d.Statement.push({
          Sid: "Lazy",
          Effect: "Allow",
          Action: "s3:*",
          Resource: "arn:aws:s3:::bbkyc-cta-input-sit-euw1/*",
        }),
      ),
    message: "cta-pipeline-case-creator-policy statement Lazy allows the wildcard action s3:*",
  },
  {
    rule: "no-wildcard-actions",
    stack: "sit",
    type: "aws:kms/key:Key",
    name: "platform-key-key",
    mutate: (r) =>
      editPolicy(r, "policy", (d) =>
        d.Statement.push({
          Sid: "Partner",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::210987654321:role/partner" },
          Action: "kms:*",
          Resource: "*",
        }),
      ),
    message: "platform-key-key statement Partner allows the wildcard action kms:*",
  },
  {
    rule: "resource-star-only-where-required",
    stack: "sit",
    type: "aws:iam/rolePolicy:RolePolicy",
    name: "audit-processor-policy",
    mutate: (r) =>
      editPolicy(r, "policy", (d) =>
        d.Statement.push({ Sid: "AnyQueue", Effect: "Allow", Action: "sqs:SendMessage", Resource: "*" }),
      ),
    message: 'audit-processor-policy statement AnyQueue grants sqs:SendMessage on Resource "*"',
  },
  {
    rule: "resource-star-only-where-required",
    stack: "sit",
    type: "aws:iam/rolePolicy:RolePolicy",
    name: "token-manager-policy",
    mutate: (r) =>
      editPolicy(r, "policy", (d) => delete d.Statement.find((s) => s.Sid === "PublishOwnMetrics").Condition),
    message:
      'token-manager-policy statement PublishOwnMetrics grants cloudwatch:PutMetricData on Resource "*" without the cloudwatch:namespace condition',
  },
  {
    rule: "required-tags",
    stack: "sit",
    type: "aws:lambda/function:Function",
    name: "token-manager-function",
    mutate: (r) => (r.inputs.tags = { Environment: "" }),
    message: "token-manager-function lacks the tag(s) Environment",
  },
  {
    rule: "s3-buckets-guarded",
    stack: "sit",
    type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    name: "cta-pipeline-input-public-access",
    mutate: (r) => (r.inputs.bucket = "some-other-bucket"),
    message: "bucket cta-pipeline-input (bbkyc-cta-input-sit-euw1) has no public access block",
  },
  {
    rule: "async-functions-have-failure-destination",
    stack: "sit",
    type: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    name: "cta-pipeline-producer-async-config",
    mutate: (r) => delete r.inputs.destinationConfig,
    message:
      "function cta-pipeline-producer-function is invoked asynchronously by s3.amazonaws.com (cta-pipeline-producer-s3-invoke) but keeps no failed event",
  },
  {
    rule: "async-functions-have-failure-destination",
    stack: "sit",
    type: "aws:scheduler/schedule:Schedule",
    name: "token-manager-schedule",
    mutate: (r) => delete r.inputs.target.deadLetterConfig,
    message: "schedule token-manager-schedule has no dead-letter queue",
  },
];

describe("breaking one resource on purpose fails exactly its rule, with the rule's message", () => {
  it.each(BREAKAGES.map((b) => [`${b.rule}: ${b.name}`, b] as const))("%s", (_, b) => {
    const violations = checkResources(broken(b.stack, b.type, b.name, b.mutate));
    expect(violations.map((v) => v.rule)).toEqual([b.rule]);
    expect(violations[0]!.message).toContain(b.message);
  });

  it("every rule of the pack is broken by at least one case above", () => {
    expect(new Set(BREAKAGES.map((b) => b.rule))).toEqual(new Set(POLICIES.map((p) => p.name)));
  });
});

describe("the @pulumi/policy policies report the same messages", () => {
  /** Runs one pack policy over engine-shaped resources (props + provider props), as the analyzer does. */
  function runPolicy(name: string, resources: PlannedResource[]): string[] {
    const policy = POLICIES.find((p) => p.name === name)!;
    const engine = resources.map((r) => ({
      type: r.type,
      name: r.name,
      urn: `urn:pulumi:sit::kyc-platform::${r.type}::${r.name}`,
      props: r.inputs,
      provider: r.providerInputs ? { props: r.providerInputs } : undefined,
    }));
    const messages: string[] = [];
    const report = (message: string) => messages.push(message);
    if ("validateResource" in policy) {
      const validate = (policy as ResourceValidationPolicy).validateResource as (
        args: unknown,
        report: (message: string) => void,
      ) => void;
      for (const r of engine) validate(r, report);
    } else {
      const validate = (policy as StackValidationPolicy).validateStack as (
        args: unknown,
        report: (message: string) => void,
      ) => void;
      validate({ resources: engine }, report);
    }
    return messages;
  }

  it.each(BREAKAGES.map((b) => [`${b.rule}: ${b.name}`, b] as const))("%s", (_, b) => {
    expect(runPolicy(b.rule, plans[b.stack]!)).toEqual([]);
    const messages = runPolicy(b.rule, broken(b.stack, b.type, b.name, b.mutate));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(b.message);
  });
});
