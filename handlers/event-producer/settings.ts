/**
 * The producer's settings, read from the environment the EventPipeline component sets. One reader
 * for the Lambda shell and the local run, so the two can never map a variable differently.
 */
import { requireEnv } from "../lib/aws-config.js";
import type { ProducerConfig } from "./produce-events.js";

export interface ProducerSettings {
  environment: string;
  namespace: string;
  auditQueueUrl: string;
  /** The audit table, where the producer keeps its ledger of object versions (`file-ledger.ts`). */
  ledger: { tableName: string; retentionDays: number };
  config: ProducerConfig;
}

export function readProducerSettings(
  env: NodeJS.ProcessEnv | Record<string, string | undefined>,
): ProducerSettings {
  const retentionDays = Number(requireEnv("AUDIT_RETENTION_DAYS", env));
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new Error(
      `AUDIT_RETENTION_DAYS must be a whole number of days (at least 1), got ${env.AUDIT_RETENTION_DAYS}`,
    );
  }
  return {
    environment: requireEnv("ENVIRONMENT", env),
    namespace: requireEnv("METRIC_NAMESPACE", env),
    auditQueueUrl: requireEnv("AUDIT_QUEUE_URL", env),
    ledger: { tableName: requireEnv("AUDIT_TABLE_NAME", env), retentionDays },
    config: {
      streamName: requireEnv("STREAM_NAME", env),
      partitionKeyPrefix: requireEnv("PARTITION_KEY_PREFIX", env),
      pipelineName: requireEnv("PIPELINE_NAME", env),
      auditPublished: env.AUDIT_PUBLISHED === "true",
      // Unset in AWS (the default, 4, applies). The local run sets 1: the emulator's Kinesis loses
      // records when PutRecords calls overlap.
      maxInFlight: env.PUT_RECORDS_IN_FLIGHT ? Number(env.PUT_RECORDS_IN_FLIGHT) : undefined,
    },
  };
}

/** S3 URL-encodes keys in notifications, with '+' for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}
