/**
 * What every `npm run ops` command gets from outside: the stack's inventory (the offline plan, never
 * a second list of names), AWS clients for its region, the retry policy and the clock. The CLI builds
 * the real one; tests build one whose clients point at the emulator.
 */
import { stackNames } from "../../stacks/stack-files.js";
import { regionClientCache, type RegionClients } from "../lib/aws-clients.js";
import { UsageError } from "../lib/cli.js";
import { DEFAULT_RETRY, type RetryPolicy } from "../lib/retry.js";
import { inventoryOf, type StackInventory } from "../lib/stack-inventory.js";

export interface OperateContext {
  inventory(stack: string, overrides: Record<string, string>): Promise<StackInventory>;
  clients(region: string): RegionClients;
  /** Stacks that have a `Pulumi.<stack>.yaml`. */
  stacks(): string[];
  retry: RetryPolicy;
  now(): Date;
  /** Progress rewritten in place (a terminal) or printed every few seconds (logs). */
  tty?: boolean;
}

export function defaultContext(): OperateContext {
  return {
    inventory: (stack, overrides) => inventoryOf(stack, overrides),
    clients: regionClientCache(),
    stacks: () => stackNames(),
    retry: DEFAULT_RETRY,
    now: () => new Date(),
    tty: process.stderr.isTTY === true,
  };
}

/** The stack named by `--stack`, its inventory and clients; a typo gets the list of stacks. */
export async function stackOf(
  context: OperateContext,
  stack: string,
  overrides: Record<string, string>,
): Promise<{ inventory: StackInventory; clients: RegionClients }> {
  requireKnownStack(context, stack);
  const inventory = await context.inventory(stack, overrides);
  return { inventory, clients: context.clients(inventory.region) };
}

export function requireKnownStack(context: OperateContext, stack: string): void {
  const known = context.stacks();
  if (!known.includes(stack))
    throw new UsageError(
      `--stack ${stack}: no stack file Pulumi.${stack}.yaml; stacks here: ${known.join(", ")}`,
    );
}

/** `2026-12-01`, a real UTC day. */
export function requireDay(day: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match || new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day)
    throw new UsageError(`--day must be a UTC day as YYYY-MM-DD, e.g. --day 2026-12-01; got "${day}"`);
  return day;
}

export const STACK_OPTION = {
  kind: "string",
  required: true,
  placeholder: "STACK",
  help: "the stack to look at (a Pulumi.<stack>.yaml here)",
} as const;
export const CONFIG_OPTION = {
  kind: "pairs",
  placeholder: "KEY=VALUE",
  help: "config for that stack's plan, as pulumi config set would (repeat for more)",
} as const;
