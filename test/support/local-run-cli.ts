/**
 * Runs the local run's CLI (`npm start`) as a child process, for tests of the whole run.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { PROJECT_DIR } from "../../stacks/stack-files.js";

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as `npm start` does (tsx), without npm in between so signals reach it directly. */
export function runCli(
  args: string[],
  options: { interruptWhen?: RegExp; afterwards?: (stop: () => void) => void } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(PROJECT_DIR, "local", "run.ts"), ...args],
      {
        cwd: PROJECT_DIR,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    let interrupted = false;
    // A test that times out must not leave the run (and its emulators) behind: SIGTERM makes it stop everything.
    // (`afterwards` for a run started in beforeAll, where there is no test to finish).
    (options.afterwards ?? onTestFinished)(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    });
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (options.interruptWhen && !interrupted && options.interruptWhen.test(stderr)) {
        interrupted = true;
        child.kill("SIGINT");
      }
    });
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
