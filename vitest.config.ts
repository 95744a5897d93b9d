import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    // Emulator-backed and mTLS tests start real servers; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file gets its own worker: Pulumi's mock runtime is process-global state.
    pool: "forks",
    maxWorkers: 2,
  },
});
