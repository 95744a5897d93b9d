/**
 * Runs a bench's child process without blocking this one. A bench must never use `spawnSync` while
 * it owns an emulator: moto logs one line per request to its stderr, which `startEmulator` pipes into
 * this process; a blocked event loop stops draining that pipe, and once ~64 KiB (≈1,000 requests) are
 * unread moto blocks on its next log write and answers nothing more — the "GetObject never returns"
 * hang of the producer bench's baseline (one PutRecord per record) at full size.
 */
import { spawn } from "node:child_process";

export interface ChildRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runChild(command: string, args: string[]): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * Runs `script --child ...args` in a Node child (with `nodeArgs`, e.g. tsx's loader), which prints its
 * result last, as one JSON line; throws with its stderr if it fails.
 */
export async function runJsonChild<T>(
  label: string,
  nodeArgs: string[],
  script: string,
  args: string[],
): Promise<T> {
  const run = await runChild(process.execPath, [...nodeArgs, script, "--child", ...args]);
  const line = run.stdout.trim().split("\n").at(-1) ?? "";
  if (run.status !== 0 || !line.startsWith("{"))
    throw new Error(`${label} run failed: ${run.stderr.slice(-2000)}`);
  return JSON.parse(line) as T;
}
