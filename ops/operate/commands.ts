/** The commands of `npm run ops`, bound to a context (the CLI's real one, or a test's). */
import type { CliIo, CommandSpec, ParsedArgs } from "../lib/cli.js";
import type { OperateContext } from "./context.js";
import { failedMain, failedSpec } from "./failed-command.js";
import { redriveMain, redriveSpec } from "./redrive-command.js";
import { replayMain, replaySpec } from "./replay-command.js";
import { statusMain, statusSpec } from "./status-command.js";
import { traceMain, traceSpec } from "./trace-command.js";

export const OPS_TOOL = "npm run ops --";

type Main = (context: OperateContext, args: ParsedArgs, io: CliIo) => Promise<number>;
const COMMANDS: Record<string, { spec: CommandSpec; main: Main }> = {
  status: { spec: statusSpec, main: statusMain },
  trace: { spec: traceSpec, main: traceMain },
  failed: { spec: failedSpec, main: failedMain },
  replay: { spec: replaySpec, main: replayMain },
  redrive: { spec: redriveSpec, main: redriveMain },
};

export function opsCommands(
  context: OperateContext,
): Record<string, { spec: CommandSpec; main: (args: ParsedArgs, io: CliIo) => Promise<number> }> {
  return Object.fromEntries(
    Object.entries(COMMANDS).map(([name, c]) => [
      name,
      { spec: c.spec, main: (args: ParsedArgs, io: CliIo) => c.main(context, args, io) },
    ]),
  );
}

/** The specs alone (the operations doc's test parses every command line in it with them). */
export const opsSpecs: Record<string, CommandSpec> = Object.fromEntries(
  Object.entries(COMMANDS).map(([name, c]) => [name, c.spec]),
);
