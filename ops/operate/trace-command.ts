/**
 * `trace <transactionId>`: one record's audit item — status, reason, component, times — and its
 * history as a timeline. Read-only. Exit 0 when the item exists, 1 when it does not (with where
 * records without a usable id are kept).
 */
import type { AuditItem } from "../../handlers/audit-processor/audit-item.js";
import {
  announce,
  EXIT_OK,
  EXIT_VERDICT_BAD,
  type CliIo,
  type CommandSpec,
  type ParsedArgs,
} from "../lib/cli.js";
import { getAuditItem } from "./audit-reads.js";
import { CONFIG_OPTION, STACK_OPTION, stackOf, type OperateContext } from "./context.js";
import { displayAttributes, keptRecordOf } from "./kept-record.js";

export const traceSpec: CommandSpec = {
  usage: "npm run ops -- trace <transactionId> --stack STACK [--json]",
  summary: "Shows one record's audit item and its history as a timeline (read-only).",
  positionals: ["transactionId"],
  options: {
    stack: STACK_OPTION,
    json: { kind: "boolean", help: "print the item as JSON (the kept record shown by its size only)" },
    config: CONFIG_OPTION,
  },
};

export async function traceMain(context: OperateContext, args: ParsedArgs, io: CliIo): Promise<number> {
  const id = args.positionals.transactionId!;
  const { inventory, clients } = await stackOf(
    context,
    args.options.stack as string,
    args.options.config as Record<string, string>,
  );
  announce(io, [`trace ${JSON.stringify(id)} in ${inventory.auditTableName} (${inventory.region})`]);
  const item = await getAuditItem(clients, inventory.auditTableName, id, context.retry);
  if (!item) {
    io.err(notFoundText(id, inventory.stack, inventory.pipelines));
    return EXIT_VERDICT_BAD;
  }
  if (args.options.json)
    io.out(
      JSON.stringify(
        { ...item, history: item.history.map((h) => ({ ...h, attributes: displayAttributes(h) })) },
        null,
        2,
      ),
    );
  else io.out(timelineText(item));
  return EXIT_OK;
}

export function timelineText(item: AuditItem): string {
  const kept = keptRecordOf(item);
  const lines = [
    `${item.transactionId}`,
    `  status      ${item.status}  (${item.component}, ${item.lastUpdatedAt})`,
    ...(item.reason ? [`  reason      ${item.reason}`] : []),
    `  first seen  ${item.firstSeenAt}`,
    ...(item.repeats
      ? [
          `  repeats     ${item.repeats} more deliveries of this outcome (last ${item.lastRepeatAt}): at-least-once delivery, counted once`,
        ]
      : []),
    ...(item.status === "FAILED" ? [`  replay      ${replayText(kept)}`] : []),
    `history (oldest first${item.historyDropped ? `; ${item.historyDropped} older entries dropped` : ""})`,
  ];
  for (const entry of item.history) {
    const attributes = Object.entries(displayAttributes(entry))
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    const what = [entry.reason, attributes].filter(Boolean).join("  ");
    lines.push(
      `  ${entry.occurredAt}  ${entry.status.padEnd(9)}  ${entry.component.padEnd(22)}  ${what}${entry.provisional ? "  (provisional)" : ""}`,
    );
  }
  return lines.join("\n");
}

function replayText(kept: ReturnType<typeof keptRecordOf>): string {
  if (kept.kind === "not-kept") return `not possible: ${kept.why}`;
  const size = `${Buffer.byteLength(kept.text, "utf8")} bytes kept`;
  return kept.retryable
    ? `possible (${size}): npm run ops -- replay …`
    : `refused unless --include-invalid (${size}; the record itself was invalid)`;
}

function notFoundText(id: string, stack: string, pipelines: Record<string, { bucket?: string }>): string {
  const bucket = Object.values(pipelines).find((p) => p.bucket)?.bucket ?? "<input bucket>";
  return [
    `not found: no audit item for ${JSON.stringify(id)}.`,
    `  A record without a usable transaction id (or repeating one earlier in its file) is kept under`,
    `  #record:s3://${bucket}/<object key>#<position> (its position in the file, from 1); a file that could`,
    `  not be read under #file:s3://${bucket}/<object key>.`,
    `  A day's failures: npm run ops -- failed --stack ${stack} --day YYYY-MM-DD`,
  ].join("\n");
}
