/**
 * Paces the case creator to the audit processor in the local run.
 *
 * Why: the emulator's SQS walks the whole queue several times for every message it receives (it
 * re-reads queue attributes per message), so a receive costs time in proportion to the queue's
 * length. Left alone, the case creator (fast) fills the audit queue with thousands of events and
 * every receive then takes seconds: the run slows down the more it has to do. Keeping the queue
 * short keeps every call cheap, so the run finishes as fast as the audit processor can record.
 *
 * How: an invocation is admitted while `queue depth + records of invocations in flight` stays
 * within `limit`; when nothing is in flight, one invocation is admitted once the queue is down to
 * `lowWater`, so a batch larger than the limit still runs. An invocation sends its audit events at
 * the end, all at once, so the queue's depth saws between about `lowWater` and `lowWater + batch`.
 */
import { sleep } from "./event-sources/source-stats.js";
import type { ProvisionedStack } from "./provision.js";

/**
 * The gate's limit for a stack: room for as many case-creator invocations at once as deployed (its
 * Kinesis lanes, shards × parallelization, each with a full batch), and never below 250.
 */
export function backlogLimit(stack: Pick<ProvisionedStack, "kinesisSources" | "streams">): number {
  const lanes = stack.kinesisSources.reduce(
    (n, k) =>
      n + k.parallelizationFactor * (stack.streams.find((s) => s.name === k.streamName)?.shardCount ?? 1),
    0,
  );
  const largestBatch = Math.max(1, ...stack.kinesisSources.map((k) => k.batchSize));
  return Math.max(250, lanes * largestBatch);
}

export class AuditBacklogGate {
  private inFlightRecords = 0;
  private depth = 0;
  private checkedAt = 0;
  private reading: Promise<void> | undefined;
  private stopped = false;

  /**
   * @param readDepth current messages in the audit queue(s)
   * @param limit messages (queued + about to be sent) the queue may hold
   * @param lowWater depth at which a lone invocation is admitted whatever its size
   */
  constructor(
    private readonly readDepth: () => Promise<number>,
    private readonly limit = 250,
    private readonly lowWater = 25,
    private readonly refreshMs = 150,
  ) {}

  /** Waits for room for `records` audit events; returns the release for when the invocation ends. */
  async admit(records: number): Promise<() => void> {
    for (;;) {
      if (this.stopped) break;
      if (Date.now() - this.checkedAt > this.refreshMs) await this.refresh();
      if (this.depth + this.inFlightRecords + records <= this.limit) break;
      if (this.inFlightRecords === 0 && this.depth <= this.lowWater) break;
      await sleep(50);
    }
    this.inFlightRecords += records;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlightRecords -= records;
      this.checkedAt = 0; // the invocation just sent its events: look again before admitting more
    };
  }

  stop(): void {
    this.stopped = true;
  }

  private refresh(): Promise<void> {
    this.reading ??= this.readDepth()
      .then((depth) => {
        this.depth = depth;
        this.checkedAt = Date.now();
      })
      .catch(() => undefined)
      .finally(() => (this.reading = undefined));
    return this.reading;
  }
}
