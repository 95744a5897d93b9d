/**
 * `npm run migrate -- <command> …`: the region-migration tools (docs/region-migration.md).
 * Ctrl-C during copy-audit: it finishes the pages in hand, saves its checkpoint and says how to
 * resume; Ctrl-C again stops at once (it then resumes from its last saved page). The read-only
 * commands have nothing to save and stop at once.
 */
import { runSubcommand } from "../lib/cli.js";
import { MIGRATE_TOOL, migrateCommands } from "./commands.js";
import { defaultContext } from "./context.js";

const RESUMABLE = new Set(["copy-audit"]);
const controller = new AbortController();
process.on("SIGINT", () => {
  if (controller.signal.aborted || !RESUMABLE.has(process.argv[2] ?? "")) process.exit(130);
  process.stderr.write(
    "\nstopping after the pages in hand and saving the checkpoint (Ctrl-C again to stop now) …\n",
  );
  controller.abort();
});

process.exitCode = await runSubcommand(
  MIGRATE_TOOL,
  migrateCommands(defaultContext(controller.signal)),
  process.argv.slice(2),
);
