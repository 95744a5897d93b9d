/** The commands of `npm run migrate`, bound to a context (the CLI's real one, or a test's). */
import type { CliIo, CommandSpec, ParsedArgs } from "../lib/cli.js";
import type { MigrateContext } from "./context.js";
import { copyAuditMain, copyAuditSpec } from "./copy-audit-command.js";
import { drainCheckMain, drainCheckSpec } from "./drain-check-command.js";
import { preflightMain, preflightSpec } from "./preflight-command.js";
import { verifyAuditMain, verifyAuditSpec } from "./verify-audit-command.js";

export const MIGRATE_TOOL = "npm run migrate --";

type Main = (context: MigrateContext, args: ParsedArgs, io: CliIo) => Promise<number>;
const COMMANDS: Record<string, { spec: CommandSpec; main: Main }> = {
  preflight: { spec: preflightSpec, main: preflightMain },
  "drain-check": { spec: drainCheckSpec, main: drainCheckMain },
  "copy-audit": { spec: copyAuditSpec, main: copyAuditMain },
  "verify-audit": { spec: verifyAuditSpec, main: verifyAuditMain },
};

export function migrateCommands(
  context: MigrateContext,
): Record<string, { spec: CommandSpec; main: (args: ParsedArgs, io: CliIo) => Promise<number> }> {
  return Object.fromEntries(
    Object.entries(COMMANDS).map(([name, c]) => [
      name,
      { spec: c.spec, main: (args: ParsedArgs, io: CliIo) => c.main(context, args, io) },
    ]),
  );
}

/** The specs alone (the runbook test parses every command line of the runbook with them). */
export const migrateSpecs: Record<string, CommandSpec> = Object.fromEntries(
  Object.entries(COMMANDS).map(([name, c]) => [name, c.spec]),
);
