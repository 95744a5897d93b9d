/** `npm run ops -- <command> …`: the on-call engineer's tools (docs/operations.md). */
import { runSubcommand } from "../lib/cli.js";
import { OPS_TOOL, opsCommands } from "./commands.js";
import { defaultContext } from "./context.js";

process.on("SIGINT", () => process.exit(130));
process.exitCode = await runSubcommand(OPS_TOOL, opsCommands(defaultContext()), process.argv.slice(2));
