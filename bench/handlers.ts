/**
 * Per function the stack deploys: the bundle's size (as deployed, and gzipped as Lambda stores the
 * zip) and its cold module init — the median of `--runs` fresh imports, each in a new Node process
 * with the environment the plan gives that function (what Lambda's INIT phase runs before the first
 * event; Node's own start-up is not counted).
 *
 *   npx tsx bench/handlers.ts [--stack sit] [--runs 5]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { bundleSource } from "../components/bundle.js";
import { planStack } from "../stacks/offline/plan.js";
import { describeMachine, machine, round, writeResults } from "./bench-results.js";

export interface HandlerResult {
  function: string;
  entry: string;
  bundleKb: number;
  gzipKb: number;
  coldInitMsMedian: number;
  coldInitMsRuns: number[];
}

/** The handler entry each deployed function is bundled from, by its physical name. */
const ENTRY_BY_SUFFIX: Array<[RegExp, string]> = [
  [/-token-manager-/, "handlers/token-manager/handler.ts"],
  [/-event-producer-/, "handlers/event-producer/handler.ts"],
  [/-case-creator-/, "handlers/case-creator/handler.ts"],
  [/-audit-processor-/, "handlers/audit-processor/handler.ts"],
  [/-discard-auditor-/, "handlers/discard-auditor/handler.ts"],
];

const IMPORT_TIMER = `const t = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t));`;

export async function runHandlersBench(options: {
  stack: string;
  runs: number;
  log?: (line: string) => void;
}) {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const plan = await planStack(options.stack);
  const dir = mkdtempSync(join(tmpdir(), "bench-handlers-"));
  const results: HandlerResult[] = [];
  try {
    for (const fn of plan.resources.filter((r) => r.type === "aws:lambda/function:Function")) {
      const name = String(fn.inputs.name);
      const entry = ENTRY_BY_SUFFIX.find(([pattern]) => pattern.test(name))?.[1];
      if (!entry) throw new Error(`no handler entry known for function ${name}: add it to bench/handlers.ts`);
      const source = bundleSource(entry);
      const file = join(dir, `${name}.mjs`);
      writeFileSync(file, source);
      const env = {
        PATH: process.env.PATH,
        AWS_REGION: plan.config.region,
        AWS_ACCESS_KEY_ID: "bench",
        AWS_SECRET_ACCESS_KEY: "bench",
        ...Object.fromEntries(
          Object.entries((fn.inputs.environment?.variables ?? {}) as Record<string, unknown>).map(
            ([k, v]) => [k, String(v)],
          ),
        ),
      };
      log(`handlers bench: ${name} (${entry}), ${options.runs} cold imports`);
      const runs: number[] = [];
      for (let i = 0; i < options.runs; i++) {
        const run = spawnSync(process.execPath, ["--input-type=module", "-e", IMPORT_TIMER, file], {
          env,
          encoding: "utf8",
        });
        if (run.status !== 0) throw new Error(`importing ${name} failed: ${run.stderr.slice(-1500)}`);
        runs.push(round(Number(run.stdout), 1));
      }
      const sorted = [...runs].sort((a, b) => a - b);
      results.push({
        function: name,
        entry,
        bundleKb: round(Buffer.byteLength(source) / 1024),
        gzipKb: round(gzipSync(source).byteLength / 1024),
        coldInitMsMedian: sorted[Math.floor(sorted.length / 2)]!,
        coldInitMsRuns: runs,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { stack: options.stack, runs: options.runs, results };
}

export function printHandlersTable(result: Awaited<ReturnType<typeof runHandlersBench>>): void {
  console.table(result.results.map(({ coldInitMsRuns, ...r }) => r));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const option = (name: string, fallback: string) =>
    argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback;
  const startedAt = new Date();
  const m = machine();
  console.log(describeMachine(m));
  const result = await runHandlersBench({
    stack: option("--stack", "sit"),
    runs: Number(option("--runs", "5")),
  });
  printHandlersTable(result);
  console.log(`results: ${writeResults("handlers", result, startedAt, m)}`);
}
