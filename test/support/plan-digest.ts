/**
 * A compact, reviewable fingerprint of an offline plan: per resource its type, logical name,
 * physical name, dependencies and a SHA-256 of its inputs. Comparing two digests shows exactly which
 * resources a change adds, removes or alters, without keeping every input (dashboards are large) in
 * a fixture.
 *
 * Regenerate a fixture (only when a change to the plan is intended):
 *   npx tsx test/support/plan-digest.ts sit > test/fixtures/sit-plan-digest.json
 */
import { createHash } from "node:crypto";
import type { OfflinePlan } from "../../stacks/offline/plan.js";

export interface ResourceDigest {
  type: string;
  name: string;
  physicalName?: string;
  dependsOn?: string[];
  inputsSha256: string;
}

/** Object keys sorted, so the hash depends on values only, not on the order inputs were written in. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

export function planDigest(plan: OfflinePlan): ResourceDigest[] {
  return plan.resources
    .map((r) => ({
      type: r.type,
      name: r.name,
      ...(r.physicalName !== undefined ? { physicalName: r.physicalName } : {}),
      ...(r.dependsOn ? { dependsOn: [...r.dependsOn].sort() } : {}),
      inputsSha256: createHash("sha256")
        .update(JSON.stringify(canonical(r.inputs)))
        .digest("hex"),
    }))
    .sort((a, b) => `${a.type}::${a.name}`.localeCompare(`${b.type}::${b.name}`));
}

async function main(stack: string): Promise<void> {
  const { planStack } = await import("../../stacks/offline/plan.js");
  process.stdout.write(`${JSON.stringify(planDigest(await planStack(stack)), null, 1)}\n`);
}

if (process.argv[1]?.endsWith("plan-digest.ts")) void main(process.argv[2] ?? "sit");
