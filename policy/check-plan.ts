/**
 * Runs every guardrail over a list of resources (an offline plan's, or the engine's), exactly as the
 * policy pack does, and returns the violations as `[rule] message` lines.
 */
import type { PlannedResource } from "./planned-resource.js";
import { RESOURCE_RULES } from "./resource-rules.js";
import { STACK_RULES } from "./stack-rules.js";
import type { RecordedResource } from "../stacks/offline/recording-mocks.js";

export interface Violation {
  rule: string;
  resource: string;
  message: string;
}

export function checkResources(resources: readonly PlannedResource[]): Violation[] {
  const perResource = resources.flatMap((resource) =>
    RESOURCE_RULES.flatMap((rule) =>
      rule.check(resource).map((message) => ({ rule: rule.name, resource: resource.name, message })),
    ),
  );
  const perStack = STACK_RULES.flatMap((rule) =>
    rule.check(resources).map((v) => ({ rule: rule.name, ...v })),
  );
  return [...perResource, ...perStack];
}

/** The offline plan's records as the guardrails see them: each with its provider's inputs attached. */
export function plannedResources(recorded: readonly RecordedResource[]): PlannedResource[] {
  const providers = new Map(
    recorded.filter((r) => r.type.startsWith("pulumi:providers:")).map((p) => [p.name, p.inputs]),
  );
  return recorded.map((r) => {
    const providerName = r.provider?.split("::")[3];
    const providerInputs = providerName ? providers.get(providerName) : undefined;
    return { type: r.type, name: r.name, inputs: r.inputs, ...(providerInputs ? { providerInputs } : {}) };
  });
}

export const formatViolation = (v: Violation): string => `[${v.rule}] ${v.message}`;
