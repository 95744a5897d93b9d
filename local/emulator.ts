/**
 * Starts the moto server — a real AWS API emulator over HTTP — on a free loopback port, creating
 * its Python virtual environment first when it is missing. Used by `npm start` and by the tests.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { PROJECT_DIR } from "../stacks/stack-files.js";

export const EMULATOR_REGION = "eu-west-1";
/** moto accepts any credentials; these make sure no real ones are ever picked up. */
export const EMULATOR_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

export interface Emulator {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

const VENV_DIR = process.env.KYC_VENV_DIR ?? join(PROJECT_DIR, ".venv");
const MOTO_SERVER = join(VENV_DIR, "bin", "moto_server");
const PYTHON = join(VENV_DIR, "bin", "python");
/** moto's server with an emulator-only speed fix (see the file's docstring). */
const LAUNCHER = join(PROJECT_DIR, "local", "moto_server.py");

/** Creates `.venv` and installs the pinned moto server unless it is already there. */
export function ensureEmulatorInstalled(log: (line: string) => void = () => undefined): void {
  if (existsSync(MOTO_SERVER)) return;
  log(`installing the AWS emulator (moto server) into ${VENV_DIR} …`);
  const python = process.env.PYTHON ?? "python3";
  run(python, ["-m", "venv", VENV_DIR]);
  run(join(VENV_DIR, "bin", "pip"), [
    "install",
    "--quiet",
    "--disable-pip-version-check",
    "-r",
    join(PROJECT_DIR, "local", "requirements.txt"),
  ]);
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} failed with exit code ${result.status}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/**
 * @param options.env extra environment for the moto process (e.g. `INITIAL_NO_AUTH_ACTION_COUNT` to enforce IAM).
 * @param options.plain run moto's own `moto_server`, without the launcher's speed fixes (to compare answers).
 */
export async function startEmulator(
  options: { log?: (line: string) => void; env?: Record<string, string>; plain?: boolean } = {},
): Promise<Emulator> {
  ensureEmulatorInstalled(options.log);
  const port = await freePort();
  const args = ["-H", "127.0.0.1", "-p", String(port)];
  const child = spawn(options.plain ? MOTO_SERVER : PYTHON, options.plain ? args : [LAUNCHER, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: "true", ...options.env },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilUp(endpoint, child, () => stderr);
  return { endpoint, port, stop: () => stopProcess(child) };
}

async function waitUntilUp(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`moto server exited with code ${child.exitCode}: ${stderr()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  child.kill("SIGKILL");
  throw new Error(`moto server did not answer on ${endpoint} within 30 s: ${stderr()}`);
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Settings for any AWS SDK v3 client pointed at the emulator. */
export function emulatorClientConfig(endpoint: string) {
  return { endpoint, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS, forcePathStyle: true };
}
