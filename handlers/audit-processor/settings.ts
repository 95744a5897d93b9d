/**
 * The audit processor's settings, read from the environment the AuditStore component sets. One
 * reader for the Lambda shell and the local run, so the two can never map a variable differently.
 */
import { requireEnv } from "../lib/aws-config.js";

export interface AuditProcessorSettings {
  environment: string;
  namespace: string;
  tableName: string;
  retentionDays: number;
}

export function readAuditProcessorSettings(env: NodeJS.ProcessEnv | Record<string, string | undefined>): AuditProcessorSettings {
  const retentionDays = Number(requireEnv("AUDIT_RETENTION_DAYS", env));
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new Error(`AUDIT_RETENTION_DAYS must be a whole number of days (at least 1), got ${env.AUDIT_RETENTION_DAYS}`);
  }
  return {
    environment: requireEnv("ENVIRONMENT", env),
    namespace: requireEnv("METRIC_NAMESPACE", env),
    tableName: requireEnv("AUDIT_TABLE_NAME", env),
    retentionDays,
  };
}
