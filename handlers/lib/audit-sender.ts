/**
 * Sends audit events to the audit queue with SendMessageBatch (10 per call), retrying only the
 * entries SQS did not accept. Events it could not deliver are returned, never dropped: the caller
 * fails those records so their source redelivers them.
 */
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { validateAuditEvent, truncateReason, type AuditEvent } from "./audit-event.js";
import { backoffDelay, sleep as realSleep, type Sleep } from "./backoff.js";
import type { Logger } from "./logger.js";

export const SQS_BATCH_LIMIT = 10;
/** SQS batch payload limit is 256 KiB; stay under it with room for attributes. */
const SQS_BATCH_BYTES = 250 * 1024;

export interface AuditSenderOptions {
  sqs: SQSClient;
  queueUrl: string;
  logger: Logger;
  /** Attempts per entry, first included. @default `4` */
  maxAttempts?: number;
  sleep?: Sleep;
  random?: () => number;
}

export interface AuditSendResult {
  sent: number;
  /** Events that could not be delivered after every attempt, or that broke the contract. */
  failed: Array<{ event: AuditEvent; reason: string }>;
  /** SendMessageBatch calls made. */
  calls: number;
}

export class AuditSender {
  constructor(private readonly options: AuditSenderOptions) {}

  async send(events: AuditEvent[]): Promise<AuditSendResult> {
    const result: AuditSendResult = { sent: 0, failed: [], calls: 0 };
    const valid: AuditEvent[] = [];
    for (const event of events) {
      const checked = validateAuditEvent(
        event.reason ? { ...event, reason: truncateReason(event.reason) } : event,
      );
      if (checked.ok) valid.push(checked.event);
      else result.failed.push({ event, reason: `audit event breaks the contract: ${checked.reason}` });
    }
    for (const batch of batches(valid)) await this.sendBatch(batch, result);
    return result;
  }

  private async sendBatch(batch: AuditEvent[], result: AuditSendResult): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 4;
    let pending = batch.map((event, i) => ({ id: String(i), event, lastError: "" }));
    for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1)
        await (this.options.sleep ?? realSleep)(
          backoffDelay(attempt - 1, { baseMs: 100, maxMs: 2000, random: this.options.random }),
        );
      result.calls++;
      try {
        const response = await this.options.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: this.options.queueUrl,
            Entries: pending.map(({ id, event }) => ({ Id: id, MessageBody: JSON.stringify(event) })),
          }),
        );
        const failedIds = new Map(
          (response.Failed ?? []).map((f) => [f.Id, `${f.Code ?? "error"}: ${f.Message ?? "no message"}`]),
        );
        result.sent += pending.length - failedIds.size;
        pending = pending
          .filter((p) => failedIds.has(p.id))
          .map((p) => ({ ...p, lastError: failedIds.get(p.id)! }));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        pending = pending.map((p) => ({ ...p, lastError: message }));
      }
    }
    for (const p of pending) {
      this.options.logger.error("audit event not delivered", {
        correlationId: p.event.transactionId,
        reason: p.lastError,
      });
      result.failed.push({ event: p.event, reason: `audit queue did not accept the event: ${p.lastError}` });
    }
  }
}

function* batches(events: AuditEvent[]): Generator<AuditEvent[]> {
  let batch: AuditEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(JSON.stringify(event));
    if (batch.length === SQS_BATCH_LIMIT || (batch.length > 0 && bytes + size > SQS_BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(event);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
