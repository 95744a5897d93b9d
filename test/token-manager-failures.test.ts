/**
 * The token manager's core when something goes wrong — TIAA down, slow, answering garbage or 4xx/5xx,
 * a certificate from the wrong CA or expired, CSM failing, the token secret unwritable: each ends in
 * a clear reason, a TokenRefreshFailure metric and an ERROR log line, and the previous token stays
 * current. Same bench as token-manager.test.ts (moto, the TIAA stand-in, a CA made for this run).
 */
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { beforeAll, describe, expect, it } from "vitest";
import type { CredentialSettings } from "../handlers/token-manager/settings.js";
import type { StoredToken } from "../handlers/token-manager/refresh-token.js";
import { uniqueName } from "./support/emulator.js";
import {
  PASSWORD,
  USERNAME,
  client,
  config,
  currentToken,
  expectFailure,
  expectNoSecretsLogged,
  fakeCsm,
  run,
  secrets,
  strangerClient,
  tiaa,
  useTokenRefreshFixture,
} from "./support/token-refresh-fixture.js";

useTokenRefreshFixture();

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
    await secrets.send(
      new CreateSecretCommand({
        Name: strangerSecret,
        SecretString: JSON.stringify({
          certificate: strangerClient.certificate,
          privateKey: strangerClient.privateKey,
        }),
      }),
    );
    const before = tiaa.requests;
    const outcome = await run(config({ certificate: { source: "secret", secretId: strangerSecret } }));

    expectFailure(outcome, "tls-rejected", /client certificate/);
    expect(tiaa.requests).toBe(before);
    await expectOldTokenCurrent();
  });

  it("4xx (wrong password): http-4xx at once, no retry", async () => {
    const wrong = uniqueName("tiaa-wrong-credentials");
    await secrets.send(
      new CreateSecretCommand({
        Name: wrong,
        SecretString: JSON.stringify({ username: USERNAME, password: "not-it" }),
      }),
    );
    const before = tiaa.requests;
    const outcome = await run(config({ credentials: { source: "secret", secretId: wrong } }));

    expectFailure(
      outcome,
      "http-4xx",
      /HTTP 401 \(error invalid_grant\).*credentials were refused.*attempt 1 of 3/,
    );
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
    const csm = fakeCsm(
      { errorType: "VaultLocked", errorMessage: `safe locked for ${PASSWORD}` },
      "Unhandled",
    );
    const credentials: CredentialSettings = {
      source: "csm-lambda",
      lambdaName: "csm",
      payload: "{}",
      usernameFields: ["username"],
      passwordFields: ["password"],
    };
    const outcome = await run(config({ credentials }), { lambda: csm.lambda });

    expectFailure(outcome, "credentials", /CSM Lambda csm failed \(Unhandled, errorType VaultLocked\)/);
    expect(outcome.error?.message).not.toContain("safe locked");
    await expectOldTokenCurrent();
  });

  it("CSM answer without the expected fields: credentials, naming the paths it looked for", async () => {
    const csm = fakeCsm({ user: USERNAME, pass: PASSWORD });
    const credentials: CredentialSettings = {
      source: "csm-lambda",
      lambdaName: "csm",
      payload: "{}",
      usernameFields: ["username", "UserName"],
      passwordFields: ["password", "Content"],
    };
    const outcome = await run(config({ credentials }), { lambda: csm.lambda });
    expectFailure(
      outcome,
      "credentials",
      /looked for username, UserName.*looked for password, Content.*\[user, pass\]/,
    );
    await expectOldTokenCurrent();
  });

  it("key that does not belong to the certificate: certificate, before any request", async () => {
    const mismatched = uniqueName("mismatched-cert");
    await secrets.send(
      new CreateSecretCommand({
        Name: mismatched,
        SecretString: JSON.stringify({
          certificate: client.certificate,
          privateKey: strangerClient.privateKey,
        }),
      }),
    );
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

describe("logs of failed refreshes", () => {
  it("no log line of any run in this file contains a token, the password or the private key", () => {
    expectNoSecretsLogged(30, 1);
  });
});
