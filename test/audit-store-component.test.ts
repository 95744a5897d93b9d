/**
 * AuditStore under Pulumi mocks: what it declares (queues, redrive, encryption, table settings, event
 * source, IAM) for a sit and a prod instance, read from the recorded resource inputs.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { AuditStore, validateArgs, type AuditStoreArgs } from "../components/audit-store.js";
import { Naming } from "../components/naming.js";
import {
  MOCK_ACCOUNT_ID,
  type RecordedResource,
  type RecordingMocks,
} from "../stacks/offline/recording-mocks.js";
import { actionsOn as actionsOnResource, allActions, statementsOf } from "./support/iam.js";
import {
  ofComponent,
  outputOf as output,
  useRecordingMocks,
  waitForRegistrations,
} from "./support/pulumi-harness.js";

const KEY_ARN = `arn:aws:kms:eu-west-1:${MOCK_ACCOUNT_ID}:key/platform-key`;
let mocks: RecordingMocks;
let sit: AuditStore;
let prod: AuditStore;
let resolved: { queueUrl: string; queueArn: string; tableArn: string; prodQueueArn: string };

const baseArgs = (env: "sit" | "prod"): AuditStoreArgs => ({
  naming: new Naming({ prefix: "bbkyc", env, region: "eu-west-1" }),
  kmsKeyArn: KEY_ARN,
  logRetentionDays: 90,
  retentionDays: 2555,
  maxReceives: 5,
});

beforeAll(async () => {
  mocks = await useRecordingMocks("eu-west-1");
  sit = new AuditStore("audit-sit", baseArgs("sit"));
  prod = new AuditStore("audit-prod", {
    ...baseArgs("prod"),
    batchSize: 10,
    maximumBatchingWindowInSeconds: 0,
    timeoutSeconds: 60,
    maximumConcurrency: 5,
  });
  resolved = {
    queueUrl: await output(sit.queueUrl),
    queueArn: await output(sit.queueArn),
    tableArn: await output(sit.tableArn),
    prodQueueArn: await output(prod.queueArn),
  };
  await output(prod.tableArn);
  await waitForRegistrations();
});

/** The one resource of this type among the component's children (with logical name `<component>-<suffix>`, when given). */
function only(component: string, type: string, suffix?: string): RecordedResource {
  return ofComponent(mocks, component).one(type, suffix === undefined ? undefined : `${component}-${suffix}`);
}

describe("queues", () => {
  it("encrypts both queues, redrives to the DLQ after maxReceives, and sizes the visibility timeout to the function", () => {
    const queue = only("audit-sit", "aws:sqs/queue:Queue", "queue");
    const dlq = only("audit-sit", "aws:sqs/queue:Queue", "dlq");

    expect(queue.physicalName).toBe("bbkyc-audit-queue-sit");
    expect(dlq.physicalName).toBe("bbkyc-audit-dlq-sit");
    expect(queue.inputs.kmsMasterKeyId).toBe(KEY_ARN);
    expect(dlq.inputs.kmsMasterKeyId).toBe(KEY_ARN);
    expect(JSON.parse(queue.inputs.redrivePolicy)).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:eu-west-1:${MOCK_ACCOUNT_ID}:bbkyc-audit-dlq-sit`,
      maxReceiveCount: 5,
    });
    expect(queue.inputs.visibilityTimeoutSeconds).toBe(6 * 30 + 5);
    expect(dlq.inputs.messageRetentionSeconds).toBe(14 * 24 * 3600);
    expect(queue.inputs.messageRetentionSeconds).toBeLessThan(dlq.inputs.messageRetentionSeconds);
    expect(resolved.queueUrl).toBe(
      `https://sqs.eu-west-1.amazonaws.com/${MOCK_ACCOUNT_ID}/bbkyc-audit-queue-sit`,
    );
    expect(resolved.queueArn).toBe(`arn:aws:sqs:eu-west-1:${MOCK_ACCOUNT_ID}:bbkyc-audit-queue-sit`);
    expect(only("audit-prod", "aws:sqs/queue:Queue", "queue").inputs.visibilityTimeoutSeconds).toBe(6 * 60);
  });

  it("lets only the audit queue redrive into the DLQ, and refuses non-TLS access to both", () => {
    const allow = only("audit-sit", "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy");
    expect(JSON.parse(allow.inputs.redriveAllowPolicy)).toEqual({
      redrivePermission: "byQueue",
      sourceQueueArns: [resolved.queueArn],
    });
    expect(allow.inputs.queueUrl).toMatch(/bbkyc-audit-dlq-sit$/);

    const policies = ofComponent(mocks, "audit-sit").byType("aws:sqs/queuePolicy:QueuePolicy");
    expect(policies.map((p) => p.inputs.queueUrl.split("/").pop()).sort()).toEqual([
      "bbkyc-audit-dlq-sit",
      "bbkyc-audit-queue-sit",
    ]);
    for (const p of policies) {
      const [statement] = JSON.parse(p.inputs.policy).Statement;
      expect(statement).toMatchObject({
        Effect: "Deny",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
      expect(p.inputs.queueUrl.endsWith(statement.Resource.split(":").pop())).toBe(true);
    }
  });
});

describe("audit table", () => {
  it("is on-demand, KMS-encrypted, with point-in-time recovery, TTL and the status-by-day index", () => {
    const table = only("audit-sit", "aws:dynamodb/table:Table");
    expect(table.physicalName).toBe("bbkyc-audit-trail-sit");
    expect(table.inputs).toMatchObject({
      billingMode: "PAY_PER_REQUEST",
      hashKey: "transactionId",
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: KEY_ARN },
      ttl: { attributeName: "expiresAt", enabled: true },
    });
    expect(table.inputs.globalSecondaryIndexes).toEqual([
      {
        name: "status-day-index",
        keySchemas: [
          { attributeName: "statusDay", keyType: "HASH" },
          { attributeName: "lastUpdatedAt", keyType: "RANGE" },
        ],
        projectionType: "INCLUDE",
        nonKeyAttributes: ["status", "reason", "component", "firstSeenAt"],
      },
    ]);
    expect(table.inputs.attributes.map((a: { name: string }) => a.name).sort()).toEqual([
      "lastUpdatedAt",
      "statusDay",
      "transactionId",
    ]);
    expect(sit.statusIndexName).toBe("status-day-index");
    expect(resolved.tableArn).toBe(
      `arn:aws:dynamodb:eu-west-1:${MOCK_ACCOUNT_ID}:table/bbkyc-audit-trail-sit`,
    );
  });

  it("has deletion protection in prod only", () => {
    expect(only("audit-sit", "aws:dynamodb/table:Table").inputs.deletionProtectionEnabled).toBe(false);
    expect(only("audit-prod", "aws:dynamodb/table:Table").inputs.deletionProtectionEnabled).toBe(true);
  });
});

describe("audit processor", () => {
  it("reads the audit queue in batches with partial batch responses", () => {
    const mapping = only("audit-sit", "aws:lambda/eventSourceMapping:EventSourceMapping");
    expect(mapping.inputs).toMatchObject({
      eventSourceArn: resolved.queueArn,
      functionName: `arn:aws:lambda:eu-west-1:${MOCK_ACCOUNT_ID}:function:bbkyc-audit-processor-sit`,
      batchSize: 25,
      maximumBatchingWindowInSeconds: 5,
      functionResponseTypes: ["ReportBatchItemFailures"],
    });
    expect(mapping.inputs.scalingConfig).toBeUndefined();
    expect(only("audit-prod", "aws:lambda/eventSourceMapping:EventSourceMapping").inputs).toMatchObject({
      eventSourceArn: resolved.prodQueueArn,
      batchSize: 10,
      maximumBatchingWindowInSeconds: 0,
      scalingConfig: { maximumConcurrency: 5 },
    });
  });

  it("runs the bundled handler with the environment it needs and an encrypted log group", () => {
    const fn = only("audit-sit", "aws:lambda/function:Function");
    expect(fn.physicalName).toBe("bbkyc-audit-processor-sit");
    expect(fn.inputs).toMatchObject({
      runtime: "nodejs22.x",
      handler: "index.handler",
      timeout: 30,
      kmsKeyArn: KEY_ARN,
    });
    expect(fn.inputs.environment.variables).toMatchObject({
      ENVIRONMENT: "sit",
      METRIC_NAMESPACE: "bbkyc/audit-processor/sit",
      AUDIT_TABLE_NAME: "bbkyc-audit-trail-sit",
      AUDIT_RETENTION_DAYS: "2555",
    });
    const logs = only("audit-sit", "aws:cloudwatch/logGroup:LogGroup");
    expect(logs.inputs).toMatchObject({
      name: "/aws/lambda/bbkyc-audit-processor-sit",
      retentionInDays: 90,
      kmsKeyId: KEY_ARN,
    });
    expect(only("audit-sit", "aws:iam/role:Role").physicalName).toBe("bbkyc-audit-processor-sit-euw1");
  });

  it("has a role scoped to this queue and this table only, with no wildcard action", () => {
    const statements = statementsOf(only("audit-sit", "aws:iam/rolePolicy:RolePolicy").inputs.policy);
    const actionsOn = (resource: string) => actionsOnResource(statements, resource);

    expect(actionsOn(resolved.queueArn)).toEqual([
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
    ]);
    expect(actionsOn(resolved.tableArn)).toEqual([
      "dynamodb:BatchGetItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
    ]);
    expect(actionsOn(KEY_ARN)).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
    const actions = allActions(statements);
    expect(actions.filter((a) => a.includes("*"))).toEqual([]);
    expect(actions.filter((a) => a.startsWith("sqs:") || a.startsWith("dynamodb:"))).toHaveLength(7);
    // Only PutMetricData has resource "*" (AWS allows nothing narrower), held to the own namespace.
    const wildcard = statements.filter((s) => [s.Resource].flat().includes("*"));
    expect(wildcard).toEqual([
      expect.objectContaining({
        Action: "cloudwatch:PutMetricData",
        Condition: { StringEquals: { "cloudwatch:namespace": "bbkyc/audit-processor/sit" } },
      }),
    ]);
    // Logs: its own log group only.
    expect(
      actionsOn(
        `arn:aws:logs:eu-west-1:${MOCK_ACCOUNT_ID}:log-group:/aws/lambda/bbkyc-audit-processor-sit:*`,
      ),
    ).toEqual(["logs:CreateLogStream", "logs:PutLogEvents"]);
    // Nothing else: every statement is one of the above.
    expect(statements).toHaveLength(5);
  });
});

describe("outputs and facts", () => {
  it("exposes plain names and the facts the dashboards use", () => {
    expect(sit.queueName).toBe("bbkyc-audit-queue-sit");
    expect(sit.dlqName).toBe("bbkyc-audit-dlq-sit");
    expect(sit.tableName).toBe("bbkyc-audit-trail-sit");
    expect(sit.functionName).toBe("bbkyc-audit-processor-sit");
    expect(sit.facts).toEqual({
      queueName: "bbkyc-audit-queue-sit",
      dlqName: "bbkyc-audit-dlq-sit",
      tableName: "bbkyc-audit-trail-sit",
      indexNames: ["status-day-index"],
      processor: {
        functionName: "bbkyc-audit-processor-sit",
        logGroupName: "/aws/lambda/bbkyc-audit-processor-sit",
        label: "Audit processor",
      },
      metrics: { component: "audit-processor", namespace: "bbkyc/audit-processor/sit" },
    });
    expect(prod.facts.metrics.namespace).toBe("bbkyc/audit-processor/prod");
  });

  it("names every child after the component", () => {
    const children = mocks.resources.filter((r) => r.type.startsWith("aws:"));
    expect(children.length).toBeGreaterThanOrEqual(2 * 11);
    expect(
      children.filter((r) => !r.name.startsWith("audit-sit-") && !r.name.startsWith("audit-prod-")),
    ).toEqual([]);
    expect(
      mocks.resources
        .filter((r) => r.type === "kyc:platform:AuditStore")
        .map((r) => r.name)
        .sort(),
    ).toEqual(["audit-prod", "audit-sit"]);
  });
});

describe("argument checks", () => {
  it("refuses settings AWS would reject, naming the arg", () => {
    expect(() =>
      validateArgs({ ...baseArgs("sit"), batchSize: 50, maximumBatchingWindowInSeconds: 0 }),
    ).toThrow(/`batchSize` above 10 needs `maximumBatchingWindowInSeconds`/);
    expect(() => validateArgs({ ...baseArgs("sit"), maxReceives: 0 })).toThrow(
      /`maxReceives` must be a whole number from 1 to 1000, got 0/,
    );
    expect(() => validateArgs({ ...baseArgs("sit"), retentionDays: 1.5 })).toThrow(/`retentionDays`/);
    expect(() => validateArgs({ ...baseArgs("sit"), timeoutSeconds: 901 })).toThrow(
      /`timeoutSeconds` must be a whole number from 1 to 900/,
    );
    expect(
      validateArgs({ ...baseArgs("sit"), timeoutSeconds: 900, maximumBatchingWindowInSeconds: 300 })
        .visibilityTimeoutSeconds,
    ).toBe(5700);
    expect(() => validateArgs({ ...baseArgs("sit"), maximumConcurrency: 1 })).toThrow(/`maximumConcurrency`/);
    expect(validateArgs(baseArgs("sit"))).toEqual({
      batchSize: 25,
      maximumBatchingWindowInSeconds: 5,
      timeoutSeconds: 30,
      visibilityTimeoutSeconds: 185,
    });
  });
});
