/**
 * The offline plan of each stack (the real program under Pulumi's mocks, as `npm run plan` runs it):
 * wall time and resources per stack. Prod needs its TIAA URL from `pulumi config set`; the bench
 * passes a placeholder, as the preflight's `--config` would.
 *
 *   npx tsx bench/plan.ts [stacks=all]
 */
import { fileURLToPath } from "node:url";
import { planStack } from "../stacks/offline/plan.js";
import { stackNames } from "../stacks/stack-files.js";
import { describeMachine, machine, round, writeResults } from "./bench-results.js";

const PLACEHOLDER_OVERRIDES: Record<string, string> = { tokenUrl: "https://tiaa-auth.bench.invalid/token" };

export async function runPlanBench(options: { stacks?: string[]; log?: (line: string) => void }) {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const results: Array<{ stack: string; resources: number; seconds: number }> = [];
  for (const stack of options.stacks ?? stackNames()) {
    log(`plan bench: ${stack}`);
    const started = performance.now();
    const plan = await planStack(stack, stack === "prod" ? PLACEHOLDER_OVERRIDES : {});
    results.push({
      stack,
      resources: plan.resources.length,
      seconds: round((performance.now() - started) / 1000, 1),
    });
  }
  return { results };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const stacks = process.argv[2]?.split(",");
  const startedAt = new Date();
  const m = machine();
  console.log(describeMachine(m));
  const result = await runPlanBench({ ...(stacks ? { stacks } : {}) });
  console.table(result.results);
  console.log(`results: ${writeResults("plan", result, startedAt, m)}`);
}
