/**
 * The typed shape of one stack's configuration, after validation: derived from the schema in
 * `config-schema/` (keys, defaults and checks are declared there once). Each component's part is
 * declared with its component (`components/*-config.ts`), and each section file checks at compile
 * time that what it builds conforms to it: `stacks/` imports `components/`, never the reverse.
 * Re-exported here for the stack code, tools and tests.
 */
import type { PlatformConfig } from "./config-schema/index.js";

export type { ExternalResources } from "../components/dashboards-config.js";
export type {
  PipelineConfig,
  PipelineSource,
  SalesforceConfig,
} from "../components/event-pipeline-config.js";
export type { GlueFirstRun, GlueJobConfig, GlueTableAccess } from "../components/glue-job-config.js";
export type {
  CertificateSource,
  CredentialSource,
  TokenManagerConfig,
} from "../components/token-manager-config.js";
export type { PlatformConfig } from "./config-schema/index.js";

export type AuditConfig = PlatformConfig["audit"];
