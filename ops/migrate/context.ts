/**
 * What every `npm run migrate` command gets from outside: the stacks' inventories (the offline
 * plan), AWS clients per region, the deploy preflight's target checks, retry timing, the clock and
 * Ctrl-C. The CLI builds the real one (`defaultContext`); tests build one against the emulator,
 * optionally with a fault-injecting client.
 */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { stackNames } from "../../stacks/stack-files.js";
import { regionClientCache, type RegionClients } from "../lib/aws-clients.js";
import { UsageError } from "../lib/cli.js";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "../lib/retry.js";
import { inventoryOf, type StackInventory } from "../lib/stack-inventory.js";
import { deployPreflightOf, type TargetPrerequisites } from "./preflight.js";
import type { CopyCounts } from "./copy-checkpoint.js";

export interface MigrateContext {
  inventory(stack: string, overrides: Record<string, string>): Promise<StackInventory>;
  clients(region: string): RegionClients;
  /** Stacks that have a `Pulumi.<stack>.yaml`. */
  stacks(): string[];
  targetPrerequisites: TargetPrerequisites;
  retry: RetryPolicy;
  now(): Date;
  /** Ctrl-C: long commands stop after the work in hand and say how to resume. */
  signal?: AbortSignal;
  /** Relative checkpoint paths are under this folder. */
  cwd: string;
  /** Progress rewritten in place (a terminal) or printed every few seconds (logs). */
  tty?: boolean;
  /** Called after every page copy-audit finishes (tests stop a copy half-way with it). */
  afterCopyPage?: (segment: number, pageCounts: CopyCounts) => void;
}

export function defaultContext(signal?: AbortSignal): MigrateContext {
  return {
    inventory: (stack, overrides) => inventoryOf(stack, overrides),
    clients: regionClientCache(),
    stacks: () => stackNames(),
    targetPrerequisites: deployPreflightOf,
    retry: DEFAULT_RETRY,
    now: () => new Date(),
    ...(signal ? { signal } : {}),
    cwd: process.cwd(),
  };
}

/** A stack named on the command line must have a stack file; a typo gets the list. */
export function requireStack(context: MigrateContext, option: string, stack: string): string {
  const known = context.stacks();
  if (!known.includes(stack))
    throw new UsageError(
      `--${option} ${stack}: no stack file Pulumi.${stack}.yaml; stacks here: ${known.join(", ")}`,
    );
  return stack;
}

/** Two different stacks for --from and --to. */
export function requireTwoStacks(context: MigrateContext, from: string, to: string): void {
  requireStack(context, "from", from);
  requireStack(context, "to", to);
  if (from === to)
    throw new UsageError(`--from and --to are both ${from}; name the stack you move to with --to`);
}

/** The retry policy with a counter, so a command can say how often it was throttled. */
export function countingRetry(policy: RetryPolicy): { policy: RetryPolicy; count: () => number } {
  let n = 0;
  return {
    policy: {
      ...policy,
      onRetry: (what, attempt, error) => {
        n++;
        policy.onRetry?.(what, attempt, error);
      },
    },
    count: () => n,
  };
}

/** The table's approximate item count (DynamoDB refreshes it about every six hours); fails clearly when the table is not there. */
export async function approximateItemCount(
  clients: RegionClients,
  tableName: string,
  retry: RetryPolicy,
): Promise<number> {
  try {
    const { Table } = await withRetry(retry, `DescribeTable ${tableName}`, () =>
      clients.dynamodb.send(new DescribeTableCommand({ TableName: tableName })),
    );
    return Table?.ItemCount ?? 0;
  } catch (error) {
    if ((error as { name?: string }).name === "ResourceNotFoundException") {
      throw new Error(
        `table ${tableName} does not exist in ${clients.region}: deploy the stack first (pulumi up) or check the account and region`,
      );
    }
    throw error;
  }
}

export const STACK_CONFIG_HELP = "config for that stack's plan, as pulumi config set would (repeat for more)";
