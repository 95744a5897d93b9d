/** A one-pipeline stack and a workload for the capacity model's tests (no plan needed). */
import type { Workload } from "../../ops/capacity/model.js";
import type { StackModel } from "../../ops/capacity/stack-model.js";

export const stack = (window: number, shards = 4, batchSize = 200): StackModel => ({
  stack: "t",
  region: "eu-west-1",
  env: "sit",
  slaSeconds: 300,
  pipelines: [
    {
      name: "cta",
      stream: "s",
      shards,
      onDemand: false,
      producer: { name: "p", memoryMb: 512, timeoutSeconds: 900 },
      caseCreator: {
        name: "c",
        memoryMb: 512,
        timeoutSeconds: 120,
        mapping: {
          batchSize,
          parallelizationFactor: 2,
          batchingWindowSeconds: window,
          maximumRetryAttempts: 5,
        },
      },
    },
  ],
  auditProcessor: { name: "a", memoryMb: 256, timeoutSeconds: 30, batchSize: 25, batchingWindowSeconds: 5 },
});
export const workload: Workload = {
  recordsPerFile: 10_000,
  filesPerDay: 4,
  recordBytes: 500,
  salesforceCallMs: 800,
  salesforceDailyLimit: 100_000,
  accountConcurrencyQuota: 1000,
};
