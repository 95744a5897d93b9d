/**
 * `replay --day D`: publishes a day's selected FAILED records to their pipeline's stream again, once
 * their cause is fixed (Salesforce was down, a field rule was wrong). Writes to the stream and the
 * audit queue only; `--dry-run` counts and writes nothing.
 *
 * A replayed record is an ordinary record: the bytes and partition key it had on the stream (kept on
 * its FAILED event, `handlers/lib/replay-record.ts`), so the case creator upserts it by external id —
 * a record that already had a case gets no second one. After publishing, a PUBLISHED audit event from
 * `ops-replay` records the replay in the history (`replayedAt`). It is dated 1 ms after the failure it
 * replays, not by this machine's clock: it must move the record out of FAILED (so a second replay run
 * does not send it again) yet lose to the case creator's next outcome whatever the clock skew between
 * this machine and Lambda, and whatever order the two events arrive in.
 * Records whose failure was the record itself (invalid input) are refused unless `--include-invalid`.
 */
import { GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { KinesisPublisher, type FailedEntry } from "../../handlers/event-producer/kinesis-publisher.js";
import type { AuditItem } from "../../handlers/audit-processor/audit-item.js";
import type { AuditEvent } from "../../handlers/lib/audit-event.js";
import { AuditSender } from "../../handlers/lib/audit-sender.js";
import { Logger } from "../../handlers/lib/logger.js";
import {
  announce,
  EXIT_OK,
  EXIT_VERDICT_BAD,
  type CliIo,
  type CommandSpec,
  type ParsedArgs,
} from "../lib/cli.js";
import { ProgressReporter } from "../lib/progress.js";
import { withRetry } from "../lib/retry.js";
import type { StackInventory } from "../lib/stack-inventory.js";
import { batchGetByTransactionId } from "../migrate/table-reads.js";
import { CONFIG_OPTION, requireDay, STACK_OPTION, stackOf, type OperateContext } from "./context.js";
import { DAY_OPTION, failedRows, FILTER_OPTIONS } from "./failed-command.js";
import { keptRecordOf } from "./kept-record.js";

/** The audit `component` of a replay's PUBLISHED event. */
export const REPLAY_COMPONENT = "ops-replay";

export const replaySpec: CommandSpec = {
  usage:
    "npm run ops -- replay --stack STACK --day YYYY-MM-DD [--reason-contains TEXT] [--component C] [--include-invalid] [--dry-run]",
  summary:
    "Re-publishes a day's selected FAILED records to their stream once the cause is fixed (writes; --dry-run counts only).",
  options: {
    stack: STACK_OPTION,
    day: DAY_OPTION,
    ...FILTER_OPTIONS,
    "include-invalid": {
      kind: "boolean",
      help: "also replay records that failed for what they hold (they fail again unless the rules changed)",
    },
    "dry-run": { kind: "boolean", help: "count what would be replayed; publish nothing" },
    config: CONFIG_OPTION,
  },
};

interface Selected {
  item: AuditItem;
  text: string;
  partitionKey: string;
  stream: string;
  failedAt: string;
}

interface Plan {
  replay: Selected[];
  refusedInvalid: string[];
  cannotReplay: Array<{ transactionId: string; why: string }>;
  /** FAILED in the index but something else now (the index is eventually consistent, or it moved on). */
  settledSince: string[];
}

export async function replayMain(context: OperateContext, args: ParsedArgs, io: CliIo): Promise<number> {
  requireDay(args.options.day as string);
  const { inventory, clients } = await stackOf(
    context,
    args.options.stack as string,
    args.options.config as Record<string, string>,
  );
  const includeInvalid = args.options["include-invalid"] === true;
  const dryRun = args.options["dry-run"] === true;
  announce(io, [
    `replay FAILED records of ${args.options.day} in stack ${inventory.stack} (${inventory.region})${dryRun ? " — dry run: nothing is published" : ""}`,
    `selected by: ${[args.options["reason-contains"] ? `reason contains "${args.options["reason-contains"]}"` : "", args.options.component ? `component ${args.options.component}` : ""].filter(Boolean).join(", ") || "every FAILED record of the day"}`,
    `writes: the pipelines' streams, and one PUBLISHED audit event per replayed record (component ${REPLAY_COMPONENT})`,
  ]);
  const { rows } = await failedRows(context, args);
  const plan: Plan = { replay: [], refusedInvalid: [], cannotReplay: [], settledSince: [] };
  const reading = new ProgressReporter({
    io,
    unit: "items read",
    total: rows.length,
    ...(context.tty !== undefined ? { tty: context.tty } : {}),
  });
  // The full items (the index projects no history), 100 a call with BatchGetItem's own retry rules.
  const items = await batchGetByTransactionId(
    clients.dynamodb,
    inventory.auditTableName,
    rows.map((r) => r.transactionId),
    context.retry,
  );
  for (const row of rows) {
    const raw = items.get(row.transactionId);
    const item = raw ? (unmarshall(raw) as AuditItem) : undefined;
    reading.add(1);
    if (!item || item.status !== "FAILED") {
      plan.settledSince.push(row.transactionId);
      continue;
    }
    const kept = keptRecordOf(item);
    const stream = streamOf(inventory, item.component);
    if (kept.retryable === false && !includeInvalid) plan.refusedInvalid.push(item.transactionId);
    else if (kept.kind === "not-kept")
      plan.cannotReplay.push({ transactionId: item.transactionId, why: kept.why });
    else if (!stream)
      plan.cannotReplay.push({
        transactionId: item.transactionId,
        why: `no pipeline of stack ${inventory.stack} owns component ${item.component}`,
      });
    else {
      plan.replay.push({
        item,
        text: kept.text,
        partitionKey: kept.partitionKey ?? item.transactionId,
        stream,
        failedAt: item.lastUpdatedAt,
      });
    }
  }
  reading.finish();
  io.err(planText(plan));
  if (dryRun) {
    io.out(
      `DRY RUN: would replay ${plan.replay.length}; ${plan.refusedInvalid.length} refused (invalid), ${plan.cannotReplay.length} cannot be replayed`,
    );
    return EXIT_OK;
  }

  const publishedAt = context.now().toISOString();
  const failures = await publish(context, clients, plan.replay, io);
  const audited = await auditReplays(
    context,
    inventory,
    clients,
    plan.replay.filter((s) => !failures.has(s.item.transactionId)),
    publishedAt,
    io,
  );
  const replayed = plan.replay.length - failures.size;
  const lines = [
    `${failures.size === 0 && plan.cannotReplay.length === 0 ? "REPLAYED" : "REPLAYED IN PART"}: ${replayed} of ${rows.length} FAILED record(s) published again`,
    ...(failures.size
      ? [`  ${failures.size} not published (${[...failures.values()][0]}); run replay again`]
      : []),
    ...(audited.failed
      ? [
          `  ${audited.failed} replay marker(s) not queued for the audit trail (the records were published; their history will not show the replay)`,
        ]
      : []),
    ...(plan.refusedInvalid.length
      ? [
          `  ${plan.refusedInvalid.length} refused: the record itself was invalid (fix the source, or --include-invalid if the rules changed)`,
        ]
      : []),
    ...(plan.cannotReplay.length
      ? [
          `  ${plan.cannotReplay.length} cannot be replayed from the audit trail, e.g. ${plan.cannotReplay[0]!.transactionId}: ${plan.cannotReplay[0]!.why}`,
        ]
      : []),
    `  follow one: npm run ops -- trace <transactionId> --stack ${inventory.stack}`,
  ];
  io.out(lines.join("\n"));
  return failures.size === 0 && plan.cannotReplay.length === 0 ? EXIT_OK : EXIT_VERDICT_BAD;
}

/** The stream of the pipeline whose component failed the record (`cta-case-creator` → `cta`). */
export function streamOf(inventory: StackInventory, component: string): string | undefined {
  const pipeline = Object.keys(inventory.pipelines)
    .filter((name) => component.startsWith(`${name}-`))
    .sort((a, b) => b.length - a.length)[0];
  return pipeline ? inventory.pipelines[pipeline]!.stream : undefined;
}

function planText(plan: Plan): string {
  return [
    `  to replay:            ${plan.replay.length}`,
    `  refused (invalid):    ${plan.refusedInvalid.length}`,
    `  cannot be replayed:   ${plan.cannotReplay.length}`,
    ...(plan.settledSince.length
      ? [`  no longer FAILED:     ${plan.settledSince.length} (settled since the index was read)`]
      : []),
  ].join("\n");
}

/** PutRecords through the producer's own publisher (≤500 a call, failed entries retried); returns failures by id. */
async function publish(
  context: OperateContext,
  clients: ReturnType<OperateContext["clients"]>,
  selected: Selected[],
  io: CliIo,
): Promise<Map<string, string>> {
  const failures = new Map<string, string>();
  const progress = new ProgressReporter({
    io,
    unit: "records published",
    total: selected.length,
    ...(context.tty !== undefined ? { tty: context.tty } : {}),
  });
  const byStream = new Map<string, Selected[]>();
  for (const s of selected) byStream.set(s.stream, [...(byStream.get(s.stream) ?? []), s]);
  for (const [stream, records] of byStream) {
    const publisher = new KinesisPublisher({
      kinesis: clients.kinesis,
      streamName: stream,
      sleep: context.retry.sleep,
      onPublished: async (entries) => progress.add(entries.length),
      onFailed: async (entries: FailedEntry[]) => {
        for (const e of entries) failures.set(e.transactionId, `${e.errorCode}: ${e.errorMessage}`);
      },
    });
    for (const r of records)
      await publisher.add({
        transactionId: r.item.transactionId,
        partitionKey: r.partitionKey,
        data: Buffer.from(r.text, "utf8"),
      });
    await publisher.close();
  }
  progress.finish();
  return failures;
}

/** One PUBLISHED event per replayed record, dated just after the failure it replays (see the file's comment). */
async function auditReplays(
  context: OperateContext,
  inventory: StackInventory,
  clients: ReturnType<OperateContext["clients"]>,
  replayed: Selected[],
  replayedAt: string,
  io: CliIo,
): Promise<{ failed: number }> {
  if (replayed.length === 0) return { failed: 0 };
  const { QueueUrl } = await withRetry(context.retry, "GetQueueUrl", () =>
    clients.sqs.send(new GetQueueUrlCommand({ QueueName: inventory.auditQueueName })),
  );
  const sender = new AuditSender({
    sqs: clients.sqs,
    queueUrl: QueueUrl!,
    logger: new Logger({ service: REPLAY_COMPONENT, write: (line) => io.err(line), level: "WARN" }),
    sleep: context.retry.sleep,
  });
  const events: AuditEvent[] = replayed.map((s) => ({
    transactionId: s.item.transactionId,
    status: "PUBLISHED",
    component: REPLAY_COMPONENT,
    occurredAt: new Date(Date.parse(s.failedAt) + 1).toISOString(),
    attributes: { replayOf: s.failedAt, replayedAt, stream: s.stream },
  }));
  const result = await sender.send(events);
  return { failed: result.failed.length };
}
