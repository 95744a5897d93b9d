/**
 * `npm run bench`: every benchmark of issue #13, one after the other, each side by side with its
 * baseline in the same run; each prints its table and writes `bench/results/<name>.json`.
 * `--small` runs each at a size that takes seconds (what the test does, so no bench can rot).
 *
 *   npm run bench [-- --small] [-- --only producer,case-creator,handlers,plan]
 *
 * Older, single-purpose benches keep their own commands (README, *Layout*): producer-memory.ts,
 * producer-rejections.ts, copy-audit.ts, glue_publish_throughput.py.
 */
import { describeMachine, machine, writeResults } from "./bench-results.js";
import { BENCH_SIZES } from "./bench-sizes.js";
import { printCaseCreatorTable, runCaseCreatorBench } from "./case-creator.js";
import { printHandlersTable, runHandlersBench } from "./handlers.js";
import { runPlanBench } from "./plan.js";
import { printProducerTable, runProducerBench } from "./producer.js";

const argv = process.argv.slice(2);
const sizes = argv.includes("--small") ? BENCH_SIZES.small : BENCH_SIZES.full;
const only = argv.includes("--only")
  ? argv[argv.indexOf("--only") + 1]!.split(",")
  : ["producer", "case-creator", "handlers", "plan"];
const m = machine();
console.log(describeMachine(m));
for (const name of only) {
  const startedAt = new Date();
  console.log(`\n== ${name} ==`);
  if (name === "producer") {
    const result = await runProducerBench(sizes.producer);
    printProducerTable(result);
    console.log(`results: ${writeResults(name, result, startedAt, m)}`);
  } else if (name === "case-creator") {
    const result = await runCaseCreatorBench(sizes.caseCreator);
    printCaseCreatorTable(result);
    console.log(`results: ${writeResults(name, result, startedAt, m)}`);
  } else if (name === "handlers") {
    const result = await runHandlersBench(sizes.handlers);
    printHandlersTable(result);
    console.log(`results: ${writeResults(name, result, startedAt, m)}`);
  } else if (name === "plan") {
    const result = await runPlanBench({
      ...sizes.plan,
      stacks: "stacks" in sizes.plan ? [...sizes.plan.stacks] : undefined,
    });
    console.table(result.results);
    console.log(`results: ${writeResults(name, result, startedAt, m)}`);
  } else {
    console.error(`unknown bench "${name}": use producer, case-creator, handlers or plan`);
    process.exitCode = 2;
  }
}
