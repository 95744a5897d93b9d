/**
 * The Lambda concurrency one stack needs, computed from its config (issue #10): the one rule the
 * preflight checks against the account and the README's per-stack table is tested against.
 *
 * Peak steady concurrency, function by function:
 * - case creator: one concurrent batch per shard and parallelization slot, shards × parallelizationFactor
 *   (ParallelizationFactor, https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html).
 *   An on-demand stream's shard count moves with its traffic; it is estimated at the 4 shards an
 *   on-demand stream starts with (4 MiB/s of write capacity).
 * - event producer: one per file being processed; one file at a time is counted, every further
 *   concurrent upload adds one.
 * - audit processor: Lambda starts polling a standard SQS queue with five concurrent invocations
 *   (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html) and adds more while the
 *   queue backs up; five are counted.
 * - token manager: one refresh at a time (two only when a retry meets a scheduled run).
 */
import type { PlatformConfig } from "./config-types.js";

/** Lambda refuses any reservation that leaves fewer than this many executions unreserved. */
export const MIN_UNRESERVED_CONCURRENCY = 10;
/** Shards an on-demand stream starts with; used as the estimate for a case creator reading one. */
export const ON_DEMAND_SHARD_ESTIMATE = 4;
/** Concurrent invocations Lambda starts an SQS event source with. */
export const SQS_INITIAL_CONCURRENCY = 5;

export interface ConcurrencyNeed {
  /** What needs it, e.g. `cta case creator`. */
  what: string;
  executions: number;
  /** How the number was made, e.g. `8 shards × parallelization 2`. */
  basis: string;
}

export interface StackConcurrency {
  needs: ConcurrencyNeed[];
  /** Sum of all needs: executions running at the same time at steady peak. */
  peak: number;
  /** Executions reserved for the token manager (`tokenReservedConcurrency`), 0 for none. */
  reserved: number;
  /**
   * The account quota (ConcurrentExecutions) the stack needs: its peak, and with a reservation also
   * room for Lambda's 10 unreserved executions beside it.
   */
  requiredAccountQuota: number;
}

export function lambdaConcurrency(config: PlatformConfig): StackConcurrency {
  const needs: ConcurrencyNeed[] = [];
  for (const p of config.pipelines) {
    if (p.source === "s3")
      needs.push({ what: `${p.name} event producer`, executions: 1, basis: "one file at a time" });
    if (!p.caseCreator) continue;
    const shards = p.shardCount ?? ON_DEMAND_SHARD_ESTIMATE;
    const shardText =
      p.shardCount !== undefined ? `${shards} shards` : `~${shards} shards (on-demand, estimated)`;
    needs.push({
      what: `${p.name} case creator`,
      executions: shards * p.parallelizationFactor,
      basis: `${shardText} × parallelization ${p.parallelizationFactor}`,
    });
  }
  needs.push({
    what: "audit processor",
    executions: SQS_INITIAL_CONCURRENCY,
    basis: "SQS event source's initial five pollers",
  });
  needs.push({ what: "token manager", executions: 1, basis: "one refresh at a time" });
  const peak = needs.reduce((sum, n) => sum + n.executions, 0);
  const reserved = config.tokenManager.reservedConcurrency ?? 0;
  const requiredAccountQuota =
    reserved > 0 ? reserved + Math.max(MIN_UNRESERVED_CONCURRENCY, peak - 1) : peak;
  return { needs, peak, reserved, requiredAccountQuota };
}

/** The README's table (one row per stack), so the numbers there are this function's, not typed by hand. */
export function concurrencyTable(stacks: Array<{ stack: string; config: PlatformConfig }>): string {
  const rows = stacks.map(({ stack, config }) => {
    const c = lambdaConcurrency(config);
    const parts = c.needs.map((n) => `${n.what} ${n.executions} (${n.basis})`).join("; ");
    return `| \`${stack}\` | ${config.region} | ${parts} | ${c.peak} | ${c.reserved || "none"} | **${c.requiredAccountQuota}** |`;
  });
  return [
    "| stack | region | needs | peak | reserved | account quota needed |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
