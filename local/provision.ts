/**
 * Creates a stack's resources in the emulator with the names and settings the real program
 * declares. Nothing here is a second, hand-kept list of resources: `planStack` runs the Pulumi
 * program under mocks (exactly what `npm run plan` shows) and every recorded resource of a type the
 * emulator serves is created from its recorded inputs. Lambda functions cannot run in moto, so
 * their recorded settings (environment, timeout) and their triggers (event source mappings, S3
 * notifications, schedules) are returned for the local event-source runners instead.
 *
 * The mocks answer with placeholder identifiers (queue URLs on amazonaws.com, `mock-key-…` key
 * ids, made-up secret suffixes); `translate` maps each to what the emulator gave the same resource,
 * so a function's environment points at the emulator's resources.
 */
import type { PlatformConfig } from "../stacks/config-types.js";
import { planStack } from "../stacks/offline/plan.js";
import type { RecordedResource } from "../stacks/offline/recording-mocks.js";
import type { AsyncInvokeSettings } from "./event-sources/async-invoke.js";
import {
  createBuckets,
  createQueues,
  createSecrets,
  createStreams,
  createTables,
  type EmulatorClients,
} from "./provision-resources.js";

export interface FunctionSettings {
  name: string;
  arn: string;
  /** Recorded environment, already translated to the emulator's identifiers. */
  environment: Record<string, string>;
  timeoutSeconds: number;
  memorySize: number;
  description: string;
}

export interface KinesisSourceSettings {
  functionName: string;
  streamName: string;
  streamArn: string;
  batchSize: number;
  parallelizationFactor: number;
  /** Seconds Lambda gathers records before invoking with a batch that is not full. @default `0` (at once) */
  maximumBatchingWindowInSeconds?: number;
  /** `-1`: until the record expires (Lambda's meaning). */
  maximumRetryAttempts: number;
  /** `-1`: no limit. */
  maximumRecordAgeInSeconds: number;
  bisectBatchOnFunctionError: boolean;
  reportBatchItemFailures: boolean;
  startingPosition: "TRIM_HORIZON" | "LATEST";
  /** The on-failure destination (an SQS queue) as the emulator knows it. */
  onFailure?: { queueArn: string; queueUrl: string; queueName: string };
}

export interface SqsSourceSettings {
  functionName: string;
  queueName: string;
  queueArn: string;
  queueUrl: string;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  reportBatchItemFailures: boolean;
  /** Concurrent invocations; Lambda scales up to this (or its own pool when unset). */
  maximumConcurrency?: number;
}

export interface S3NotificationSettings {
  bucket: string;
  functionName: string;
  events: string[];
  filterPrefix?: string;
  filterSuffix?: string;
}

export interface ScheduleSettings {
  name: string;
  expression: string;
  functionName: string;
  /** Queue that receives events the scheduler could not deliver (not function errors). */
  deadLetterQueueUrl?: string;
}

export interface QueueInfo {
  name: string;
  url: string;
  arn: string;
  visibilityTimeoutSeconds: number;
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

export interface ProvisionedStack {
  config: PlatformConfig;
  /** Every resource the program declared (for the `--keep` listing and tests). */
  resources: RecordedResource[];
  kmsKeyArn: string;
  streams: Array<{ name: string; arn: string; shardCount: number; onDemand: boolean }>;
  queues: QueueInfo[];
  tables: string[];
  buckets: string[];
  secrets: Array<{ name: string; arn: string }>;
  functions: FunctionSettings[];
  kinesisSources: KinesisSourceSettings[];
  sqsSources: SqsSourceSettings[];
  s3Notifications: S3NotificationSettings[];
  schedules: ScheduleSettings[];
  /** Asynchronous-invocation settings (retries, on-failure destination) by function name. */
  asyncInvokeConfigs: Map<string, AsyncInvokeSettings>;
  /** Maps a value the mocks made up to the emulator's value for the same resource. */
  translate(value: string): string;
}

export interface ProvisionOptions {
  stack: string;
  /** `key=value` config, as `pulumi config set` would add (stand-in URLs, shard count…). */
  overrides: Record<string, string>;
  clients: EmulatorClients;
  /** Emulator endpoint and region, for the one call made without an SDK client (KMS). */
  emulator: { endpoint: string; region: string };
  log?: (line: string) => void;
}

export class ProvisionError extends Error {
  override name = "ProvisionError";
}

export async function provisionStack(options: ProvisionOptions): Promise<ProvisionedStack> {
  const log = options.log ?? (() => undefined);
  const plan = await planStack(options.stack, options.overrides);
  const resources = plan.resources;
  log(`planned stack ${options.stack}: ${resources.length} resources`);

  const replacements = new Map<string, string>();
  const translate = (value: string): string => {
    let out = value;
    for (const [from, to] of replacements) if (out.includes(from)) out = out.split(from).join(to);
    return out;
  };

  const kmsKeyArn = await createKey(options.emulator, resources, replacements);
  const queues = await createQueues(options.clients.sqs, resources, replacements, translate);
  const streams = await createStreams(options.clients.kinesis, resources, translate);
  const tables = await createTables(options.clients.dynamodb, resources, translate);
  const buckets = await createBuckets(options.clients.s3, resources, translate);
  const secrets = await createSecrets(options.clients.secretsManager, resources, replacements, translate);

  const functions = functionSettings(resources, translate);
  const byArnOrName = (ref: string): FunctionSettings => {
    const fn = functions.find((f) => f.arn === ref || f.name === ref || ref.endsWith(`:function:${f.name}`));
    if (!fn)
      throw new ProvisionError(`An event source points at function ${ref}, which the plan does not declare.`);
    return fn;
  };
  const queueByArn = (arn: string): QueueInfo => {
    const queue = queues.find((q) => q.arn === arn);
    if (!queue) throw new ProvisionError(`Queue ${arn} is referenced but the plan does not declare it.`);
    return queue;
  };

  const kinesisSources: KinesisSourceSettings[] = [];
  const sqsSources: SqsSourceSettings[] = [];
  for (const r of ofType(resources, "aws:lambda/eventSourceMapping:EventSourceMapping")) {
    const i = r.inputs;
    const sourceArn = String(i.eventSourceArn ?? "");
    const fn = byArnOrName(String(i.functionName));
    const reportBatchItemFailures =
      Array.isArray(i.functionResponseTypes) && i.functionResponseTypes.includes("ReportBatchItemFailures");
    if (sourceArn.startsWith("arn:aws:kinesis:")) {
      const stream = streams.find((s) => s.arn === sourceArn);
      if (!stream)
        throw new ProvisionError(
          `Event source mapping ${r.name} reads stream ${sourceArn}, which the plan does not declare.`,
        );
      const onFailureArn = i.destinationConfig?.onFailure?.destinationArn as string | undefined;
      const onFailure = onFailureArn ? queueByArn(onFailureArn) : undefined;
      kinesisSources.push({
        functionName: fn.name,
        streamName: stream.name,
        streamArn: stream.arn,
        batchSize: num(i.batchSize, 100),
        parallelizationFactor: num(i.parallelizationFactor, 1),
        maximumBatchingWindowInSeconds: num(i.maximumBatchingWindowInSeconds, 0),
        maximumRetryAttempts: num(i.maximumRetryAttempts, -1),
        maximumRecordAgeInSeconds: num(i.maximumRecordAgeInSeconds, -1),
        bisectBatchOnFunctionError: i.bisectBatchOnFunctionError === true,
        reportBatchItemFailures,
        startingPosition: i.startingPosition === "LATEST" ? "LATEST" : "TRIM_HORIZON",
        ...(onFailure
          ? { onFailure: { queueArn: onFailure.arn, queueUrl: onFailure.url, queueName: onFailure.name } }
          : {}),
      });
    } else if (sourceArn.startsWith("arn:aws:sqs:")) {
      const queue = queueByArn(sourceArn);
      sqsSources.push({
        functionName: fn.name,
        queueName: queue.name,
        queueArn: queue.arn,
        queueUrl: queue.url,
        batchSize: num(i.batchSize, 10),
        maximumBatchingWindowInSeconds: num(i.maximumBatchingWindowInSeconds, 0),
        reportBatchItemFailures,
        ...(i.scalingConfig?.maximumConcurrency !== undefined
          ? { maximumConcurrency: Number(i.scalingConfig.maximumConcurrency) }
          : {}),
      });
    } else {
      log(`event source mapping ${r.name} reads ${sourceArn}, which the local run does not emulate; skipped`);
    }
  }

  const s3Notifications: S3NotificationSettings[] = [];
  for (const r of ofType(resources, "aws:s3/bucketNotification:BucketNotification")) {
    for (const target of (r.inputs.lambdaFunctions ?? []) as Array<Record<string, any>>) {
      s3Notifications.push({
        bucket: String(r.inputs.bucket),
        functionName: byArnOrName(String(target.lambdaFunctionArn)).name,
        events: (target.events ?? []) as string[],
        ...(target.filterPrefix ? { filterPrefix: String(target.filterPrefix) } : {}),
        ...(target.filterSuffix ? { filterSuffix: String(target.filterSuffix) } : {}),
      });
    }
  }

  const schedules: ScheduleSettings[] = ofType(resources, "aws:scheduler/schedule:Schedule")
    .filter((r) => String(r.inputs.target?.arn ?? "").includes(":lambda:"))
    .map((r) => {
      const dlqArn = r.inputs.target?.deadLetterConfig?.arn as string | undefined;
      const dlq = dlqArn ? queues.find((q) => q.arn === dlqArn) : undefined;
      return {
        name: String(r.inputs.name ?? r.name),
        expression: String(r.inputs.scheduleExpression),
        functionName: byArnOrName(String(r.inputs.target.arn)).name,
        ...(dlq ? { deadLetterQueueUrl: dlq.url } : {}),
      };
    });

  const asyncInvokeConfigs = new Map<string, AsyncInvokeSettings>();
  for (const r of ofType(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")) {
    const destination = r.inputs.destinationConfig?.onFailure?.destination as string | undefined;
    const queue = destination ? queues.find((q) => q.arn === destination) : undefined;
    asyncInvokeConfigs.set(byArnOrName(String(r.inputs.functionName)).name, {
      maximumRetryAttempts: num(r.inputs.maximumRetryAttempts, 2),
      ...(queue ? { onFailure: { queueUrl: queue.url, queueName: queue.name } } : {}),
    });
  }

  log(
    `created in the emulator: ${streams.length} stream(s), ${queues.length} queue(s), ${tables.length} table(s), ` +
      `${buckets.length} bucket(s), ${secrets.length} secret(s); ${functions.length} function(s) run in-process`,
  );
  return {
    config: plan.config,
    resources,
    kmsKeyArn,
    streams,
    queues,
    tables,
    buckets,
    secrets,
    functions,
    kinesisSources,
    sqsSources,
    s3Notifications,
    schedules,
    asyncInvokeConfigs,
    translate,
  };
}

/**
 * The platform key: one emulator key stands for every key the program declares. The project has no
 * KMS SDK client, and one CreateKey call does not justify adding it: this speaks the KMS JSON
 * protocol to the emulator directly (moto reads the region from the credential scope).
 */
async function createKey(
  emulator: { endpoint: string; region: string },
  resources: RecordedResource[],
  replacements: Map<string, string>,
): Promise<string> {
  const response = await fetch(emulator.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "TrentService.CreateKey",
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${emulator.region}/kms/aws4_request, SignedHeaders=host, Signature=local`,
    },
    body: JSON.stringify({ Description: "KYC platform data key (local run)" }),
  });
  if (!response.ok)
    throw new ProvisionError(`The emulator refused CreateKey: ${response.status} ${await response.text()}`);
  const metadata = ((await response.json()) as { KeyMetadata: { Arn: string; KeyId: string } }).KeyMetadata;
  for (const r of ofType(resources, "aws:kms/key:Key")) {
    // The mocks' id is `mock-key-<logical name>`; its ARN embeds that id (see recording-mocks.ts).
    const mockId = `mock-key-${r.name}`;
    replacements.set(`arn:aws:kms:${r.region}:123456789012:key/${mockId}`, metadata.Arn);
    replacements.set(mockId, metadata.KeyId);
  }
  return metadata.Arn;
}

function functionSettings(
  resources: RecordedResource[],
  translate: (v: string) => string,
): FunctionSettings[] {
  return ofType(resources, "aws:lambda/function:Function").map((r) => {
    const variables = (r.inputs.environment?.variables ?? {}) as Record<string, unknown>;
    const environment = Object.fromEntries(
      Object.entries(variables).map(([k, v]) => [k, translate(String(v))]),
    );
    const name = String(r.inputs.name ?? r.name);
    return {
      name,
      arn: `arn:aws:lambda:${r.region}:123456789012:function:${name}`,
      environment,
      timeoutSeconds: num(r.inputs.timeout, 3),
      memorySize: num(r.inputs.memorySize, 128),
      description: String(r.inputs.description ?? ""),
    };
  });
}

export function ofType(resources: RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((r) => r.type === type);
}

function num(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value)
    ? value
    : value !== undefined && value !== null && !Number.isNaN(Number(value))
      ? Number(value)
      : fallback;
}
