/** What every bench prints and writes: the machine it ran on and a JSON file in bench/results/. */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { PROJECT_DIR } from "../stacks/stack-files.js";

export interface Machine {
  cores: number;
  cpu: string;
  memoryGb: number;
  freeMemoryGb: number;
  /** 1-, 5- and 15-minute load averages when the bench started. */
  loadAverage: number[];
  node: string;
}

export function machine(): Machine {
  const gb = (n: number) => Math.round((n / 1024 ** 3) * 10) / 10;
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "?",
    memoryGb: gb(totalmem()),
    freeMemoryGb: gb(freemem()),
    loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
    node: process.version,
  };
}

export function describeMachine(m: Machine = machine()): string {
  return `machine: ${m.cores} × ${m.cpu}, ${m.memoryGb} GB (${m.freeMemoryGb} free), load ${m.loadAverage.join(" / ")}, node ${m.node}`;
}

/** Writes `bench/results/<name>.json` (gitignored) and returns its path. */
export function writeResults(
  name: string,
  data: Record<string, unknown>,
  startedAt: Date,
  m: Machine,
): string {
  const dir = process.env.BENCH_RESULTS_DIR ?? join(PROJECT_DIR, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ bench: name, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), machine: m, ...data }, null, 2)}\n`,
  );
  return file;
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
