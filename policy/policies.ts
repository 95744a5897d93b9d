/**
 * The guardrails as `@pulumi/policy` policies: each `validateResource` / `validateStack` calls the
 * same pure rule that `npm test` runs over every stack's offline plan, so the two cannot drift.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { PlannedResource } from "./planned-resource.js";
import { RESOURCE_RULES, type ResourceRule } from "./resource-rules.js";
import { STACK_RULES, type StackRule } from "./stack-rules.js";

/** What a resource rule needs from the engine's view of a resource. */
export interface EngineResource {
  type: string;
  name: string;
  props: Record<string, any>;
  provider?: { props: Record<string, any> } | undefined;
}

export function asPlanned(resource: EngineResource): PlannedResource {
  return {
    type: resource.type,
    name: resource.name,
    inputs: resource.props,
    ...(resource.provider ? { providerInputs: resource.provider.props } : {}),
  };
}

export function resourcePolicy(rule: ResourceRule): ResourceValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
      for (const message of rule.check(asPlanned(args))) reportViolation(message);
    },
  };
}

export function stackPolicy(rule: StackRule): StackValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
      const resources = args.resources as readonly PolicyResource[];
      const planned = resources.map((r) => asPlanned(r));
      for (const violation of rule.check(planned))
        reportViolation(violation.message, resources.find((r) => r.name === violation.resource)?.urn);
    },
  };
}

export const POLICIES: Array<ResourceValidationPolicy | StackValidationPolicy> = [
  ...RESOURCE_RULES.map(resourcePolicy),
  ...STACK_RULES.map(stackPolicy),
];
