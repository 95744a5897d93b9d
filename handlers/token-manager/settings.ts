/**
 * The token manager's settings, read from the environment the component sets at deploy time.
 * Kept apart from the core so tests build a `RefreshConfig` directly.
 */
import { TokenRefreshError } from "./errors.js";

export type CredentialSettings =
  | {
      source: "csm-lambda";
      /** Name or ARN of the CSM Lambda. */
      lambdaName: string;
      /** The invoke payload, already filled with safe and object. */
      payload: string;
      /** Dot paths tried in order to find the username in the CSM response. */
      usernameFields: string[];
      /** Dot paths tried in order to find the password in the CSM response. */
      passwordFields: string[];
    }
  | { source: "secret" /** Secret holding `{"username","password"}`. */; secretId: string };

export type CertificateSettings =
  | { source: "acm"; certificateArn: string }
  | { source: "secret"; secretId: string }
  | { source: "file"; path: string };

export interface RefreshConfig {
  environment: string;
  tokenUrl: string;
  /** Secret the token is written to (name or ARN). */
  tokenSecretId: string;
  grantType: string;
  credentials: CredentialSettings;
  certificate: CertificateSettings;
  connectTimeoutMs: number;
  /** Total time of one attempt. */
  requestTimeoutMs: number;
  /** Retries after the first attempt, on network errors and 5xx only. */
  retries: number;
  /** Used as the token's lifetime only when TIAA's response states no expiry. */
  tokenLifetimeMinutes: number;
  /** Backoff between attempts (full jitter). @default `{ baseMs: 500, maxMs: 4000 }` */
  backoff?: { baseMs: number; maxMs: number };
}

/**
 * Where the username and password are looked for in the CSM response, first match wins. The CSM
 * response shape is not documented to us yet (see docs/csm-integration.md); these cover the two
 * shapes seen so far: `{"username","password"}` and CyberArk-style `{"UserName","Content"}`.
 */
export const DEFAULT_CSM_USERNAME_FIELDS = ["username", "UserName", "userName"];
export const DEFAULT_CSM_PASSWORD_FIELDS = ["password", "Content", "Password"];

/** Backoff between token request attempts; the component sizes the function timeout from it. */
export const DEFAULT_TOKEN_BACKOFF = { baseMs: 500, maxMs: 4000 };

export function readRefreshConfig(env: NodeJS.ProcessEnv = process.env): RefreshConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === "") {
      throw new TokenRefreshError(
        "configuration",
        `Environment variable ${name} is not set; the TokenManager component sets it at deploy time.`,
      );
    }
    return value;
  };
  const integer = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0)
      throw new TokenRefreshError(
        "configuration",
        `Environment variable ${name} is "${raw}"; expected a whole number.`,
      );
    return value;
  };
  const fieldList = (name: string, fallback: string[]): string[] => {
    const list = (env[name] ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    return list.length > 0 ? list : fallback;
  };

  const credentialSource = required("CREDENTIAL_SOURCE");
  let credentials: CredentialSettings;
  if (credentialSource === "csm-lambda") {
    credentials = {
      source: "csm-lambda",
      lambdaName: required("CSM_LAMBDA_NAME"),
      payload: required("CSM_PAYLOAD"),
      usernameFields: fieldList("CSM_USERNAME_FIELD", DEFAULT_CSM_USERNAME_FIELDS),
      passwordFields: fieldList("CSM_PASSWORD_FIELD", DEFAULT_CSM_PASSWORD_FIELDS),
    };
  } else if (credentialSource === "secret") {
    credentials = { source: "secret", secretId: required("CREDENTIAL_SECRET_ID") };
  } else {
    throw new TokenRefreshError(
      "configuration",
      `CREDENTIAL_SOURCE is "${credentialSource}"; expected csm-lambda or secret.`,
    );
  }

  const certificateSource = required("CERTIFICATE_SOURCE");
  let certificate: CertificateSettings;
  if (certificateSource === "acm")
    certificate = { source: "acm", certificateArn: required("CERTIFICATE_ARN") };
  else if (certificateSource === "secret")
    certificate = { source: "secret", secretId: required("CERTIFICATE_SECRET_ID") };
  else if (certificateSource === "file") certificate = { source: "file", path: required("CERTIFICATE_PATH") };
  else
    throw new TokenRefreshError(
      "configuration",
      `CERTIFICATE_SOURCE is "${certificateSource}"; expected acm, secret or file.`,
    );

  const tokenUrl = required("TOKEN_URL");
  if (!tokenUrl.startsWith("https://")) {
    throw new TokenRefreshError(
      "configuration",
      `TOKEN_URL must be an https URL (mutual TLS); got "${tokenUrl}".`,
    );
  }

  return {
    environment: required("ENVIRONMENT"),
    tokenUrl,
    tokenSecretId: required("TOKEN_SECRET_ID"),
    grantType: env.GRANT_TYPE || "password",
    credentials,
    certificate,
    connectTimeoutMs: integer("CONNECT_TIMEOUT_MS", 3000),
    requestTimeoutMs: integer("REQUEST_TIMEOUT_MS", 10_000),
    retries: integer("RETRIES", 2),
    tokenLifetimeMinutes: integer("TOKEN_LIFETIME_MINUTES", 60),
  };
}
