/**
 * One moto server for the whole test run (tests use unique resource names, so they never collide).
 * Files get its endpoint with `inject("emulatorEndpoint")`.
 */
import type { TestProject } from "vitest/node";
import { startEmulator, type Emulator } from "../../local/emulator.js";

let emulator: Emulator | undefined;

export async function setup(project: TestProject): Promise<void> {
  emulator = await startEmulator({ log: (line) => console.log(line) });
  project.provide("emulatorEndpoint", emulator.endpoint);
}

export async function teardown(): Promise<void> {
  await emulator?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    emulatorEndpoint: string;
  }
}
