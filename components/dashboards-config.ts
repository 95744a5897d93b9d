/** The dashboards' part of a stack's configuration (validated by `stacks/validate-config.ts`). */

/** Resources managed elsewhere that the dashboards must still show. */
export interface ExternalResources {
  lambdaFunctions: string[];
  glueJobs: string[];
  /** AWS Batch jobs, by job queue name (CloudWatch metrics are per queue). */
  batchJobQueues: string[];
  eventRules: string[];
}
