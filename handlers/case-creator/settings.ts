/**
 * The case creator's settings, read from the environment the EventPipeline component sets. One
 * reader for the Lambda shell and the local run, so the two can never map a variable differently.
 */
import { requireEnv } from "../lib/aws-config.js";
import type { CaseCreatorConfig } from "./create-cases.js";

export interface CaseCreatorSettings {
  environment: string;
  namespace: string;
  auditQueueUrl: string;
  tokenSecretId: string;
  /** A cached token is re-read this long before its `expires_at` (ms). */
  tokenRefreshMarginMs: number;
  salesforce: { instanceUrl: string; apiVersion: string; objectName: string; externalIdField: string };
  config: CaseCreatorConfig;
}

export function readCaseCreatorSettings(
  env: NodeJS.ProcessEnv | Record<string, string | undefined>,
): CaseCreatorSettings {
  const objectName = requireEnv("SALESFORCE_OBJECT", env);
  const externalIdField = requireEnv("SALESFORCE_EXTERNAL_ID_FIELD", env);
  const giveUpAfterSeconds = Number(requireEnv("GIVE_UP_AFTER_SECONDS", env));
  if (!Number.isFinite(giveUpAfterSeconds) || giveUpAfterSeconds <= 0) {
    throw new Error(
      `GIVE_UP_AFTER_SECONDS must be a positive number of seconds, got ${env.GIVE_UP_AFTER_SECONDS}`,
    );
  }
  // Unset in AWS (5 minutes applies); the local run shortens it with every other waiting time when
  // it compresses time (`npm start -- --time-scale`).
  const marginSeconds =
    env.TOKEN_REFRESH_MARGIN_SECONDS === undefined || env.TOKEN_REFRESH_MARGIN_SECONDS === ""
      ? 300
      : Number(env.TOKEN_REFRESH_MARGIN_SECONDS);
  if (!Number.isFinite(marginSeconds) || marginSeconds < 0) {
    throw new Error(
      `TOKEN_REFRESH_MARGIN_SECONDS must be a number of seconds (0 or more), got ${env.TOKEN_REFRESH_MARGIN_SECONDS}`,
    );
  }
  return {
    environment: requireEnv("ENVIRONMENT", env),
    namespace: requireEnv("METRIC_NAMESPACE", env),
    auditQueueUrl: requireEnv("AUDIT_QUEUE_URL", env),
    tokenSecretId: requireEnv("TOKEN_SECRET_ID", env),
    tokenRefreshMarginMs: marginSeconds * 1000,
    salesforce: {
      instanceUrl: requireEnv("SALESFORCE_INSTANCE_URL", env),
      apiVersion: requireEnv("SALESFORCE_API_VERSION", env),
      objectName,
      externalIdField,
    },
    config: {
      component: `${requireEnv("PIPELINE_NAME", env)}-case-creator`,
      mapping: { objectName, externalIdField },
      giveUpAfterSeconds,
    },
  };
}
