/**
 * One Glue publisher's part of a stack's configuration, as `GlueJob` takes it (keys in
 * `stacks/config-schema/glue.ts`, which checks it conforms).
 */

export interface GlueJobConfig {
  /** Short name, e.g. `et-event-producer`. */
  name: string;
  /** The pipeline whose stream it publishes to. */
  pipeline: string;
  /** Iceberg table it reads, `database.table`. */
  icebergTable: string;
  /** EventBridge schedule expression, e.g. `cron(0 2 * * ? *)`. */
  schedule: string;
  /** How the job role may read the table's files. */
  tableAccess: GlueTableAccess;
  /** First run (no bookmark yet): publish every row, or start from the current snapshot. */
  firstRun: GlueFirstRun;
  /** Publishing tasks (Spark partitions); 0: one per executor core. */
  publishPartitions: number;
}

/**
 * `s3`: the job role itself reads the table's files (Iceberg's S3FileIO uses the job's credentials),
 * so it gets `s3:GetObject`/`s3:ListBucket` on the table's location and `kms:Decrypt` on its key.
 * `lake-formation`: the table is registered with Lake Formation, which vends the credentials
 * (Glue 5.0 full-table access); the role gets `lakeformation:GetDataAccess` and no S3 rights.
 */
export type GlueTableAccess =
  | { mode: "s3"; location: string; kmsKeyArn?: string }
  | { mode: "lake-formation" };

export type GlueFirstRun = "all" | "from-current";
