/** The dashboards' part of a stack's configuration (keys in `stacks/config-schema/external.ts`). */

/** Resources managed elsewhere that the dashboards must still show. */
export interface ExternalResources {
  lambdaFunctions: string[];
  glueJobs: string[];
  /** AWS Batch jobs, by job queue name (CloudWatch metrics are per queue). */
  batchJobQueues: string[];
  eventRules: string[];
}
