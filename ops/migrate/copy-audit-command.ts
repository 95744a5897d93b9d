/** `npm run migrate -- copy-audit --from STACK --to STACK`: writes to the target's audit table only. */
import { isAbsolute, join } from "node:path";
import {
  announce,
  EXIT_OK,
  EXIT_VERDICT_BAD,
  UsageError,
  type CliIo,
  type CommandSpec,
  type ParsedArgs,
} from "../lib/cli.js";
import { ProgressReporter } from "../lib/progress.js";
import { copyAudit, type CopyAuditResult } from "./copy-audit.js";
import {
  checkpointMismatch,
  loadCheckpoint,
  newCheckpoint,
  totalCounts,
  type CopyCheckpoint,
  type CopyCounts,
  type TableRef,
} from "./copy-checkpoint.js";
import {
  approximateItemCount,
  countingRetry,
  requireTwoStacks,
  STACK_CONFIG_HELP,
  type MigrateContext,
} from "./context.js";

export const copyAuditSpec: CommandSpec = {
  usage:
    "npm run migrate -- copy-audit --from STACK --to STACK [--segments N] [--concurrency N] [--page-size N] [--checkpoint FILE] [--dry-run]",
  summary:
    "Copies every audit item of one stack's table into another's, merged by the audit processor's rule; resumable. Writes to the target only.",
  options: {
    from: {
      kind: "string",
      help: "the stack whose audit table is read",
      required: true,
      placeholder: "STACK",
    },
    to: {
      kind: "string",
      help: "the stack whose audit table is written",
      required: true,
      placeholder: "STACK",
    },
    segments: { kind: "integer", help: "parallel scan segments", default: 4, min: 1, placeholder: "N" },
    concurrency: {
      kind: "integer",
      help: "conditional writes in flight per segment",
      default: 16,
      min: 1,
      placeholder: "N",
    },
    "page-size": {
      kind: "integer",
      help: "items per scan page, checkpointed after each (default: DynamoDB's 1 MB pages)",
      min: 1,
      placeholder: "N",
    },
    checkpoint: {
      kind: "string",
      help: "checkpoint file (default .migrate/copy-audit-<from>-to-<to>.json)",
      placeholder: "FILE",
    },
    "dry-run": { kind: "boolean", help: "read both sides and count what would be written; write nothing" },
    "from-config": { kind: "pairs", help: STACK_CONFIG_HELP, placeholder: "KEY=VALUE" },
    "to-config": { kind: "pairs", help: STACK_CONFIG_HELP, placeholder: "KEY=VALUE" },
  },
};

export async function copyAuditMain(context: MigrateContext, args: ParsedArgs, io: CliIo): Promise<number> {
  const from = String(args.options.from);
  const to = String(args.options.to);
  requireTwoStacks(context, from, to);
  const dryRun = args.options["dry-run"] === true;
  const segments = Number(args.options.segments);
  const sourceInventory = await context.inventory(
    from,
    args.options["from-config"] as Record<string, string>,
  );
  const targetInventory = await context.inventory(to, args.options["to-config"] as Record<string, string>);
  const source: TableRef = {
    stack: from,
    region: sourceInventory.region,
    tableName: sourceInventory.auditTableName,
  };
  const target: TableRef = {
    stack: to,
    region: targetInventory.region,
    tableName: targetInventory.auditTableName,
  };
  if (source.region === target.region && source.tableName === target.tableName) {
    throw new UsageError(
      `${from} and ${to} share the table ${source.tableName} in ${source.region}; there is nothing to copy`,
    );
  }
  const sourceClients = context.clients(source.region);
  const targetClients = context.clients(target.region);
  const retry = countingRetry(context.retry);
  const approxItems = await approximateItemCount(sourceClients, source.tableName, retry.policy);
  await approximateItemCount(targetClients, target.tableName, retry.policy);

  const checkpointPath = String(
    args.options.checkpoint ?? join(".migrate", `copy-audit-${from}-to-${to}.json`),
  );
  const resolvedPath = isAbsolute(checkpointPath) ? checkpointPath : join(context.cwd, checkpointPath);
  const { checkpoint, note } = dryRun
    ? { checkpoint: newCheckpoint(source, target, segments, context.now()), note: "dry run: no checkpoint" }
    : openCheckpoint(resolvedPath, source, target, segments, context.now());

  announce(io, [
    `copy-audit ${from} → ${to}${dryRun ? " (DRY RUN: nothing is written)" : ""}:`,
    `read every item of ${source.tableName} in ${source.region} (about ${approxItems.toLocaleString("en-GB")} items; ${segments} scan segments);`,
    `merge each into ${target.tableName} in ${target.region} with the audit processor's rule (newest status wins, history without duplicates),`,
    `with conditional writes only (an item the target wrote meanwhile is merged, never overwritten); ledger items are skipped;`,
    `${dryRun ? "writes nothing" : `writes to ${target.region} only`}; ${note}.`,
  ]);

  // A resumed copy counts only what is left, so the rate and ETA are this run's.
  const alreadyDone = totalCounts(checkpoint).scanned;
  const progress = new ProgressReporter({
    io,
    unit: "items",
    total: Math.max(0, approxItems - alreadyDone),
    ...(context.tty !== undefined ? { tty: context.tty } : {}),
  });
  let result: CopyAuditResult;
  try {
    result = await copyAudit({
      source: { ...source, dynamodb: sourceClients.dynamodb },
      target: { ...target, dynamodb: targetClients.dynamodb },
      checkpoint,
      ...(dryRun ? {} : { checkpointPath: resolvedPath }),
      dryRun,
      concurrency: Number(args.options.concurrency),
      ...(args.options["page-size"] !== undefined ? { pageSize: Number(args.options["page-size"]) } : {}),
      retentionDays: targetInventory.config.audit.retentionDays,
      retry: retry.policy,
      ...(context.signal ? { signal: context.signal } : {}),
      now: context.now,
      onPage: (segment, counts) => {
        progress.add(counts.scanned, `${counts.copied} copied, ${counts.merged} merged this page`);
        context.afterCopyPage?.(segment, counts);
      },
    });
  } catch (error) {
    progress.finish();
    const done = totalCounts(checkpoint);
    io.err(
      `copy-audit failed part-way: ${error instanceof Error ? error.message : String(error)}\n` +
        (dryRun
          ? ""
          : `  the checkpoint ${resolvedPath} holds the ${done.scanned.toLocaleString("en-GB")} items finished; run the same command again to resume.`),
    );
    return EXIT_VERDICT_BAD;
  }
  progress.finish();
  io.out(formatCounts(result.counts, dryRun, retry.count()));
  if (!result.complete) {
    io.out(
      `\ncopy-audit ${from} → ${to}: INTERRUPTED — ${result.counts.scanned.toLocaleString("en-GB")} items done; run the same command again to resume from ${resolvedPath}`,
    );
    return EXIT_VERDICT_BAD;
  }
  if (result.counts.unmergeable > 0) {
    io.out(
      `\ncopy-audit ${from} → ${to}: INCOMPLETE — ${result.counts.unmergeable} item(s) are not audit items and exist on both sides, so they were left alone: ${result.unmergeableIds.join(", ")}`,
    );
    return EXIT_VERDICT_BAD;
  }
  const verdict = dryRun
    ? `DRY RUN — would copy ${result.counts.copied.toLocaleString("en-GB")} and merge ${result.counts.merged.toLocaleString("en-GB")}; ${result.counts.unchanged.toLocaleString("en-GB")} already there`
    : `COMPLETE — every audit item of ${source.tableName} (${source.region}) is in ${target.tableName} (${target.region}); check with verify-audit`;
  io.out(`\ncopy-audit ${from} → ${to}: ${verdict}`);
  return EXIT_OK;
}

function openCheckpoint(
  path: string,
  source: TableRef,
  target: TableRef,
  segments: number,
  now: Date,
): { checkpoint: CopyCheckpoint; note: string } {
  const existing = loadCheckpoint(path);
  if (!existing)
    return { checkpoint: newCheckpoint(source, target, segments, now), note: `checkpoint ${path}` };
  const mismatch = checkpointMismatch(existing, source, target, segments);
  if (mismatch)
    throw new UsageError(
      `checkpoint ${path} cannot be resumed here: ${mismatch}; pass --checkpoint <another file> or move it away`,
    );
  if (existing.completedAt) {
    return {
      checkpoint: newCheckpoint(source, target, segments, now),
      note: `the pass recorded in ${path} completed at ${existing.completedAt}; starting a new pass (it writes only what changed since)`,
    };
  }
  const done = existing.segments.filter((s) => s.done).length;
  return {
    checkpoint: existing,
    note: `resuming ${path}: ${done}/${existing.totalSegments} segments done, ${totalCounts(existing).scanned.toLocaleString("en-GB")} items finished`,
  };
}

function formatCounts(counts: CopyCounts, dryRun: boolean, retries: number): string {
  const w = dryRun ? "would be " : "";
  const rows: Array<[string, number]> = [
    ["items read from the source", counts.scanned],
    [`${w}copied (no target item)`, counts.copied],
    [`${w}merged into a target item`, counts.merged],
    ["already in the target (unchanged)", counts.unchanged],
    ["ledger items skipped", counts.ledgerSkipped],
    ["not audit items, left alone", counts.unmergeable],
    ["writes that raced the target and were merged again", counts.conflictsRetried],
    ["throttled or partial calls retried (this run)", retries],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, n]) => `${label.padEnd(width)}  ${n.toLocaleString("en-GB")}`).join("\n");
}
