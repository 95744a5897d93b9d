/**
 * A small discrete-event model of one file's way through a stack on AWS:
 *
 *   S3 event → producer (PutRecords of 500, 4 in flight) → Kinesis (1,000 records/s and 1 MiB/s per
 *   shard) → event source mapping (shards × parallelization lanes, batch size, batching window,
 *   poll interval) → case creator (one Salesforce call per ≤200 records) → audit queue → audit
 *   processor (SQS pollers: 5 to start, +60 a minute, up to its maximum concurrency; batch size and
 *   window) → DynamoDB on-demand (a read and a write per record)
 *
 * Time advances by events (batches), not by ticks. Records spread evenly over shards and lanes (the
 * partition key is prefix + transaction id; bench/producer.ts measures max/mean ≈ 1.0). What it
 * leaves out, on purpose: retries and faults (a Salesforce outage is a different question), cold
 * starts beyond the first invocation of each lane, and Lambda's own per-shard GetRecords limits.
 */
import { MAX_COLLECTION_SIZE, MAX_RECORDS_PER_CALL } from "../../handlers/case-creator/salesforce-client.js";
import { type EmulatorProcess, EmulatorServers } from "./emulator-servers.js";
import type { StackModel } from "./stack-model.js";

export interface Workload {
  recordsPerFile: number;
  filesPerDay: number;
  recordBytes: number;
  /**
   * Salesforce's time for one sObject Collections upsert of up to 200 records. A Composite call of
   * five collections takes five of these (Salesforce works through them one after another) but
   * counts as one call toward the daily limit.
   */
  salesforceCallMs: number;
  salesforceDailyLimit: number;
  accountConcurrencyQuota: number;
}

/** Service times (ms) the model assumes; `localServiceTimes` swaps in the emulator's measured ones. */
export interface ServiceTimes {
  putRecordsMs: number;
  /** Between a record landing and a poller seeing it when no window holds the batch. */
  pollIntervalMs: number;
  /** Fixed cost of one case-creator invocation besides Salesforce (decode, audit SendMessageBatch). */
  caseCreatorOverheadMs: number;
  /** Audit events go out in SendMessageBatch calls of 10. */
  sqsSendBatchMs: number;
  /** Per audit message: its item read (one BatchGetItem per batch) + a conditional PutItem. */
  auditPerRecordMs: number;
  auditOverheadMs: number;
  coldStartMs: number;
  /** How many audit writes run at once per invocation (the processor handles a batch's records one by one: 1). */
  auditConcurrencyCap?: number;
  /**
   * Only to validate the model against local runs: the emulator's processes, each serving its
   * operations one call at a time (emulator-servers.ts). Unset for AWS.
   */
  emulator?: readonly EmulatorProcess[];
}

export const AWS_SERVICE_TIMES: ServiceTimes = {
  putRecordsMs: 120,
  pollIntervalMs: 1000,
  caseCreatorOverheadMs: 60,
  sqsSendBatchMs: 15,
  auditPerRecordMs: 12,
  auditOverheadMs: 40,
  coldStartMs: 500,
};

export interface Invocation {
  fn: "producer" | "case-creator" | "audit-processor";
  startMs: number;
  endMs: number;
  records: number;
}

export interface Prediction {
  drainSeconds: number;
  stageSeconds: { producer: number; caseCreator: number; audit: number };
  bindingLimit: string;
  capacities: Array<{ stage: string; recordsPerSecond: number }>;
  peakConcurrency: number;
  peakConcurrencyByFunction: Record<string, number>;
  salesforceCallsPerFile: number;
  salesforceCallsPerDay: number;
  invocations: Invocation[];
}

const KINESIS_RECORDS_PER_SHARD_SECOND = 1000;
const KINESIS_BYTES_PER_SHARD_SECOND = 1024 * 1024;
const SALESFORCE_COLLECTION = MAX_COLLECTION_SIZE;
const SQS_INITIAL_POLLERS = 5;
const SQS_POLLERS_ADDED_PER_MINUTE = 60;

export function predict(
  stack: StackModel,
  workload: Workload,
  times: ServiceTimes = AWS_SERVICE_TIMES,
  pipelineName?: string,
): Prediction {
  const pipeline = stack.pipelines.find((p) =>
    pipelineName ? p.name === pipelineName : p.caseCreator !== undefined,
  );
  if (!pipeline?.caseCreator)
    throw new Error(
      `stack ${stack.stack} has no case-creating pipeline${pipelineName ? ` named ${pipelineName}` : ""}`,
    );
  // On-demand streams start at 4 MiB/s write capacity (4 shards' worth) and scale from there.
  const shards = pipeline.shards ?? 4;
  const { batchSize, parallelizationFactor, batchingWindowSeconds } = pipeline.caseCreator.mapping;
  const lanes = shards * parallelizationFactor;
  const n = workload.recordsPerFile;
  const invocations: Invocation[] = [];
  const emulator = times.emulator ? new EmulatorServers(times.emulator) : undefined;

  // 1. Producer → Kinesis: chunk i lands when its call returns and the shards have had the time to take it.
  const shardRate = Math.min(
    KINESIS_RECORDS_PER_SHARD_SECOND,
    KINESIS_BYTES_PER_SHARD_SECOND / workload.recordBytes,
  );
  const arrivals: Array<{ atMs: number; records: number }> = [];
  const callsDone: number[] = [];
  for (let i = 0, sent = 0; sent < n; i++) {
    const records = Math.min(500, n - sent);
    sent += records;
    // Four calls in flight: call i goes out when call i - 4 has returned.
    const callDone = emulator
      ? emulator.call("kinesis.PutRecords", callsDone[i - 4] ?? times.coldStartMs, times.putRecordsMs)
      : times.coldStartMs + (Math.floor(i / 4) + 1) * times.putRecordsMs;
    callsDone.push(callDone);
    const shardDone = times.coldStartMs + (sent / shards / shardRate) * 1000;
    arrivals.push({ atMs: Math.max(callDone, shardDone), records });
  }
  const producerEnd = arrivals.at(-1)!.atMs;
  invocations.push({ fn: "producer", startMs: 0, endMs: producerEnd, records: n });

  // 2. Each lane gets its share of every chunk, and batches by size or window.
  const auditArrivals: Array<{ atMs: number; records: number }> = [];
  for (let lane = 0; lane < lanes; lane++) {
    const share = arrivals
      .map((a) => ({
        atMs: a.atMs,
        records: Math.floor(a.records / lanes) + (lane < a.records % lanes ? 1 : 0),
      }))
      .filter((a) => a.records > 0);
    let free = 0;
    let cold = true;
    let next = 0;
    let carried = 0; // records of share[next - 1] not yet taken
    let carriedAt = 0;
    while (next < share.length || carried > 0) {
      const firstAt = carried > 0 ? carriedAt : share[next]!.atMs;
      // When does the batch close? Full batch, or window since its first record, or (no window) the next poll.
      let available = carried;
      let k = next;
      const windowEnd =
        firstAt + (batchingWindowSeconds > 0 ? batchingWindowSeconds * 1000 : times.pollIntervalMs / 2);
      let closeAt = Math.max(free, windowEnd);
      while (k < share.length && share[k]!.atMs <= closeAt && available < batchSize) {
        available += share[k]!.records;
        if (available >= batchSize) closeAt = Math.max(free, share[k]!.atMs);
        k++;
      }
      const batch = Math.min(batchSize, available);
      const leftover = available - batch;
      next = k;
      carried = leftover;
      carriedAt = leftover > 0 ? share[k - 1]!.atMs : 0;
      const calls = Math.ceil(batch / SALESFORCE_COLLECTION);
      const beforeSends =
        (cold ? times.coldStartMs : 0) + times.caseCreatorOverheadMs + calls * workload.salesforceCallMs;
      const sends = Math.ceil(batch / 10);
      let duration = beforeSends + sends * times.sqsSendBatchMs;
      if (emulator) {
        let t = closeAt + beforeSends;
        for (let s = 0; s < sends; s++) t = emulator.call("sqs.SendMessageBatch", t, times.sqsSendBatchMs);
        duration = t - closeAt;
      }
      cold = false;
      invocations.push({ fn: "case-creator", startMs: closeAt, endMs: closeAt + duration, records: batch });
      auditArrivals.push({ atMs: closeAt + duration, records: batch });
      free = closeAt + duration;
    }
  }
  const caseCreatorEnd = Math.max(...invocations.filter((i) => i.fn === "case-creator").map((i) => i.endMs));

  // 3. Audit processor: pollers take up to `batchSize` messages, waiting up to the window for a full batch.
  auditArrivals.sort((a, b) => a.atMs - b.atMs);
  const audit = stack.auditProcessor;
  const cap = audit.maximumConcurrency ?? workload.accountConcurrencyQuota;
  const firstMessageAt = auditArrivals[0]?.atMs ?? 0;
  // Lambda starts 5 pollers and adds about one a second (60 a minute) while messages wait, up to the cap.
  const addEveryMs = 60_000 / SQS_POLLERS_ADDED_PER_MINUTE;
  const pollers = Array.from(
    { length: Math.min(cap, 5_000) },
    (_, k) => firstMessageAt + Math.max(0, k - SQS_INITIAL_POLLERS + 1) * addEveryMs,
  );
  const windowMs = audit.batchingWindowSeconds * 1000;
  let queued = 0;
  let idx = 0;
  let audited = 0;
  const absorb = (untilMs: number) => {
    while (idx < auditArrivals.length && auditArrivals[idx]!.atMs <= untilMs)
      queued += auditArrivals[idx++]!.records;
  };
  while (audited < n) {
    let p = 0;
    for (let k = 1; k < pollers.length; k++) if (pollers[k]! < pollers[p]!) p = k;
    let start = pollers[p]!;
    absorb(start);
    if (queued === 0) {
      start = auditArrivals[idx]!.atMs;
      absorb(start);
    }
    // The window holds a batch that is not full; it closes early once enough messages are there.
    let closeAt = start;
    if (queued < audit.batchSize && windowMs > 0) {
      closeAt = start + windowMs;
      let k = idx;
      let more = queued;
      while (k < auditArrivals.length && auditArrivals[k]!.atMs <= closeAt) {
        more += auditArrivals[k]!.records;
        if (more >= audit.batchSize) {
          closeAt = auditArrivals[k]!.atMs;
          break;
        }
        k++;
      }
      if (audited + more >= n && more < audit.batchSize) closeAt = start + windowMs;
      absorb(closeAt);
    }
    const batch = Math.min(audit.batchSize, queued);
    queued -= batch;
    const perRecord = times.auditPerRecordMs / Math.max(1, Math.min(batch, times.auditConcurrencyCap ?? 1));
    const duration = emulator
      ? auditOnEmulator(emulator, closeAt, batch, times) - closeAt
      : times.auditOverheadMs + batch * perRecord;
    pollers[p] = closeAt + duration;
    invocations.push({ fn: "audit-processor", startMs: closeAt, endMs: closeAt + duration, records: batch });
    audited += batch;
  }
  const end = Math.max(...invocations.map((i) => i.endMs));

  const capacities = [
    {
      stage: `Kinesis writes (${shards} shards × ${Math.round(shardRate)} records/s)`,
      recordsPerSecond: shards * shardRate,
    },
    {
      stage: "producer PutRecords (500 × 4 in flight)",
      recordsPerSecond: (500 * 4 * 1000) / times.putRecordsMs,
    },
    {
      stage: `case creator (${lanes} lanes × ${batchSize} records per ${Math.round(times.caseCreatorOverheadMs + Math.ceil(batchSize / SALESFORCE_COLLECTION) * workload.salesforceCallMs)} ms)`,
      recordsPerSecond:
        (lanes * batchSize * 1000) /
        (times.caseCreatorOverheadMs +
          Math.ceil(batchSize / SALESFORCE_COLLECTION) * workload.salesforceCallMs +
          Math.ceil(batchSize / 10) * times.sqsSendBatchMs),
    },
    {
      stage: `audit processor (${cap} concurrent × ${audit.batchSize} messages)`,
      recordsPerSecond:
        (cap * audit.batchSize * 1000) / (times.auditOverheadMs + audit.batchSize * times.auditPerRecordMs),
    },
  ];
  // The binding limit is the stage that adds the most time after the stage before it has finished
  // (a steady-state rate alone misses the audit pollers' scale-up and the batching windows).
  const added = [
    {
      stage:
        capacities[0]!.recordsPerSecond < capacities[1]!.recordsPerSecond
          ? capacities[0]!.stage
          : capacities[1]!.stage,
      ms: producerEnd,
    },
    { stage: capacities[2]!.stage, ms: caseCreatorEnd - producerEnd },
    {
      stage: `${capacities[3]!.stage}, scaling from ${SQS_INITIAL_POLLERS} pollers by ${SQS_POLLERS_ADDED_PER_MINUTE} a minute`,
      ms: end - caseCreatorEnd,
    },
  ];
  const binding = added.reduce((a, b) => (b.ms > a.ms ? b : a));
  const salesforceCallsPerFile = invocations
    .filter((i) => i.fn === "case-creator")
    .reduce((s, i) => s + Math.ceil(i.records / MAX_RECORDS_PER_CALL), 0);
  return {
    drainSeconds: end / 1000,
    stageSeconds: { producer: producerEnd / 1000, caseCreator: caseCreatorEnd / 1000, audit: end / 1000 },
    bindingLimit: binding.stage,
    capacities,
    peakConcurrency: peak(invocations),
    peakConcurrencyByFunction: Object.fromEntries(
      ["producer", "case-creator", "audit-processor"].map((fn) => [
        fn,
        peak(invocations.filter((i) => i.fn === fn)),
      ]),
    ),
    salesforceCallsPerFile,
    salesforceCallsPerDay: salesforceCallsPerFile * workload.filesPerDay,
    invocations,
  };
}

/** One audit batch against the emulator: a receive, one BatchGetItem for its items, a PutItem per record in turn, the deletes. */
function auditOnEmulator(
  emulator: EmulatorServers,
  startMs: number,
  batch: number,
  times: ServiceTimes,
): number {
  let t = emulator.call("sqs.ReceiveMessage", startMs, 0) + times.auditOverheadMs;
  t = emulator.call("dynamodb.BatchGetItem", t, 0);
  for (let r = 0; r < batch; r++) t = emulator.call("dynamodb.PutItem", t, times.auditPerRecordMs);
  for (let d = 0; d < Math.ceil(batch / 10); d++) t = emulator.call("sqs.DeleteMessageBatch", t, 0);
  return t;
}

/** Most invocations running at one moment (a sweep over starts and ends). */
export function peak(invocations: Invocation[]): number {
  const edges = invocations
    .flatMap((i) => [[i.startMs, 1] as const, [i.endMs, -1] as const])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) {
    now += d;
    max = Math.max(max, now);
  }
  return max;
}
