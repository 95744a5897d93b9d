/** Counters the event sources keep for the progress display and the summary, and small shared helpers. */

export interface SourceStats {
  /** Records read from the stream (Kinesis) or messages received (SQS). */
  recordsRead: number;
  /** Records read per shard id. */
  perShard: Record<string, number>;
  invocations: number;
  failedInvocations: number;
  retries: number;
  throttledReads: number;
  /** Batches handed to the on-failure destination, and the records of the ranges given up on. */
  discardedBatches: number;
  discardedRecords: number;
  /** Batches or messages delivered a second time (the `duplicates` fault: at-least-once delivery). */
  duplicatesDelivered: number;
}

export function newSourceStats(): SourceStats {
  return {
    recordsRead: 0,
    perShard: {},
    invocations: 0,
    failedInvocations: 0,
    retries: 0,
    throttledReads: 0,
    discardedBatches: 0,
    discardedRecords: 0,
    duplicatesDelivered: 0,
  };
}

/** Kinesis sequence numbers are decimal strings longer than a double's precision. */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** FNV-1a: spreads partition keys over a shard's parallel lanes, the same key always to the same lane. */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
