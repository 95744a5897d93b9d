/**
 * EventPipeline under Pulumi mocks: what one pipeline would create — bucket hardening, stream,
 * functions, event source mapping, failure queues — and exactly which IAM rights each function gets.
 */
import { describe, expect, it } from "vitest";
import { EventPipeline, type EventPipelineArgs } from "../components/event-pipeline.js";
import { Naming } from "../components/naming.js";
import { MOCK_ACCOUNT_ID } from "../stacks/offline/recording-mocks.js";
import type { PipelineConfig } from "../stacks/config-types.js";
import { rights, statementsOf } from "./support/iam.js";
import { renderComponent } from "./support/pulumi-harness.js";

const ACCT = MOCK_ACCOUNT_ID;
const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCT}:key/11111111-2222-3333-4444-555555555555`;
const AUDIT_QUEUE_ARN = `arn:aws:sqs:eu-west-1:${ACCT}:bbkyc-audit-sit`;
const AUDIT_QUEUE_URL = `https://sqs.eu-west-1.amazonaws.com/${ACCT}/bbkyc-audit-sit`;
const AUDIT_TABLE_ARN = `arn:aws:dynamodb:eu-west-1:${ACCT}:table/bbkyc-audit-trail-sit`;
const TOKEN_SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:${ACCT}:secret:bbkyc-tiaa-token-sit-AbCdEf`;
// Any existing entry will do under mocks; the case creator's own tests cover its code.
const TEST_CASE_CREATOR_ENTRY = "handlers/event-producer/handler.ts";

const CTA: PipelineConfig = {
  name: "cta",
  label: "CTA case events",
  shardCount: 4,
  onDemand: false,
  source: "s3",
  caseCreator: true,
  batchSize: 200,
  parallelizationFactor: 2,
  maximumRetryAttempts: 5,
  maximumRecordAgeSeconds: 3600,
  retentionHours: 24,
};
const TT: PipelineConfig = {
  ...CTA,
  name: "tt",
  label: "TT events",
  shardCount: undefined,
  onDemand: true,
  source: "glue",
  caseCreator: false,
  retentionHours: 48,
};

function render(pipeline: PipelineConfig, extra: Partial<EventPipelineArgs> = {}) {
  const naming = new Naming({ prefix: "bbkyc", env: "sit", region: "eu-west-1" });
  const declare = () =>
    new EventPipeline(pipeline.name, {
      naming,
      pipeline,
      kmsKeyArn: KEY_ARN,
      logRetentionDays: 90,
      auditQueueArn: AUDIT_QUEUE_ARN,
      auditQueueUrl: AUDIT_QUEUE_URL,
      auditTable: { name: "bbkyc-audit-trail-sit", arn: AUDIT_TABLE_ARN, retentionDays: 2555 },
      salesforce: {
        instanceUrl: "https://kyc-bank--sit.sandbox.my.salesforce.com",
        apiVersion: "v60.0",
        objectName: "Case",
        externalIdField: "KYC_Transaction_Id__c",
      },
      tokenSecretArn: TOKEN_SECRET_ARN,
      tokenSecretName: "bbkyc-tiaa-token-sit",
      caseCreatorEntry: TEST_CASE_CREATOR_ENTRY,
      ...extra,
    });
  return renderComponent(pipeline.name, declare, { outputs: (c) => [c.streamArn] });
}

const logRights = (fn: string) => ({
  "logs:CreateLogStream": [`arn:aws:logs:eu-west-1:${ACCT}:log-group:/aws/lambda/${fn}:*`],
  "logs:PutLogEvents": [`arn:aws:logs:eu-west-1:${ACCT}:log-group:/aws/lambda/${fn}:*`],
});
const kmsRights = { "kms:Decrypt": [KEY_ARN], "kms:GenerateDataKey": [KEY_ARN] };
const STREAM_ARN = `arn:aws:kinesis:eu-west-1:${ACCT}:stream/bbkyc-cta-event-stream-sit`;
const BUCKET_ARN = "arn:aws:s3:::bbkyc-cta-input-sit-euw1";
const FAILURE_QUEUE_ARN = `arn:aws:sqs:eu-west-1:${ACCT}:bbkyc-cta-case-creator-failures-sit`;
const PRODUCER_FAILURE_QUEUE_ARN = `arn:aws:sqs:eu-west-1:${ACCT}:bbkyc-cta-producer-failures-sit`;
const PRODUCER_ARN = `arn:aws:lambda:eu-west-1:${ACCT}:function:bbkyc-cta-event-producer-sit`;
const CASE_CREATOR_ARN = `arn:aws:lambda:eu-west-1:${ACCT}:function:bbkyc-cta-case-creator-sit`;

describe("EventPipeline: an S3-fed pipeline with a case creator (cta)", () => {
  it("hardens the input bucket: public access blocked, TLS only, SSE-KMS with a bucket key, versioned, lifecycle", async () => {
    const { one } = await render(CTA);
    expect(one("aws:s3/bucket:Bucket").inputs.bucket).toBe("bbkyc-cta-input-sit-euw1");
    expect(one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toMatchObject({
      bucket: "bbkyc-cta-input-sit-euw1",
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(statementsOf(one("aws:s3/bucketPolicy:BucketPolicy").inputs.policy)).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
    expect(
      one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs
        .rules,
    ).toEqual([
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN },
        bucketKeyEnabled: true,
      },
    ]);
    expect(one("aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration).toEqual({
      status: "Enabled",
    });
    const rules = one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules;
    expect(rules[0]).toMatchObject({
      status: "Enabled",
      expiration: { days: 30 },
      noncurrentVersionExpiration: { noncurrentDays: 7 },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
    });
    expect(rules[1]).toMatchObject({ status: "Enabled", expiration: { expiredObjectDeleteMarker: true } });
  });

  it("notifies the producer of every new object, with an invoke permission scoped to this bucket and account", async () => {
    const { one } = await render(CTA);
    expect(one("aws:s3/bucketNotification:BucketNotification").inputs).toMatchObject({
      bucket: "bbkyc-cta-input-sit-euw1",
      lambdaFunctions: [{ lambdaFunctionArn: PRODUCER_ARN, events: ["s3:ObjectCreated:*"] }],
    });
    expect(one("aws:lambda/permission:Permission").inputs).toMatchObject({
      function: "bbkyc-cta-event-producer-sit",
      action: "lambda:InvokeFunction",
      principal: "s3.amazonaws.com",
      sourceArn: BUCKET_ARN,
      sourceAccount: ACCT,
    });
  });

  it("creates a provisioned, KMS-encrypted stream with the configured shards and retention", async () => {
    const { one, component } = await render(CTA);
    expect(one("aws:kinesis/stream:Stream").inputs).toMatchObject({
      name: "bbkyc-cta-event-stream-sit",
      streamModeDetails: { streamMode: "PROVISIONED" },
      shardCount: 4,
      retentionPeriod: 24,
      encryptionType: "KMS",
      kmsKeyId: KEY_ARN,
    });
    expect(component.streamName).toBe("bbkyc-cta-event-stream-sit");
  });

  it("maps the stream to the case creator with a batching window, bounded retries, bisect, partial batch response and a KMS-encrypted on-failure queue", async () => {
    const { one } = await render(CTA);
    expect(
      one("aws:lambda/eventSourceMapping:EventSourceMapping", "cta-case-creator-events").inputs,
    ).toMatchObject({
      eventSourceArn: STREAM_ARN,
      functionName: CASE_CREATOR_ARN,
      startingPosition: "TRIM_HORIZON",
      batchSize: 200,
      parallelizationFactor: 2,
      maximumBatchingWindowInSeconds: 5,
      maximumRetryAttempts: 5,
      maximumRecordAgeInSeconds: 3600,
      bisectBatchOnFunctionError: true,
      functionResponseTypes: ["ReportBatchItemFailures"],
      destinationConfig: { onFailure: { destinationArn: FAILURE_QUEUE_ARN } },
    });
    expect(one("aws:sqs/queue:Queue", "cta-case-creator-failures").inputs).toMatchObject({
      name: "bbkyc-cta-case-creator-failures-sit",
      kmsMasterKeyId: KEY_ARN,
      messageRetentionSeconds: 1_209_600,
    });
  });

  it("keeps the S3 event of a file the producer failed on for good in a KMS-encrypted failure queue", async () => {
    const { one, byType, component } = await render(CTA);
    expect(one("aws:sqs/queue:Queue", "cta-producer-failures").inputs).toMatchObject({
      name: "bbkyc-cta-producer-failures-sit",
      kmsMasterKeyId: KEY_ARN,
      messageRetentionSeconds: 1_209_600,
    });
    expect(
      byType("aws:sqs/queue:Queue")
        .map((q) => q.inputs.name)
        .sort(),
    ).toEqual([
      "bbkyc-cta-case-creator-failures-sit",
      "bbkyc-cta-discard-auditor-dlq-sit",
      "bbkyc-cta-producer-failures-sit",
    ]);
    // S3 invokes the producer asynchronously: bounded retries, then the invocation record goes to the queue.
    expect(one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs).toEqual({
      functionName: "bbkyc-cta-event-producer-sit",
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 6 * 3600,
      destinationConfig: { onFailure: { destination: PRODUCER_FAILURE_QUEUE_ARN } },
    });
    expect(component.producerFailureQueueName).toBe("bbkyc-cta-producer-failures-sit");
  });

  it("configures both functions with the environment their handlers read", async () => {
    const { byType } = await render(CTA, {
      secretsManagerEndpoint: "https://vpce-123.secretsmanager.eu-west-1.vpce.amazonaws.com",
    });
    const fns = new Map(byType("aws:lambda/function:Function").map((f) => [f.inputs.name, f.inputs]));
    expect([...fns.keys()].sort()).toEqual([
      "bbkyc-cta-case-creator-sit",
      "bbkyc-cta-discard-auditor-sit",
      "bbkyc-cta-event-producer-sit",
    ]);
    const producer = fns.get("bbkyc-cta-event-producer-sit")!;
    expect(producer).toMatchObject({ memorySize: 512, timeout: 900, kmsKeyArn: KEY_ARN });
    expect(producer.environment.variables).toMatchObject({
      ENVIRONMENT: "sit",
      METRIC_NAMESPACE: "bbkyc/cta-event-producer/sit",
      STREAM_NAME: "bbkyc-cta-event-stream-sit",
      PARTITION_KEY_PREFIX: "bbkyc-cta-",
      AUDIT_QUEUE_URL,
      PIPELINE_NAME: "cta",
      AUDIT_PUBLISHED: "false",
      AUDIT_TABLE_NAME: "bbkyc-audit-trail-sit",
      AUDIT_RETENTION_DAYS: "2555",
    });
    expect(fns.get("bbkyc-cta-case-creator-sit")!.environment.variables).toMatchObject({
      ENVIRONMENT: "sit",
      METRIC_NAMESPACE: "bbkyc/cta-case-creator/sit",
      PIPELINE_NAME: "cta",
      AUDIT_QUEUE_URL,
      TOKEN_SECRET_ID: TOKEN_SECRET_ARN,
      SECRETS_MANAGER_ENDPOINT: "https://vpce-123.secretsmanager.eu-west-1.vpce.amazonaws.com",
      SALESFORCE_INSTANCE_URL: "https://kyc-bank--sit.sandbox.my.salesforce.com",
      SALESFORCE_API_VERSION: "v60.0",
      SALESFORCE_OBJECT: "Case",
      SALESFORCE_EXTERNAL_ID_FIELD: "KYC_Transaction_Id__c",
      GIVE_UP_AFTER_SECONDS: "3300",
    });
  });

  it("gives each function exactly its own rights: no '*' action, resource '*' only for namespaced metrics", async () => {
    const { byType } = await render(CTA);
    const policies = new Map(
      byType("aws:iam/rolePolicy:RolePolicy").map((p) => [p.inputs.name, p.inputs.policy as string]),
    );
    expect([...policies.keys()].sort()).toEqual([
      "bbkyc-cta-case-creator-sit-euw1",
      "bbkyc-cta-discard-auditor-sit-euw1",
      "bbkyc-cta-event-producer-sit-euw1",
    ]);

    expect(rights(policies.get("bbkyc-cta-event-producer-sit-euw1")!)).toEqual({
      ...logRights("bbkyc-cta-event-producer-sit"),
      "s3:GetObject": [`${BUCKET_ARN}/*`],
      "s3:GetObjectVersion": [`${BUCKET_ARN}/*`],
      "dynamodb:GetItem": [AUDIT_TABLE_ARN],
      "dynamodb:PutItem": [AUDIT_TABLE_ARN],
      "dynamodb:UpdateItem": [AUDIT_TABLE_ARN],
      "kinesis:PutRecords": [STREAM_ARN],
      "sqs:SendMessage": [AUDIT_QUEUE_ARN, PRODUCER_FAILURE_QUEUE_ARN].sort(),
      ...kmsRights,
      "cloudwatch:PutMetricData": ["*"],
    });
    expect(rights(policies.get("bbkyc-cta-case-creator-sit-euw1")!)).toEqual({
      ...logRights("bbkyc-cta-case-creator-sit"),
      "kinesis:DescribeStream": [STREAM_ARN],
      "kinesis:DescribeStreamSummary": [STREAM_ARN],
      "kinesis:GetRecords": [STREAM_ARN],
      "kinesis:GetShardIterator": [STREAM_ARN],
      "kinesis:ListShards": [STREAM_ARN],
      "sqs:SendMessage": [AUDIT_QUEUE_ARN, FAILURE_QUEUE_ARN].sort(),
      "secretsmanager:GetSecretValue": [TOKEN_SECRET_ARN],
      ...kmsRights,
      "cloudwatch:PutMetricData": ["*"],
    });
    // The producer may touch only its own ledger items in the shared audit table.
    const ledger = statementsOf(policies.get("bbkyc-cta-event-producer-sit-euw1")!).filter((s) =>
      [s.Action].flat().some((a) => a.startsWith("dynamodb:")),
    );
    expect(ledger).toEqual([
      {
        Sid: "KeepFileLedger",
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        Resource: AUDIT_TABLE_ARN,
        Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["#ledger:*"] } },
      },
    ]);
    for (const [name, policy] of policies) {
      for (const s of statementsOf(policy)) {
        for (const action of [s.Action].flat()) expect(action, name).not.toMatch(/\*/);
        if ([s.Resource].flat().includes("*")) {
          expect(s.Action).toBe("cloudwatch:PutMetricData");
          expect(s.Condition).toEqual({
            StringEquals: {
              "cloudwatch:namespace": name.includes("producer")
                ? "bbkyc/cta-event-producer/sit"
                : "bbkyc/cta-case-creator/sit",
            },
          });
        }
      }
    }
  });

  it("audits the batches Lambda gives up on: the discard auditor consumes the on-failure queue, reads the range back, and what it cannot audit goes to its DLQ", async () => {
    const { one, byType } = await render(CTA);
    const dlqArn = `arn:aws:sqs:eu-west-1:${ACCT}:bbkyc-cta-discard-auditor-dlq-sit`;
    const onFailure = one("aws:sqs/queue:Queue", "cta-case-creator-failures").inputs;
    expect(JSON.parse(onFailure.redrivePolicy)).toEqual({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 });
    // Lambda refuses an SQS event source whose queue's visibility timeout is shorter than the function's timeout.
    const auditor = byType("aws:lambda/function:Function").find(
      (f) => f.inputs.name === "bbkyc-cta-discard-auditor-sit",
    )!.inputs;
    expect(onFailure.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(auditor.timeout);
    expect(auditor.environment.variables).toMatchObject({
      ENVIRONMENT: "sit",
      PIPELINE_NAME: "cta",
      AUDIT_QUEUE_URL,
      CASE_CREATOR_FUNCTION: "bbkyc-cta-case-creator-sit",
    });
    expect(one("aws:sqs/queue:Queue", "cta-discard-auditor-dlq").inputs).toMatchObject({
      kmsMasterKeyId: KEY_ARN,
      messageRetentionSeconds: 1_209_600,
    });
    expect(
      one("aws:lambda/eventSourceMapping:EventSourceMapping", "cta-discard-auditor-events").inputs,
    ).toMatchObject({
      eventSourceArn: FAILURE_QUEUE_ARN,
      functionName: `arn:aws:lambda:eu-west-1:${ACCT}:function:bbkyc-cta-discard-auditor-sit`,
      functionResponseTypes: ["ReportBatchItemFailures"],
    });
    const policy = byType("aws:iam/rolePolicy:RolePolicy").find(
      (p) => p.inputs.name === "bbkyc-cta-discard-auditor-sit-euw1",
    )!.inputs.policy as string;
    expect(rights(policy)).toEqual({
      ...logRights("bbkyc-cta-discard-auditor-sit"),
      "sqs:ReceiveMessage": [FAILURE_QUEUE_ARN],
      "sqs:DeleteMessage": [FAILURE_QUEUE_ARN],
      "sqs:GetQueueAttributes": [FAILURE_QUEUE_ARN],
      "sqs:ChangeMessageVisibility": [FAILURE_QUEUE_ARN],
      "kinesis:GetShardIterator": [STREAM_ARN],
      "kinesis:GetRecords": [STREAM_ARN],
      "sqs:SendMessage": [AUDIT_QUEUE_ARN],
      ...kmsRights,
    });
  });

  it("exposes names and monitoring facts", async () => {
    const { component } = await render(CTA);
    expect(component.bucketName).toBe("bbkyc-cta-input-sit-euw1");
    expect(component.producerFunctionName).toBe("bbkyc-cta-event-producer-sit");
    expect(component.caseCreatorFunctionName).toBe("bbkyc-cta-case-creator-sit");
    expect(component.onFailureQueueName).toBe("bbkyc-cta-case-creator-failures-sit");
    expect(component.facts).toEqual({
      pipelineName: "cta",
      label: "CTA case events",
      streamName: "bbkyc-cta-event-stream-sit",
      bucketName: "bbkyc-cta-input-sit-euw1",
      producer: {
        functionName: "bbkyc-cta-event-producer-sit",
        logGroupName: "/aws/lambda/bbkyc-cta-event-producer-sit",
        label: "CTA case events producer",
      },
      producerMetrics: { component: "event-producer", namespace: "bbkyc/cta-event-producer/sit" },
      producerFailureQueueName: "bbkyc-cta-producer-failures-sit",
      caseCreator: {
        functionName: "bbkyc-cta-case-creator-sit",
        logGroupName: "/aws/lambda/bbkyc-cta-case-creator-sit",
        label: "CTA case events case creator",
      },
      caseCreatorMetrics: { component: "case-creator", namespace: "bbkyc/cta-case-creator/sit" },
      onFailureQueueName: "bbkyc-cta-case-creator-failures-sit",
      discardAuditor: {
        functionName: "bbkyc-cta-discard-auditor-sit",
        logGroupName: "/aws/lambda/bbkyc-cta-discard-auditor-sit",
        label: "CTA case events discard auditor",
      },
      discardAuditorDlqName: "bbkyc-cta-discard-auditor-dlq-sit",
    });
  });
});

describe("EventPipeline: other shapes", () => {
  it("a Glue-fed stream read by an external consumer (tt) is an on-demand stream only: no bucket, no functions", async () => {
    const { resources, one, component } = await render(TT);
    expect(one("aws:kinesis/stream:Stream").inputs).toMatchObject({
      name: "bbkyc-tt-event-stream-sit",
      streamModeDetails: { streamMode: "ON_DEMAND" },
      retentionPeriod: 48,
      encryptionType: "KMS",
      kmsKeyId: KEY_ARN,
    });
    expect(one("aws:kinesis/stream:Stream").inputs.shardCount).toBeUndefined();
    expect(resources.map((r) => r.type).sort()).toEqual([
      "aws:kinesis/stream:Stream",
      "kyc:platform:EventPipeline",
    ]);
    expect([
      component.bucketName,
      component.producerFunctionName,
      component.producerFailureQueueName,
      component.caseCreatorFunctionName,
      component.onFailureQueueName,
    ]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(component.facts).toEqual({
      pipelineName: "tt",
      label: "TT events",
      streamName: "bbkyc-tt-event-stream-sit",
    });
  });

  it("an S3-fed pipeline without a case creator has the producer audit records PUBLISHED", async () => {
    const { byType } = await render({ ...CTA, caseCreator: false });
    const fns = byType("aws:lambda/function:Function");
    expect(fns.map((f) => f.inputs.name)).toEqual(["bbkyc-cta-event-producer-sit"]);
    expect(fns[0]!.inputs.environment.variables.AUDIT_PUBLISHED).toBe("true");
    expect(byType("aws:lambda/eventSourceMapping:EventSourceMapping")).toHaveLength(0);
    // No case creator, so no case-creator on-failure queue: only the producer's failure queue.
    expect(byType("aws:sqs/queue:Queue").map((q) => q.inputs.name)).toEqual([
      "bbkyc-cta-producer-failures-sit",
    ]);
  });

  it("a Glue-fed pipeline with a case creator gets the case creator but no bucket or producer", async () => {
    const { byType } = await render({ ...CTA, source: "glue" });
    expect(byType("aws:s3/bucket:Bucket")).toHaveLength(0);
    expect(
      byType("aws:lambda/function:Function")
        .map((f) => f.inputs.name)
        .sort(),
    ).toEqual(["bbkyc-cta-case-creator-sit", "bbkyc-cta-discard-auditor-sit"]);
    expect(byType("aws:lambda/eventSourceMapping:EventSourceMapping")).toHaveLength(2);
    expect(byType("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")).toHaveLength(0);
    expect(
      byType("aws:sqs/queue:Queue")
        .map((q) => q.inputs.name)
        .sort(),
    ).toEqual(["bbkyc-cta-case-creator-failures-sit", "bbkyc-cta-discard-auditor-dlq-sit"]);
  });

  it("never gives up earlier than 60 s, and otherwise 300 s before Lambda's maximum record age", async () => {
    const short = await render({ ...CTA, maximumRecordAgeSeconds: 200 });
    const fn = short
      .byType("aws:lambda/function:Function")
      .find((f) => f.inputs.name === "bbkyc-cta-case-creator-sit")!;
    expect(fn.inputs.environment.variables.GIVE_UP_AFTER_SECONDS).toBe("60");
  });

  it("rejects settings AWS would reject, naming the key", async () => {
    await expect(render({ ...CTA, onDemand: true })).rejects.toThrow(
      "exactly one of `shardCount` or `onDemand` can be set",
    );
    await expect(render({ ...CTA, maximumRecordAgeSeconds: 30 })).rejects.toThrow(
      "`maximumRecordAgeSeconds` must be an integer 60–604800, got 30",
    );
    await expect(render({ ...CTA, parallelizationFactor: 11 })).rejects.toThrow(
      "`parallelizationFactor` must be an integer 1–10, got 11",
    );
  });
});
