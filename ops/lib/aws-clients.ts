/**
 * AWS clients for the team's tools, built the way the handlers build theirs (`awsClientConfig`:
 * `AWS_ENDPOINT_URL` honoured, path-style S3 against an emulator), but for an explicit region: a
 * migration talks to two regions in one run.
 */
import { awsClientConfig, type AwsClientConfig } from "../../handlers/lib/aws-config.js";

/** Client settings for `region`; `endpoint` overrides `AWS_ENDPOINT_URL` (tests point it at moto). */
export function clientConfigFor(region: string, endpoint?: string, env: NodeJS.ProcessEnv = process.env): AwsClientConfig {
  const base = awsClientConfig(undefined, env);
  const url = endpoint ?? base.endpoint;
  return { ...base, region, ...(url ? { endpoint: url, forcePathStyle: true } : {}) };
}
