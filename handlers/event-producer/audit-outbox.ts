/**
 * Streams audit events to the audit queue while a file is being read: events are sent in groups of
 * 10 (one SendMessageBatch each, through `AuditSender`) with a few groups in flight, so a file of
 * 50,000 rejected or PUBLISHED records neither piles up in memory nor waits on 5,000 calls in a row.
 *
 * Any event the queue does not take makes the outbox throw `AuditUndeliveredError` at the next
 * `add()` or at `close()`; the producer then fails the invocation (see `produce-events.ts` for why
 * that is safe).
 */
import { SQS_BATCH_LIMIT, type AuditSender } from "../lib/audit-sender.js";
import type { AuditEvent } from "../lib/audit-event.js";

/** The audit queue did not take every event; the invocation must fail so the object is redelivered. */
export class AuditUndeliveredError extends Error {
  override name = "AuditUndeliveredError";
}

export class AuditOutbox {
  private pending: AuditEvent[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private sent = 0;
  private readonly undelivered: Array<{ event: AuditEvent; reason: string }> = [];

  /** @param maxInFlight SendMessageBatch groups in flight at once. */
  constructor(
    private readonly sender: AuditSender,
    private readonly maxInFlight = 4,
  ) {}

  async add(event: AuditEvent): Promise<void> {
    this.throwIfUndelivered();
    this.pending.push(event);
    if (this.pending.length >= SQS_BATCH_LIMIT) await this.dispatch();
  }

  /** Sends the rest and waits; returns how many events the queue took. */
  async close(): Promise<number> {
    while (this.pending.length > 0) await this.dispatch();
    await Promise.all(this.inFlight);
    this.throwIfUndelivered();
    return this.sent;
  }

  /** Waits for groups in flight and drops the rest (the invocation is failing anyway). */
  async abandon(): Promise<void> {
    this.pending = [];
    await Promise.allSettled(this.inFlight);
  }

  private async dispatch(): Promise<void> {
    const group = this.pending.splice(0, SQS_BATCH_LIMIT);
    const call: Promise<void> = this.sender
      .send(group)
      .then((result) => {
        this.sent += result.sent;
        this.undelivered.push(...result.failed);
      })
      .catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        this.undelivered.push(...group.map((event) => ({ event, reason })));
      })
      .finally(() => this.inFlight.delete(call));
    this.inFlight.add(call);
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    this.throwIfUndelivered();
  }

  private throwIfUndelivered(): void {
    if (this.undelivered.length === 0) return;
    const first = this.undelivered[0]!;
    throw new AuditUndeliveredError(
      `${this.undelivered.length} audit event(s) not delivered, first for ${first.event.transactionId}: ${first.reason}`,
    );
  }
}
