/** `npm run migrate -- drain-check --stack STACK`: is any work still in flight? Read-only. */
import { announce, UsageError, type CliIo, type CommandSpec, type ParsedArgs } from "../lib/cli.js";
import { reportChecks } from "../lib/verdict.js";
import { countingRetry, requireStack, STACK_CONFIG_HELP, type MigrateContext } from "./context.js";
import { drainChecks } from "./drain-check.js";

export const drainCheckSpec: CommandSpec = {
  usage:
    "npm run migrate -- drain-check --stack STACK [--inputs-since ISO-TIME] [--max-iterator-age SECONDS]",
  summary:
    "Says whether a stack still has work in flight: queues, streams, input files, Glue runs. Read-only.",
  options: {
    stack: {
      kind: "string",
      help: "the stack to check (e.g. sit-london)",
      required: true,
      placeholder: "STACK",
    },
    "inputs-since": {
      kind: "string",
      help: "check only input objects uploaded since then (objects older than the producer's ledger)",
      placeholder: "ISO-TIME",
    },
    "max-iterator-age": {
      kind: "integer",
      help: "a case-creating stream is behind above this iterator age",
      default: 60,
      min: 0,
      placeholder: "SECONDS",
    },
    config: { kind: "pairs", help: STACK_CONFIG_HELP, placeholder: "KEY=VALUE" },
  },
};

export async function drainCheckMain(context: MigrateContext, args: ParsedArgs, io: CliIo): Promise<number> {
  const stack = requireStack(context, "stack", String(args.options.stack));
  const since =
    args.options["inputs-since"] === undefined ? undefined : new Date(String(args.options["inputs-since"]));
  if (since && Number.isNaN(since.getTime()))
    throw new UsageError(
      `--inputs-since must be an ISO time like 2026-11-30T00:00:00Z, got "${args.options["inputs-since"]}"`,
    );
  const inventory = await context.inventory(stack, args.options.config as Record<string, string>);
  const streams = Object.values(inventory.pipelines).map((p) => p.stream);
  const buckets = Object.values(inventory.pipelines).flatMap((p) => (p.bucket ? [p.bucket] : []));
  announce(io, [
    `drain-check ${stack} (${inventory.region}), read-only:`,
    `queues: ${[inventory.auditQueueName, ...inventory.deadLetterQueueNames].join(", ")} — visible, in flight, delayed;`,
    `streams: ${streams.join(", ")} — read from TRIM_HORIZON with our own iterator (moves no consumer), each record matched to its audit item;`,
    `input buckets: ${buckets.join(", ") || "none"} — every object version against the producer's ledger${since ? ` (uploaded since ${since.toISOString()})` : ""};`,
    `Glue jobs: ${inventory.glueJobNames.join(", ") || "none"} — active runs.`,
  ]);
  const retry = countingRetry(context.retry);
  const checks = await drainChecks(inventory, context.clients(inventory.region), {
    retry: retry.policy,
    now: context.now(),
    ...(since ? { inputsSince: since } : {}),
    maxIteratorAgeMs: Number(args.options["max-iterator-age"]) * 1000,
    onCheck: (name) => io.err(`  reading ${name} …`),
  });
  return reportChecks(io, `drain-check ${stack}`, checks, { good: "DRAINED", bad: "NOT DRAINED" });
}
