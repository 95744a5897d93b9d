/**
 * TokenManager under Pulumi mocks: what it would create, with which names, encryption, schedule
 * and — above all — exactly which IAM rights.
 */
import { describe, expect, it } from "vitest";
import { TokenManager, type TokenManagerArgs } from "../components/token-manager.js";
import { Naming, NamingError } from "../components/naming.js";
import { MOCK_ACCOUNT_ID } from "../stacks/offline/recording-mocks.js";
import type { TokenManagerConfig } from "../stacks/config-types.js";
import { rights, statementsOf } from "./support/iam.js";
import { outputOf, renderComponent, useRecordingMocks, type Rendered } from "./support/pulumi-harness.js";

const KEY_ARN = `arn:aws:kms:eu-west-1:${MOCK_ACCOUNT_ID}:key/11111111-2222-3333-4444-555555555555`;
const CERT_ARN = `arn:aws:acm:eu-west-1:${MOCK_ACCOUNT_ID}:certificate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`;
const CRED_SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:${MOCK_ACCOUNT_ID}:secret:tiaa-cred-AbCdEf`;
const CERT_SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:${MOCK_ACCOUNT_ID}:secret:tiaa-cert-AbCdEf`;

function baseConfig(overrides: Partial<TokenManagerConfig> = {}): TokenManagerConfig {
  return {
    schedule: "rate(55 minutes)",
    tokenUrl: "https://tiaa.example.test/oauth/token",
    secretName: "bbkyc-tiaa-token-sit",
    lifetimeMinutes: 60,
    grantType: "password",
    connectTimeoutMs: 3000,
    requestTimeoutMs: 10_000,
    retries: 2,
    credentials: {
      source: "csm-lambda",
      lambdaName: "csm-reader",
      safe: 'KYC "Safe"',
      object: "tiaa-svc",
      payloadTemplate: '{"safe":"{safe}","object":"{object}"}',
    },
    certificate: { source: "acm", certificateArn: CERT_ARN },
    ...overrides,
  };
}

function render(
  name: string,
  config: TokenManagerConfig,
  extra: Partial<TokenManagerArgs> = {},
  region = "eu-west-1",
): Promise<Rendered<TokenManager>> {
  const naming = new Naming({ prefix: "bbkyc", env: "sit", region });
  const declare = () =>
    new TokenManager(name, { naming, config, kmsKeyArn: KEY_ARN, logRetentionDays: 90, ...extra });
  return renderComponent(name, declare, { region, outputs: (c) => [c.secretArn, c.functionPolicy] });
}

describe("TokenManager component", () => {
  it("schedules the refresh with the configured expression, no flexible window, a retry policy and an encrypted DLQ", async () => {
    const r = await render("tm-schedule", baseConfig({ schedule: "rate(50 minutes)" }));
    const schedule = r.one("aws:scheduler/schedule:Schedule");
    const dlq = r.one("aws:sqs/queue:Queue", "tm-schedule-dlq");
    const fn = r.one("aws:lambda/function:Function");
    const schedulerRole = r.one("aws:iam/role:Role", "tm-schedule-scheduler-role");

    expect(schedule.inputs.name).toBe("bbkyc-token-refresh-sit");
    // A group of its own, so Scheduler's per-group metrics and the target-error alarm cover this schedule only.
    expect(schedule.inputs.groupName).toBe("bbkyc-token-refresh-group-sit");
    expect(r.one("aws:scheduler/scheduleGroup:ScheduleGroup").inputs.name).toBe(
      "bbkyc-token-refresh-group-sit",
    );
    expect(schedule.inputs.scheduleExpression).toBe("rate(50 minutes)");
    expect(schedule.inputs.flexibleTimeWindow).toEqual({ mode: "OFF" });
    expect(schedule.inputs.target.arn).toBe(
      `arn:aws:lambda:eu-west-1:${MOCK_ACCOUNT_ID}:function:bbkyc-token-manager-sit`,
    );
    expect(schedule.inputs.target.roleArn).toBe(
      `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/bbkyc-token-scheduler-sit-euw1`,
    );
    expect(schedule.inputs.target.retryPolicy).toEqual({
      maximumRetryAttempts: 5,
      maximumEventAgeInSeconds: 1800,
    });
    expect(schedule.inputs.target.deadLetterConfig).toEqual({
      arn: `arn:aws:sqs:eu-west-1:${MOCK_ACCOUNT_ID}:bbkyc-token-refresh-dlq-sit`,
    });
    expect(dlq.inputs.name).toBe("bbkyc-token-refresh-dlq-sit");
    expect(dlq.inputs.kmsMasterKeyId).toBe(KEY_ARN);
    expect(fn.inputs.name).toBe("bbkyc-token-manager-sit");
    expect(schedulerRole.inputs.name).toBe("bbkyc-token-scheduler-sit-euw1");

    const asyncConfig = r.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
    expect(asyncConfig.inputs).toMatchObject({
      functionName: "bbkyc-token-manager-sit",
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 1800,
    });
    // Issue #18: a refresh Lambda gives up on is kept, with its error, in an encrypted queue.
    const failed = r.one("aws:sqs/queue:Queue", "tm-schedule-failed-invocations");
    expect(failed.inputs).toMatchObject({
      name: "bbkyc-token-refresh-failed-invocations-sit",
      kmsMasterKeyId: KEY_ARN,
      messageRetentionSeconds: 14 * 24 * 3600,
    });
    expect(asyncConfig.inputs.destinationConfig).toEqual({
      onFailure: {
        destination: `arn:aws:sqs:eu-west-1:${MOCK_ACCOUNT_ID}:bbkyc-token-refresh-failed-invocations-sit`,
      },
    });
    expect(asyncConfig.dependsOn).toContain("aws:iam/rolePolicy:RolePolicy::tm-schedule-policy");
  });

  it("keeps the token in a secret encrypted with the platform key, and logs with retention and the same key", async () => {
    const r = await render("tm-store", baseConfig({ secretName: "bbkyc/tiaa/token-sit" }));
    const secret = r.one("aws:secretsmanager/secret:Secret");
    expect(secret.inputs.name).toBe("bbkyc/tiaa/token-sit");
    expect(secret.inputs.kmsKeyId).toBe(KEY_ARN);
    const logs = r.one("aws:cloudwatch/logGroup:LogGroup");
    expect(logs.inputs).toMatchObject({
      name: "/aws/lambda/bbkyc-token-manager-sit",
      retentionInDays: 90,
      kmsKeyId: KEY_ARN,
    });
    const fn = r.one("aws:lambda/function:Function");
    expect(fn.inputs.kmsKeyArn).toBe(KEY_ARN);
    // Issue #10: no reservation unless asked for (accounts with a quota of 10 refuse any).
    expect(fn.inputs.reservedConcurrentExecutions).toBeUndefined();
    // 3 attempts × 10 s + 2 backoffs × 4 s + 30 s for the first refresh's wait on IAM + 15 s overhead
    expect(fn.inputs.timeout).toBe(83);
    expect(r.component.secretName).toBe("bbkyc/tiaa/token-sit");
    expect(r.component.functionName).toBe("bbkyc-token-manager-sit");
    expect(r.component.metricNamespace).toBe("bbkyc/token-manager/sit");
  });

  it("grants the function exactly: its logs, invoke the CSM Lambda, export the one certificate, write its secret, the key, its metrics", async () => {
    const r = await render("tm-iam", baseConfig());
    const policy = r.one("aws:iam/rolePolicy:RolePolicy", "tm-iam-policy");
    const secretArn = `arn:aws:secretsmanager:eu-west-1:${MOCK_ACCOUNT_ID}:secret:bbkyc-tiaa-token-sit-AbCdEf`;

    expect(rights(policy.inputs.policy)).toEqual({
      "logs:CreateLogStream": [
        `arn:aws:logs:eu-west-1:${MOCK_ACCOUNT_ID}:log-group:/aws/lambda/bbkyc-token-manager-sit:*`,
      ],
      "logs:PutLogEvents": [
        `arn:aws:logs:eu-west-1:${MOCK_ACCOUNT_ID}:log-group:/aws/lambda/bbkyc-token-manager-sit:*`,
      ],
      "lambda:InvokeFunction": [`arn:aws:lambda:eu-west-1:${MOCK_ACCOUNT_ID}:function:csm-reader`],
      "acm:ExportCertificate": [CERT_ARN],
      "secretsmanager:GetSecretValue": [secretArn],
      "secretsmanager:PutSecretValue": [secretArn],
      "sqs:SendMessage": [
        `arn:aws:sqs:eu-west-1:${MOCK_ACCOUNT_ID}:bbkyc-token-refresh-failed-invocations-sit`,
      ],
      "kms:Decrypt": [KEY_ARN],
      "kms:GenerateDataKey": [KEY_ARN],
      "cloudwatch:PutMetricData": ["*"],
    });
    const metricStatement = statementsOf(policy.inputs.policy).find(
      (s) => s.Action === "cloudwatch:PutMetricData",
    )!;
    expect(metricStatement.Condition).toEqual({
      StringEquals: { "cloudwatch:namespace": "bbkyc/token-manager/sit" },
    });
    for (const s of statementsOf(policy.inputs.policy))
      for (const a of [s.Action].flat()) expect(a).not.toContain("*");
    // The public output is the attached document.
    expect(await outputOf(r.component.functionPolicy)).toBe(policy.inputs.policy);
  });

  it("reads only the configured secrets when credentials and certificate come from Secrets Manager", async () => {
    const r = await render(
      "tm-secrets",
      baseConfig({
        credentials: { source: "secret", secretArn: CRED_SECRET_ARN },
        certificate: { source: "secret", secretArn: CERT_SECRET_ARN },
      }),
    );
    const granted = rights(r.one("aws:iam/rolePolicy:RolePolicy", "tm-secrets-policy").inputs.policy);
    const ownSecret = `arn:aws:secretsmanager:eu-west-1:${MOCK_ACCOUNT_ID}:secret:bbkyc-tiaa-token-sit-AbCdEf`;
    expect(granted["secretsmanager:GetSecretValue"]).toEqual(
      [CERT_SECRET_ARN, CRED_SECRET_ARN, ownSecret].sort(),
    );
    expect(granted["lambda:InvokeFunction"]).toBeUndefined();
    expect(granted["acm:ExportCertificate"]).toBeUndefined();
    expect(Object.keys(granted).sort()).toEqual(
      [
        "cloudwatch:PutMetricData",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "sqs:SendMessage",
      ].sort(),
    );
    const env = r.one("aws:lambda/function:Function").inputs.environment.variables;
    expect(env).toMatchObject({
      CREDENTIAL_SOURCE: "secret",
      CREDENTIAL_SECRET_ID: CRED_SECRET_ARN,
      CERTIFICATE_SOURCE: "secret",
      CERTIFICATE_SECRET_ID: CERT_SECRET_ARN,
    });
    expect(env.CSM_LAMBDA_NAME).toBeUndefined();
    expect(env.CERTIFICATE_ARN).toBeUndefined();
  });

  it("grants no certificate read at all for the file source, and an ARN-named CSM Lambda in another account is used as given", async () => {
    const csmArn = "arn:aws:lambda:eu-west-1:210987654321:function:csm-reader:live";
    const r = await render(
      "tm-file",
      baseConfig({
        certificate: { source: "file", path: "certs/client.pem" },
        credentials: {
          source: "csm-lambda",
          lambdaName: csmArn,
          safe: "S",
          object: "O",
          payloadTemplate: '{"safe":"{safe}","object":"{object}"}',
        },
      }),
    );
    const granted = rights(r.one("aws:iam/rolePolicy:RolePolicy", "tm-file-policy").inputs.policy);
    expect(granted["lambda:InvokeFunction"]).toEqual([csmArn]);
    expect(granted["acm:ExportCertificate"]).toBeUndefined();
    expect(granted["secretsmanager:GetSecretValue"]).toEqual([
      `arn:aws:secretsmanager:eu-west-1:${MOCK_ACCOUNT_ID}:secret:bbkyc-tiaa-token-sit-AbCdEf`,
    ]);
    expect(r.one("aws:lambda/function:Function").inputs.environment.variables.CERTIFICATE_PATH).toBe(
      "certs/client.pem",
    );
  });

  it("lets the scheduler invoke only this function and send only to its DLQ, and only for this account", async () => {
    const r = await render("tm-sched-iam", baseConfig());
    const policy = r.one("aws:iam/rolePolicy:RolePolicy", "tm-sched-iam-scheduler-policy");
    expect(policy.inputs.name).toBe("bbkyc-token-scheduler-sit-euw1");
    expect(rights(policy.inputs.policy)).toEqual({
      "lambda:InvokeFunction": [
        `arn:aws:lambda:eu-west-1:${MOCK_ACCOUNT_ID}:function:bbkyc-token-manager-sit`,
      ],
      "sqs:SendMessage": [`arn:aws:sqs:eu-west-1:${MOCK_ACCOUNT_ID}:bbkyc-token-refresh-dlq-sit`],
      "kms:Decrypt": [KEY_ARN],
      "kms:GenerateDataKey": [KEY_ARN],
    });
    const trust = statementsOf(
      r.one("aws:iam/role:Role", "tm-sched-iam-scheduler-role").inputs.assumeRolePolicy,
    )[0]!;
    expect(trust).toMatchObject({
      Principal: { Service: "scheduler.amazonaws.com" },
      Action: "sts:AssumeRole",
    });
    expect(trust.Condition).toEqual({ StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID } });
  });

  it("sets the function's environment from config, with the CSM payload filled in and JSON-escaped", async () => {
    const r = await render(
      "tm-env",
      baseConfig({ secretsManagerEndpoint: "https://vpce-123.secretsmanager.eu-west-1.vpce.amazonaws.com" }),
      {
        csmResponseFields: { username: ["data.user"], password: ["data.secret", "Content"] },
        extraCaCertsPath: "/opt/certs/bank-root-ca.pem",
      },
    );
    const env = r.one("aws:lambda/function:Function").inputs.environment.variables;
    expect(env).toMatchObject({
      ENVIRONMENT: "sit",
      METRIC_NAMESPACE: "bbkyc/token-manager/sit",
      TOKEN_URL: "https://tiaa.example.test/oauth/token",
      TOKEN_SECRET_ID: `arn:aws:secretsmanager:eu-west-1:${MOCK_ACCOUNT_ID}:secret:bbkyc-tiaa-token-sit-AbCdEf`,
      GRANT_TYPE: "password",
      CREDENTIAL_SOURCE: "csm-lambda",
      CSM_LAMBDA_NAME: "csm-reader",
      CSM_USERNAME_FIELD: "data.user",
      CSM_PASSWORD_FIELD: "data.secret,Content",
      CERTIFICATE_SOURCE: "acm",
      CERTIFICATE_ARN: CERT_ARN,
      CONNECT_TIMEOUT_MS: "3000",
      REQUEST_TIMEOUT_MS: "10000",
      RETRIES: "2",
      TOKEN_LIFETIME_MINUTES: "60",
      SECRETS_MANAGER_ENDPOINT: "https://vpce-123.secretsmanager.eu-west-1.vpce.amazonaws.com",
      NODE_EXTRA_CA_CERTS: "/opt/certs/bank-root-ca.pem",
    });
    expect(JSON.parse(env.CSM_PAYLOAD)).toEqual({ safe: 'KYC "Safe"', object: "tiaa-svc" });

    const plain = await render("tm-env-plain", baseConfig());
    const plainEnv = plain.one("aws:lambda/function:Function").inputs.environment.variables;
    expect("SECRETS_MANAGER_ENDPOINT" in plainEnv).toBe(false);
    expect("CSM_USERNAME_FIELD" in plainEnv).toBe(false);
    expect("NODE_EXTRA_CA_CERTS" in plainEnv).toBe(false);
  });

  it("uses the IAM team's role when authRoleArn is set, creating no function role but still exposing the policy it needs", async () => {
    const authRoleArn = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/bank-managed-tiaa-role`;
    const r = await render("tm-auth", baseConfig({ authRoleArn }));
    expect(r.byType("aws:iam/role:Role").map((x) => x.name)).toEqual(["tm-auth-scheduler-role"]);
    expect(r.byType("aws:iam/rolePolicy:RolePolicy").map((x) => x.name)).toEqual([
      "tm-auth-scheduler-policy",
    ]);
    expect(r.one("aws:lambda/function:Function").inputs.role).toBe(authRoleArn);
    const needed = rights(await outputOf(r.component.functionPolicy));
    expect(needed["secretsmanager:PutSecretValue"]).toEqual([
      `arn:aws:secretsmanager:eu-west-1:${MOCK_ACCOUNT_ID}:secret:bbkyc-tiaa-token-sit-AbCdEf`,
    ]);
  });

  it("exposes the facts the dashboards need, with region-coded global names in eu-west-2", async () => {
    const r = await render(
      "tm-facts",
      baseConfig({ lifetimeMinutes: 45, schedule: "rate(40 minutes)" }),
      {},
      "eu-west-2",
    );
    expect(r.component.facts).toEqual({
      fn: {
        functionName: "bbkyc-token-manager-sit",
        logGroupName: "/aws/lambda/bbkyc-token-manager-sit",
        label: "TIAA token manager",
      },
      metrics: { component: "token-manager", namespace: "bbkyc/token-manager/sit" },
      scheduleName: "bbkyc-token-refresh-sit",
      scheduleGroupName: "bbkyc-token-refresh-group-sit",
      scheduleDlqName: "bbkyc-token-refresh-dlq-sit",
      failedInvocationQueueName: "bbkyc-token-refresh-failed-invocations-sit",
      secretName: "bbkyc-tiaa-token-sit",
      lifetimeMinutes: 45,
    });
    expect(r.one("aws:iam/role:Role", "tm-facts-role").inputs.name).toBe("bbkyc-token-manager-sit-euw2");
    expect(r.one("aws:iam/role:Role", "tm-facts-scheduler-role").inputs.name).toBe(
      "bbkyc-token-scheduler-sit-euw2",
    );
    const granted = rights(r.one("aws:iam/rolePolicy:RolePolicy", "tm-facts-policy").inputs.policy);
    expect(granted["lambda:InvokeFunction"]).toEqual([
      `arn:aws:lambda:eu-west-2:${MOCK_ACCOUNT_ID}:function:csm-reader`,
    ]);
  });

  it("reserves concurrency only when asked to", async () => {
    const r = await render("tm-reserved", baseConfig(), { reservedConcurrency: 2 });
    expect(r.one("aws:lambda/function:Function").inputs.reservedConcurrentExecutions).toBe(2);
  });

  it("lets nothing run before its rights are attached: the function waits for its policy, the schedule for both policies", async () => {
    const r = await render("tm-order", baseConfig());
    expect(r.one("aws:lambda/function:Function").dependsOn).toContain(
      "aws:iam/rolePolicy:RolePolicy::tm-order-policy",
    );
    const scheduleDeps = r.one("aws:scheduler/schedule:Schedule").dependsOn;
    expect(scheduleDeps).toContain("aws:iam/rolePolicy:RolePolicy::tm-order-scheduler-policy");
    expect(scheduleDeps).toContain("aws:iam/rolePolicy:RolePolicy::tm-order-policy");
    // A rate schedule without a start date fires at once: that is the point of the order above.
    expect(r.one("aws:scheduler/schedule:Schedule").inputs.startDate).toBeUndefined();
  });

  it("refreshes the token once during the deployment, after the function's rights, its failure queue and the schedule exist", async () => {
    const r = await render("tm-first", baseConfig());
    const first = r.one("aws:lambda/invocation:Invocation");
    expect(first.name).toBe("tm-first-first-refresh");
    expect(first.inputs.functionName).toBe("bbkyc-token-manager-sit");
    expect(JSON.parse(first.inputs.input)).toEqual({ trigger: "pulumi-deployment" });
    expect(first.inputs.lifecycleScope ?? "CREATE_ONLY").toBe("CREATE_ONLY");
    // Re-run (replaced) exactly when a setting a refresh depends on changes.
    expect(first.inputs.triggers).toEqual({
      tokenUrl: "https://tiaa.example.test/oauth/token",
      credentials: 'csm-lambda:csm-reader:KYC "Safe"/tiaa-svc',
      certificate: `acm:${CERT_ARN}`,
      role: "created by the component",
    });
    for (const dep of [
      "aws:iam/rolePolicy:RolePolicy::tm-first-policy",
      "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig::tm-first-async-config",
      "aws:scheduler/schedule:Schedule::tm-first-schedule",
    ]) {
      expect(first.dependsOn).toContain(dep);
    }
  });

  it("refuses bad arguments before declaring anything, naming the config key to fix", async () => {
    await useRecordingMocks("eu-west-1");
    const naming = new Naming({ prefix: "bbkyc", env: "sit", region: "eu-west-1" });
    const make =
      (config: TokenManagerConfig, extra: Partial<TokenManagerArgs> = {}) =>
      () =>
        new TokenManager("tm-bad", { naming, config, kmsKeyArn: KEY_ARN, logRetentionDays: 90, ...extra });

    expect(make(baseConfig({ secretName: "token secret!" }))).toThrow(NamingError);
    expect(
      make(
        baseConfig({
          credentials: {
            source: "csm-lambda",
            lambdaName: "",
            safe: "s",
            object: "o",
            payloadTemplate: "{}",
          },
        }),
      ),
    ).toThrow(/csmLambdaName/);
    expect(
      make(
        baseConfig({
          credentials: {
            source: "csm-lambda",
            lambdaName: "csm",
            safe: "s",
            object: "o",
            payloadTemplate: "{safe}",
          },
        }),
      ),
    ).toThrow(/csmPayloadTemplate/);
    expect(make(baseConfig({ certificate: { source: "acm", certificateArn: "" } }))).toThrow(
      /certificateArn/,
    );
    expect(make(baseConfig(), { asyncRetries: 3 })).toThrow(/asyncRetries/);
    expect(make(baseConfig(), { maximumEventAgeSeconds: 30 })).toThrow(/maximumEventAgeSeconds/);
  });
});
