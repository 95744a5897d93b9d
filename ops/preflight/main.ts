/** Entry of `npm run preflight -- <stack>`; everything else is in cli.ts (tests call `preflightMain`). */
import { processIo } from "../lib/cli.js";
import { preflightMain } from "./cli.js";

process.exitCode = await preflightMain(process.argv.slice(2), processIo);
