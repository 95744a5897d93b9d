/**
 * TokenManager: the reusable "TIAA token manager". An EventBridge Scheduler schedule invokes a
 * Lambda that fetches TIAA credentials (CSM or a secret) and a client certificate (ACM, a secret or
 * a file), asks TIAA for a token over mutual TLS and stores it in a KMS-encrypted secret, which
 * consumers read through `SecretTokenClient` (handlers/lib/token-client.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { metricNamespace } from "../handlers/lib/metric-catalog.js";
import { DEFAULT_TOKEN_BACKOFF } from "../handlers/token-manager/settings.js";
import { IAM_PROPAGATION_WINDOW_SECONDS } from "../handlers/token-manager/deployment-refresh.js";
import type { TokenManagerConfig } from "./token-manager-config.js";
import { kmsUseStatement, policyDocument, putMetricStatement, type PolicyStatement } from "./iam.js";
import { createBundledFunction, type BundledFunction, type FunctionNetwork } from "./lambda-function.js";
import { csmPayload, functionEnvironment } from "./token-manager-environment.js";
import { createFirstRefresh } from "./token-manager-first-refresh.js";
import { createRefreshSchedule } from "./token-manager-schedule.js";
import type { TokenManagerFacts } from "./monitoring/facts.js";
import { checkName, type Naming } from "./naming.js";

export interface TokenManagerArgs {
  /** Makes every physical name (`<prefix>-token-manager-<env>`, …). */
  naming: Naming;
  /**
   * The stack's network: where the function runs (it calls TIAA: placed only with egress; an existing role must carry the ENI rights) (issue #20).
   * @default `undefined` (outside any VPC)
   */
  network?: FunctionNetwork;
  /** The validated `tokenManager` part of the stack config (schedule, URL, sources, timeouts). */
  config: TokenManagerConfig;
  /** ARN of the platform KMS key: encrypts the token secret, the DLQ, the log group and the function's environment. */
  kmsKeyArn: pulumi.Input<string>;
  /** Days the function's log group keeps logs (a value CloudWatch Logs accepts, e.g. `90`). */
  logRetentionDays: number;
  /**
   * Where the username and password sit in the CSM Lambda's JSON answer: dot paths, first match wins.
   * The answer's shape is an assumption until the CSM owners confirm it (docs/csm-integration.md).
   * @default `{ username: ["username", "UserName", "userName"], password: ["password", "Content", "Password"] }`
   * @example `{ username: ["data.account.userName"], password: ["data.account.secret"] }`
   */
  csmResponseFields?: { username?: string[]; password?: string[] };
  /**
   * Times EventBridge Scheduler retries delivering one invocation (throttling, Lambda unavailable)
   * before it goes to the DLQ. Failures inside the function are retried by Lambda, see `asyncRetries`.
   * @default `5`
   */
  scheduleRetryAttempts?: number;
  /**
   * Seconds a scheduled invocation may wait for delivery (and for Lambda's own retries) before it is
   * given up; kept well under the refresh interval so retries never pile onto the next refresh.
   * @default `1800`
   */
  maximumEventAgeSeconds?: number;
  /** Retries Lambda makes of a failed refresh (asynchronous invocation: 1 and 2 minutes later). @default `2` */
  asyncRetries?: number;
  /**
   * Concurrent executions reserved for the function. Not needed to keep refreshes from racing: a
   * refresh never replaces a token fetched later than its own (handlers/token-manager/store-token.ts).
   * Any reservation needs an account concurrency quota of at least it plus 10 (Lambda keeps 10
   * unreserved and refuses the reservation otherwise, stopping `pulumi up`).
   * @default unset (the account's unreserved pool)
   */
  reservedConcurrency?: number;
  /** Function memory in MB. @default `256` */
  memorySize?: number;
  /**
   * Path (inside the function, e.g. a layer under `/opt`) of extra CA certificates that TIAA's server
   * certificate chains to, set as `NODE_EXTRA_CA_CERTS`. Verification itself is never switched off.
   * @default unset (Node's public trust store only)
   * @example `"/opt/certs/bank-root-ca.pem"`
   */
  extraCaCertsPath?: string;
}

const COMPONENT = "token-manager";
/** Seconds the function needs beyond the token request itself (CSM call, certificate export, secret write). */
const FUNCTION_OVERHEAD_SECONDS = 15;

/**
 * @example
 * const tokens = new TokenManager("token-manager", {
 *   naming, config: platformConfig.tokenManager, kmsKeyArn: key.arn, logRetentionDays: 90,
 * });
 * // consumers: grant secretsmanager:GetSecretValue on tokens.secretArn, pass TOKEN_SECRET_ID = tokens.secretArn
 */
export class TokenManager extends pulumi.ComponentResource {
  /** ARN of the secret holding `{access_token, token_type, expires_at, fetched_at}`. */
  public readonly secretArn: pulumi.Output<string>;
  public readonly secretName: string;
  public readonly functionName: string;
  /** Namespace of `TokenRefreshSuccess` / `TokenRefreshFailure`. */
  public readonly metricNamespace: string;
  public readonly scheduleName: string;
  /** The schedule's own Scheduler group (its metrics, and so its alarm, cover this schedule only). */
  public readonly scheduleGroupName: string;
  public readonly dlqName: string;
  public readonly dlqArn: pulumi.Output<string>;
  /**
   * Where Lambda puts a refresh it gave up on (after its async retries or `maximumEventAgeSeconds`),
   * with the request and the error, instead of discarding it (issue #18).
   */
  public readonly failedInvocationQueueName: string;
  /**
   * The function's least-privilege policy (log writing included). Attached to the created role, or,
   * when `config.authRoleArn` is set, the policy to hand to the team that owns that role.
   */
  public readonly functionPolicy: pulumi.Output<string>;
  public readonly facts: TokenManagerFacts;

  constructor(name: string, args: TokenManagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kyc:platform:TokenManager", name, {}, opts);
    validateArgs(args);
    const { naming, config } = args;
    this.metricNamespace = metricNamespace(naming.prefix, COMPONENT, naming.env);
    this.secretName = config.secretName;
    this.scheduleName = naming.physicalName("schedule", "token-refresh");
    this.scheduleGroupName = naming.physicalName("schedule", "token-refresh-group");
    this.dlqName = naming.physicalName("sqs-queue", "token-refresh-dlq");

    if (config.certificate.source === "file") {
      // A log line only: nothing to wait for, and a failed write must not fail the deployment.
      void pulumi.log.warn(
        `certificateSource is file (legacy): the function reads ${config.certificate.path} at run time; this component does not ship ` +
          "that file, and a key kept in a file escapes the rotation and audit of ACM or Secrets Manager. Prefer acm or secret (docs/certificates.md).",
        this,
      );
    }

    const secret = this.createTokenSecret(name, args);
    this.failedInvocationQueueName = naming.physicalName("sqs-queue", "token-refresh-failed-invocations");
    const failedInvocations = this.createFailedInvocationQueue(name, args);
    const statements = this.functionStatements(args, secret, failedInvocations);
    const fn = this.createFunction(name, args, secret, statements);
    const asyncConfig = this.createAsyncInvokeConfig(name, args, fn, failedInvocations);
    const { dlq, schedule } = createRefreshSchedule(
      name,
      {
        naming,
        scheduleName: this.scheduleName,
        scheduleGroupName: this.scheduleGroupName,
        dlqName: this.dlqName,
        expression: config.schedule,
        secretName: config.secretName,
        kmsKeyArn: args.kmsKeyArn,
        retryAttempts: args.scheduleRetryAttempts ?? 5,
        maximumEventAgeSeconds: args.maximumEventAgeSeconds ?? 1800,
      },
      fn,
      this,
      [asyncConfig],
    );
    // Last: the stack's first token, once everything a refresh and its failure handling need exists.
    createFirstRefresh(name, config, fn, [asyncConfig, schedule], this);

    this.secretArn = secret.arn;
    this.functionName = fn.functionName;
    this.dlqArn = dlq.arn;
    this.functionPolicy = fn.policy ?? policyDocument(statements);
    this.facts = {
      fn: { functionName: fn.functionName, logGroupName: fn.logGroupName, label: "TIAA token manager" },
      metrics: { component: COMPONENT, namespace: this.metricNamespace },
      scheduleName: this.scheduleName,
      scheduleGroupName: this.scheduleGroupName,
      scheduleDlqName: this.dlqName,
      failedInvocationQueueName: this.failedInvocationQueueName,
      secretName: this.secretName,
      lifetimeMinutes: config.lifetimeMinutes,
    };
    this.registerOutputs({
      secretArn: this.secretArn,
      secretName: this.secretName,
      functionName: this.functionName,
      metricNamespace: this.metricNamespace,
      scheduleName: this.scheduleName,
      dlqArn: this.dlqArn,
      failedInvocationQueueName: this.failedInvocationQueueName,
    });
  }

  private createTokenSecret(name: string, args: TokenManagerArgs): aws.secretsmanager.Secret {
    return new aws.secretsmanager.Secret(
      `${name}-secret`,
      {
        name: args.config.secretName,
        description:
          "TIAA bearer token {access_token, token_type, expires_at, fetched_at}; written only by the token manager",
        kmsKeyId: args.kmsKeyArn,
      },
      { parent: this },
    );
  }

  /** Exactly what the refresh needs; no `*` action, resource `*` only for PutMetricData (namespace-bound). */
  private functionStatements(
    args: TokenManagerArgs,
    secret: aws.secretsmanager.Secret,
    failedInvocations: aws.sqs.Queue,
  ): PolicyStatement[] {
    const { config, naming } = args;
    const statements: PolicyStatement[] = [];
    if (config.credentials.source === "csm-lambda") {
      const identity = aws.getCallerIdentityOutput({}, { parent: this });
      const partition = aws.getPartitionOutput({}, { parent: this });
      const csmArn = pulumi
        .all([partition.partition, identity.accountId])
        .apply(([p, account]) =>
          lambdaArn(
            config.credentials.source === "csm-lambda" ? config.credentials.lambdaName : "",
            p,
            naming.region,
            account,
          ),
        );
      statements.push({
        Sid: "InvokeCsmLambda",
        Effect: "Allow",
        Action: "lambda:InvokeFunction",
        Resource: csmArn,
      });
    } else {
      statements.push({
        Sid: "ReadCredentialSecret",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: config.credentials.secretArn,
      });
    }
    if (config.certificate.source === "acm") {
      statements.push({
        Sid: "ExportClientCertificate",
        Effect: "Allow",
        Action: "acm:ExportCertificate",
        Resource: config.certificate.certificateArn,
      });
    } else if (config.certificate.source === "secret") {
      statements.push({
        Sid: "ReadCertificateSecret",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: config.certificate.secretArn,
      });
    }
    statements.push(
      // The current version is read before every write, so a refresh never replaces a newer token.
      {
        Sid: "WriteTokenSecret",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
        Resource: secret.arn,
      },
      // Lambda sends a refresh it gave up on to the on-failure destination with this role.
      {
        Sid: "SendToFailedInvocationQueue",
        Effect: "Allow",
        Action: "sqs:SendMessage",
        Resource: failedInvocations.arn,
      },
      kmsUseStatement(args.kmsKeyArn),
      putMetricStatement(this.metricNamespace),
    );
    return statements;
  }

  private createFunction(
    name: string,
    args: TokenManagerArgs,
    secret: aws.secretsmanager.Secret,
    statements: PolicyStatement[],
  ): BundledFunction {
    const { config } = args;
    // Long enough for every attempt at its full timeout plus the longest backoffs, never cut mid-retry,
    // plus the first refresh's wait for IAM to propagate the new policy (deployment-refresh.ts).
    const attemptsMs =
      (config.retries + 1) * config.requestTimeoutMs +
      config.retries * DEFAULT_TOKEN_BACKOFF.maxMs +
      IAM_PROPAGATION_WINDOW_SECONDS * 1000;
    return createBundledFunction(
      name,
      {
        component: COMPONENT,
        naming: args.naming,
        entry: "handlers/token-manager/handler.ts",
        description: "Fetches a TIAA token over mutual TLS and stores it in Secrets Manager",
        memorySize: args.memorySize ?? 256,
        timeoutSeconds: Math.max(30, Math.ceil(attemptsMs / 1000) + FUNCTION_OVERHEAD_SECONDS),
        environment: functionEnvironment(args, this.metricNamespace, secret.arn),
        statements,
        logRetentionDays: args.logRetentionDays,
        kmsKeyArn: args.kmsKeyArn,
        existingRoleArn: config.authRoleArn,
        reservedConcurrency: args.reservedConcurrency,
        placement: args.network?.placementFor("egress"),
      },
      this,
    );
  }

  private createFailedInvocationQueue(name: string, args: TokenManagerArgs): aws.sqs.Queue {
    return new aws.sqs.Queue(
      `${name}-failed-invocations`,
      {
        name: this.failedInvocationQueueName,
        kmsMasterKeyId: args.kmsKeyArn,
        kmsDataKeyReusePeriodSeconds: 300,
        messageRetentionSeconds: 14 * 24 * 3600,
      },
      { parent: this },
    );
  }

  private createAsyncInvokeConfig(
    name: string,
    args: TokenManagerArgs,
    fn: BundledFunction,
    failedInvocations: aws.sqs.Queue,
  ): aws.lambda.FunctionEventInvokeConfig {
    return new aws.lambda.FunctionEventInvokeConfig(
      `${name}-async-config`,
      {
        functionName: fn.function.name,
        maximumRetryAttempts: args.asyncRetries ?? 2,
        maximumEventAgeInSeconds: args.maximumEventAgeSeconds ?? 1800,
        destinationConfig: { onFailure: { destination: failedInvocations.arn } },
      },
      // Lambda checks that the role may send to the destination when the configuration is saved.
      { parent: this, dependsOn: fn.rolePolicy ? [fn.rolePolicy] : [] },
    );
  }
}

/** Fails before any resource is declared, with the config key to fix. */
function validateArgs(args: TokenManagerArgs): void {
  const { config } = args;
  checkName("secret", config.secretName, "tokenSecretName");
  if (config.credentials.source === "csm-lambda") {
    if (config.credentials.lambdaName === "")
      throw new Error("Config key `csmLambdaName` must be set when `credentialSource` is csm-lambda");
    try {
      JSON.parse(csmPayload(config));
    } catch {
      throw new Error(
        "Config key `csmPayloadTemplate` is not valid JSON once {safe} and {object} are filled in",
      );
    }
  } else if (config.credentials.secretArn === "") {
    throw new Error("Config key `credentialSecretArn` must be set when `credentialSource` is secret");
  }
  const certificate = config.certificate;
  const missing =
    (certificate.source === "acm" && certificate.certificateArn === "" && "certificateArn") ||
    (certificate.source === "secret" && certificate.secretArn === "" && "certificateSecretArn") ||
    (certificate.source === "file" && certificate.path === "" && "certificatePath");
  if (missing)
    throw new Error(
      `Config key \`${missing}\` must be set when \`certificateSource\` is ${certificate.source}`,
    );
  for (const [field, value] of [
    ["scheduleRetryAttempts", args.scheduleRetryAttempts],
    ["asyncRetries", args.asyncRetries],
  ] as const) {
    if (
      value !== undefined &&
      (!Number.isInteger(value) || value < 0 || value > (field === "asyncRetries" ? 2 : 185))
    ) {
      throw new Error(`\`${field}\` is ${value}; AWS allows 0–${field === "asyncRetries" ? 2 : 185}`);
    }
  }
  const age = args.maximumEventAgeSeconds;
  if (age !== undefined && (!Number.isInteger(age) || age < 60 || age > 21_600)) {
    throw new Error(
      `\`maximumEventAgeSeconds\` is ${age}; use 60–21600 (both Scheduler and Lambda accept that range)`,
    );
  }
}

/** A function ARN from a name (`csm-reader`, `csm-reader:live`) or the ARN itself (possibly in another account). */
export function lambdaArn(nameOrArn: string, partition: string, region: string, accountId: string): string {
  if (nameOrArn.startsWith("arn:")) return nameOrArn;
  return `arn:${partition}:lambda:${region}:${accountId}:function:${nameOrArn}`;
}
