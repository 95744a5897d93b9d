/**
 * Least privilege, proven against IAM enforcement: a moto server of this file's own evaluates every
 * request against the caller's IAM policies. Each function's code gets an IAM user holding exactly
 * the policy document(s) the program generates for that function's role (read from the sit stack's
 * offline plan), runs its main path — it works — and then tries one action its role does not grant,
 * which moto refuses with AccessDenied. The table printed at the end names, per function, the IAM
 * actions its calls needed and the one refused.
 *
 * The one mapping from plan to emulator (applied to the documents and the function's environment):
 * the plan's ARNs and queue URLs of the resources created here are replaced by the emulator's. For
 * every name the program chooses they are identical (moto's account is the mocks' 123456789012, the
 * region eu-west-1) except the secrets' random ARN suffix and the queue URLs' host. The KMS key is
 * not created: moto uses no key behind SSE, so kms:Decrypt/GenerateDataKey are never exercised.
 * Not evaluated by moto (see test/support/iam-enforcing-emulator.ts, SECURITY.md): resources other
 * than S3 and SQS, and conditions (cloudwatch:namespace, dynamodb:LeadingKeys, kms:ViaService).
 * moto serves one request at a time; every call here is awaited in turn.
 */
import { CreateTableCommand, DeleteItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { KinesisStreamEvent, S3Event, SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OutcomeMetrics } from "../handlers/audit-processor/outcome-metrics.js";
import { auditTableDefinition } from "../handlers/audit-processor/audit-table.js";
import { processAuditBatch } from "../handlers/audit-processor/process-audit-batch.js";
import { readAuditProcessorSettings } from "../handlers/audit-processor/settings.js";
import { createCases } from "../handlers/case-creator/create-cases.js";
import { SalesforceClient } from "../handlers/case-creator/salesforce-client.js";
import { readCaseCreatorSettings } from "../handlers/case-creator/settings.js";
import { auditDiscardedBatches } from "../handlers/discard-auditor/audit-discarded.js";
import { readDiscardAuditorSettings } from "../handlers/discard-auditor/settings.js";
import { FileLedger } from "../handlers/event-producer/file-ledger.js";
import { produceFromS3Event } from "../handlers/event-producer/produce-from-s3.js";
import { readProducerSettings } from "../handlers/event-producer/settings.js";
import { AuditSender } from "../handlers/lib/audit-sender.js";
import { Logger } from "../handlers/lib/logger.js";
import { MemorySink, Metrics } from "../handlers/lib/metrics.js";
import { SecretTokenClient } from "../handlers/lib/token-client.js";
import { readRefreshConfig } from "../handlers/token-manager/settings.js";
import { refreshToken } from "../handlers/token-manager/refresh-token.js";
import { createCertificateAuthority, type CertificateAuthority } from "../local/pki.js";
import { startSalesforceStandIn, type SalesforceStandIn } from "../local/salesforce-stand-in.js";
import { startTiaaStandIn, type TiaaStandIn } from "../local/tiaa-stand-in.js";
import { inventoryOf } from "../ops/lib/stack-inventory.js";
import { planStack, type OfflinePlan } from "../stacks/offline/plan.js";
import {
  ERROR_BODY_HEADER,
  recordingActions,
  startEnforcingEmulator,
  asMotoJudges,
  type Credentials,
  type EnforcingEmulator,
} from "./support/iam-enforcing-emulator.js";

const PLAN_QUEUE_URL_PREFIX = "https://sqs.eu-west-1.amazonaws.com/123456789012/";
const USERNAME = "svc-kyc-tiaa";
const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-Lp7`;
const quiet = () => new Logger({ service: "least-privilege", level: "ERROR", write: () => undefined });

let emulator: EnforcingEmulator;
let plan: OfflinePlan;
let ca: CertificateAuthority;
let tiaa: TiaaStandIn;
let salesforce: SalesforceStandIn;
/** Plan-side ARN or URL → the emulator's (the one mapping, see the file's comment). */
const mapping = new Map<string, string>();
/** The sit stack's physical names, from its offline plan (ops/lib/stack-inventory.ts). */
const names = { table: "", auditQueue: "", caseFailures: "", stream: "", bucket: "", tokenSecret: "" };
const queueUrls: Record<string, string> = {};

/** Per function: the IAM actions its calls needed, and the action it was refused. */
const table: Array<{ function: string; actionsUsed: string; denied: string }> = [];

const mapped = (text: string) => [...mapping].reduce((out, [from, to]) => out.split(from).join(to), text);

function resource(type: string, logicalName: string) {
  const found = plan.resources.find((r) => r.type === type && r.name === logicalName);
  if (!found) throw new Error(`the plan has no ${type} ${logicalName}`);
  return found;
}

/** The function's role's policy documents (every RolePolicy on its role), mapped to the emulator. */
function rolePolicies(functionLogicalName: string): string[] {
  const roleName = String(resource("aws:lambda/function:Function", functionLogicalName).inputs.role)
    .split("/")
    .pop();
  const documents = plan.resources
    .filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.inputs.role === roleName)
    .map((r) => mapped(String(r.inputs.policy)));
  expect(documents.length).toBeGreaterThan(0);
  return documents;
}

/** The function's deployed environment, mapped to the emulator. */
function functionEnv(functionLogicalName: string): Record<string, string> {
  const variables = resource("aws:lambda/function:Function", functionLogicalName).inputs.environment
    .variables as Record<string, string>;
  return Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, mapped(v)]));
}

async function credentialsFor(functionLogicalName: string): Promise<Credentials> {
  return emulator.userWithPolicies(functionLogicalName, rolePolicies(functionLogicalName).map(asMotoJudges));
}

async function expectDenied(call: () => Promise<unknown>): Promise<void> {
  const error = await call().then(
    () => undefined,
    (e: {
      name?: string;
      $metadata?: { httpStatusCode?: number };
      $response?: { headers?: Record<string, string> };
    }) => e,
  );
  expect(error?.$metadata?.httpStatusCode, "the call was allowed").toBe(403);
  expect(`${error!.name} ${error!.$response?.headers?.[ERROR_BODY_HEADER] ?? ""}`).toMatch(/AccessDenied/);
}

const admin = {
  dynamodb: () => new DynamoDBClient(emulator.clientConfig(emulator.admin)),
  sqs: () => new SQSClient(emulator.clientConfig(emulator.admin)),
  kinesis: () => new KinesisClient(emulator.clientConfig(emulator.admin)),
  s3: () => new S3Client(emulator.clientConfig(emulator.admin)),
  secrets: () => new SecretsManagerClient(emulator.clientConfig(emulator.admin)),
};

beforeAll(async () => {
  const sit = await inventoryOf("sit");
  const caseCreatorEvents = sit.resources.find(
    (r) =>
      r.type === "aws:lambda/eventSourceMapping:EventSourceMapping" &&
      r.name === "cta-pipeline-case-creator-events",
  )!;
  const planTokenSecretArn = String(
    sit.resources.find((r) => r.name === "cta-pipeline-case-creator-function")!.inputs.environment.variables
      .TOKEN_SECRET_ID,
  );
  Object.assign(names, {
    table: sit.auditTableName,
    auditQueue: sit.auditQueueName,
    caseFailures: String(caseCreatorEvents.inputs.destinationConfig.onFailure.destinationArn)
      .split(":")
      .pop(),
    stream: sit.pipelines.cta!.stream,
    bucket: sit.pipelines.cta!.bucket,
    tokenSecret: sit.tokenSecretName,
  });
  emulator = await startEnforcingEmulator();
  ca = createCertificateAuthority("least-privilege test CA");
  const client = ca.issue({ commonName: "kyc-token-manager", usage: "client" });
  tiaa = await startTiaaStandIn({
    ca,
    server: ca.issue({ commonName: "tiaa.local", usage: "server" }),
    expectedUsername: USERNAME,
    expectedPassword: PASSWORD,
    tokenLifetimeSeconds: 3600,
  });
  salesforce = await startSalesforceStandIn({
    tls: ca.issue({ commonName: "localhost", usage: "server" }),
    acceptToken: (t) => tiaa.issuedTokens.includes(t),
  });

  // The sit stack's resources, under the plan's names, created by the admin user.
  await admin.dynamodb().send(new CreateTableCommand(auditTableDefinition(names.table)));
  for (const queue of [names.auditQueue, names.caseFailures]) {
    queueUrls[queue] = (await admin.sqs().send(new CreateQueueCommand({ QueueName: queue }))).QueueUrl!;
    mapping.set(`${PLAN_QUEUE_URL_PREFIX}${queue}`, queueUrls[queue]!);
  }
  await admin.kinesis().send(new CreateStreamCommand({ StreamName: names.stream, ShardCount: 1 }));
  for (
    let i = 0;
    i < 50 &&
    (await admin.kinesis().send(new DescribeStreamSummaryCommand({ StreamName: names.stream })))
      .StreamDescriptionSummary?.StreamStatus !== "ACTIVE";
    i++
  )
    await new Promise((r) => setTimeout(r, 100));
  await admin.s3().send(
    new CreateBucketCommand({
      Bucket: names.bucket,
      CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
    }),
  );
  const tokenSecret = await admin
    .secrets()
    .send(
      new CreateSecretCommand({ Name: names.tokenSecret, Description: "no value until the first refresh" }),
    );
  mapping.set(planTokenSecretArn, tokenSecret.ARN!);
  // The token manager reads its credentials and certificate from secrets here (moto cannot run the
  // CSM Lambda, nor export an imported ACM certificate), so the stack is planned with those sources.
  const credentials = await admin.secrets().send(
    new CreateSecretCommand({
      Name: "tiaa-credentials-sit",
      SecretString: JSON.stringify({ username: USERNAME, password: PASSWORD }),
    }),
  );
  const certificate = await admin.secrets().send(
    new CreateSecretCommand({
      Name: "tiaa-client-cert-sit",
      SecretString: JSON.stringify({
        certificate: client.certificate,
        privateKey: client.privateKey,
        chain: ca.certificate,
      }),
    }),
  );
  plan = await planStack("sit", {
    credentialSource: "secret",
    credentialSecretArn: credentials.ARN!,
    certificateSource: "secret",
    certificateSecretArn: certificate.ARN!,
  });
});

afterAll(async () => {
  console.log("Least privilege under IAM enforcement (moto):");
  console.table(table);
  await salesforce?.stop();
  await tiaa?.stop();
  await emulator?.stop();
});

describe("each function works with exactly its role's policy, and is refused what it does not need", () => {
  it("token manager: reads its credential and certificate secrets, writes the token; may not delete the token secret", async () => {
    const used = new Set<string>();
    const secretsManager = recordingActions(
      new SecretsManagerClient(emulator.clientConfig(await credentialsFor("token-manager-function"))),
      used,
    );
    const env = functionEnv("token-manager-function");
    const config = readRefreshConfig({ ...env, TOKEN_URL: tiaa.url });
    const metrics = new Metrics({
      component: "token-manager",
      namespace: env.METRIC_NAMESPACE!,
      environment: env.ENVIRONMENT!,
      sink: new MemorySink(),
    });

    const result = await refreshToken(
      { secretsManager, metrics, logger: quiet(), ca: ca.certificate, sleep: async () => undefined },
      config,
    );

    expect(Date.parse(result.expiresAt)).toBeGreaterThan(Date.now());
    expect(tiaa.issuedTokens).toHaveLength(1);
    expect([...used].sort()).toEqual(["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]);
    await expectDenied(() =>
      secretsManager.send(
        new DeleteSecretCommand({ SecretId: config.tokenSecretId, ForceDeleteWithoutRecovery: true }),
      ),
    );
    table.push({
      function: "token-manager",
      actionsUsed: [...used].sort().join(", "),
      denied: "secretsmanager:DeleteSecret",
    });
  });

  it("event producer: reads the uploaded file, keeps its ledger, publishes to the stream; may not write to the input bucket", async () => {
    const key = "uploads/least-privilege.ndjson";
    // Three good records and one without a customerId (audited FAILED through the audit queue).
    const records = [0, 1, 2].map((i) =>
      JSON.stringify({
        transactionId: `TXN-LP${i}`,
        customerId: `C${i}`,
        eventType: "KYC_REVIEW",
        producedAt: "2026-11-26T09:00:00Z",
      }),
    );
    records.push(JSON.stringify({ transactionId: "TXN-LP-BAD", eventType: "KYC_REVIEW" }));
    const put = await admin
      .s3()
      .send(new PutObjectCommand({ Bucket: names.bucket, Key: key, Body: records.join("\n") }));
    const used = new Set<string>();
    const creds = await credentialsFor("cta-pipeline-producer-function");
    const settings = readProducerSettings(functionEnv("cta-pipeline-producer-function"));
    const s3 = recordingActions(new S3Client(emulator.clientConfig(creds)), used);
    const deps = {
      s3,
      kinesis: recordingActions(new KinesisClient(emulator.clientConfig(creds)), used),
      audit: new AuditSender({
        sqs: recordingActions(new SQSClient(emulator.clientConfig(creds)), used),
        queueUrl: settings.auditQueueUrl,
        logger: quiet(),
      }),
      ledger: new FileLedger({
        dynamodb: recordingActions(new DynamoDBClient(emulator.clientConfig(creds)), used),
        ...settings.ledger,
      }),
      metrics: new Metrics({
        component: "event-producer",
        namespace: settings.namespace,
        environment: settings.environment,
        sink: new MemorySink(),
      }),
      logger: quiet(),
      config: { ...settings.config, maxInFlight: 1 },
    };
    const event = {
      Records: [
        {
          eventSource: "aws:s3",
          eventName: "ObjectCreated:Put",
          s3: {
            bucket: { name: names.bucket, arn: `arn:aws:s3:::${names.bucket}` },
            object: { key, size: 100, eTag: put.ETag!.replace(/"/g, "") },
          },
        },
      ],
    } as unknown as S3Event;

    const [outcome] = await produceFromS3Event(deps, event, { requestId: "lp-producer-1" });

    expect(outcome).toMatchObject({ kind: "produced", summary: { published: 3, rejected: 1, failed: 0 } });
    expect([...used].sort()).toEqual([
      "dynamodb:UpdateItem",
      "kinesis:PutRecords",
      "s3:GetObject",
      "sqs:SendMessage",
    ]);
    await expectDenied(() =>
      s3.send(new PutObjectCommand({ Bucket: names.bucket, Key: "uploads/forged.ndjson", Body: "{}" })),
    );
    // moto judges SQS resources too: the action it used, on a queue its role does not name, is refused.
    const producerSqs = new SQSClient(emulator.clientConfig(creds));
    await expectDenied(() =>
      producerSqs.send(
        new SendMessageCommand({ QueueUrl: queueUrls[names.caseFailures], MessageBody: "{}" }),
      ),
    );
    table.push({
      function: "cta-event-producer",
      actionsUsed: [...used].sort().join(", "),
      denied: "s3:PutObject",
    });
  });

  it("case creator: reads its stream batch (as its event source mapping does) and the token, sends outcomes; may not write the token secret", async () => {
    const used = new Set<string>();
    const creds = await credentialsFor("cta-pipeline-case-creator-function");
    const settings = readCaseCreatorSettings({
      ...functionEnv("cta-pipeline-case-creator-function"),
      SALESFORCE_INSTANCE_URL: salesforce.url,
    });
    const kinesis = recordingActions(new KinesisClient(emulator.clientConfig(creds)), used);
    const secretsManager = recordingActions(new SecretsManagerClient(emulator.clientConfig(creds)), used);
    const event = await kinesisBatch(kinesis);
    const deps = {
      salesforce: new SalesforceClient({
        ...settings.salesforce,
        extraCertificateAuthorities: [ca.certificate],
      }),
      tokenProvider: new SecretTokenClient({ secretsManager, secretId: settings.tokenSecretId }),
      audit: new AuditSender({
        sqs: recordingActions(new SQSClient(emulator.clientConfig(creds)), used),
        queueUrl: settings.auditQueueUrl,
        logger: quiet(),
      }),
      metrics: new Metrics({
        component: "case-creator",
        namespace: settings.namespace,
        environment: settings.environment,
        sink: new MemorySink(),
      }),
      logger: quiet(),
      now: () => new Date(),
      config: settings.config,
      sleep: async () => undefined,
    };

    const response = await createCases(deps, event);

    expect(response.batchItemFailures).toEqual([]);
    expect([...salesforce.cases.keys()].sort()).toEqual(["TXN-LP0", "TXN-LP1", "TXN-LP2"]);
    expect([...used].sort()).toEqual([
      "kinesis:GetRecords",
      "kinesis:GetShardIterator",
      "kinesis:ListShards",
      "secretsmanager:GetSecretValue",
      "sqs:SendMessage",
    ]);
    await expectDenied(() =>
      secretsManager.send(
        new PutSecretValueCommand({
          SecretId: settings.tokenSecretId,
          SecretString: '{"access_token":"forged"}',
        }),
      ),
    );
    table.push({
      function: "cta-case-creator",
      actionsUsed: [...used].sort().join(", "),
      denied: "secretsmanager:PutSecretValue",
    });
  });

  it("discard auditor: takes an on-failure record off its queue, reads the range back, audits it; may not publish to the stream", async () => {
    const used = new Set<string>();
    const creds = await credentialsFor("cta-pipeline-discard-auditor-function");
    const settings = readDiscardAuditorSettings(functionEnv("cta-pipeline-discard-auditor-function"));
    const kinesis = recordingActions(new KinesisClient(emulator.clientConfig(creds)), used);
    const sqs = recordingActions(new SQSClient(emulator.clientConfig(creds)), used);
    const shard = (await admin.kinesis().send(new ListShardsCommand({ StreamName: names.stream })))
      .Shards![0]!;
    const first = (await kinesisBatch(admin.kinesis())).Records[0]!.kinesis.sequenceNumber;
    const streamArn = `arn:aws:kinesis:eu-west-1:123456789012:stream/${names.stream}`;
    const onFailure = {
      requestContext: {
        requestId: "lp-discard-1",
        functionArn: "arn:aws:lambda:eu-west-1:123456789012:function:bbkyc-cta-case-creator-sit",
        condition: "RetryAttemptsExhausted",
        approximateInvokeCount: 4,
      },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      version: "1.0",
      timestamp: new Date().toISOString(),
      KinesisBatchInfo: {
        shardId: shard.ShardId,
        startSequenceNumber: first,
        endSequenceNumber: first,
        approximateArrivalOfFirstRecord: new Date().toISOString(),
        approximateArrivalOfLastRecord: new Date().toISOString(),
        batchSize: 1,
        streamArn,
      },
    };
    await admin.sqs().send(
      new SendMessageCommand({
        QueueUrl: queueUrls[names.caseFailures],
        MessageBody: JSON.stringify(onFailure),
      }),
    );
    const deps = {
      kinesis,
      audit: new AuditSender({ sqs, queueUrl: settings.auditQueueUrl, logger: quiet() }),
      logger: quiet(),
      now: () => new Date(),
      config: settings.config,
    };

    const response = await auditDiscardedBatches(
      deps,
      await receiveAsEventSource(sqs, queueUrls[names.caseFailures]!),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(response.summary).toMatchObject({ ranges: 1, recordsRead: 1, audited: 1 });
    expect([...used].sort()).toEqual([
      "kinesis:GetRecords",
      "kinesis:GetShardIterator",
      "sqs:DeleteMessage",
      "sqs:ReceiveMessage",
      "sqs:SendMessage",
    ]);
    await expectDenied(() =>
      kinesis.send(
        new PutRecordsCommand({
          StreamName: names.stream,
          Records: [{ PartitionKey: "forged", Data: Buffer.from("{}") }],
        }),
      ),
    );
    table.push({
      function: "cta-discard-auditor",
      actionsUsed: [...used].sort().join(", "),
      denied: "kinesis:PutRecords",
    });
  });

  it("audit processor: takes the audit events off its queue, writes the audit trail; may not delete audit items", async () => {
    const used = new Set<string>();
    const creds = await credentialsFor("audit-processor-function");
    const settings = readAuditProcessorSettings(functionEnv("audit-processor-function"));
    const dynamodb = recordingActions(new DynamoDBClient(emulator.clientConfig(creds)), used);
    const sqs = recordingActions(new SQSClient(emulator.clientConfig(creds)), used);
    const logger = quiet();
    const sink = new MemorySink();
    const outcomes = new OutcomeMetrics({
      audit: new Metrics({
        component: "audit-processor",
        namespace: settings.namespace,
        environment: settings.environment,
        sink,
      }),
      caseOutcomeNamespaces: settings.caseOutcomeNamespaces,
      caseMetrics: (namespace) =>
        new Metrics({ component: "case-creator", namespace, environment: settings.environment, sink }),
      logger,
    });

    const event = await receiveAsEventSource(sqs, queueUrls[names.auditQueue]!);
    const response = await processAuditBatch(
      { dynamodb, tableName: settings.tableName, retentionDays: settings.retentionDays, outcomes, logger },
      event,
    );

    expect(response.batchItemFailures).toEqual([]);
    // The producer's FAILED record, three PROCESSED cases and the discard auditor's provisional FAILED.
    expect(event.Records.length).toBeGreaterThanOrEqual(5);
    expect([...used].sort()).toEqual([
      "dynamodb:BatchGetItem",
      "dynamodb:PutItem",
      "sqs:DeleteMessage",
      "sqs:ReceiveMessage",
    ]);
    await expectDenied(() =>
      dynamodb.send(
        new DeleteItemCommand({ TableName: settings.tableName, Key: { transactionId: { S: "TXN-LP0" } } }),
      ),
    );
    table.push({
      function: "audit-processor",
      actionsUsed: [...used].sort().join(", "),
      denied: "dynamodb:DeleteItem",
    });
  });

  it("names all five functions, each with the actions it used and the one refused", () => {
    expect(table.map((row) => row.function)).toEqual([
      "token-manager",
      "cta-event-producer",
      "cta-case-creator",
      "cta-discard-auditor",
      "audit-processor",
    ]);
    for (const row of table) expect(row.actionsUsed.split(", ")).not.toContain(row.denied);
  });
});

/** The stream's records from the start, as Lambda's Kinesis event source hands them to the case creator. */
async function kinesisBatch(kinesis: KinesisClient): Promise<KinesisStreamEvent> {
  const shardId = (await kinesis.send(new ListShardsCommand({ StreamName: names.stream }))).Shards![0]!
    .ShardId!;
  const iterator = (
    await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: names.stream,
        ShardId: shardId,
        ShardIteratorType: "TRIM_HORIZON",
      }),
    )
  ).ShardIterator!;
  const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
  return {
    Records: Records.map((r) => ({
      eventSource: "aws:kinesis",
      eventSourceARN: `arn:aws:kinesis:eu-west-1:123456789012:stream/${names.stream}`,
      eventID: `${shardId}:${r.SequenceNumber}`,
      eventName: "aws:kinesis:record",
      eventVersion: "1.0",
      invokeIdentityArn: "arn:aws:iam::123456789012:role/bbkyc-cta-case-creator-sit-euw1",
      awsRegion: "eu-west-1",
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: r.PartitionKey!,
        sequenceNumber: r.SequenceNumber!,
        approximateArrivalTimestamp: r.ApproximateArrivalTimestamp!.getTime() / 1000,
        data: Buffer.from(r.Data!).toString("base64"),
      },
    })),
  };
}

/** What Lambda's SQS event source does with the function's role: receive, then delete what it handed over. */
async function receiveAsEventSource(sqs: SQSClient, queueUrl: string): Promise<SQSEvent> {
  const records: SQSRecord[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    if (Messages.length === 0) return { Records: records };
    records.push(
      ...Messages.map(
        (m) => ({ messageId: m.MessageId!, receiptHandle: m.ReceiptHandle!, body: m.Body! }) as SQSRecord,
      ),
    );
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}
