/**
 * A bench's child process may make more emulator requests than moto's stderr pipe holds log lines
 * (~64 KiB ≈ 1,000 requests): `runChild` keeps this process's event loop free to drain that pipe.
 * With `spawnSync` in its place this test hangs until its timeout.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { runChild } from "../bench/run-child.js";
import { type Emulator, startEmulator } from "../local/emulator.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
}, 60_000);
afterAll(() => emulator?.stop());

it("a child making 2,000 emulator requests finishes while this process owns moto's log pipe", async () => {
  const requests = 2000;
  const script = `let ok = 0; for (let i = 0; i < ${requests}; i++) { const r = await fetch(process.argv[1] + "/moto-api/data.json"); await r.arrayBuffer(); if (r.ok) ok++; } console.log(ok);`;
  const run = await runChild(process.execPath, ["--input-type=module", "-e", script, emulator.endpoint]);
  expect(run.status).toBe(0);
  expect(Number(run.stdout.trim())).toBe(requests);
}, 120_000);
