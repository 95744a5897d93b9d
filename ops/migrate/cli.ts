/**
 * `npm run migrate -- <command> …`: the region-migration tools (docs/region-migration.md).
 * Ctrl-C once: long commands finish the work in hand, save their checkpoint and say how to resume;
 * Ctrl-C twice: stop now (a copy then resumes from its last saved page).
 */
import { runSubcommand } from "../lib/cli.js";
import { MIGRATE_TOOL, migrateCommands } from "./commands.js";
import { defaultContext } from "./context.js";

const controller = new AbortController();
process.on("SIGINT", () => {
  if (controller.signal.aborted) process.exit(130);
  process.stderr.write("\nstopping after the work in hand (Ctrl-C again to stop now) …\n");
  controller.abort();
});

process.exitCode = await runSubcommand(MIGRATE_TOOL, migrateCommands(defaultContext(controller.signal)), process.argv.slice(2));
