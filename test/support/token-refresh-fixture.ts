/**
 * The token manager's test bench, shared by its core test files: a CA generated for this run, the
 * local TIAA stand-in demanding a client certificate from it, the credential / certificate / token
 * secrets on the moto server, and `run()`, one refresh with its logs, metrics and sleeps captured.
 */
import type { InvokeCommand, InvokeCommandOutput } from "@aws-sdk/client-lambda";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import type { RefreshConfig } from "../../handlers/token-manager/settings.js";
import { TokenRefreshError } from "../../handlers/token-manager/errors.js";
import {
  refreshToken,
  type RefreshDeps,
  type StoredToken,
} from "../../handlers/token-manager/refresh-token.js";
import { Logger } from "../../handlers/lib/logger.js";
import { MemorySink, Metrics } from "../../handlers/lib/metrics.js";
import { createCertificateAuthority, type CertificateAuthority, type PemPair } from "../../local/pki.js";
import { startTiaaStandIn, type TiaaStandIn } from "../../local/tiaa-stand-in.js";
import { testClientConfig, uniqueName } from "./emulator.js";

export const USERNAME = "svc-kyc-tiaa";
export const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-Zq9`;

export let ca: CertificateAuthority;
export let client: PemPair;
export let strangerClient: PemPair;
export let tiaa: TiaaStandIn;
export let secrets: SecretsManagerClient;
export let tokenSecret: string;
export let credentialSecret: string;
export let certificateSecret: string;
export let workDir: string;
/** Every log line any refresh in this test file wrote. */
export const allLogLines: string[] = [];

/**
 * Starts the CA, the TIAA stand-in and the secrets for the calling test file (call it once at its top
 * level); the exported `let`s above are live bindings, set before the file's first test runs.
 */
export function useTokenRefreshFixture(): void {
  beforeAll(async () => {
    ca = createCertificateAuthority("TIAA test CA");
    client = ca.issue({ commonName: "kyc-token-manager", usage: "client" });
    strangerClient = createCertificateAuthority("Some other CA").issue({
      commonName: "intruder",
      usage: "client",
    });
    tiaa = await startTiaaStandIn({
      ca,
      server: ca.issue({ commonName: "tiaa.local", usage: "server" }),
      expectedUsername: USERNAME,
      expectedPassword: PASSWORD,
      tokenLifetimeSeconds: 3600,
    });
    secrets = new SecretsManagerClient(testClientConfig());
    tokenSecret = uniqueName("bbkyc-tiaa-token-sit");
    credentialSecret = uniqueName("tiaa-credentials");
    certificateSecret = uniqueName("tiaa-client-cert");
    await secrets.send(
      new CreateSecretCommand({ Name: tokenSecret, Description: "no value until the first refresh" }),
    );
    await secrets.send(
      new CreateSecretCommand({
        Name: credentialSecret,
        SecretString: JSON.stringify({ username: USERNAME, password: PASSWORD }),
      }),
    );
    await secrets.send(
      new CreateSecretCommand({
        Name: certificateSecret,
        SecretString: JSON.stringify({
          certificate: client.certificate,
          privateKey: client.privateKey,
          chain: ca.certificate,
        }),
      }),
    );
    workDir = mkdtempSync(join(tmpdir(), "token-manager-test-"));
  });

  afterAll(async () => {
    await tiaa?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });
}

export function config(overrides: Partial<RefreshConfig> = {}): RefreshConfig {
  return {
    environment: "sit",
    tokenUrl: tiaa.url,
    tokenSecretId: tokenSecret,
    grantType: "password",
    credentials: { source: "secret", secretId: credentialSecret },
    certificate: { source: "secret", secretId: certificateSecret },
    connectTimeoutMs: 2000,
    requestTimeoutMs: 4000,
    retries: 2,
    tokenLifetimeMinutes: 60,
    backoff: { baseMs: 200, maxMs: 1000 },
    ...overrides,
  };
}

export interface Run {
  sink: MemorySink;
  lines: string[];
  sleeps: number[];
  result?: Awaited<ReturnType<typeof refreshToken>>;
  error?: TokenRefreshError;
}

/** One refresh with captured logs, metrics and (instant) backoff sleeps. */
export async function run(cfg: RefreshConfig, extra: Partial<RefreshDeps> = {}): Promise<Run> {
  const sink = new MemorySink();
  const lines: string[] = [];
  const sleeps: number[] = [];
  const deps: RefreshDeps = {
    secretsManager: secrets,
    metrics: new Metrics({
      component: "token-manager",
      namespace: "bbkyc/token-manager/sit",
      environment: "sit",
      sink,
    }),
    logger: new Logger({
      service: "token-manager",
      level: "DEBUG",
      write: (line) => {
        lines.push(line);
        allLogLines.push(line);
      },
    }),
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    ca: ca.certificate,
    ...extra,
  };
  const outcome: Run = { sink, lines, sleeps };
  try {
    outcome.result = await refreshToken(deps, cfg);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenRefreshError);
    outcome.error = error as TokenRefreshError;
  }
  return outcome;
}

export async function currentToken(): Promise<{ value: StoredToken; versionId: string | undefined }> {
  const response = await secrets.send(new GetSecretValueCommand({ SecretId: tokenSecret }));
  return { value: JSON.parse(response.SecretString!) as StoredToken, versionId: response.VersionId };
}

/** A fake CSM Lambda client: records what it was sent and answers `answer`. */
export function fakeCsm(answer: unknown, functionError?: string) {
  const calls: Array<{ functionName?: string; payload: unknown }> = [];
  return {
    calls,
    lambda: {
      async send(command: InvokeCommand): Promise<InvokeCommandOutput> {
        calls.push({
          functionName: command.input.FunctionName,
          payload: JSON.parse(new TextDecoder().decode(command.input.Payload as Uint8Array)),
        });
        return {
          StatusCode: 200,
          FunctionError: functionError,
          Payload: new TextEncoder().encode(JSON.stringify(answer)) as InvokeCommandOutput["Payload"],
          $metadata: {},
        };
      },
    },
  };
}

export function expectFailure(outcome: Run, reason: string, message: RegExp): void {
  expect(outcome.result).toBeUndefined();
  expect(outcome.error?.reason).toBe(reason);
  expect(outcome.error?.message).toMatch(message);
  expect(outcome.sink.total("TokenRefreshFailure", { Reason: reason })).toBe(1);
  expect(outcome.sink.total("TokenRefreshSuccess")).toBe(0);
  expect(outcome.sink.published).toHaveLength(1); // flushed once
  const errorLine = outcome.lines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l.level === "ERROR");
  expect(errorLine).toMatchObject({
    message: "token refresh failed; the previous token stays current",
    reason,
  });
}

/**
 * No log line this file's refreshes wrote holds an issued token, the password or a private key.
 * @param minLines / minTokens make sure the file really ran refreshes and captured their logs.
 */
export function expectNoSecretsLogged(minLines: number, minTokens: number): void {
  expect(allLogLines.length).toBeGreaterThan(minLines);
  expect(tiaa.issuedTokens.length).toBeGreaterThan(minTokens);
  const keyLines = [client.privateKey, strangerClient.privateKey].flatMap((pem) =>
    pem.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----")),
  );
  const forbidden = [...tiaa.issuedTokens, PASSWORD, ...keyLines];
  for (const line of allLogLines) {
    for (const secret of forbidden) expect(line).not.toContain(secret);
    expect(line).not.toContain("PRIVATE KEY");
  }
}
