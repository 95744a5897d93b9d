/** The sizes `npm run bench` runs (full) and the test runs (small: seconds each). */
export const BENCH_SIZES = {
  full: {
    producer: { records: 50_000, shards: 4, baselineRecords: 2_000 },
    caseCreator: { records: 10_000, naiveRecords: 1_000, stack: "sit" },
    handlers: { stack: "sit", runs: 5 },
    plan: {},
  },
  small: {
    producer: { records: 600, shards: 4, baselineRecords: 40 },
    caseCreator: { records: 600, naiveRecords: 40, stack: "sit" },
    handlers: { stack: "sit", runs: 1 },
    plan: { stacks: ["sit"] },
  },
} as const;
