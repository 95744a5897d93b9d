/**
 * The token manager function's environment: what the handler reads (`handlers/token-manager/settings.ts`)
 * from the stack's token-manager config, and the CSM payload with its placeholders filled in.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { TokenManagerArgs } from "./token-manager.js";
import type { TokenManagerConfig } from "./token-manager-config.js";

/** The CSM payload with safe and object filled in, JSON-escaped so a quote in a name cannot break it. */
export function csmPayload(config: TokenManagerConfig): string {
  if (config.credentials.source !== "csm-lambda") return "";
  const jsonEscape = (value: string) => JSON.stringify(value).slice(1, -1);
  return config.credentials.payloadTemplate
    .replaceAll("{safe}", jsonEscape(config.credentials.safe))
    .replaceAll("{object}", jsonEscape(config.credentials.object));
}

export function functionEnvironment(
  args: TokenManagerArgs,
  namespace: string,
  secretArn: pulumi.Output<string>,
): Record<string, pulumi.Input<string>> {
  const { config, naming } = args;
  const env: Record<string, pulumi.Input<string>> = {
    ENVIRONMENT: naming.env,
    METRIC_NAMESPACE: namespace,
    TOKEN_URL: config.tokenUrl,
    TOKEN_SECRET_ID: secretArn,
    GRANT_TYPE: config.grantType,
    CONNECT_TIMEOUT_MS: String(config.connectTimeoutMs),
    REQUEST_TIMEOUT_MS: String(config.requestTimeoutMs),
    RETRIES: String(config.retries),
    TOKEN_LIFETIME_MINUTES: String(config.lifetimeMinutes),
    CREDENTIAL_SOURCE: config.credentials.source,
    CERTIFICATE_SOURCE: config.certificate.source,
  };
  if (config.credentials.source === "csm-lambda") {
    env.CSM_LAMBDA_NAME = config.credentials.lambdaName;
    env.CSM_PAYLOAD = csmPayload(config);
    if (args.csmResponseFields?.username?.length)
      env.CSM_USERNAME_FIELD = args.csmResponseFields.username.join(",");
    if (args.csmResponseFields?.password?.length)
      env.CSM_PASSWORD_FIELD = args.csmResponseFields.password.join(",");
  } else {
    env.CREDENTIAL_SECRET_ID = config.credentials.secretArn;
  }
  if (config.certificate.source === "acm") env.CERTIFICATE_ARN = config.certificate.certificateArn;
  else if (config.certificate.source === "secret") env.CERTIFICATE_SECRET_ID = config.certificate.secretArn;
  else env.CERTIFICATE_PATH = config.certificate.path;
  if (config.secretsManagerEndpoint) env.SECRETS_MANAGER_ENDPOINT = config.secretsManagerEndpoint;
  if (args.extraCaCertsPath) env.NODE_EXTRA_CA_CERTS = args.extraCaCertsPath;
  return env;
}
