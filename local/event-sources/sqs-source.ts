/**
 * An SQS event source with Lambda's semantics: a few concurrent pollers receive messages (with the
 * queue's visibility timeout), gather up to `batchSize` of them within the batching window, invoke
 * the function, and delete only the messages it did not report as failed. Failed messages stay on
 * the queue and become visible again; the queue's redrive policy moves a message to its DLQ once it
 * has been received `maxReceiveCount` times (moto applies redrive on receive, as SQS does).
 *
 * A failed message becomes visible again after the queue's visibility timeout (`failedVisibilityMs`,
 * compressed only by the run's time scale). SQS delivers at least once: with `duplicateRate`, a
 * message the function handled is made visible again instead of deleted, and so delivered again.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { SqsSourceSettings } from "../provision.js";
import { sleep, type SourceStats } from "./source-stats.js";

export type SqsInvoke = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface SqsSourceOptions {
  settings: SqsSourceSettings;
  sqs: Pick<SQSClient, "send">;
  region: string;
  newContainer: () => SqsInvoke;
  stats: SourceStats;
  /** Concurrent pollers (Lambda starts with five). @default `min(maximumConcurrency, 4)` */
  pollers?: number;
  /**
   * The batching window (ms): Lambda gathers a started batch for up to the mapping's
   * `maximumBatchingWindowInSeconds` before invoking, unless it is full. The local run passes the
   * deployed window, time-scaled like every other wait. @default the mapping's own window
   */
  batchingWindowMs?: number;
  /** Visibility timeout given to failed messages (ms, whole seconds used): the queue's own, time-scaled. @default `1000` */
  failedVisibilityMs?: number;
  /** Share of handled messages delivered again (at-least-once delivery). @default `0` */
  duplicateRate?: number;
  random?: () => number;
  /** Pause after a receive that found nothing (ms). @default `200` */
  emptyPollIntervalMs?: number;
  /** Called with every message a successful invocation consumed (the progress display counts them). */
  onConsumed?: (records: SQSRecord[]) => void;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export class SqsEventSource {
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  private busy = 0;
  private lastEmptyReceive: boolean[] = [];

  constructor(private readonly options: SqsSourceOptions) {}

  start(): void {
    const pollers = this.options.pollers ?? Math.min(this.options.settings.maximumConcurrency ?? 4, 4);
    this.lastEmptyReceive = Array.from({ length: pollers }, () => false);
    for (let i = 0; i < pollers; i++) {
      const loop = this.poll(i, this.options.newContainer()).catch((error: unknown) =>
        this.options.log?.("poller stopped", {
          queue: this.options.settings.queueName,
          error: (error as Error).message,
        }),
      );
      this.loops.push(loop);
    }
  }

  /** True when no batch is running and every poller's last receive came back empty. */
  idle(): boolean {
    return this.busy === 0 && this.lastEmptyReceive.every(Boolean);
  }

  /** Stops polling; a batch in flight gets a few seconds to finish. */
  async stop(graceMs = 3000): Promise<void> {
    this.stopped = true;
    await Promise.race([Promise.allSettled(this.loops), sleep(graceMs)]);
  }

  private async poll(index: number, invoke: SqsInvoke): Promise<void> {
    const { settings } = this.options;
    const windowMs = this.options.batchingWindowMs ?? settings.maximumBatchingWindowInSeconds * 1000;
    while (!this.stopped) {
      let messages: Message[];
      try {
        messages = await this.gather(windowMs);
      } catch (error) {
        this.options.log?.("ReceiveMessage failed; retrying", {
          queue: settings.queueName,
          error: (error as Error).message,
        });
        await sleep(500);
        continue;
      }
      this.lastEmptyReceive[index] = messages.length === 0;
      if (messages.length === 0) {
        await sleep(this.options.emptyPollIntervalMs ?? 200);
        continue;
      }
      this.busy += 1;
      try {
        await this.deliver(invoke, messages);
      } catch (error) {
        // Undeleted messages become visible again and are delivered again, as in Lambda.
        this.options.log?.("batch not completed", {
          queue: settings.queueName,
          error: (error as Error).message,
        });
      } finally {
        this.busy -= 1;
      }
    }
  }

  /** Up to `batchSize` messages: keeps receiving while the window is open and messages come. */
  private async gather(windowMs: number): Promise<Message[]> {
    const { settings, sqs } = this.options;
    const deadline = Date.now() + windowMs;
    const messages: Message[] = [];
    while (messages.length < settings.batchSize && !this.stopped) {
      const response = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: settings.queueUrl,
          MaxNumberOfMessages: Math.min(10, settings.batchSize - messages.length),
          // No long polling: the local run sends the emulator one SQS request at a time, and a
          // receive waiting on an empty queue would hold up every other call. Empty polls pause instead.
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
      );
      const received = response.Messages ?? [];
      messages.push(...received);
      if (Date.now() >= deadline || (received.length === 0 && messages.length === 0)) break;
      // A batch has started but is not full: keep gathering until the window closes, as Lambda does.
      if (received.length === 0)
        await sleep(Math.min(this.options.emptyPollIntervalMs ?? 200, Math.max(0, deadline - Date.now())));
    }
    return messages;
  }

  private async deliver(invoke: SqsInvoke, messages: Message[]): Promise<void> {
    const { settings, sqs, stats } = this.options;
    const records = messages.map((m) => this.toRecord(m));
    stats.recordsRead += records.length;
    stats.invocations += 1;
    let failedIds: Set<string>;
    try {
      const response = await invoke({ Records: records });
      failedIds = settings.reportBatchItemFailures
        ? new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier))
        : new Set();
      // An identifier that names no message in the batch fails the whole batch (Lambda's rule).
      if ([...failedIds].some((id) => !records.some((r) => r.messageId === id)))
        failedIds = new Set(records.map((r) => r.messageId));
    } catch (error) {
      this.options.log?.("audit batch invocation failed; every message will be delivered again", {
        error: (error as Error).message,
      });
      failedIds = new Set(records.map((r) => r.messageId));
    }
    if (failedIds.size > 0) stats.failedInvocations += 1;
    const handled = records.filter((r) => !failedIds.has(r.messageId));
    const failed = records.filter((r) => failedIds.has(r.messageId));
    const random = this.options.random ?? Math.random;
    const again = handled.filter(() => random() < (this.options.duplicateRate ?? 0));
    const succeeded = handled.filter((r) => !again.includes(r));
    for (let i = 0; i < succeeded.length; i += 10) {
      const chunk = succeeded.slice(i, i + 10);
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: settings.queueUrl,
          Entries: chunk.map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })),
        }),
      );
    }
    for (let i = 0; i < again.length; i += 10) {
      const chunk = again.slice(i, i + 10);
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: settings.queueUrl,
          Entries: chunk.map((r, j) => ({
            Id: String(j),
            ReceiptHandle: r.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
      stats.duplicatesDelivered += chunk.length;
    }
    for (let i = 0; i < failed.length; i += 10) {
      const chunk = failed.slice(i, i + 10);
      const seconds = Math.max(0, Math.round((this.options.failedVisibilityMs ?? 1000) / 1000));
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: settings.queueUrl,
          Entries: chunk.map((r, j) => ({
            Id: String(j),
            ReceiptHandle: r.receiptHandle,
            VisibilityTimeout: seconds,
          })),
        }),
      );
      stats.retries += chunk.length;
    }
    if (succeeded.length > 0) this.options.onConsumed?.(succeeded);
  }

  private toRecord(message: Message): SQSRecord {
    const a = message.Attributes ?? {};
    return {
      messageId: message.MessageId!,
      receiptHandle: message.ReceiptHandle!,
      body: message.Body ?? "",
      attributes: {
        ApproximateReceiveCount: a.ApproximateReceiveCount ?? "1",
        SentTimestamp: a.SentTimestamp ?? String(Date.now()),
        SenderId: a.SenderId ?? "local",
        ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: message.MD5OfBody ?? "",
      eventSource: "aws:sqs",
      eventSourceARN: this.options.settings.queueArn,
      awsRegion: this.options.region,
    };
  }
}
