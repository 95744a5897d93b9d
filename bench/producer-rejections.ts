/**
 * Does a rejected record cost the producer O(1)? (issue #18, defect 4: 10,000 invalid records did not
 * settle in 10 minutes in the local run.) Runs the producer core (`produceEvents`) on the emulator:
 *
 *   good       N good records → Kinesis (moto, calls serialised as moto needs)
 *   invalid    N invalid records (`null`) → FAILED audit events on a moto SQS queue of its own,
 *              drained meanwhile by a poller standing in for the audit processor (receive + delete)
 *   undrained  the same into a moto queue nobody drains (what makes the local run crawl)
 *   stand-in   the same into an in-process SQS stand-in: the producer's own cost per rejection
 *
 * Each variant prints its time and its rate per slice of the file, so growth shows.
 *
 *   npx tsx bench/producer-rejections.ts [records=50000] [variants=good,invalid,stand-in,undrained] [undrainedRecords=4000]
 */
import {
  CreateStreamCommand,
  KinesisClient,
  type PutRecordsCommand,
  type PutRecordsCommandOutput,
} from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SendMessageBatchCommand,
  SQSClient,
  type SendMessageBatchCommandOutput,
} from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { produceEvents } from "../handlers/event-producer/produce-events.js";
import { AuditSender } from "../handlers/lib/audit-sender.js";
import { Logger } from "../handlers/lib/logger.js";
import { emulatorClientConfig, startEmulator } from "../local/emulator.js";

type Variant = "good" | "invalid" | "undrained" | "stand-in";
const [records = 50_000, variants = ["good", "invalid", "stand-in", "undrained"], undrainedRecords = 4_000] =
  [
    process.argv[2] ? Number(process.argv[2]) : undefined,
    process.argv[3]?.split(",") as Variant[] | undefined,
    process.argv[4] ? Number(process.argv[4]) : undefined,
  ];

const main = await startEmulator();
const sqsEmulator = await startEmulator();
const config = emulatorClientConfig(main.endpoint);
const s3 = new S3Client(config);
const kinesis = new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() });
const sqs = new SQSClient(emulatorClientConfig(sqsEmulator.endpoint));
const logger = new Logger({ service: "bench", level: "ERROR" });
const bucket = "bench-rejections";
await s3.send(
  new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }),
);

function good(i: number): string {
  return JSON.stringify({
    transactionId: `TXN-${String(i).padStart(7, "0")}`,
    customerId: `C${i}`,
    eventType: "KYC_REVIEW",
    payload: { name: `Customer ${i}`, country: "GB" },
  });
}

/** Counts records behind the producer by what reaches its clients, to print the rate per slice. */
class Progress {
  private done = 0;
  private slice = 0;
  private sliceStart = performance.now();
  readonly rates: number[] = [];
  constructor(private readonly sliceSize: number) {}
  add(n: number): void {
    this.done += n;
    while (this.done >= (this.slice + 1) * this.sliceSize) {
      const now = performance.now();
      this.rates.push(Math.round(this.sliceSize / ((now - this.sliceStart) / 1000)));
      process.stderr.write(`  ${(this.slice + 1) * this.sliceSize} records: ${this.rates.at(-1)}/s\n`);
      this.slice++;
      this.sliceStart = now;
    }
  }
}

async function runVariant(
  variant: Variant,
): Promise<{ variant: Variant; records: number; seconds: number; perSecond: number; ratesPerSlice: string }> {
  const n = variant === "undrained" ? undrainedRecords : records;
  const key = `${variant}-${n}.json`;
  const body =
    variant === "good"
      ? `[${Array.from({ length: n }, (_, i) => good(i)).join(",\n")}]`
      : `[${Array.from({ length: n }, () => "null").join(",\n")}]`;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const progress = new Progress(n / 10);
  const stream = `bench-${variant}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 20 }));
  let queue: Promise<unknown> = Promise.resolve();
  const serialisedKinesis = {
    send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
      const turn = queue
        .then(() => kinesis.send(command))
        .then((out) => (progress.add(out.Records?.length ?? 0), out));
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `bench-audit-${variant}` })))
    .QueueUrl!;
  const sqsClient =
    variant === "stand-in"
      ? {
          send: async (c: SendMessageBatchCommand): Promise<SendMessageBatchCommandOutput> => (
            progress.add(c.input.Entries?.length ?? 0), { $metadata: {}, Successful: [], Failed: [] }
          ),
        }
      : {
          send: async (c: SendMessageBatchCommand) => {
            const out = await sqs.send(c);
            progress.add(c.input.Entries?.length ?? 0);
            return out;
          },
        };
  let draining = variant === "invalid";
  const drainer = (async () => {
    while (draining) {
      const r = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 60,
        }),
      );
      const messages = r.Messages ?? [];
      if (messages.length > 0)
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      else await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const started = performance.now();
  const summary = await produceEvents(
    {
      s3,
      kinesis: serialisedKinesis,
      audit: new AuditSender({ sqs: sqsClient as unknown as SQSClient, queueUrl, logger }),
      logger,
      config: {
        streamName: stream,
        partitionKeyPrefix: "bbkyc-cta-",
        pipelineName: "cta",
        auditPublished: false,
      },
    },
    { bucket, key },
  );
  const seconds = (performance.now() - started) / 1000;
  draining = false;
  await drainer;
  if (summary.records !== n || summary.published + summary.rejected !== n)
    throw new Error(`${variant}: ${JSON.stringify(summary)}`);
  return {
    variant,
    records: n,
    seconds: Math.round(seconds * 10) / 10,
    perSecond: Math.round(n / seconds),
    ratesPerSlice: progress.rates.join(" "),
  };
}

try {
  const results = [];
  for (const variant of variants) {
    process.stderr.write(`running ${variant}…\n`);
    results.push(await runVariant(variant));
    console.log(JSON.stringify(results.at(-1)));
  }
  console.table(results);
  const byName = new Map(results.map((r) => [r.variant, r]));
  const g = byName.get("good");
  for (const other of ["invalid", "stand-in"] as const) {
    const o = byName.get(other);
    if (g && o)
      console.log(
        `${other} vs good: ${(o.seconds / g.seconds).toFixed(2)}x the time for the same number of records`,
      );
  }
} finally {
  await Promise.all([main.stop(), sqsEmulator.stop()]);
}
