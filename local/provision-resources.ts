/**
 * One creator per resource type the emulator serves, each reading the inputs `@pulumi/aws` 7
 * records for that type. Settings the emulator does not model (log groups, IAM, alarms,
 * dashboards) are not created: the local run does not depend on them.
 */
import {
  CreateTableCommand,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
} from "@aws-sdk/client-dynamodb";
import {
  CreateStreamCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListShardsCommand,
  StartStreamEncryptionCommand,
  type KinesisClient,
} from "@aws-sdk/client-kinesis";
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { CreateSecretCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { RecordedResource } from "../stacks/offline/recording-mocks.js";
import type { QueueInfo } from "./provision.js";

export interface EmulatorClients {
  sqs: SQSClient;
  kinesis: KinesisClient;
  dynamodb: DynamoDBClient;
  s3: S3Client;
  secretsManager: SecretsManagerClient;
}

type Translate = (value: string) => string;

const of = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);
const str = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

/** Queues without a redrive policy first, so every dead-letter target exists when it is named. */
export async function createQueues(
  sqs: SQSClient,
  resources: RecordedResource[],
  replacements: Map<string, string>,
  translate: Translate,
): Promise<QueueInfo[]> {
  const declared = of(resources, "aws:sqs/queue:Queue");
  const ordered = [
    ...declared.filter((r) => !r.inputs.redrivePolicy),
    ...declared.filter((r) => r.inputs.redrivePolicy),
  ];
  const queues: QueueInfo[] = [];
  for (const r of ordered) {
    const i = r.inputs;
    const name = String(i.name ?? r.name);
    const attributes: Record<string, string> = {};
    const set = (key: string, value: unknown) => {
      if (value !== undefined && value !== null && value !== "") attributes[key] = translate(String(value));
    };
    set("VisibilityTimeout", i.visibilityTimeoutSeconds);
    set("MessageRetentionPeriod", i.messageRetentionSeconds);
    set("ReceiveMessageWaitTimeSeconds", i.receiveWaitTimeSeconds);
    set("DelaySeconds", i.delaySeconds);
    set("MaximumMessageSize", i.maxMessageSize);
    set("KmsMasterKeyId", i.kmsMasterKeyId);
    set("KmsDataKeyReusePeriodSeconds", i.kmsDataKeyReusePeriodSeconds);
    set("RedrivePolicy", i.redrivePolicy);
    if (i.fifoQueue) attributes.FifoQueue = "true";
    const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const url = created.QueueUrl!;
    const got = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn", "VisibilityTimeout"] }),
    );
    // The mocks answer with an amazonaws.com URL; functions must use the emulator's.
    replacements.set(`https://sqs.${r.region}.amazonaws.com/123456789012/${name}`, url);
    const redrive = i.redrivePolicy
      ? (JSON.parse(translate(String(i.redrivePolicy))) as QueueInfo["redrive"])
      : undefined;
    queues.push({
      name,
      url,
      arn: got.Attributes!.QueueArn!,
      visibilityTimeoutSeconds: Number(got.Attributes!.VisibilityTimeout ?? 30),
      ...(redrive
        ? {
            redrive: {
              deadLetterTargetArn: redrive.deadLetterTargetArn,
              maxReceiveCount: Number(redrive.maxReceiveCount),
            },
          }
        : {}),
    });
  }
  // Separate resources that set a queue's policies after the fact.
  for (const r of of(resources, "aws:sqs/redrivePolicy:RedrivePolicy")) {
    const queue = queues.find((q) => q.url === translate(String(r.inputs.queueUrl)));
    if (!queue) continue;
    const policy = translate(String(r.inputs.redrivePolicy));
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: queue.url, Attributes: { RedrivePolicy: policy } }),
    );
    const parsed = JSON.parse(policy) as { deadLetterTargetArn: string; maxReceiveCount: number };
    queue.redrive = {
      deadLetterTargetArn: parsed.deadLetterTargetArn,
      maxReceiveCount: Number(parsed.maxReceiveCount),
    };
  }
  for (const [type, attribute, input] of [
    ["aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "RedriveAllowPolicy", "redriveAllowPolicy"],
    ["aws:sqs/queuePolicy:QueuePolicy", "Policy", "policy"],
  ] as const) {
    for (const r of of(resources, type)) {
      const url = translate(String(r.inputs.queueUrl));
      if (!queues.some((q) => q.url === url)) continue;
      await sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: url,
          Attributes: { [attribute]: translate(String(r.inputs[input])) },
        }),
      );
    }
  }
  return queues;
}

export async function createStreams(
  kinesis: KinesisClient,
  resources: RecordedResource[],
  translate: Translate,
) {
  const streams: Array<{ name: string; arn: string; shardCount: number; onDemand: boolean }> = [];
  for (const r of of(resources, "aws:kinesis/stream:Stream")) {
    const i = r.inputs;
    const name = String(i.name ?? r.name);
    const onDemand = i.streamModeDetails?.streamMode === "ON_DEMAND";
    await kinesis.send(
      new CreateStreamCommand({
        StreamName: name,
        ...(onDemand
          ? { StreamModeDetails: { StreamMode: "ON_DEMAND" } }
          : { ShardCount: Number(i.shardCount ?? 1) }),
      }),
    );
    if (Number(i.retentionPeriod ?? 24) > 24) {
      await kinesis.send(
        new IncreaseStreamRetentionPeriodCommand({
          StreamName: name,
          RetentionPeriodHours: Number(i.retentionPeriod),
        }),
      );
    }
    if (i.encryptionType === "KMS" && str(i.kmsKeyId)) {
      await kinesis.send(
        new StartStreamEncryptionCommand({
          StreamName: name,
          EncryptionType: "KMS",
          KeyId: translate(String(i.kmsKeyId)),
        }),
      );
    }
    const shards = await kinesis.send(new ListShardsCommand({ StreamName: name }));
    streams.push({
      name,
      arn: `arn:aws:kinesis:${r.region}:123456789012:stream/${name}`,
      shardCount: shards.Shards?.length ?? 0,
      onDemand,
    });
  }
  return streams;
}

export async function createTables(
  dynamodb: DynamoDBClient,
  resources: RecordedResource[],
  translate: Translate,
): Promise<string[]> {
  const names: string[] = [];
  for (const r of of(resources, "aws:dynamodb/table:Table")) {
    const i = r.inputs;
    const name = String(i.name ?? r.name);
    const keys = (hash?: string, range?: string): KeySchemaElement[] => [
      ...(hash ? [{ AttributeName: hash, KeyType: "HASH" as const }] : []),
      ...(range ? [{ AttributeName: range, KeyType: "RANGE" as const }] : []),
    ];
    const indexes: GlobalSecondaryIndex[] = (
      (i.globalSecondaryIndexes ?? []) as Array<Record<string, any>>
    ).map((g) => ({
      IndexName: String(g.name),
      // aws 7 declares index keys as `keySchemas`; older programs used hashKey/rangeKey.
      KeySchema: Array.isArray(g.keySchemas)
        ? g.keySchemas.map((k: Record<string, string>) => ({
            AttributeName: k.attributeName!,
            KeyType: k.keyType as "HASH" | "RANGE",
          }))
        : keys(g.hashKey, g.rangeKey),
      Projection: {
        ProjectionType: (g.projectionType ?? "ALL") as "ALL" | "KEYS_ONLY" | "INCLUDE",
        ...(Array.isArray(g.nonKeyAttributes) && g.nonKeyAttributes.length > 0
          ? { NonKeyAttributes: g.nonKeyAttributes }
          : {}),
      },
    }));
    const sse = i.serverSideEncryption?.enabled
      ? {
          SSESpecification: {
            Enabled: true,
            SSEType: "KMS" as const,
            ...(str(i.serverSideEncryption.kmsKeyArn)
              ? { KMSMasterKeyId: translate(i.serverSideEncryption.kmsKeyArn) }
              : {}),
          },
        }
      : {};
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: i.billingMode === "PROVISIONED" ? "PROVISIONED" : "PAY_PER_REQUEST",
        ...(i.billingMode === "PROVISIONED"
          ? {
              ProvisionedThroughput: {
                ReadCapacityUnits: Number(i.readCapacity ?? 5),
                WriteCapacityUnits: Number(i.writeCapacity ?? 5),
              },
            }
          : {}),
        AttributeDefinitions: ((i.attributes ?? []) as Array<{ name: string; type: "S" | "N" | "B" }>).map(
          (a) => ({ AttributeName: a.name, AttributeType: a.type }),
        ),
        KeySchema: keys(i.hashKey, i.rangeKey),
        ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
        ...sse,
        ...(i.deletionProtectionEnabled ? { DeletionProtectionEnabled: true } : {}),
      }),
    );
    if (i.ttl?.enabled && str(i.ttl.attributeName)) {
      await dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { Enabled: true, AttributeName: i.ttl.attributeName },
        }),
      );
    }
    if (i.pointInTimeRecovery?.enabled) {
      await dynamodb.send(
        new UpdateContinuousBackupsCommand({
          TableName: name,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      );
    }
    names.push(name);
  }
  return names;
}

export async function createBuckets(
  s3: S3Client,
  resources: RecordedResource[],
  translate: Translate,
): Promise<string[]> {
  const names: string[] = [];
  for (const r of [...of(resources, "aws:s3/bucket:Bucket"), ...of(resources, "aws:s3/bucketV2:BucketV2")]) {
    const name = String(r.inputs.bucket ?? r.name);
    await s3.send(
      new CreateBucketCommand({
        Bucket: name,
        CreateBucketConfiguration: { LocationConstraint: r.region as "eu-west-1" },
      }),
    );
    names.push(name);
  }
  const known = (bucket: unknown) => names.includes(String(bucket));
  for (const r of of(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").filter((b) =>
    known(b.inputs.bucket),
  )) {
    const i = r.inputs;
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: String(i.bucket),
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: i.blockPublicAcls === true,
          BlockPublicPolicy: i.blockPublicPolicy === true,
          IgnorePublicAcls: i.ignorePublicAcls === true,
          RestrictPublicBuckets: i.restrictPublicBuckets === true,
        },
      }),
    );
  }
  const encryptionTypes = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  ];
  for (const r of encryptionTypes.flatMap((t) => of(resources, t)).filter((b) => known(b.inputs.bucket))) {
    const rules = ((r.inputs.rules ?? []) as Array<Record<string, any>>).map((rule) => ({
      ApplyServerSideEncryptionByDefault: {
        SSEAlgorithm: rule.applyServerSideEncryptionByDefault?.sseAlgorithm ?? "aws:kms",
        ...(str(rule.applyServerSideEncryptionByDefault?.kmsMasterKeyId)
          ? { KMSMasterKeyID: translate(rule.applyServerSideEncryptionByDefault.kmsMasterKeyId) }
          : {}),
      },
      ...(rule.bucketKeyEnabled !== undefined ? { BucketKeyEnabled: rule.bucketKeyEnabled === true } : {}),
    }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: String(r.inputs.bucket),
        ServerSideEncryptionConfiguration: { Rules: rules },
      }),
    );
  }
  for (const r of of(resources, "aws:s3/bucketVersioning:BucketVersioning").filter((b) =>
    known(b.inputs.bucket),
  )) {
    const status = r.inputs.versioningConfiguration?.status;
    if (status === "Enabled" || status === "Suspended") {
      await s3.send(
        new PutBucketVersioningCommand({
          Bucket: String(r.inputs.bucket),
          VersioningConfiguration: { Status: status },
        }),
      );
    }
  }
  // Bucket policies are not applied: the emulator evaluates them, and the program's TLS-only
  // policy (deny when aws:SecureTransport is false) would refuse every call to its plain-http,
  // loopback-only endpoint.
  return names;
}

/** Secrets start without a value, as `pulumi up` leaves them: the token manager writes the first one. */
export async function createSecrets(
  sm: SecretsManagerClient,
  resources: RecordedResource[],
  replacements: Map<string, string>,
  translate: Translate,
) {
  const secrets: Array<{ name: string; arn: string }> = [];
  for (const r of of(resources, "aws:secretsmanager/secret:Secret")) {
    const name = String(r.inputs.name ?? r.name);
    const created = await sm.send(
      new CreateSecretCommand({
        Name: name,
        ...(str(r.inputs.description) ? { Description: r.inputs.description } : {}),
        ...(str(r.inputs.kmsKeyId) ? { KmsKeyId: translate(r.inputs.kmsKeyId) } : {}),
      }),
    );
    replacements.set(`arn:aws:secretsmanager:${r.region}:123456789012:secret:${name}-AbCdEf`, created.ARN!);
    secrets.push({ name, arn: created.ARN! });
  }
  return secrets;
}
