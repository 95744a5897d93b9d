/**
 * The token manager's core against real parts: Secrets Manager (and ACM) on the moto server, and
 * the local TIAA stand-in demanding a client certificate from a CA generated for this run. Only the
 * CSM invoke is a fake Lambda client (moto cannot run Lambda code).
 */
import { ACMClient, ExportCertificateCommand, ImportCertificateCommand, RequestCertificateCommand } from "@aws-sdk/client-acm";
import type { InvokeCommand, InvokeCommandOutput } from "@aws-sdk/client-lambda";
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadClientCertificate } from "../handlers/token-manager/certificate.js";
import { type CertificateSettings, type CredentialSettings, type RefreshConfig } from "../handlers/token-manager/config.js";
import { TokenRefreshError } from "../handlers/token-manager/errors.js";
import { refreshToken, type RefreshDeps, type StoredToken } from "../handlers/token-manager/refresh-token.js";
import { parseTokenResponse } from "../handlers/token-manager/token-response.js";
import { SecretTokenClient } from "../handlers/lib/token-client.js";
import { Logger } from "../handlers/lib/logger.js";
import { MemorySink, Metrics } from "../handlers/lib/metrics.js";
import { createCertificateAuthority, type CertificateAuthority, type PemPair } from "../local/pki.js";
import { startTiaaStandIn, type TiaaStandIn } from "../local/tiaa-stand-in.js";
import { testClientConfig, uniqueName } from "./support/emulator.js";

const USERNAME = "svc-kyc-tiaa";
const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-Zq9`;

let ca: CertificateAuthority;
let client: PemPair;
let strangerClient: PemPair;
let tiaa: TiaaStandIn;
let secrets: SecretsManagerClient;
let tokenSecret: string;
let credentialSecret: string;
let certificateSecret: string;
let workDir: string;
/** Every log line any refresh in this file wrote. */
const allLogLines: string[] = [];

beforeAll(async () => {
  ca = createCertificateAuthority("TIAA test CA");
  client = ca.issue({ commonName: "kyc-token-manager", usage: "client" });
  strangerClient = createCertificateAuthority("Some other CA").issue({ commonName: "intruder", usage: "client" });
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
  await secrets.send(new CreateSecretCommand({ Name: tokenSecret, Description: "no value until the first refresh" }));
  await secrets.send(new CreateSecretCommand({ Name: credentialSecret, SecretString: JSON.stringify({ username: USERNAME, password: PASSWORD }) }));
  await secrets.send(
    new CreateSecretCommand({ Name: certificateSecret, SecretString: JSON.stringify({ certificate: client.certificate, privateKey: client.privateKey, chain: ca.certificate }) }),
  );
  workDir = mkdtempSync(join(tmpdir(), "token-manager-test-"));
});

afterAll(async () => {
  await tiaa?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function config(overrides: Partial<RefreshConfig> = {}): RefreshConfig {
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

interface Run {
  sink: MemorySink;
  lines: string[];
  sleeps: number[];
  result?: Awaited<ReturnType<typeof refreshToken>>;
  error?: TokenRefreshError;
}

/** One refresh with captured logs, metrics and (instant) backoff sleeps. */
async function run(cfg: RefreshConfig, extra: Partial<RefreshDeps> = {}): Promise<Run> {
  const sink = new MemorySink();
  const lines: string[] = [];
  const sleeps: number[] = [];
  const deps: RefreshDeps = {
    secretsManager: secrets,
    metrics: new Metrics({ component: "token-manager", namespace: "bbkyc/token-manager/sit", environment: "sit", sink }),
    logger: new Logger({ service: "token-manager", level: "DEBUG", write: (line) => (lines.push(line), allLogLines.push(line)) }),
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

async function currentToken(): Promise<{ value: StoredToken; versionId: string | undefined }> {
  const response = await secrets.send(new GetSecretValueCommand({ SecretId: tokenSecret }));
  return { value: JSON.parse(response.SecretString!) as StoredToken, versionId: response.VersionId };
}

/** A fake CSM Lambda client: records what it was sent and answers `answer`. */
function fakeCsm(answer: unknown, functionError?: string) {
  const calls: Array<{ functionName?: string; payload: unknown }> = [];
  return {
    calls,
    lambda: {
      async send(command: InvokeCommand): Promise<InvokeCommandOutput> {
        calls.push({ functionName: command.input.FunctionName, payload: JSON.parse(new TextDecoder().decode(command.input.Payload as Uint8Array)) });
        return { StatusCode: 200, FunctionError: functionError, Payload: new TextEncoder().encode(JSON.stringify(answer)) as InvokeCommandOutput["Payload"], $metadata: {} };
      },
    },
  };
}

function expectFailure(outcome: Run, reason: string, message: RegExp): void {
  expect(outcome.result).toBeUndefined();
  expect(outcome.error?.reason).toBe(reason);
  expect(outcome.error?.message).toMatch(message);
  expect(outcome.sink.total("TokenRefreshFailure", { Reason: reason })).toBe(1);
  expect(outcome.sink.total("TokenRefreshSuccess")).toBe(0);
  expect(outcome.sink.published).toHaveLength(1); // flushed once
  const errorLine = outcome.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === "ERROR");
  expect(errorLine).toMatchObject({ message: "token refresh failed; the previous token stays current", reason });
}

describe("refreshToken — happy path", () => {
  it("stores a validated token that the token client can read", async () => {
    const before = tiaa.requests;
    const outcome = await run(config());

    expect(outcome.error).toBeUndefined();
    expect(outcome.result?.attempts).toBe(1);
    expect(tiaa.requests - before).toBe(1);
    expect(tiaa.lastClientCommonName).toBe("kyc-token-manager");
    const { value } = await currentToken();
    expect(value.access_token).toBe(tiaa.issuedTokens.at(-1));
    expect(value.token_type).toBe("Bearer");
    expect(Date.parse(value.expires_at) - Date.parse(value.fetched_at)).toBe(3600_000);
    expect(outcome.result?.expiresAt).toBe(value.expires_at);
    expect(outcome.sink.total("TokenRefreshSuccess")).toBe(1);
    expect(outcome.sink.published).toHaveLength(1);

    const consumer = new SecretTokenClient({ secretsManager: secrets, secretId: tokenSecret });
    expect(await consumer.getToken()).toBe(value.access_token);
  });

  it("a second refresh replaces the token (and a consumer sees it after a 401)", async () => {
    const consumer = new SecretTokenClient({ secretsManager: secrets, secretId: tokenSecret });
    const first = await consumer.getToken();
    const outcome = await run(config());

    expect(outcome.error).toBeUndefined();
    const { value } = await currentToken();
    expect(value.access_token).not.toBe(first);
    expect(value.access_token).toBe(tiaa.issuedTokens.at(-1));
    expect(await consumer.getToken()).toBe(first); // still cached
    expect(await consumer.refreshAfterUnauthorized()).toBe(value.access_token);
  });

  it("gets credentials from the CSM Lambda with the configured payload and CyberArk-style fields", async () => {
    const csm = fakeCsm({ UserName: USERNAME, Content: PASSWORD, Address: "tiaa" });
    const credentials: CredentialSettings = {
      source: "csm-lambda",
      lambdaName: "csm-reader",
      payload: JSON.stringify({ safe: "KYC-SAFE", object: "tiaa-svc" }),
      usernameFields: ["username", "UserName"],
      passwordFields: ["password", "Content"],
    };
    const outcome = await run(config({ credentials }), { lambda: csm.lambda });

    expect(outcome.error).toBeUndefined();
    expect(csm.calls).toEqual([{ functionName: "csm-reader", payload: { safe: "KYC-SAFE", object: "tiaa-svc" } }]);
    expect((await currentToken()).value.access_token).toBe(tiaa.issuedTokens.at(-1));
  });

  it("unwraps an API-Gateway-style CSM answer and follows configured dot paths", async () => {
    const csm = fakeCsm({ statusCode: 200, body: JSON.stringify({ data: { login: USERNAME, secret: PASSWORD } }) });
    const credentials: CredentialSettings = { source: "csm-lambda", lambdaName: "csm", payload: "{}", usernameFields: ["data.login"], passwordFields: ["data.secret"] };
    const outcome = await run(config({ credentials }), { lambda: csm.lambda });
    expect(outcome.error).toBeUndefined();
  });

  it("5xx then 200: exactly one retry, after a backoff, then success", async () => {
    const before = tiaa.requests;
    tiaa.setFault("http500", 1);
    const outcome = await run(config());

    expect(outcome.error).toBeUndefined();
    expect(outcome.result?.attempts).toBe(2);
    expect(tiaa.requests - before).toBe(2);
    expect(outcome.sleeps).toEqual([100]); // full jitter: 0.5 × base 200 ms
    expect(outcome.lines.some((l) => l.includes("retrying") && l.includes("http-5xx"))).toBe(true);
    expect(outcome.sink.total("TokenRefreshSuccess")).toBe(1);
  });

  it("a certificate rotated in its secret is presented at the next refresh, with no redeploy", async () => {
    const rotatedSecret = uniqueName("tiaa-client-cert-rotating");
    await secrets.send(new CreateSecretCommand({ Name: rotatedSecret, SecretString: JSON.stringify({ certificate: client.certificate, privateKey: client.privateKey }) }));
    expect((await run(config({ certificate: { source: "secret", secretId: rotatedSecret } }))).error).toBeUndefined();
    expect(tiaa.lastClientCommonName).toBe("kyc-token-manager");

    const renewed = ca.issue({ commonName: "kyc-token-manager-2027", usage: "client" });
    await secrets.send(new PutSecretValueCommand({ SecretId: rotatedSecret, SecretString: JSON.stringify({ certificate: renewed.certificate, privateKey: renewed.privateKey }) }));
    const outcome = await run(config({ certificate: { source: "secret", secretId: rotatedSecret } }));
    expect(outcome.error).toBeUndefined();
    expect(tiaa.lastClientCommonName).toBe("kyc-token-manager-2027");
  });

  it("reads the certificate from a PEM file (legacy source)", async () => {
    const path = join(workDir, "client.pem");
    writeFileSync(path, `${client.certificate}${ca.certificate}${client.privateKey}`, { mode: 0o600 });
    const outcome = await run(config({ certificate: { source: "file", path } }));
    expect(outcome.error).toBeUndefined();
    expect(tiaa.lastClientCommonName).toBe("kyc-token-manager");
  });
});

describe("refreshToken — failures keep the previous token", () => {
  let good: { value: StoredToken; versionId: string | undefined };

  beforeAll(async () => {
    tiaa.setFault("none");
    const seeded = await run(config());
    expect(seeded.error).toBeUndefined();
    good = await currentToken();
  });

  async function expectOldTokenCurrent(): Promise<void> {
    const now = await currentToken();
    expect(now.versionId).toBe(good.versionId);
    expect(now.value).toEqual(good.value);
  }

  it("endpoint down: retried, then endpoint-unreachable", async () => {
    tiaa.setFault("down");
    const before = tiaa.connections;
    const outcome = await run(config());
    tiaa.setFault("none");

    expectFailure(outcome, "endpoint-unreachable", /Could not reach TIAA .*attempt 3 of 3/);
    expect(tiaa.connections - before).toBe(3);
    expect(outcome.sleeps).toHaveLength(2);
    await expectOldTokenCurrent();
  });

  it("timeout: endpoint-timeout after the configured attempts", async () => {
    tiaa.setFault("timeout");
    const started = Date.now();
    const outcome = await run(config({ requestTimeoutMs: 400, retries: 1 }));
    tiaa.setFault("none");

    expectFailure(outcome, "endpoint-timeout", /did not answer in time.*attempt 2 of 2/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    await expectOldTokenCurrent();
  });

  it("malformed JSON: malformed-response, not retried", async () => {
    tiaa.setFault("malformed-json", 1);
    const before = tiaa.requests;
    const outcome = await run(config());

    expectFailure(outcome, "malformed-response", /not JSON/);
    expect(tiaa.requests - before).toBe(1);
    await expectOldTokenCurrent();
  });

  it("missing token: malformed-response", async () => {
    tiaa.setFault("missing-token", 1);
    const outcome = await run(config());
    expectFailure(outcome, "malformed-response", /no access_token/);
    await expectOldTokenCurrent();
  });

  it("client certificate from another CA: tls-rejected, and TIAA never saw an HTTP request", async () => {
    const strangerSecret = uniqueName("stranger-cert");
    await secrets.send(new CreateSecretCommand({ Name: strangerSecret, SecretString: JSON.stringify({ certificate: strangerClient.certificate, privateKey: strangerClient.privateKey }) }));
    const before = tiaa.requests;
    const outcome = await run(config({ certificate: { source: "secret", secretId: strangerSecret } }));

    expectFailure(outcome, "tls-rejected", /client certificate/);
    expect(tiaa.requests).toBe(before);
    await expectOldTokenCurrent();
  });

  it("4xx (wrong password): http-4xx at once, no retry", async () => {
    const wrong = uniqueName("tiaa-wrong-credentials");
    await secrets.send(new CreateSecretCommand({ Name: wrong, SecretString: JSON.stringify({ username: USERNAME, password: "not-it" }) }));
    const before = tiaa.requests;
    const outcome = await run(config({ credentials: { source: "secret", secretId: wrong } }));

    expectFailure(outcome, "http-4xx", /HTTP 401 \(error invalid_grant\).*credentials were refused.*attempt 1 of 3/);
    expect(tiaa.requests - before).toBe(1);
    expect(outcome.sleeps).toEqual([]);
    await expectOldTokenCurrent();
  });

  it("5xx on every attempt: http-5xx after retries", async () => {
    tiaa.setFault("http500");
    const before = tiaa.requests;
    const outcome = await run(config());
    tiaa.setFault("none");

    expectFailure(outcome, "http-5xx", /HTTP 500.*attempt 3 of 3/);
    expect(tiaa.requests - before).toBe(3);
    await expectOldTokenCurrent();
  });

  it("CSM failure: credentials, without echoing the CSM error message", async () => {
    const csm = fakeCsm({ errorType: "VaultLocked", errorMessage: `safe locked for ${PASSWORD}` }, "Unhandled");
    const credentials: CredentialSettings = { source: "csm-lambda", lambdaName: "csm", payload: "{}", usernameFields: ["username"], passwordFields: ["password"] };
    const outcome = await run(config({ credentials }), { lambda: csm.lambda });

    expectFailure(outcome, "credentials", /CSM Lambda csm failed \(Unhandled, errorType VaultLocked\)/);
    expect(outcome.error?.message).not.toContain("safe locked");
    await expectOldTokenCurrent();
  });

  it("CSM answer without the expected fields: credentials, naming the paths it looked for", async () => {
    const csm = fakeCsm({ user: USERNAME, pass: PASSWORD });
    const credentials: CredentialSettings = { source: "csm-lambda", lambdaName: "csm", payload: "{}", usernameFields: ["username", "UserName"], passwordFields: ["password", "Content"] };
    const outcome = await run(config({ credentials }), { lambda: csm.lambda });
    expectFailure(outcome, "credentials", /looked for username, UserName.*looked for password, Content.*\[user, pass\]/);
    await expectOldTokenCurrent();
  });

  it("key that does not belong to the certificate: certificate, before any request", async () => {
    const mismatched = uniqueName("mismatched-cert");
    await secrets.send(new CreateSecretCommand({ Name: mismatched, SecretString: JSON.stringify({ certificate: client.certificate, privateKey: strangerClient.privateKey }) }));
    const before = tiaa.connections;
    const outcome = await run(config({ certificate: { source: "secret", secretId: mismatched } }));
    expectFailure(outcome, "certificate", /does not belong to its certificate/);
    expect(tiaa.connections).toBe(before);
    await expectOldTokenCurrent();
  });

  it("expired client certificate: certificate, saying to rotate it", async () => {
    const inThreeDays = new Date(Date.now() + 3 * 86_400_000);
    const outcome = await run(config(), { now: () => inThreeDays });
    expectFailure(outcome, "certificate", /not now; rotate it/);
    await expectOldTokenCurrent();
  });

  it("token secret cannot be written: secret-write", async () => {
    const outcome = await run(config({ tokenSecretId: uniqueName("no-such-secret") }));
    expectFailure(outcome, "secret-write", /Could not store the token/);
    await expectOldTokenCurrent();
  });
});

describe("client certificate from ACM", () => {
  it("exports a private certificate from ACM (moto) with a fresh passphrase and decrypts its PKCS#8 key", async () => {
    const acm = new ACMClient(testClientConfig());
    const requested = await acm.send(
      new RequestCertificateCommand({
        DomainName: "kyc-token-manager.internal",
        CertificateAuthorityArn: "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012",
      }),
    );
    const loaded = await loadClientCertificate({ acm, secretsManager: secrets }, { source: "acm", certificateArn: requested.CertificateArn! }, new Date());

    expect(loaded.subject).toContain("CN=kyc-token-manager.internal");
    expect(loaded.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(createPrivateKey(loaded.privateKeyPem).asymmetricKeyType).toBe("rsa");
    expect(loaded.certificatePem.match(/BEGIN CERTIFICATE/g)?.length).toBeGreaterThanOrEqual(2); // leaf + chain
  });

  it("an imported certificate cannot be exported: certificate error explains why", async () => {
    const acm = new ACMClient(testClientConfig());
    const imported = await acm.send(
      new ImportCertificateCommand({ Certificate: new TextEncoder().encode(client.certificate), PrivateKey: new TextEncoder().encode(client.privateKey) }),
    );
    const outcome = await run(config({ certificate: { source: "acm", certificateArn: imported.CertificateArn! } }), { acm });
    expectFailure(outcome, "certificate", /imported certificates cannot/);
  });

  it("full refresh with an ACM-exported certificate (fake ACM: moto's certificates are not signed by TIAA's CA)", async () => {
    const passphrases: string[] = [];
    const acm = {
      async send(command: ExportCertificateCommand) {
        const passphrase = new TextDecoder().decode(command.input.Passphrase);
        passphrases.push(passphrase);
        const encrypted = createPrivateKey(client.privateKey).export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase }).toString();
        return { Certificate: client.certificate, CertificateChain: ca.certificate, PrivateKey: encrypted, $metadata: {} };
      },
    };
    const certificate: CertificateSettings = { source: "acm", certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc" };
    const first = await run(config({ certificate }), { acm });
    const second = await run(config({ certificate }), { acm });

    expect(first.error).toBeUndefined();
    expect(second.error).toBeUndefined();
    expect(tiaa.lastClientCommonName).toBe("kyc-token-manager");
    expect(passphrases).toHaveLength(2);
    expect(passphrases[0]).not.toBe(passphrases[1]);
    expect(passphrases[0]).toMatch(/^[0-9a-f]{64}$/);
    expect((await currentToken()).value.access_token).toBe(tiaa.issuedTokens.at(-1));
  });
});

describe("what the token manager writes and logs", () => {
  it("validates TIAA's answer: expiry from expires_in or expires_at, configured lifetime only when neither is given", () => {
    const now = new Date("2026-11-26T08:00:00.000Z");
    const parse = (body: unknown) => parseTokenResponse(JSON.stringify(body), now, 60);

    expect(parse({ access_token: "t", expires_in: "1800" })).toEqual({ accessToken: "t", tokenType: "Bearer", expiresAt: new Date("2026-11-26T08:30:00.000Z"), expirySource: "expires_in" });
    expect(parse({ access_token: "t", token_type: "MAC", expires_at: "2026-11-26T09:15:00Z" }).expiresAt.toISOString()).toBe("2026-11-26T09:15:00.000Z");
    expect(parse({ access_token: "t", expires_at: Date.parse("2026-11-26T09:00:00Z") / 1000 }).expiresAt.toISOString()).toBe("2026-11-26T09:00:00.000Z");
    expect(parse({ access_token: "t" })).toMatchObject({ expiresAt: new Date("2026-11-26T09:00:00.000Z"), expirySource: "configured-lifetime" });
    for (const bad of [{ access_token: "" }, { access_token: 42 }, { access_token: "t", expires_in: -5 }, { access_token: "t", expires_in: "soon" }, { access_token: "t", expires_at: "2026-11-26T07:00:00Z" }, [1, 2]]) {
      expect(() => parse(bad), JSON.stringify(bad)).toThrow(TokenRefreshError);
    }
  });

  it("no log line of any run contains a token, the password or the private key", () => {
    expect(allLogLines.length).toBeGreaterThan(50);
    expect(tiaa.issuedTokens.length).toBeGreaterThan(5);
    const keyLines = [client.privateKey, strangerClient.privateKey].flatMap((pem) => pem.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----")));
    const forbidden = [...tiaa.issuedTokens, PASSWORD, ...keyLines];
    for (const line of allLogLines) {
      for (const secret of forbidden) expect(line).not.toContain(secret);
      expect(line).not.toContain("PRIVATE KEY");
    }
  });
});
