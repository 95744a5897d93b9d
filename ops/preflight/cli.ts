/**
 * `npm run preflight -- <stack> [--config key=value …] [--endpoint URL]`
 *
 * Read-only: checks what `pulumi up` of the stack needs from its account and region, prints each
 * check as PASS / FAIL / CANNOT CHECK with the fix, and exits 1 when any check failed (2 on a wrong
 * command line). The stack's names come from its offline plan (ops/lib/stack-inventory.ts).
 */
import { ConfigError } from "../../stacks/config-reader.js";
import { stackNames } from "../../stacks/stack-files.js";
import {
  announce,
  runCommand,
  UsageError,
  type CliIo,
  type CommandSpec,
  type ParsedArgs,
} from "../lib/cli.js";
import { ProgressReporter } from "../lib/progress.js";
import { inventoryOf, type StackInventory } from "../lib/stack-inventory.js";
import { reportChecks } from "../lib/verdict.js";
import { runPreflightChecks } from "./checks.js";
import { preflightClients, type PreflightClients } from "./clients.js";

export const PREFLIGHT_SPEC: CommandSpec = {
  usage: "npm run preflight -- <stack> [--config key=value …] [--endpoint URL]",
  summary:
    "Checks, read-only, what `pulumi up` of a stack needs from its AWS account and region (writes nothing).",
  positionals: ["stack"],
  options: {
    config: {
      kind: "pairs",
      help: "config as `pulumi config set` would add it, e.g. tokenUrl=https://… (repeatable)",
      placeholder: "KEY=VALUE",
    },
    endpoint: {
      kind: "string",
      help: "AWS endpoint override, e.g. an emulator (default: AWS_ENDPOINT_URL, else AWS)",
      placeholder: "URL",
    },
  },
};

export interface PreflightDeps {
  /** Builds the clients for the stack's region (tests pass moto's). */
  clients?: (region: string, endpoint: string | undefined) => PreflightClients;
  now?: Date;
}

export async function preflightMain(
  argv: readonly string[],
  io: CliIo,
  deps: PreflightDeps = {},
): Promise<number> {
  return runCommand(PREFLIGHT_SPEC, argv, (args, cliIo) => preflight(args, cliIo, deps), io);
}

async function preflight(args: ParsedArgs, io: CliIo, deps: PreflightDeps): Promise<number> {
  const stack = args.positionals.stack!;
  const stacks = stackNames();
  if (!stacks.includes(stack)) throw new UsageError(`no stack "${stack}"; use one of ${stacks.join(", ")}`);
  const overrides = (args.options.config as Record<string, string> | undefined) ?? {};

  let inventory: StackInventory;
  try {
    inventory = await inventoryOf(stack, overrides);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(
        `${error.message}\n\npreflight ${stack}: NOT READY — the stack's configuration is invalid (fix it first; pulumi up would stop the same way)`,
      );
      return 1;
    }
    throw error;
  }
  const endpoint = args.options.endpoint as string | undefined;
  announce(io, [
    `preflight ${stack}: read-only checks of account and region ${inventory.region} for what pulumi up needs`,
    "Lambda concurrency, client certificate, credentials (CSM or secret), Glue tables, alarm e-mail, free global names",
    ...(endpoint ? [`endpoint ${endpoint}`] : []),
  ]);
  const clients = (deps.clients ?? ((region, url) => preflightClients(region, url)))(
    inventory.region,
    endpoint,
  );
  const progress = new ProgressReporter({ io, unit: "checks" });
  const checks = await runPreflightChecks(inventory, clients, {
    now: deps.now,
    onCheck: (c) => progress.add(1, c.name),
  });
  progress.finish();
  return reportChecks(io, `preflight ${stack}`, checks);
}
