/**
 * The token manager's core against real parts: Secrets Manager (and ACM) on the moto server, and
 * the local TIAA stand-in demanding a client certificate from a CA generated for this run. Only the
 * CSM invoke is a fake Lambda client (moto cannot run Lambda code). Successful refreshes, ACM
 * certificates and what gets stored and logged are here; failures are in token-manager-failures.test.ts.
 */
import {
  ACMClient,
  type ExportCertificateCommand,
  ImportCertificateCommand,
  RequestCertificateCommand,
} from "@aws-sdk/client-acm";
import { CreateSecretCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { createPrivateKey } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadClientCertificate } from "../handlers/token-manager/certificate.js";
import type { CertificateSettings, CredentialSettings } from "../handlers/token-manager/settings.js";
import { TokenRefreshError } from "../handlers/token-manager/errors.js";
import { parseTokenResponse } from "../handlers/token-manager/token-response.js";
import { SecretTokenClient } from "../handlers/lib/token-client.js";
import { testClientConfig, uniqueName } from "./support/emulator.js";
import {
  PASSWORD,
  USERNAME,
  ca,
  client,
  config,
  currentToken,
  expectFailure,
  expectNoSecretsLogged,
  fakeCsm,
  run,
  secrets,
  tiaa,
  tokenSecret,
  useTokenRefreshFixture,
  workDir,
} from "./support/token-refresh-fixture.js";

useTokenRefreshFixture();

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
    expect(csm.calls).toEqual([
      { functionName: "csm-reader", payload: { safe: "KYC-SAFE", object: "tiaa-svc" } },
    ]);
    expect((await currentToken()).value.access_token).toBe(tiaa.issuedTokens.at(-1));
  });

  it("unwraps an API-Gateway-style CSM answer and follows configured dot paths", async () => {
    const csm = fakeCsm({
      statusCode: 200,
      body: JSON.stringify({ data: { login: USERNAME, secret: PASSWORD } }),
    });
    const credentials: CredentialSettings = {
      source: "csm-lambda",
      lambdaName: "csm",
      payload: "{}",
      usernameFields: ["data.login"],
      passwordFields: ["data.secret"],
    };
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
    await secrets.send(
      new CreateSecretCommand({
        Name: rotatedSecret,
        SecretString: JSON.stringify({ certificate: client.certificate, privateKey: client.privateKey }),
      }),
    );
    expect(
      (await run(config({ certificate: { source: "secret", secretId: rotatedSecret } }))).error,
    ).toBeUndefined();
    expect(tiaa.lastClientCommonName).toBe("kyc-token-manager");

    const renewed = ca.issue({ commonName: "kyc-token-manager-2027", usage: "client" });
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: rotatedSecret,
        SecretString: JSON.stringify({ certificate: renewed.certificate, privateKey: renewed.privateKey }),
      }),
    );
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

describe("client certificate from ACM", () => {
  it("exports a private certificate from ACM (moto) with a fresh passphrase and decrypts its PKCS#8 key", async () => {
    const acm = new ACMClient(testClientConfig());
    const requested = await acm.send(
      new RequestCertificateCommand({
        DomainName: "kyc-token-manager.internal",
        CertificateAuthorityArn:
          "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012",
      }),
    );
    const loaded = await loadClientCertificate(
      { acm, secretsManager: secrets },
      { source: "acm", certificateArn: requested.CertificateArn! },
      new Date(),
    );

    expect(loaded.subject).toContain("CN=kyc-token-manager.internal");
    expect(loaded.privateKeyPem).toMatch(new RegExp(`^-----BEGIN ${"PRIVATE"} KEY-----`));
    expect(createPrivateKey(loaded.privateKeyPem).asymmetricKeyType).toBe("rsa");
    expect(loaded.certificatePem.match(/BEGIN CERTIFICATE/g)?.length).toBeGreaterThanOrEqual(2); // leaf + chain
  });

  it("an imported certificate cannot be exported: certificate error explains why", async () => {
    const acm = new ACMClient(testClientConfig());
    const imported = await acm.send(
      new ImportCertificateCommand({
        Certificate: new TextEncoder().encode(client.certificate),
        PrivateKey: new TextEncoder().encode(client.privateKey),
      }),
    );
    const outcome = await run(
      config({ certificate: { source: "acm", certificateArn: imported.CertificateArn! } }),
      { acm },
    );
    expectFailure(outcome, "certificate", /imported certificates cannot/);
  });

  it("full refresh with an ACM-exported certificate (fake ACM: moto's certificates are not signed by TIAA's CA)", async () => {
    const passphrases: string[] = [];
    const acm = {
      async send(command: ExportCertificateCommand) {
        const passphrase = new TextDecoder().decode(command.input.Passphrase);
        passphrases.push(passphrase);
        const encrypted = createPrivateKey(client.privateKey)
          .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase })
          .toString();
        return {
          Certificate: client.certificate,
          CertificateChain: ca.certificate,
          PrivateKey: encrypted,
          $metadata: {},
        };
      },
    };
    const certificate: CertificateSettings = {
      source: "acm",
      certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
    };
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

    expect(parse({ access_token: "t", expires_in: "1800" })).toEqual({
      accessToken: "t",
      tokenType: "Bearer",
      expiresAt: new Date("2026-11-26T08:30:00.000Z"),
      expirySource: "expires_in",
    });
    expect(
      parse({
        access_token: "t",
        token_type: "MAC",
        expires_at: "2026-11-26T09:15:00Z",
      }).expiresAt.toISOString(),
    ).toBe("2026-11-26T09:15:00.000Z");
    expect(
      parse({
        access_token: "t",
        expires_at: Date.parse("2026-11-26T09:00:00Z") / 1000,
      }).expiresAt.toISOString(),
    ).toBe("2026-11-26T09:00:00.000Z");
    expect(parse({ access_token: "t" })).toMatchObject({
      expiresAt: new Date("2026-11-26T09:00:00.000Z"),
      expirySource: "configured-lifetime",
    });
    for (const bad of [
      { access_token: "" },
      { access_token: 42 },
      { access_token: "t", expires_in: -5 },
      { access_token: "t", expires_in: "soon" },
      { access_token: "t", expires_at: "2026-11-26T07:00:00Z" },
      [1, 2],
    ]) {
      expect(() => parse(bad), JSON.stringify(bad)).toThrow(TokenRefreshError);
    }
  });

  it("no log line of any run in this file contains a token, the password or the private key", () => {
    expectNoSecretsLogged(25, 5);
  });
});
