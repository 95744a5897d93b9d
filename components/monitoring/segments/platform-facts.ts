/**
 * What the whole platform's monitoring is drawn from: each component's facts, and the functions it
 * runs (the platform's own and the external ones the dashboards also watch).
 */
import type { ExternalResources } from "../../dashboards-config.js";
import type { AuditFacts, FunctionFacts, GlueJobFacts, PipelineFacts, TokenManagerFacts } from "../facts.js";

export interface PlatformFacts {
  tokenManager: TokenManagerFacts;
  pipelines: PipelineFacts[];
  audit: AuditFacts;
  glueJobs: GlueJobFacts[];
  external: ExternalResources;
}

/** Every function the platform deploys (for Lambda widgets and alarms). */
export function managedFunctions(facts: PlatformFacts): FunctionFacts[] {
  return [
    facts.tokenManager.fn,
    ...facts.pipelines.flatMap((p) =>
      [p.producer, p.caseCreator, p.discardAuditor].filter((f): f is FunctionFacts => f !== undefined),
    ),
    facts.audit.processor,
  ];
}

export function allFunctions(
  facts: PlatformFacts,
): Array<{ functionName: string; label: string; external: boolean }> {
  return [
    ...managedFunctions(facts).map((f) => ({
      functionName: f.functionName,
      label: f.label,
      external: false,
    })),
    ...facts.external.lambdaFunctions.map((name) => ({
      functionName: name,
      label: `${name} (external)`,
      external: true,
    })),
  ];
}
