/**
 * SQS long polling at the local gateway. Lambda's SQS pollers long-poll (`WaitTimeSeconds` 20): a
 * receive on an empty queue waits in SQS and is answered as soon as a message arrives. moto would
 * hold its one-request-at-a-time process for the whole wait, so the gateway waits instead: it asks
 * moto with `WaitTimeSeconds` 0, and while the answer is empty it parks the receive until a message
 * may have become receivable on that queue, then asks again, until the caller's wait is over.
 *
 * A message becomes receivable when it is sent (SendMessage, SendMessageBatch), when its visibility
 * is changed (ChangeMessageVisibility(Batch): at once for 0 s, else when that time has passed) — all
 * calls the gateway forwards and so sees — or on its own (a visibility timeout that expires with
 * nobody changing it, a delay): for those a parked receive asks again every `RECHECK_MS`.
 */

/** How often a parked receive asks again even without a sign of a new message. */
export const RECHECK_MS = 1000;

export class SqsLongPoll {
  /** Per queue: a counter bumped on every sign of a new message, and the receives waiting for one. */
  private readonly queues = new Map<string, { signs: number; waiters: Set<() => void> }>();

  /** The queue a request is about (its URL's path: the gateway's and moto's URLs differ in host only). */
  static queueOf(input: { QueueUrl?: unknown }): string | undefined {
    if (typeof input.QueueUrl !== "string") return undefined;
    try {
      return new URL(input.QueueUrl).pathname;
    } catch {
      return input.QueueUrl;
    }
  }

  /** Signs of new messages on `queue` so far; compare before and after a receive. */
  signs(queue: string): number {
    return this.entry(queue).signs;
  }

  /** Called after moto carried out `operation` (JSON protocol input): wakes receives on that queue. */
  observe(operation: string, input: Record<string, unknown>): void {
    const queue = SqsLongPoll.queueOf(input);
    if (!queue) return;
    if (operation === "SendMessage" || operation === "SendMessageBatch") return this.notify(queue);
    const changes =
      operation === "ChangeMessageVisibility"
        ? [input]
        : operation === "ChangeMessageVisibilityBatch" && Array.isArray(input.Entries)
          ? (input.Entries as Array<Record<string, unknown>>)
          : [];
    for (const seconds of new Set(changes.map((c) => Number(c.VisibilityTimeout ?? 0)))) {
      if (seconds <= 0) this.notify(queue);
      else setTimeout(() => this.notify(queue), seconds * 1000 + 10).unref();
    }
  }

  /** Resolves when `queue` shows a sign of a new message since `seen` signs, or after `ms`. */
  wait(queue: string, seen: number, ms: number): Promise<void> {
    const entry = this.entry(queue);
    if (entry.signs !== seen) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        entry.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      entry.waiters.add(done);
    });
  }

  private notify(queue: string): void {
    const entry = this.entry(queue);
    entry.signs += 1;
    for (const wake of [...entry.waiters]) wake();
  }

  private entry(queue: string) {
    let entry = this.queues.get(queue);
    if (!entry) this.queues.set(queue, (entry = { signs: 0, waiters: new Set() }));
    return entry;
  }
}
