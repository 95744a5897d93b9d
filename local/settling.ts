/**
 * When a local run has settled: every record audited and nothing moving (no source busy, no queue
 * holding a message) for a moment, or nothing moving for 5 s with records still missing (those are
 * reported as lost), or the deadline passed.
 */
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { sleep } from "./event-sources/source-stats.js";

export async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

export interface SettleOptions {
  deadline: number;
  signal?: AbortSignal;
  uploadDone: () => boolean;
  sourcesIdle: () => boolean;
  queuesEmpty: () => Promise<boolean>;
  allAudited: () => boolean;
  onTick: () => void;
}

/** Polls until settled; true when the deadline passed first. Idle without full coverage for 5 s also ends it (records are lost). */
export async function waitUntilSettled(o: SettleOptions): Promise<boolean> {
  let quietSince: number | undefined;
  let tick = 0;
  while (Date.now() < o.deadline) {
    o.signal?.throwIfAborted();
    o.onTick();
    await sleep(250);
    if (tick++ % 2 !== 0) continue;
    const quiet = o.uploadDone() && o.sourcesIdle() && (await o.queuesEmpty());
    if (!quiet) {
      quietSince = undefined;
      continue;
    }
    quietSince ??= Date.now();
    // Settled: everything audited and quiet for a moment (a poller may be between receives).
    if (o.allAudited() && Date.now() - quietSince >= 750) return false;
    if (Date.now() - quietSince >= 5000) return false;
  }
  return true;
}

export async function queuesEmpty(sqs: SQSClient, urls: string[]): Promise<boolean> {
  for (const url of urls) if ((await queueDepth(sqs, url)) > 0) return false;
  return true;
}

export function parseAuditBody(body: string): { transactionId: string; status: string } | undefined {
  try {
    const event = JSON.parse(body) as { transactionId?: unknown; status?: unknown };
    return typeof event.transactionId === "string" && typeof event.status === "string"
      ? { transactionId: event.transactionId, status: event.status }
      : undefined;
  } catch {
    return undefined;
  }
}
