/** Helpers for tests that talk to the shared moto server. */
import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { emulatorClientConfig } from "../../local/emulator.js";

export function emulatorEndpoint(): string {
  return inject("emulatorEndpoint");
}

/** Client settings for any AWS SDK v3 client, pointed at the test emulator. */
export function testClientConfig() {
  return emulatorClientConfig(emulatorEndpoint());
}

/** A resource name no other test (or earlier run) uses. */
export function uniqueName(base: string): string {
  return `${base}-${randomUUID().slice(0, 8)}`;
}
