/** `npm run migrate -- preflight --from STACK --to STACK`: offline, then the injected target checks. Read-only. */
import { announce, type CliIo, type CommandSpec, type ParsedArgs } from "../lib/cli.js";
import type { StackInventory } from "../lib/stack-inventory.js";
import { reportChecks, type CheckResult } from "../lib/verdict.js";
import { requireTwoStacks, STACK_CONFIG_HELP, type MigrateContext } from "./context.js";
import { formatChanges, migrationChecks, outsideWorldChanges } from "./preflight.js";

export const preflightSpec: CommandSpec = {
  usage:
    "npm run migrate -- preflight --from STACK --to STACK [--from-config KEY=VALUE] [--to-config KEY=VALUE]",
  summary:
    "Checks that a stack can move to another region: both plan, no name collides, what changes outside. Read-only.",
  options: {
    from: {
      kind: "string",
      help: "the stack being left (e.g. sit-london)",
      required: true,
      placeholder: "STACK",
    },
    to: { kind: "string", help: "the stack being moved to (e.g. sit)", required: true, placeholder: "STACK" },
    "from-config": { kind: "pairs", help: STACK_CONFIG_HELP, placeholder: "KEY=VALUE" },
    "to-config": { kind: "pairs", help: STACK_CONFIG_HELP, placeholder: "KEY=VALUE" },
  },
};

export async function preflightMain(context: MigrateContext, args: ParsedArgs, io: CliIo): Promise<number> {
  const from = String(args.options.from);
  const to = String(args.options.to);
  requireTwoStacks(context, from, to);
  announce(io, [
    `preflight ${from} → ${to}:`,
    `plan both stacks offline (the program under Pulumi's mocks, no AWS calls) and compare their names;`,
    `list what changes for producers, consumers and people;`,
    `then the deploy preflight's checks of ${to}'s account and region.`,
  ]);

  const checks: CheckResult[] = [];
  const plan = async (
    stack: string,
    overrides: Record<string, string>,
    role: string,
  ): Promise<StackInventory | undefined> => {
    try {
      const inventory = await context.inventory(stack, overrides);
      checks.push({
        name: `${role} stack plans`,
        status: "pass",
        detail: `${stack}: ${inventory.resources.length} resources in ${inventory.region}`,
      });
      return inventory;
    } catch (error) {
      // A config error lists every problem on its own line; one row of the table holds them all.
      const message = (error instanceof Error ? error.message : String(error))
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)
        .join(" ");
      checks.push({
        name: `${role} stack plans`,
        status: "fail",
        detail: `${stack}: ${message}`,
        fix: `npm run plan -- ${stack} shows the same error; fix the stack's config`,
      });
      return undefined;
    }
  };
  const source = await plan(from, args.options["from-config"] as Record<string, string>, "source");
  const target = await plan(to, args.options["to-config"] as Record<string, string>, "target");

  if (source && target) {
    checks.push(...migrationChecks(source, target));
    io.out(
      `What changes for the outside world (${from} → ${to}):\n\n${formatChanges(outsideWorldChanges(source, target))}\n`,
    );
    try {
      checks.push(...(await context.targetPrerequisites(target)));
    } catch (error) {
      checks.push({
        name: `${to} account prerequisites`,
        status: "cannot-check",
        detail: `the deploy preflight failed: ${error instanceof Error ? error.message : String(error)}`,
        fix: "run the deploy preflight on its own and read its error",
      });
    }
  }
  return reportChecks(io, `preflight ${from} → ${to}`, checks);
}
