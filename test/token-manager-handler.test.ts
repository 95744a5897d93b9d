/**
 * The token manager's Lambda shell: its environment contract, and the esbuild bundle the component
 * deploys, run in a separate Node process exactly as Lambda would load it (`index.mjs`, `handler`),
 * against the moto server and the TIAA stand-in. TIAA's private CA is trusted only through
 * NODE_EXTRA_CA_CERTS, the one way the deployed function accepts extra trust.
 */
import { CloudWatchClient, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleSource } from "../components/bundle.js";
import { readRefreshConfig } from "../handlers/token-manager/settings.js";
import { createCertificateAuthority } from "../local/pki.js";
import { startTiaaStandIn, type TiaaStandIn } from "../local/tiaa-stand-in.js";
import { emulatorEndpoint, testClientConfig, uniqueName } from "./support/emulator.js";

describe("readRefreshConfig", () => {
  const env = {
    ENVIRONMENT: "sit",
    TOKEN_URL: "https://tiaa.example/oauth/token",
    TOKEN_SECRET_ID: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t",
    GRANT_TYPE: "client_credentials",
    CREDENTIAL_SOURCE: "csm-lambda",
    CSM_LAMBDA_NAME: "csm",
    CSM_PAYLOAD: '{"safe":"S"}',
    CSM_USERNAME_FIELD: "a.b, c",
    CERTIFICATE_SOURCE: "acm",
    CERTIFICATE_ARN: "arn:aws:acm:eu-west-1:123456789012:certificate/x",
    RETRIES: "1",
  };

  it("reads the variables the component sets, with defaults for the optional ones", () => {
    const config = readRefreshConfig(env);
    expect(config.credentials).toEqual({
      source: "csm-lambda",
      lambdaName: "csm",
      payload: '{"safe":"S"}',
      usernameFields: ["a.b", "c"],
      passwordFields: ["password", "Content", "Password"],
    });
    expect(config).toMatchObject({
      grantType: "client_credentials",
      retries: 1,
      connectTimeoutMs: 3000,
      requestTimeoutMs: 10_000,
      tokenLifetimeMinutes: 60,
    });
    expect(config.certificate).toEqual({ source: "acm", certificateArn: env.CERTIFICATE_ARN });
  });

  it("names the variable that is missing or wrong", () => {
    expect(() => readRefreshConfig({ ...env, TOKEN_URL: "http://tiaa.example" })).toThrow(
      /must be an https URL/,
    );
    expect(() => readRefreshConfig({ ...env, CERTIFICATE_SOURCE: "s3" })).toThrow(/acm, secret or file/);
    expect(() => readRefreshConfig({ ...env, CSM_PAYLOAD: "" })).toThrow(/CSM_PAYLOAD is not set/);
    expect(() => readRefreshConfig({ ...env, RETRIES: "two" })).toThrow(/RETRIES is "two"/);
    expect(() => readRefreshConfig({ ...env, CREDENTIAL_SOURCE: "secret" })).toThrow(
      /CREDENTIAL_SECRET_ID is not set/,
    );
  });
});

describe("the deployed bundle (handlers/token-manager/handler.ts)", () => {
  let dir: string;
  let tiaa: TiaaStandIn;
  let secrets: SecretsManagerClient;
  const names = {
    token: uniqueName("bbkyc-tiaa-token-sit"),
    login: uniqueName("tiaa-login"),
    cert: uniqueName("tiaa-cert"),
  };
  const namespace = `bbkyc/${uniqueName("token-manager")}/sit`;

  beforeAll(async () => {
    const ca = createCertificateAuthority("TIAA handler-test CA");
    const client = ca.issue({ commonName: "kyc-token-manager", usage: "client" });
    tiaa = await startTiaaStandIn({
      ca,
      server: ca.issue({ commonName: "tiaa.local", usage: "server" }),
      expectedUsername: "svc",
      expectedPassword: "pw-handler-test",
    });
    secrets = new SecretsManagerClient(testClientConfig());
    await secrets.send(new CreateSecretCommand({ Name: names.token }));
    await secrets.send(
      new CreateSecretCommand({
        Name: names.login,
        SecretString: JSON.stringify({ username: "svc", password: "pw-handler-test" }),
      }),
    );
    await secrets.send(
      new CreateSecretCommand({
        Name: names.cert,
        SecretString: JSON.stringify({ certificate: client.certificate, privateKey: client.privateKey }),
      }),
    );

    dir = mkdtempSync(join(tmpdir(), "token-manager-bundle-"));
    writeFileSync(join(dir, "index.mjs"), bundleSource("handlers/token-manager/handler.ts"));
    writeFileSync(join(dir, "tiaa-ca.pem"), ca.certificate);
    writeFileSync(
      join(dir, "invoke.mjs"),
      'import { handler } from "./index.mjs";\n' +
        'try { console.log("RESULT " + JSON.stringify(await handler({}, { awsRequestId: "req-1" }))); }\n' +
        'catch (error) { console.log("THROWN " + error.message); process.exitCode = 1; }\n',
    );
  });

  afterAll(async () => {
    await tiaa?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs one invocation in a fresh Node process (asynchronously: the stand-in lives in this one). */
  function invoke(extraEnv: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
    const env = {
      PATH: process.env.PATH ?? "",
      AWS_ENDPOINT_URL: emulatorEndpoint(),
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      NODE_EXTRA_CA_CERTS: join(dir, "tiaa-ca.pem"),
      ENVIRONMENT: "sit",
      METRIC_NAMESPACE: namespace,
      METRICS_SINK: "cloudwatch",
      TOKEN_URL: tiaa.url,
      TOKEN_SECRET_ID: names.token,
      CREDENTIAL_SOURCE: "secret",
      CREDENTIAL_SECRET_ID: names.login,
      CERTIFICATE_SOURCE: "secret",
      CERTIFICATE_SECRET_ID: names.cert,
      RETRIES: "0",
      ...extraEnv,
    };
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [join(dir, "invoke.mjs")], {
        env,
        stdio: ["ignore", "pipe", "ignore"],
      });
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.on("close", (code) => resolve({ code, stdout }));
    });
  }

  async function metricNames(): Promise<string[]> {
    const cloudwatch = new CloudWatchClient(testClientConfig());
    const listed = await cloudwatch.send(new ListMetricsCommand({ Namespace: namespace }));
    return (listed.Metrics ?? []).map(
      (m) =>
        `${m.MetricName}${(m.Dimensions ?? [])
          .map((d) => `|${d.Name}=${d.Value}`)
          .sort()
          .join("")}`,
    );
  }

  it("refreshes the token over mutual TLS and publishes TokenRefreshSuccess", async () => {
    const { code, stdout } = await invoke({});

    expect(stdout).toContain("RESULT ");
    expect(code).toBe(0);
    const stored = JSON.parse(
      (await secrets.send(new GetSecretValueCommand({ SecretId: names.token }))).SecretString!,
    ) as { access_token: string };
    expect(stored.access_token).toBe(tiaa.issuedTokens.at(-1));
    expect(stdout).not.toContain(stored.access_token);
    expect(stdout).not.toContain("pw-handler-test");
    const lines = stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.message === "token refreshed and stored")).toMatchObject({
      requestId: "req-1",
      attempts: 1,
    });
    expect(await metricNames()).toContain("TokenRefreshSuccess|Environment=sit");
  });

  it("fails the invocation on a broken environment, with a configuration failure metric", async () => {
    const { code, stdout } = await invoke({ CERTIFICATE_SOURCE: "" });

    expect(code).toBe(1);
    expect(stdout).toContain("THROWN Environment variable CERTIFICATE_SOURCE is not set");
    expect(await metricNames()).toContain("TokenRefreshFailure|Environment=sit|Reason=configuration");
  });
});
