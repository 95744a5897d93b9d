/**
 * `failed --day D`: the FAILED records of one UTC day, through the status-day index, grouped by
 * reason (ids and numbers blanked) with counts. Read-only; a day with none is an empty result, exit 0.
 */
import { reasonGroupOf } from "../lib/reason-groups.js";
import { announce, EXIT_OK, type CliIo, type CommandSpec, type ParsedArgs } from "../lib/cli.js";
import { matchesFilter, statusDayRows, type FailedFilter, type IndexedAuditRow } from "./audit-reads.js";
import {
  CONFIG_OPTION,
  requireDay,
  requireKnownStack,
  STACK_OPTION,
  stackOf,
  type OperateContext,
} from "./context.js";

export const DAY_OPTION = {
  kind: "string",
  required: true,
  placeholder: "YYYY-MM-DD",
  help: "the UTC day the records reached FAILED",
} as const;
export const FILTER_OPTIONS = {
  "reason-contains": {
    kind: "string",
    placeholder: "TEXT",
    help: "only reasons containing this text (case-insensitive)",
  },
  component: {
    kind: "string",
    placeholder: "COMPONENT",
    help: "only records failed by this component, e.g. cta-case-creator",
  },
} as const;

export const failedSpec: CommandSpec = {
  usage:
    "npm run ops -- failed --stack STACK --day YYYY-MM-DD [--reason-contains TEXT] [--component C] [--json]",
  summary: "Lists a day's FAILED records grouped by reason, with counts (read-only).",
  options: {
    stack: STACK_OPTION,
    day: DAY_OPTION,
    ...FILTER_OPTIONS,
    json: { kind: "boolean", help: "print the groups as JSON for scripts" },
    config: CONFIG_OPTION,
  },
};

export interface FailedGroup {
  reason: string;
  count: number;
  components: string[];
  transactionIds: string[];
}

export function filterOf(args: ParsedArgs): FailedFilter {
  return {
    ...(args.options["reason-contains"] ? { reasonContains: args.options["reason-contains"] as string } : {}),
    ...(args.options.component ? { component: args.options.component as string } : {}),
  };
}

/** Every FAILED row of the day that passes the filter. */
export async function failedRows(
  context: OperateContext,
  args: ParsedArgs,
): Promise<{ rows: IndexedAuditRow[]; table: string; day: string; stack: string }> {
  const day = requireDay(args.options.day as string);
  const { inventory, clients } = await stackOf(
    context,
    args.options.stack as string,
    args.options.config as Record<string, string>,
  );
  const filter = filterOf(args);
  const rows: IndexedAuditRow[] = [];
  for await (const page of statusDayRows(clients, inventory.auditTableName, "FAILED", day, context.retry))
    rows.push(...page.filter((r) => matchesFilter(r, filter)));
  return { rows, table: inventory.auditTableName, day, stack: inventory.stack };
}

export function groupByReason(rows: readonly IndexedAuditRow[]): FailedGroup[] {
  const groups = new Map<string, FailedGroup>();
  for (const row of rows) {
    const reason = reasonGroupOf(row.reason);
    const group =
      groups.get(reason) ??
      groups.set(reason, { reason, count: 0, components: [], transactionIds: [] }).get(reason)!;
    group.count++;
    if (!group.components.includes(row.component)) group.components.push(row.component);
    group.transactionIds.push(row.transactionId);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
}

export async function failedMain(context: OperateContext, args: ParsedArgs, io: CliIo): Promise<number> {
  requireDay(args.options.day as string);
  requireKnownStack(context, args.options.stack as string);
  announce(io, [`FAILED records of ${args.options.day} in stack ${args.options.stack} (status-day index)`]);
  const { rows, table, day } = await failedRows(context, args);
  const groups = groupByReason(rows);
  if (args.options.json) {
    io.out(JSON.stringify({ day, table, total: rows.length, groups }, null, 2));
    return EXIT_OK;
  }
  if (rows.length === 0) {
    io.out(
      `no FAILED records on ${day} in ${table}${Object.keys(filterOf(args)).length ? " matching the filter" : ""}`,
    );
    return EXIT_OK;
  }
  const width = Math.max(5, ...groups.map((g) => String(g.count).length));
  io.out(`${rows.length} FAILED record(s) on ${day} in ${table}, ${groups.length} reason(s):`);
  for (const g of groups) {
    const examples = g.transactionIds.slice(0, 3).join(", ") + (g.transactionIds.length > 3 ? ", …" : "");
    io.out(
      `  ${String(g.count).padStart(width)}  ${g.reason}\n  ${" ".repeat(width)}  by ${g.components.join(", ")}; e.g. ${examples}`,
    );
  }
  io.out(`trace one: npm run ops -- trace <transactionId> --stack ${args.options.stack}`);
  return EXIT_OK;
}
