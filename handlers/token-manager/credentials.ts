/**
 * Step 1 of a refresh: the TIAA username and password, from the bank's CSM tool (by invoking its
 * Lambda for one safe/object) or from an existing Secrets Manager secret. Errors name the source
 * and what was wrong with it, never a value read from it.
 */
import { GetSecretValueCommand, type GetSecretValueCommandOutput } from "@aws-sdk/client-secrets-manager";
import { InvokeCommand, type InvokeCommandOutput } from "@aws-sdk/client-lambda";
import type { CredentialSettings } from "./settings.js";
import { TokenRefreshError } from "./errors.js";

export interface Credentials {
  username: string;
  password: string;
}

/** The one Lambda call the token manager makes (a real LambdaClient, or a fake in tests). */
export interface LambdaInvoker {
  send(command: InvokeCommand): Promise<InvokeCommandOutput>;
}

export interface SecretReader {
  send(command: GetSecretValueCommand): Promise<GetSecretValueCommandOutput>;
}

export interface CredentialDeps {
  lambda?: LambdaInvoker;
  secretsManager: SecretReader;
}

export async function fetchCredentials(
  deps: CredentialDeps,
  settings: CredentialSettings,
): Promise<Credentials> {
  return settings.source === "csm-lambda"
    ? fromCsm(deps, settings)
    : fromSecret(deps.secretsManager, settings.secretId);
}

async function fromCsm(
  deps: CredentialDeps,
  settings: Extract<CredentialSettings, { source: "csm-lambda" }>,
): Promise<Credentials> {
  if (!deps.lambda)
    throw new TokenRefreshError(
      "configuration",
      "CREDENTIAL_SOURCE is csm-lambda but no Lambda client was provided.",
    );
  const where = `CSM Lambda ${settings.lambdaName}`;
  let response: InvokeCommandOutput;
  try {
    response = await deps.lambda.send(
      new InvokeCommand({
        FunctionName: settings.lambdaName,
        InvocationType: "RequestResponse",
        Payload: new TextEncoder().encode(settings.payload),
      }),
    );
  } catch (error) {
    throw new TokenRefreshError(
      "credentials",
      `Could not invoke ${where}: ${(error as Error).name}: ${(error as Error).message}`,
    );
  }
  const text = response.Payload ? new TextDecoder().decode(response.Payload) : "";
  if (response.FunctionError) {
    // The CSM error payload may echo request details; only its type is logged here.
    throw new TokenRefreshError(
      "credentials",
      `${where} failed (${response.FunctionError}, errorType ${errorTypeOf(text)}); see that function's own logs.`,
    );
  }
  const document = unwrap(parseJson(text, where));
  const username = firstString(document, settings.usernameFields);
  const password = firstString(document, settings.passwordFields);
  if (username === undefined || password === undefined) {
    const missing = [
      username === undefined ? `username (looked for ${settings.usernameFields.join(", ")})` : "",
      password === undefined ? `password (looked for ${settings.passwordFields.join(", ")})` : "",
    ]
      .filter(Boolean)
      .join(" and ");
    throw new TokenRefreshError(
      "credentials",
      `${where} answered without a ${missing}; top-level fields were [${Object.keys(document).join(", ")}]. ` +
        `Set CSM_USERNAME_FIELD / CSM_PASSWORD_FIELD to the right paths.`,
    );
  }
  return { username, password };
}

async function fromSecret(secretsManager: SecretReader, secretId: string): Promise<Credentials> {
  const where = `credential secret ${secretId}`;
  let value: string | undefined;
  try {
    value = (await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    throw new TokenRefreshError(
      "credentials",
      `Could not read ${where}: ${(error as Error).name}: ${(error as Error).message}`,
    );
  }
  const document = parseJson(value ?? "", where);
  const username = firstString(document, ["username"]);
  const password = firstString(document, ["password"]);
  if (username === undefined || password === undefined) {
    throw new TokenRefreshError(
      "credentials",
      `${where} must hold {"username","password"} as non-empty strings.`,
    );
  }
  return { username, password };
}

function parseJson(text: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TokenRefreshError("credentials", `${where} did not return JSON.`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TokenRefreshError("credentials", `${where} did not return a JSON object.`);
  }
  return value as Record<string, unknown>;
}

/** Lambdas written for API Gateway answer `{statusCode, body: "<json>"}`; look inside such a body. */
function unwrap(document: Record<string, unknown>): Record<string, unknown> {
  if (typeof document.body !== "string") return document;
  const status = typeof document.statusCode === "number" ? document.statusCode : 200;
  if (status >= 400)
    throw new TokenRefreshError("credentials", `The CSM Lambda answered statusCode ${status}.`);
  try {
    const inner: unknown = JSON.parse(document.body);
    return typeof inner === "object" && inner !== null ? (inner as Record<string, unknown>) : document;
  } catch {
    return document;
  }
}

/** The first of `paths` (dot-separated, e.g. `data.UserName`) that holds a non-empty string. */
export function firstString(document: Record<string, unknown>, paths: string[]): string | undefined {
  for (const path of paths) {
    let value: unknown = document;
    for (const part of path.split(".")) {
      value =
        typeof value === "object" && value !== null ? (value as Record<string, unknown>)[part] : undefined;
    }
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}

function errorTypeOf(text: string): string {
  try {
    const value = JSON.parse(text) as { errorType?: unknown };
    return typeof value.errorType === "string" ? value.errorType.slice(0, 80) : "unknown";
  } catch {
    return "unknown";
  }
}
