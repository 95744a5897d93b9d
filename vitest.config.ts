import { defineConfig } from "vitest/config";

/**
 * Two projects, chosen by file list so no test file moves (README, "Where a new test goes"):
 * - `unit`: pure cores, one component under Pulumi mocks, in-process fakes — no emulator, no child
 *   process; seconds each. Every test file not listed below is a unit test (`npm run test:unit`).
 * - `e2e`: tests that talk to the moto server (test/support/emulator.ts), start servers or child
 *   processes, plan whole stacks, or run the local platform end to end. Only this project starts
 *   the emulator.
 * `npm test` runs both, then the Glue job's pytest suite as its own step (test/run-glue-tests.sh).
 */
export const E2E_TESTS = [
  "test/audit-processor-batch-read.test.ts",
  "test/audit-processor-delivery.test.ts",
  "test/audit-processor-durable-counts.test.ts",
  "test/audit-processor.test.ts",
  "test/audit-sender.test.ts",
  "test/bench-child.test.ts",
  "test/bench.test.ts",
  "test/bundle-source-maps.test.ts",
  "test/capacity.test.ts",
  "test/case-creator.test.ts",
  "test/cross-account-access.test.ts",
  "test/dashboard-preview.test.ts",
  "test/deploy-order.test.ts",
  "test/discard-auditor.test.ts",
  "test/event-producer-input.test.ts",
  "test/event-producer-ledger.test.ts",
  "test/event-producer.test.ts",
  "test/handler-settings.test.ts",
  "test/kinesis-batching-window.test.ts",
  "test/kinesis-publisher.test.ts",
  "test/lambda-container.test.ts",
  "test/least-privilege.test.ts",
  "test/local-run-faithful.test.ts",
  "test/local-run-hostile-input.test.ts",
  "test/local-run.test.ts",
  "test/metrics.test.ts",
  "test/migrate-*.test.ts",
  "test/monitoring-plan.test.ts",
  "test/moto-speed-fixes.test.ts",
  "test/moto-sqs-speed-fixes.test.ts",
  "test/moto-cloudwatch-speed-fixes.test.ts",
  "test/network-plans.test.ts",
  "test/operations-doc.test.ts",
  "test/ops-tools.test.ts",
  "test/outcome-counting.test.ts",
  "test/policy-pack-server.test.ts",
  "test/policy-pack.test.ts",
  "test/preflight.test.ts",
  "test/program.test.ts",
  "test/region-migration-doc.test.ts",
  "test/retry-ownership.test.ts",
  "test/salesforce-stand-in.test.ts",
  "test/scan-repository.test.ts",
  "test/secret-hygiene.test.ts",
  "test/stack-plans.test.ts",
  "test/token-client.test.ts",
  "test/token-manager-failures.test.ts",
  "test/token-manager-handler.test.ts",
  "test/token-manager-race.test.ts",
  "test/token-manager.test.ts",
];

const ALL_TESTS = ["test/**/*.test.ts"];

export default defineConfig({
  test: {
    // Emulator-backed and mTLS tests start real servers; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file gets its own worker: Pulumi's mock runtime is process-global state.
    pool: "forks",
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "unit", include: ALL_TESTS, exclude: E2E_TESTS } },
      {
        extends: true,
        test: { name: "e2e", include: E2E_TESTS, globalSetup: ["test/support/global-setup.ts"] },
      },
    ],
  },
});
