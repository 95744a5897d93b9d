/**
 * The typed shape of one stack's configuration, after validation.
 * Raw keys and their defaults are declared in `Pulumi.yaml`; `validate-config.ts` turns them into this.
 * Each component's part is declared with its component (`components/*-config.ts`): `stacks/` imports
 * `components/`, never the reverse. Re-exported here for the stack code, tools and tests.
 */
import type { ExternalResources } from "../components/dashboards-config.js";
import type { PipelineConfig, SalesforceConfig } from "../components/event-pipeline-config.js";
import type { GlueJobConfig } from "../components/glue-job-config.js";
import type { Environment } from "../components/naming.js";
import type { NetworkConfig } from "../components/network-config.js";
import type { TokenManagerConfig } from "../components/token-manager-config.js";

export type { ExternalResources } from "../components/dashboards-config.js";
export type {
  PipelineConfig,
  PipelineSource,
  SalesforceConfig,
} from "../components/event-pipeline-config.js";
export type { NetworkConfig, NetworkNeed } from "../components/network-config.js";
export type { GlueFirstRun, GlueJobConfig, GlueTableAccess } from "../components/glue-job-config.js";
export type {
  CertificateSource,
  CredentialSource,
  TokenManagerConfig,
} from "../components/token-manager-config.js";

export interface AuditConfig {
  /** Days an audit item is kept before its TTL expires it. */
  retentionDays: number;
  /** Receives of one message before it moves to the audit DLQ. */
  maxReceives: number;
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
  /** Where the functions run: outside any VPC, in the bank's subnets, or in a VPC this program builds. */
  network: NetworkConfig;
}
