/** `npm run migrate -- verify-audit --from STACK --to STACK`: counts, checksums, first differences. Read-only. */
import {
  announce,
  EXIT_OK,
  EXIT_VERDICT_BAD,
  type CliIo,
  type CommandSpec,
  type ParsedArgs,
} from "../lib/cli.js";
import { ProgressReporter } from "../lib/progress.js";
import {
  approximateItemCount,
  countingRetry,
  requireTwoStacks,
  STACK_CONFIG_HELP,
  type MigrateContext,
} from "./context.js";
import { targetHoldsSource, verifyAudit, type SideSummary, type VerifyResult } from "./verify-audit.js";

export const verifyAuditSpec: CommandSpec = {
  usage: "npm run migrate -- verify-audit --from STACK --to STACK [--segments N] [--show N]",
  summary:
    "Compares two stacks' audit tables: counts per status, a checksum over (transactionId, status, lastUpdatedAt), first differences. Read-only.",
  options: {
    from: { kind: "string", help: "the stack copied from", required: true, placeholder: "STACK" },
    to: { kind: "string", help: "the stack copied to", required: true, placeholder: "STACK" },
    segments: {
      kind: "integer",
      help: "parallel scan segments per table",
      default: 4,
      min: 1,
      placeholder: "N",
    },
    show: { kind: "integer", help: "differences to list", default: 10, min: 0, placeholder: "N" },
    "from-config": { kind: "pairs", help: STACK_CONFIG_HELP, placeholder: "KEY=VALUE" },
    "to-config": { kind: "pairs", help: STACK_CONFIG_HELP, placeholder: "KEY=VALUE" },
  },
};

export async function verifyAuditMain(context: MigrateContext, args: ParsedArgs, io: CliIo): Promise<number> {
  const from = String(args.options.from);
  const to = String(args.options.to);
  requireTwoStacks(context, from, to);
  const source = await context.inventory(from, args.options["from-config"] as Record<string, string>);
  const target = await context.inventory(to, args.options["to-config"] as Record<string, string>);
  const sourceClients = context.clients(source.region);
  const targetClients = context.clients(target.region);
  const retry = countingRetry(context.retry);
  const total =
    (await approximateItemCount(sourceClients, source.auditTableName, retry.policy)) +
    (await approximateItemCount(targetClients, target.auditTableName, retry.policy));

  announce(io, [
    `verify-audit ${from} → ${to}:`,
    `read transactionId, status and lastUpdatedAt of every item of ${source.auditTableName} (${source.region}) and ${target.auditTableName} (${target.region});`,
    "compare counts per status, checksums and each transaction's current status. Read-only; ledger items are left out.",
  ]);
  const progress = new ProgressReporter({
    io,
    unit: "items",
    total,
    ...(context.tty !== undefined ? { tty: context.tty } : {}),
  });
  const result = await verifyAudit({
    source: { dynamodb: sourceClients.dynamodb, tableName: source.auditTableName },
    target: { dynamodb: targetClients.dynamodb, tableName: target.auditTableName },
    segments: Number(args.options.segments),
    retry: retry.policy,
    listLimit: Number(args.options.show),
    onItems: (n) => progress.add(n),
  });
  progress.finish();
  io.out(formatResult(result, `${from} (${source.region})`, `${to} (${target.region})`));

  const identical =
    result.source.checksum === result.target.checksum &&
    result.source.items === result.target.items &&
    Object.values(result.differences).every((n) => n === 0);
  const title = `verify-audit ${from} → ${to}`;
  if (identical) {
    io.out(
      `\n${title}: EQUAL — ${result.source.items.toLocaleString("en-GB")} items, checksum ${result.source.checksum} on both sides`,
    );
    return EXIT_OK;
  }
  if (targetHoldsSource(result)) {
    io.out(
      `\n${title}: TARGET AHEAD — every source item is in the target at its status or newer; ` +
        `${result.differences["target-newer"]} newer there, ${result.differences["target-only"]} only there (recorded since cut-over)`,
    );
    return EXIT_OK;
  }
  io.out(
    `\n${title}: DIFFERENT — ${result.differences.missing} missing from the target, ${result.differences["target-older"]} older in the target; run copy-audit again, then verify again`,
  );
  return EXIT_VERDICT_BAD;
}

function formatResult(result: VerifyResult, sourceLabel: string, targetLabel: string): string {
  const statuses = [
    ...new Set([...Object.keys(result.source.byStatus), ...Object.keys(result.target.byStatus)]),
  ].sort();
  const rows: string[][] = [
    ["", sourceLabel, targetLabel],
    ["items", ...[result.source, result.target].map((s: SideSummary) => s.items.toLocaleString("en-GB"))],
    ...statuses.map((status) => [
      `  ${status}`,
      ...[result.source, result.target].map((s) => (s.byStatus[status] ?? 0).toLocaleString("en-GB")),
    ]),
    ["checksum", result.source.checksum, result.target.checksum],
    ["ledger items (not compared)", String(result.source.ledgerSkipped), String(result.target.ledgerSkipped)],
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  const table = rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ")).join("\n");
  const counts = Object.entries(result.differences)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
  const listed = result.listed.map((d) => {
    const side = (s?: { status: string; lastUpdatedAt: string }) =>
      s ? `${s.status} at ${s.lastUpdatedAt}` : "absent";
    return `  ${d.kind.padEnd(12)}  ${d.transactionId}  source ${side(d.source)}, target ${side(d.target)}`;
  });
  return [
    table,
    "",
    `differences: ${counts}`,
    ...(listed.length ? [`first ${listed.length}:`, ...listed] : []),
  ].join("\n");
}
