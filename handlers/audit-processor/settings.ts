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
  /** Audit component → case-creator namespace its outcomes are counted in (see `outcome-metrics.ts`). */
  caseOutcomeNamespaces: Record<string, string>;
}

export function readAuditProcessorSettings(
  env: NodeJS.ProcessEnv | Record<string, string | undefined>,
): AuditProcessorSettings {
  const retentionDays = Number(requireEnv("AUDIT_RETENTION_DAYS", env));
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new Error(
      `AUDIT_RETENTION_DAYS must be a whole number of days (at least 1), got ${env.AUDIT_RETENTION_DAYS}`,
    );
  }
  return {
    environment: requireEnv("ENVIRONMENT", env),
    namespace: requireEnv("METRIC_NAMESPACE", env),
    tableName: requireEnv("AUDIT_TABLE_NAME", env),
    retentionDays,
    caseOutcomeNamespaces: parseNamespaces(env.CASE_OUTCOME_NAMESPACES),
  };
}

/** `{"cta-case-creator":"bbkyc/cta-case-creator/sit", …}`; unset: no case-creating pipeline. */
function parseNamespaces(text: string | undefined): Record<string, string> {
  if (text === undefined || text === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(
      `CASE_OUTCOME_NAMESPACES must be a JSON object of component → namespace, got ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    Array.isArray(parsed) ||
    Object.values(parsed).some((v) => typeof v !== "string")
  ) {
    throw new Error("CASE_OUTCOME_NAMESPACES must be a JSON object whose values are namespaces (strings)");
  }
  return parsed as Record<string, string>;
}
