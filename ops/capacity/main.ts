/** Entry of `npm run capacity -- <stack>`; everything else is in cli.ts (tests call `capacityMain`). */
import { processIo } from "../lib/cli.js";
import { capacityMain } from "./cli.js";

process.exitCode = await capacityMain(process.argv.slice(2), processIo);
