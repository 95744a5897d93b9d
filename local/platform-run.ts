/**
 * The local run: brings up the local environment, wires every function's core to its event source
 * with Lambda's semantics, refreshes the token, uploads a file of records, and waits until every
 * record is settled — each has a PROCESSED or FAILED audit item, every queue is empty and every
 * stream is read to its end — or the time limit passes. Then it reports what happened.
 */
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { PutRecordsCommand, type PutRecordsCommandOutput } from "@aws-sdk/client-kinesis";
import type { KinesisStreamRecord } from "aws-lambda";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { decodeKinesisRecord } from "../handlers/case-creator/kinesis-record.js";
import { AuditSender } from "../handlers/lib/audit-sender.js";
import { Logger } from "../handlers/lib/logger.js";
import { MemorySink, PutMetricDataSink, type MetricSeries, type MetricsSink } from "../handlers/lib/metrics.js";
import type { Cleanup } from "./cleanup.js";
import { KinesisEventSource, type DiscardedBatch } from "./event-sources/kinesis-source.js";
import { AsyncInvoker } from "./event-sources/async-invoke.js";
import { S3EventSource, type InvocationOutcome } from "./event-sources/s3-source.js";
import { ScheduleSource } from "./event-sources/schedule-source.js";
import { newSourceStats, sleep } from "./event-sources/source-stats.js";
import { SqsEventSource } from "./event-sources/sqs-source.js";
import { throttlingKinesis, type Faults } from "./faults.js";
import { seededRandom } from "./generate-records.js";
import { expectedAuditIds, prepareInput } from "./input-file.js";
import { startLocalEnvironment, type LocalEnvironment } from "./local-environment.js";
import type { FunctionSettings } from "./provision.js";
import { AuditBacklogGate } from "./audit-backlog.js";
import { buildSummary } from "./run-report.js";
import type { RunSummary } from "./summary.js";
import { auditProcessor, caseCreator, eventProducer, newWiringStats, tokenManager, type WiringContext } from "./wiring.js";

export interface LocalRunOptions {
  /** @default `"sit"` */
  stack?: string;
  records: number;
  input?: string;
  shards?: number;
  faults: Faults;
  badShare: number;
  seed: number;
  /** Give up waiting for records to settle after this long. */
  timeoutMs: number;
  /** Where handler logs go (`handlers.log`). */
  runDir: string;
  log: (line: string) => void;
  onProgress?: (progress: Progress) => void;
  /** Aborted on Ctrl-C: the run stops waiting and throws; `Cleanup` stops what it started. */
  signal?: AbortSignal;
}

export interface Progress {
  phase: "starting" | "running" | "settling" | "summarising";
  records: number;
  /** Estimated from the bytes the producer has read. */
  read: number;
  published: number;
  cases: number;
  audited: number;
  failed: number;
  elapsedMs: number;
}

export interface LocalRunResult {
  summary: RunSummary;
  environment: LocalEnvironment;
  /** Set when records were still moving when the time limit passed. */
  timedOut: boolean;
}

export async function runLocalPlatform(options: LocalRunOptions, cleanup: Cleanup): Promise<LocalRunResult> {
  const startedAt = new Date();
  const { log, faults } = options;
  const environment = await startLocalEnvironment({ stack: options.stack ?? "sit", shards: options.shards, cleanup, log });
  const { clients, stack, tiaa, salesforce } = environment;
  const random = seededRandom(options.seed + 7919);

  if (faults.salesforce || faults.salesforceRecords) {
    salesforce.setFaults({
      ...(faults.salesforce ? { failureRate: faults.salesforce.rate, failureStatus: faults.salesforce.status } : {}),
      ...(faults.salesforceRecords ? { recordErrorRate: faults.salesforceRecords } : {}),
    });
  }
  if (faults.token === "down") tiaa.setFault("down");

  mkdirSync(options.runDir, { recursive: true });
  const logFile = createWriteStream(join(options.runDir, "handlers.log"));
  cleanup.add("handler log file", () => new Promise((resolve) => logFile.end(resolve)));
  const memory = new MemorySink();
  const metricsSink = teeSink(new PutMetricDataSink(clients.cloudwatch), memory);
  const counters = { published: 0, bytesRead: 0 };
  const producerKinesis = throttlingKinesis(countPublished(clients.kinesis, counters), faults.kinesis ?? 0, random);
  const ctx: WiringContext = {
    clients: { ...clients, s3: countingReads(clients.s3, counters) },
    producerKinesis,
    csm: environment.csm,
    metricsSink,
    extraCa: environment.caCertificate,
    writeLog: (line) => logFile.write(`${line}\n`),
  };
  const stats = newWiringStats();
  const fn = (name: string): FunctionSettings => stack.functions.find((f) => f.name === name)!;
  const sourceLog = new Logger({ service: "local-event-sources", write: ctx.writeLog });

  const invoker = new AsyncInvoker({
    sqs: clients.sqs,
    region: stack.config.region,
    settingsFor: (name) => stack.asyncInvokeConfigs.get(name) ?? { maximumRetryAttempts: 2 },
    log: (m, f) => sourceLog.warn(m, f),
  });

  // Token first, as in a deployment: the schedule has fired before the first file arrives.
  const schedules = stack.schedules.map((schedule) => {
    const refresh = tokenManager(fn(schedule.functionName), ctx, stats);
    const invoke = async (event: Record<string, unknown>) => {
      const flaky = typeof faults.token === "number" && random() < faults.token;
      if (flaky) tiaa.setFault("http500");
      try {
        return await refresh(event);
      } finally {
        if (flaky) tiaa.setFault("none");
      }
    };
    return new ScheduleSource({ schedule, invoker, invoke });
  });
  cleanup.add("token schedule", async () => void (await Promise.all(schedules.map((s) => s.stop()))));
  for (const schedule of schedules) {
    const ok = await schedule.fire();
    const last = stats.tokenRefreshes[stats.tokenRefreshes.length - 1];
    log(ok ? `token refreshed through TIAA (mutual TLS); expires ${last?.result?.expiresAt}` : `token refresh failed: ${last?.error ?? "see handlers.log"}`);
  }
  schedules.forEach((s) => s.start());
  const backlog = new AuditBacklogGate(() => Promise.all(stack.sqsSources.map((s) => queueDepth(clients.sqs, s.queueUrl))).then((d) => Math.max(0, ...d)));
  cleanup.add("audit backlog gate", async () => backlog.stop());
  const kinesisStats = newSourceStats();
  const readKinesis = throttlingKinesis(clients.kinesis, faults.kinesis ?? 0, random);
  const kinesisSources = stack.kinesisSources.map((settings) => {
    const caseFunction = fn(settings.functionName);
    const auditQueueUrl = caseFunction.environment.AUDIT_QUEUE_URL!;
    const audit = new AuditSender({ sqs: clients.sqs, queueUrl: auditQueueUrl, logger: sourceLog });
    return new KinesisEventSource({
      settings,
      kinesis: readKinesis,
      sqs: clients.sqs,
      region: stack.config.region,
      newContainer: caseCreator(caseFunction, ctx, stats),
      onDiscard: (batch) => auditDiscarded(audit, settings.functionName, settings.streamName, batch),
      stats: kinesisStats,
      admit: () => backlog.admit(settings.batchSize),
      log: (m, f) => sourceLog.warn(m, f),
    });
  });
  cleanup.add("Kinesis pollers", async () => void (await Promise.all(kinesisSources.map((s) => s.stop()))));
  await Promise.all(kinesisSources.map((s) => s.start()));

  const audited = new Map<string, string>();
  const sqsStats = newSourceStats();
  const sqsSources = stack.sqsSources.map(
    (settings) =>
      new SqsEventSource({
        settings,
        sqs: clients.sqs,
        region: stack.config.region,
        newContainer: auditProcessor(fn(settings.functionName), ctx, stats),
        stats: sqsStats,
        onConsumed: (records) => {
          for (const r of records) {
            const event = parseAuditBody(r.body);
            if (event && (event.status === "PROCESSED" || event.status === "FAILED")) audited.set(event.transactionId, event.status);
          }
        },
        log: (m, f) => sourceLog.warn(m, f),
      }),
  );
  cleanup.add("SQS pollers", async () => void (await Promise.all(sqsSources.map((s) => s.stop()))));
  sqsSources.forEach((s) => s.start());

  // The file: generated (or given), uploaded to the bucket whose notification starts the producer.
  const target = stack.s3Notifications[0];
  if (!target) throw new Error("The plan declares no S3 notification to a function: no pipeline takes uploaded files.");
  const producers = new Map<string, ReturnType<typeof eventProducer>>();
  const s3Source = new S3EventSource({
    notifications: stack.s3Notifications,
    s3: clients.s3,
    region: stack.config.region,
    invoker,
    functionFor: (name) => producers.get(name) ?? producers.set(name, eventProducer(fn(name), ctx, stats)).get(name)!,
    log: (m, f) => sourceLog.warn(m, f),
  });
  const prepared = await prepareInput({ path: options.input, records: options.records, badShare: options.badShare, seed: options.seed, prefix: target.filterPrefix, suffix: target.filterSuffix });
  const { records, expectedIds } = await expectedAuditIds(prepared.body, target.bucket, prepared.key);
  log(`uploading ${records} records (${prepared.origin}) to s3://${target.bucket}/${prepared.key}`);
  let uploadOutcome: InvocationOutcome[] | undefined;
  let uploadFailure: unknown;
  const upload = s3Source.upload(target.bucket, prepared.key, prepared.body).then(
    (o) => void (uploadOutcome = o),
    (error: unknown) => void (uploadFailure = error),
  );

  const progress = (phase: Progress["phase"]): Progress => {
    let done = 0;
    let failed = 0;
    for (const id of expectedIds) {
      const status = audited.get(id);
      if (status) done++;
      if (status === "FAILED") failed++;
    }
    return {
      phase,
      records,
      read: Math.min(records, Math.round((counters.bytesRead / Math.max(1, prepared.body.length)) * records)),
      published: counters.published,
      cases: salesforce.cases.size,
      audited: done,
      failed,
      elapsedMs: Date.now() - startedAt.getTime(),
    };
  };

  const timedOut = await waitUntilSettled({
    deadline: Date.now() + options.timeoutMs,
    signal: options.signal,
    uploadDone: () => {
      if (uploadFailure !== undefined) throw uploadFailure;
      return uploadOutcome !== undefined;
    },
    sourcesIdle: () => s3Source.idle() && kinesisSources.every((s) => s.idle()) && sqsSources.every((s) => s.idle()),
    queuesEmpty: () => queuesEmpty(clients.sqs, stack.sqsSources.map((s) => s.queueUrl)),
    allAudited: () => expectedIds.every((id) => audited.has(id)),
    onTick: () => options.onProgress?.(progress(uploadOutcome ? "settling" : "running")),
  });
  await upload;
  if (timedOut) log(`gave up waiting after ${Math.round(options.timeoutMs / 1000)} s; records still moving are reported as unaccounted`);

  // Nothing may move while the figures are read: stop the schedule and the pollers first.
  await Promise.all([...schedules.map((s) => s.stop()), ...kinesisSources.map((s) => s.stop()), ...sqsSources.map((s) => s.stop())]);
  options.onProgress?.(progress("summarising"));
  const summary = await buildSummary({
    environment,
    startedAt,
    records,
    expectedIds,
    input: { bucket: target.bucket, key: prepared.key, bytes: prepared.body.length },
    wiring: stats,
    kinesisStats,
    latencies: latencyValues(memory),
    faults,
    producerFailure: uploadOutcome?.find((o) => o.error !== undefined),
  });
  return { summary, environment, timedOut };
}

export async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"] }),
  );
  return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
}

interface SettleOptions {
  deadline: number;
  signal?: AbortSignal;
  uploadDone: () => boolean;
  sourcesIdle: () => boolean;
  queuesEmpty: () => Promise<boolean>;
  allAudited: () => boolean;
  onTick: () => void;
}

/** Polls until settled; true when the deadline passed first. Idle without full coverage for 5 s also ends it (records are lost). */
async function waitUntilSettled(o: SettleOptions): Promise<boolean> {
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

async function queuesEmpty(sqs: SQSClient, urls: string[]): Promise<boolean> {
  for (const url of urls) if ((await queueDepth(sqs, url)) > 0) return false;
  return true;
}

/** Records Lambda gave up on are audited FAILED with the reason, so they are not lost silently. */
async function auditDiscarded(audit: AuditSender, functionName: string, streamName: string, batch: DiscardedBatch): Promise<void> {
  const occurredAt = new Date().toISOString();
  const events = batch.records.map((record: KinesisStreamRecord) => {
    const decoded = decodeKinesisRecord(record);
    const transactionId = decoded.ok ? decoded.record.transactionId : (decoded.transactionId ?? `${streamName}#${record.kinesis.sequenceNumber}`);
    return {
      transactionId,
      status: "FAILED" as const,
      reason: `Lambda gave up on the record: ${batch.reason}. Its batch went to the on-failure destination`,
      component: `${functionName} event source`,
      occurredAt,
      attributes: { shardId: batch.shardId, sequenceNumber: record.kinesis.sequenceNumber },
    };
  });
  const result = await audit.send(events);
  if (result.failed.length > 0) throw new Error(`${result.failed.length} FAILED audit event(s) for discarded records were not accepted by the audit queue`);
}

function parseAuditBody(body: string): { transactionId: string; status: string } | undefined {
  try {
    const event = JSON.parse(body) as { transactionId?: unknown; status?: unknown };
    return typeof event.transactionId === "string" && typeof event.status === "string" ? { transactionId: event.transactionId, status: event.status } : undefined;
  } catch {
    return undefined;
  }
}

function latencyValues(memory: MemorySink): number[] {
  return memory.published.flatMap((p) => p.series).filter((s: MetricSeries) => s.name === "EndToEndLatency").flatMap((s) => s.values);
}

/** Every flush goes to the emulator's CloudWatch and to memory (the summary's percentiles). */
function teeSink(...sinks: MetricsSink[]): MetricsSink {
  return { publish: async (namespace, series, timestamp) => void (await Promise.all(sinks.map((s) => s.publish(namespace, series, timestamp)))) };
}

type Sender = { send(command: any): Promise<any> };

/** Counts entries Kinesis accepted, for the progress display. */
function countPublished<T extends Sender>(inner: T, counters: { published: number }): T {
  const send = async (command: any) => {
    const output = await inner.send(command);
    if (command instanceof PutRecordsCommand) counters.published += ((output as PutRecordsCommandOutput).Records ?? []).filter((r) => !r.ErrorCode).length;
    return output;
  };
  return new Proxy(inner, { get: (t, p, r) => (p === "send" ? send : Reflect.get(t, p, r)) });
}

/** Counts bytes of object bodies read, for the progress display. */
function countingReads<T extends Sender>(inner: T, counters: { bytesRead: number }): T {
  const send = async (command: any) => {
    const output = await inner.send(command);
    const body = output?.Body as AsyncIterable<Uint8Array> | undefined;
    if (body && typeof body[Symbol.asyncIterator] === "function" && command?.constructor?.name === "GetObjectCommand") {
      output.Body = (async function* () {
        for await (const chunk of body) {
          counters.bytesRead += chunk.byteLength;
          yield chunk;
        }
      })();
    }
    return output;
  };
  return new Proxy(inner, { get: (t, p, r) => (p === "send" ? send : Reflect.get(t, p, r)) });
}
