/**
 * AWS clients for the team's tools, built the way the handlers build theirs (`awsClientConfig`:
 * `AWS_ENDPOINT_URL` honoured, path-style S3 against an emulator), but for an explicit region: a
 * migration talks to two regions in one run.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GlueClient } from "@aws-sdk/client-glue";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { awsClientConfig, type AwsClientConfig } from "../../handlers/lib/aws-config.js";

/** Client settings for `region`; `endpoint` overrides `AWS_ENDPOINT_URL` (tests point it at moto). */
export function clientConfigFor(
  region: string,
  endpoint?: string,
  env: NodeJS.ProcessEnv = process.env,
): AwsClientConfig {
  const base = awsClientConfig(undefined, env);
  const url = endpoint ?? base.endpoint;
  return { ...base, region, ...(url ? { endpoint: url, forcePathStyle: true } : {}) };
}

/** Credentials as the SDK takes them; absent means the SDK's default chain (profile, SSO, role). */
export interface ToolCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Every client the migration tools use, for one region. */
export interface RegionClients {
  region: string;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  kinesis: KinesisClient;
  s3: S3Client;
  cloudwatch: CloudWatchClient;
  glue: GlueClient;
  secretsManager: SecretsManagerClient;
}

export interface RegionClientOptions {
  /** One endpoint for every service (the emulator); else `AWS_ENDPOINT_URL`, else AWS. */
  endpoint?: string;
  credentials?: ToolCredentials;
  env?: NodeJS.ProcessEnv;
}

/** The clients of one region. SDK clients connect lazily, so building all of them costs nothing. */
export function clientsForRegion(region: string, options: RegionClientOptions = {}): RegionClients {
  const config = {
    ...clientConfigFor(region, options.endpoint, options.env),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  return {
    region,
    dynamodb: new DynamoDBClient(config),
    sqs: new SQSClient(config),
    // The Kinesis client defaults to HTTP/2 (needed only for SubscribeToShard); GetRecords works over
    // HTTP/1.1, which also works against plain-http endpoints such as the emulator (as the producer does).
    kinesis: new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() }),
    s3: new S3Client(config),
    cloudwatch: new CloudWatchClient(config),
    glue: new GlueClient(config),
    secretsManager: new SecretsManagerClient(config),
  };
}

/** Clients per region, built once each: what the tools' real contexts hand their commands. */
export function regionClientCache(options: RegionClientOptions = {}): (region: string) => RegionClients {
  const cache = new Map<string, RegionClients>();
  return (region) => {
    if (!cache.has(region)) cache.set(region, clientsForRegion(region, options));
    return cache.get(region)!;
  };
}
