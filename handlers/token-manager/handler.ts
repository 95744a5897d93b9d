/**
 * Lambda shell of the token manager: clients are built once per container from the environment
 * (AWS_ENDPOINT_URL and SECRETS_MANAGER_ENDPOINT honoured), then every scheduled invocation runs
 * `refreshToken`. A thrown error fails the invocation on purpose (retries and alarms see it).
 */
import { ACMClient } from "@aws-sdk/client-acm";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Context } from "aws-lambda";
import { awsClientConfig, requireEnv } from "../lib/aws-config.js";
import { sleep } from "../lib/backoff.js";
import { flushMetrics, invocationLogger, metricsSinkFromEnv } from "../lib/invocation.js";
import { Logger } from "../lib/logger.js";
import { MemorySink, Metrics } from "../lib/metrics.js";
import { isDeploymentTrigger, retryWhileIamPropagates } from "./deployment-refresh.js";
import { TokenRefreshError } from "./errors.js";
import { refreshToken, type RefreshResult } from "./refresh-token.js";
import { readRefreshConfig, type RefreshConfig } from "./settings.js";

const logger = new Logger({ service: "token-manager" });
const secretsManager = new SecretsManagerClient(awsClientConfig("SECRETS_MANAGER_ENDPOINT"));
const lambda = new LambdaClient(awsClientConfig());
const acm = new ACMClient(awsClientConfig());
const sink = metricsSinkFromEnv();
const namespace = requireEnv("METRIC_NAMESPACE");
const environment = requireEnv("ENVIRONMENT");

/** Read on the first invocation, so a broken environment is reported as a refresh failure with a metric. */
let config: RefreshConfig | undefined;

export async function handler(
  event: unknown,
  context?: Pick<Context, "awsRequestId"> & Partial<Pick<Context, "getRemainingTimeInMillis">>,
): Promise<RefreshResult> {
  const log = invocationLogger(logger, context);
  const metrics = new Metrics({ component: "token-manager", namespace, environment, sink });
  try {
    config ??= readRefreshConfig();
  } catch (error) {
    const reason = error instanceof TokenRefreshError ? error.reason : "configuration";
    metrics.add("TokenRefreshFailure", 1, { Reason: reason });
    log.error("token refresh failed; the previous token stays current", {
      reason,
      error: (error as Error).message,
    });
    await flushMetrics(metrics, log);
    throw error;
  }
  const refreshConfig = config;
  if (!isDeploymentTrigger(event) || !context?.getRemainingTimeInMillis)
    return refreshToken({ secretsManager, lambda, acm, metrics, logger: log }, refreshConfig);
  // The deployment's first refresh: each attempt's metrics are held back, and only the attempt that
  // ends the invocation publishes them (attempts IAM refused while the policy propagated count nothing).
  let held = new MemorySink();
  try {
    return await retryWhileIamPropagates(
      () => {
        held = new MemorySink();
        const attemptMetrics = new Metrics({
          component: "token-manager",
          namespace,
          environment,
          sink: held,
        });
        return refreshToken(
          { secretsManager, lambda, acm, metrics: attemptMetrics, logger: log },
          refreshConfig,
        );
      },
      {
        logger: log,
        sleep,
        remainingTimeMs: () => context.getRemainingTimeInMillis!(),
        attemptBudgetMs: (refreshConfig.retries + 1) * refreshConfig.requestTimeoutMs,
      },
    );
  } finally {
    for (const { namespace, series } of held.published)
      await sink.publish(namespace, series, new Date()).catch(() => undefined);
  }
}
