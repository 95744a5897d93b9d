/**
 * `redrive <queue>`: moves a dead-letter queue's messages back to the queue whose redrive policy
 * sent them there (from the plan: `StackInventory.redriveSources`). Writes: the source queue, and
 * deletes what it moved from the DLQ. SQS's own move task (StartMessageMoveTask) where the endpoint
 * has it; otherwise a receive → send → delete loop, which is at least once: a crash between send and
 * delete leaves a copy in both, which is safe because every consumer of these queues is idempotent
 * (audit events by their content key; the discard auditor keeps settled outcomes).
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import {
  announce,
  EXIT_OK,
  EXIT_VERDICT_BAD,
  UsageError,
  type CliIo,
  type CommandSpec,
  type ParsedArgs,
} from "../lib/cli.js";
import { ProgressReporter } from "../lib/progress.js";
import { withRetry, type RetryPolicy } from "../lib/retry.js";
import { CONFIG_OPTION, STACK_OPTION, stackOf, type OperateContext } from "./context.js";

export const redriveSpec: CommandSpec = {
  usage: "npm run ops -- redrive <queue> --stack STACK [--dry-run]",
  summary:
    "Moves a dead-letter queue's messages back to their source queue, with counts before and after (writes).",
  positionals: ["queue"],
  options: {
    stack: STACK_OPTION,
    "dry-run": { kind: "boolean", help: "show the counts and what would move; move nothing" },
    config: CONFIG_OPTION,
  },
};

/** How a move ran: SQS's own task, or the loop (the endpoint has no move task, e.g. the emulator). */
export type MoveMethod = "move-task" | "receive-send-delete";

interface Depth {
  visible: number;
  inFlight: number;
}

export async function redriveMain(context: OperateContext, args: ParsedArgs, io: CliIo): Promise<number> {
  const { inventory, clients } = await stackOf(
    context,
    args.options.stack as string,
    args.options.config as Record<string, string>,
  );
  const queue = args.positionals.queue!;
  if (!inventory.deadLetterQueueNames.includes(queue)) {
    throw new UsageError(
      `${queue} is not a dead-letter queue of stack ${inventory.stack}; its dead-letter queues: ${inventory.deadLetterQueueNames.join(", ")}`,
    );
  }
  const source = inventory.redriveSources[queue];
  if (!source) {
    io.err(
      `cannot redrive ${queue}: it holds what Lambda or EventBridge Scheduler could not deliver (invocation records or events), ` +
        "not messages of another queue — docs/operations.md ('A queue that should be empty is not') says what to do with it",
    );
    return EXIT_VERDICT_BAD;
  }
  const [dlq, home] = await Promise.all([
    queueOf(clients.sqs, queue, context.retry),
    queueOf(clients.sqs, source, context.retry),
  ]);
  const before = {
    dlq: await depthOf(clients.sqs, dlq.url, context.retry),
    home: await depthOf(clients.sqs, home.url, context.retry),
  };
  announce(io, [
    `redrive ${queue} → ${source} (${inventory.region})${args.options["dry-run"] ? " — dry run: nothing moves" : ""}`,
    `before: ${queue} ${depthText(before.dlq)}; ${source} ${depthText(before.home)}`,
  ]);
  if (args.options["dry-run"]) {
    io.out(
      `DRY RUN: ${before.dlq.visible} message(s) would move to ${source}${before.dlq.inFlight ? ` (${before.dlq.inFlight} in flight now would move once visible again)` : ""}`,
    );
    return EXIT_OK;
  }
  const progress = new ProgressReporter({
    io,
    unit: "messages moved",
    total: before.dlq.visible,
    ...(context.tty !== undefined ? { tty: context.tty } : {}),
  });
  const moved = await moveMessages(clients.sqs, dlq, home, context.retry, (n) => progress.add(n));
  progress.finish();
  const after = {
    dlq: await depthOf(clients.sqs, dlq.url, context.retry),
    home: await depthOf(clients.sqs, home.url, context.retry),
  };
  const done = after.dlq.visible + after.dlq.inFlight === 0;
  io.out(
    [
      `${done ? "REDRIVEN" : "REDRIVEN IN PART"}: ${moved.count} message(s) moved ${queue} → ${source} (${moved.method})`,
      `  after: ${queue} ${depthText(after.dlq)}; ${source} ${depthText(after.home)} (counts are approximate and settle within a minute)`,
      ...(done
        ? []
        : [
            `  messages are still in ${queue}: ${moved.failed ? `${moved.failed} could not be sent (${moved.lastError}); ` : ""}run redrive again`,
          ]),
    ].join("\n"),
  );
  return done ? EXIT_OK : EXIT_VERDICT_BAD;
}

interface QueueRef {
  name: string;
  url: string;
  arn: string;
}

async function queueOf(sqs: SQSClient, name: string, retry: RetryPolicy): Promise<QueueRef> {
  const { QueueUrl } = await withRetry(retry, `GetQueueUrl ${name}`, () =>
    sqs.send(new GetQueueUrlCommand({ QueueName: name })),
  );
  const { Attributes = {} } = await withRetry(retry, `GetQueueAttributes ${name}`, () =>
    sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] })),
  );
  return { name, url: QueueUrl!, arn: Attributes.QueueArn! };
}

export async function depthOf(sqs: SQSClient, url: string, retry: RetryPolicy): Promise<Depth> {
  const { Attributes: a = {} } = await withRetry(retry, "GetQueueAttributes", () =>
    sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    ),
  );
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

function depthText(d: Depth): string {
  return `${d.visible} visible, ${d.inFlight} in flight`;
}

/** An endpoint without SQS's move task answers like this (the emulator does). */
function moveTaskUnsupported(error: unknown): boolean {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return (
    ["UnsupportedOperation", "InvalidAction", "NotImplemented", "UnknownOperationException"].includes(
      e.name ?? "",
    ) ||
    e.$metadata?.httpStatusCode === 501 ||
    e.$metadata?.httpStatusCode === 404 ||
    // The emulator answers an action it does not know with an HTML page, which the SDK cannot parse.
    /not (yet )?implemented|Deserialization error/i.test(e.message ?? "")
  );
}

export async function moveMessages(
  sqs: SQSClient,
  dlq: QueueRef,
  home: QueueRef,
  retry: RetryPolicy,
  onMoved: (n: number) => void,
): Promise<{ method: MoveMethod; count: number; failed: number; lastError?: string }> {
  try {
    const { TaskHandle } = await sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: dlq.arn, DestinationArn: home.arn }),
    );
    return { method: "move-task", ...(await waitForMoveTask(sqs, dlq.arn, TaskHandle, retry, onMoved)) };
  } catch (error) {
    if (!moveTaskUnsupported(error)) throw error;
  }
  return { method: "receive-send-delete", ...(await receiveSendDelete(sqs, dlq, home, retry, onMoved)) };
}

async function waitForMoveTask(
  sqs: SQSClient,
  sourceArn: string,
  handle: string | undefined,
  retry: RetryPolicy,
  onMoved: (n: number) => void,
) {
  let reported = 0;
  for (;;) {
    const { Results = [] } = await withRetry(retry, "ListMessageMoveTasks", () =>
      sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 })),
    );
    const task =
      Results.find((t) => handle === undefined || t.TaskHandle === handle || t.TaskHandle === undefined) ??
      Results[0];
    const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
    if (moved > reported) onMoved(moved - reported);
    reported = Math.max(reported, moved);
    if (task && ["COMPLETED", "CANCELLED", "FAILED"].includes(task.Status ?? "")) {
      return {
        count: reported,
        failed: task.Status === "COMPLETED" ? 0 : 1,
        ...(task.FailureReason ? { lastError: task.FailureReason } : {}),
      };
    }
    await retry.sleep(1_000);
  }
}

async function receiveSendDelete(
  sqs: SQSClient,
  dlq: QueueRef,
  home: QueueRef,
  retry: RetryPolicy,
  onMoved: (n: number) => void,
) {
  let count = 0;
  let failed = 0;
  let lastError: string | undefined;
  let emptyReceives = 0;
  // Two empty long polls in a row: the queue is empty (SQS may answer empty while messages exist).
  while (emptyReceives < 2) {
    const { Messages = [] } = await withRetry(retry, `ReceiveMessage ${dlq.name}`, () =>
      sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlq.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 60,
          MessageAttributeNames: ["All"],
        }),
      ),
    );
    if (Messages.length === 0) {
      emptyReceives++;
      continue;
    }
    emptyReceives = 0;
    const sent = await withRetry(retry, `SendMessageBatch ${home.name}`, () =>
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: home.url,
          Entries: Messages.map((m, i) => ({
            Id: String(i),
            MessageBody: m.Body!,
            ...(m.MessageAttributes ? { MessageAttributes: m.MessageAttributes } : {}),
          })),
        }),
      ),
    );
    for (const f of sent.Failed ?? []) {
      failed++;
      lastError = `${f.Code}: ${f.Message}`;
    }
    const delivered = (sent.Successful ?? []).map((s) => Messages[Number(s.Id)]!);
    if (delivered.length > 0) {
      await withRetry(retry, `DeleteMessageBatch ${dlq.name}`, () =>
        sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: dlq.url,
            Entries: delivered.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        ),
      );
      count += delivered.length;
      onMoved(delivered.length);
    }
    // What could not be sent stays in the DLQ (visible again after 60 s); stop rather than spin on it.
    if (delivered.length === 0) break;
  }
  return { count, failed, ...(lastError ? { lastError } : {}) };
}
