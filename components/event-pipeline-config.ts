/**
 * One pipeline's part of a stack's configuration, and the Salesforce settings its case creator uses,
 * as `EventPipeline` takes them (keys in `stacks/config-schema/pipelines.ts` and `salesforce.ts`).
 */

export type PipelineSource = "s3" | "glue";

export interface PipelineConfig {
  /** Short lower-case name, part of every physical name (`cta`, `tt`). */
  name: string;
  /** Human label for dashboards. */
  label: string;
  /** Provisioned shard count, or `undefined` when the stream is on-demand. */
  shardCount?: number;
  onDemand: boolean;
  /** `s3`: files uploaded to the pipeline's bucket feed the producer; `glue`: a Glue job publishes. */
  source: PipelineSource;
  /** Whether this pipeline's stream feeds the Salesforce case creator (false: an external consumer reads it). */
  caseCreator: boolean;
  /**
   * Case creator: Kinesis records per invocation; up to 1,000 go to Salesforce in one call (five
   * collections in a Composite call), so 1,000 makes one call per full batch. @default `1000`
   */
  batchSize: number;
  /** Case creator: concurrent batches per shard. @default `2` */
  parallelizationFactor: number;
  /** Case creator: retries of a failing batch before it goes to the on-failure queue. @default `5` */
  maximumRetryAttempts: number;
  /** Case creator: records older than this go to the on-failure queue. @default `3600` */
  maximumRecordAgeSeconds: number;
  /** Stream retention. @default `24` */
  retentionHours: number;
  /**
   * IAM principals of other accounts that read the stream (e.g. TMS's consumer role): granted the
   * stream through its resource policy and the platform key for Kinesis only. @default `[]`
   */
  readerPrincipals?: string[];
  /**
   * IAM principals of other accounts that upload files to the input bucket (data providers): granted
   * `s3:PutObject` by the bucket policy and the platform key for S3 only. @default `[]`
   */
  uploaderPrincipals?: string[];
}

export interface SalesforceConfig {
  instanceUrl: string;
  apiVersion: string;
  objectName: string;
  externalIdField: string;
}

/**
 * The one source of each numeric pipeline setting's range (what AWS accepts; `shardCount`'s 500 is the
 * default per-account shard quota) and default. The config schema (`stacks/config-schema/pipelines.ts`)
 * is built from them, and so is the README's config reference; `EventPipeline` checks its args against
 * them; Pulumi.yaml's comment states the same defaults (test/pipeline-limits.test.ts).
 */
export const PIPELINE_LIMITS = {
  shardCount: { min: 1, max: 500 },
  batchSize: { min: 1, max: 10_000, default: 1000 },
  parallelizationFactor: { min: 1, max: 10, default: 2 },
  maximumRetryAttempts: { min: 0, max: 10_000, default: 5 },
  maximumRecordAgeSeconds: { min: 60, max: 604_800, default: 3600 },
  retentionHours: { min: 24, max: 8760, default: 24 },
} as const;

/** Limits AWS enforces, checked before anything is declared so the message names the config key. */
export function checkPipelineLimits(p: PipelineConfig): void {
  const where = `pipeline "${p.name}"`;
  if (p.onDemand === (p.shardCount !== undefined)) {
    throw new Error(`${where}: exactly one of \`shardCount\` or \`onDemand\` can be set`);
  }
  const { shardCount } = PIPELINE_LIMITS;
  if (
    p.shardCount !== undefined &&
    (!Number.isInteger(p.shardCount) || p.shardCount < shardCount.min || p.shardCount > shardCount.max)
  ) {
    throw new Error(
      `${where}: \`shardCount\` must be an integer ${shardCount.min}–${shardCount.max}, got ${p.shardCount}`,
    );
  }
  const { retentionHours } = PIPELINE_LIMITS;
  if (p.retentionHours < retentionHours.min || p.retentionHours > retentionHours.max) {
    throw new Error(
      `${where}: \`retentionHours\` must be ${retentionHours.min}–${retentionHours.max}, got ${p.retentionHours}`,
    );
  }
  if (!p.caseCreator) return;
  const ranges = (
    ["batchSize", "parallelizationFactor", "maximumRetryAttempts", "maximumRecordAgeSeconds"] as const
  ).map((key) => [key, PIPELINE_LIMITS[key].min, PIPELINE_LIMITS[key].max] as const);
  for (const [key, min, max] of ranges) {
    const value = p[key] as number;
    if (!Number.isInteger(value) || value < min || value > max)
      throw new Error(`${where}: \`${key}\` must be an integer ${min}–${max}, got ${value}`);
  }
}
