/**
 * The AWS clients the preflight reads with, for one region (`ops/lib/aws-clients.ts` settings).
 * Every call the checks make is a read (Describe/Get/Head); nothing here writes.
 */
import { ACMClient } from "@aws-sdk/client-acm";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { GlueClient } from "@aws-sdk/client-glue";
import { IAMClient } from "@aws-sdk/client-iam";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { STSClient } from "@aws-sdk/client-sts";
import { clientConfigFor } from "../lib/aws-clients.js";

type Sender<T extends { send: unknown }> = Pick<T, "send">;

export interface PreflightClients {
  lambda: Sender<LambdaClient>;
  acm: Sender<ACMClient>;
  secretsManager: Sender<SecretsManagerClient>;
  iam: Sender<IAMClient>;
  s3: Sender<S3Client>;
  cloudWatch: Sender<CloudWatchClient>;
  glue: Sender<GlueClient>;
  sts: Sender<STSClient>;
}

/** Clients for `region`; `endpoint` overrides AWS_ENDPOINT_URL (an emulator in tests). */
export function preflightClients(
  region: string,
  endpoint?: string,
  extra: Record<string, unknown> = {},
): PreflightClients {
  const config = { ...clientConfigFor(region, endpoint), ...extra };
  return {
    lambda: new LambdaClient(config),
    acm: new ACMClient(config),
    secretsManager: new SecretsManagerClient(config),
    iam: new IAMClient(config),
    s3: new S3Client(config),
    cloudWatch: new CloudWatchClient(config),
    glue: new GlueClient(config),
    sts: new STSClient(config),
  };
}
