/**
 * Client settings for every AWS SDK client a handler builds. The SDK already honours
 * AWS_ENDPOINT_URL; this adds the per-service override (e.g. a Secrets Manager VPC endpoint) and
 * path-style S3, which the local emulator needs.
 */
export interface AwsClientConfig {
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  maxAttempts?: number;
}

export function awsClientConfig(serviceEndpointEnv?: string, env: NodeJS.ProcessEnv = process.env): AwsClientConfig {
  const endpoint = (serviceEndpointEnv && env[serviceEndpointEnv]) || env.AWS_ENDPOINT_URL || undefined;
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  };
}

/** A required environment variable, with an error that names it. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === "") throw new Error(`Environment variable ${name} is not set; the component sets it at deploy time.`);
  return value;
}
