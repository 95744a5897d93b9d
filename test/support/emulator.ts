/** Helpers for tests that talk to the shared moto server. */
import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { emulatorClientConfig } from "../../local/emulator.js";

export function emulatorEndpoint(): string {
  const endpoint = inject("emulatorEndpoint");
  // Only the `e2e` project starts moto: a file that needs it must be listed there.
  if (!endpoint)
    throw new Error("No test emulator in this project: add this test file to E2E_TESTS in vitest.config.ts.");
  return endpoint;
}

/** Client settings for any AWS SDK v3 client, pointed at the test emulator. */
export function testClientConfig() {
  return emulatorClientConfig(emulatorEndpoint());
}

/** A resource name no other test (or earlier run) uses. */
export function uniqueName(base: string): string {
  return `${base}-${randomUUID().slice(0, 8)}`;
}
