/**
 * The typed shape of one stack's configuration, after validation.
 * Raw keys and their defaults are declared in `Pulumi.yaml`; `validate-config.ts` turns them into this.
 */
import type { Environment } from "../components/naming.js";

/** Where the token manager gets the TIAA username/password (or client id/secret). */
export type CredentialSource =
  | {
      source: "csm-lambda";
      /** Name or ARN of the CSM tool's Lambda that reads a safe. */
      lambdaName: string;
      /** Safe that holds the TIAA credential. */
      safe: string;
      /** Object (account) inside the safe. */
      object: string;
      /** JSON template of the invoke payload; `{safe}` and `{object}` are replaced. */
      payloadTemplate: string;
      /** Dot paths of the username / password in the answer (first match wins); unset: the handler's defaults. */
      responseFields?: { username?: string[]; password?: string[] };
    }
  | { source: "secret"; /** ARN of a secret holding `{"username","password"}`. */ secretArn: string };

/** Where the client certificate + private key for mutual TLS come from. */
export type CertificateSource =
  | { source: "acm"; /** ARN of an exportable ACM certificate. */ certificateArn: string }
  | { source: "secret"; /** ARN of a secret holding `{"certificate","privateKey","chain"?}` in PEM. */ secretArn: string }
  | { source: "file"; /** Path of a PEM bundle inside the function package (legacy, discouraged). */ path: string };

export interface TokenManagerConfig {
  schedule: string;
  tokenUrl: string;
  secretName: string;
  lifetimeMinutes: number;
  grantType: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  retries: number;
  /** An existing IAM role for the function, when the bank's IAM team provides one. */
  authRoleArn?: string;
  /** Secrets Manager endpoint override (e.g. a VPC interface endpoint URL). */
  secretsManagerEndpoint?: string;
  credentials: CredentialSource;
  certificate: CertificateSource;
  /** Reserved concurrent executions of the token manager; undefined reserves none (`tokenReservedConcurrency` 0). */
  reservedConcurrency?: number;
}

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
  /** Case creator: Kinesis records per invocation. @default `200` */
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

export interface AuditConfig {
  /** Days an audit item is kept before its TTL expires it. */
  retentionDays: number;
  /** Receives of one message before it moves to the audit DLQ. */
  maxReceives: number;
}

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

/** Resources managed elsewhere that the dashboards must still show. */
export interface ExternalResources {
  lambdaFunctions: string[];
  glueJobs: string[];
  /** AWS Batch jobs, by job queue name (CloudWatch metrics are per queue). */
  batchJobQueues: string[];
  eventRules: string[];
}

export interface PlatformConfig {
  /** Pulumi stack name (`sit`, `prod`, `sit-london`). */
  stack: string;
  env: Environment;
  prefix: string;
  domain: string;
  region: string;
  logRetentionDays: number;
  tokenManager: TokenManagerConfig;
  pipelines: PipelineConfig[];
  salesforce: SalesforceConfig;
  audit: AuditConfig;
  alarmEmail?: string;
  slaSeconds: number;
  glueJobs: GlueJobConfig[];
  external: ExternalResources;
}
