/**
 * The discard auditor's settings, read from the environment the EventPipeline component sets. One
 * reader for the Lambda shell and the local run.
 */
import { requireEnv } from "../lib/aws-config.js";
import type { DiscardAuditorConfig } from "./audit-discarded.js";

export interface DiscardAuditorSettings {
  environment: string;
  auditQueueUrl: string;
  config: DiscardAuditorConfig;
}

export function readDiscardAuditorSettings(
  env: NodeJS.ProcessEnv | Record<string, string | undefined>,
): DiscardAuditorSettings {
  return {
    environment: requireEnv("ENVIRONMENT", env),
    auditQueueUrl: requireEnv("AUDIT_QUEUE_URL", env),
    config: {
      component: `${requireEnv("PIPELINE_NAME", env)}-discard-auditor`,
      caseCreatorFunction: requireEnv("CASE_CREATOR_FUNCTION", env),
    },
  };
}
