/**
 * Client settings for every AWS SDK client a handler builds. The SDK already honours
 * AWS_ENDPOINT_URL; this adds the per-service override (e.g. a Secrets Manager VPC endpoint) and
 * path-style S3, which the local emulator needs.
 *
 * Retries have ONE owner per call, so attempts never multiply (an SDK client with its default 3
 * attempts under a loop of 6 made up to 18 HTTP calls a batch in an outage):
 * - Calls that a hand-written loop retries entry by entry — Kinesis PutRecords
 *   (`event-producer/kinesis-publisher.ts`, 6 attempts) and SQS SendMessageBatch
 *   (`lib/audit-sender.ts`, 4 attempts) — go through a client built with
 *   `loopRetriedClientConfig()`: the SDK makes exactly one attempt, and the loop retries both a call
 *   that failed as a whole and the entries a successful call did not accept, with a backoff it
 *   counts and can budget. Such a client must make no other call.
 * - Every other call uses `awsClientConfig()`: the SDK's standard retry strategy (3 attempts,
 *   exponential backoff with jitter) retries the whole call, and no code around it retries again.
 * The SDK's retry settings: https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
export interface AwsClientConfig {
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  maxAttempts?: number;
}

export function awsClientConfig(
  serviceEndpointEnv?: string,
  env: NodeJS.ProcessEnv = process.env,
): AwsClientConfig {
  const endpoint = (serviceEndpointEnv && env[serviceEndpointEnv]) || env.AWS_ENDPOINT_URL || undefined;
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  };
}

/** For a client whose only calls are retried by a loop of ours (see above): one SDK attempt per call. */
export function loopRetriedClientConfig(
  serviceEndpointEnv?: string,
  env: NodeJS.ProcessEnv = process.env,
): AwsClientConfig {
  return { ...awsClientConfig(serviceEndpointEnv, env), maxAttempts: 1 };
}

/** A required environment variable, with an error that names it. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === "")
    throw new Error(`Environment variable ${name} is not set; the component sets it at deploy time.`);
  return value;
}
