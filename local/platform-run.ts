/**
 * The local run: brings up the local environment, runs every function of the stack from its
 * deployed bundle in execution environments of its own (`lambda/`), drives them with Lambda's
 * event-source semantics, refreshes the token, uploads a file of records, and waits until every
 * record is settled — each has a PROCESSED or FAILED audit item, every queue is empty and every
 * stream is read to its end — or the time limit passes. Then it reports what happened.
 *
 * It does what AWS does and no more: delivery is at least once (`--faults duplicates=RATE`), a
 * timed-out invocation is killed, the case creator runs with the stack's concurrency, waiting
 * times are compressed only all together (`--time-scale`), and whatever the platform must do about
 * a fault (audit discarded batches, count each outcome once) is done by the deployed functions.
 * Where the local run must differ from AWS, `differences` in the summary says so.
 */
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ObjectOutcome } from "../handlers/event-producer/produce-from-s3.js";
import type { Cleanup } from "./cleanup.js";
import { AsyncInvoker } from "./event-sources/async-invoke.js";
import { KinesisEventSource } from "./event-sources/kinesis-source.js";
import { S3EventSource, type InvocationOutcome } from "./event-sources/s3-source.js";
import { ScheduleSource } from "./event-sources/schedule-source.js";
import { newSourceStats, sleep } from "./event-sources/source-stats.js";
import { SqsEventSource } from "./event-sources/sqs-source.js";
import { applyFaults, type Faults } from "./faults.js";
import { seededRandom } from "./generate-records.js";
import { expectedAuditIds, prepareInput } from "./input-file.js";
import { EmfMetrics } from "./lambda/emf-metrics.js";
import { FunctionHost } from "./lambda/function-host.js";
import { startLocalEnvironment, type LocalEnvironment } from "./local-environment.js";
import { AuditBacklogGate, backlogLimit } from "./audit-backlog.js";
import { AuditedRecords } from "./audited-records.js";
import { buildSummary, type RunStats } from "./run-report.js";
import type { RunSummary } from "./summary.js";
import { queueDepth, queuesEmpty, waitUntilSettled } from "./settling.js";
import { TimeScale } from "./time-scale.js";

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
  /** Waiting times run this much faster, all together (see `time-scale.ts`). @default `1` */
  timeScale?: number;
  /** Platform minutes (time-scaled) to wait before uploading the file, e.g. past a token's expiry. @default `0` */
  uploadDelayMinutes?: number;
  /**
   * Function timeouts (seconds) other than the plan's, by function name — for tests of what a
   * timeout leaves behind; reported in the summary's `differences`.
   */
  timeoutOverrides?: Record<string, number>;
  /** Where handler logs (`handlers.log`) and function bundles go. */
  runDir: string;
  log: (line: string) => void;
  onProgress?: (progress: Progress) => void;
  /** Aborted on Ctrl-C: the run stops waiting and throws; `Cleanup` stops what it started. */
  signal?: AbortSignal;
  /**
   * Runs once the records have settled, while the schedule and every event source still run — for
   * tests that drive the platform further as an operator would (e.g. `npm run ops -- replay`). The
   * summary is read after it.
   */
  beforeStop?: (environment: LocalEnvironment) => Promise<void>;
}

export interface Progress {
  phase: "starting" | "running" | "settling" | "summarising";
  records: number;
  /** Records the producer has read (all of them once it is done; until then, those on the stream). */
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

/** Lambda starts five pollers for an SQS event source and scales from there. */
const SQS_POLLERS = 5;

export async function runLocalPlatform(options: LocalRunOptions, cleanup: Cleanup): Promise<LocalRunResult> {
  const startedAt = new Date();
  const { log, faults } = options;
  const time = new TimeScale(options.timeScale ?? 1);
  const environment = await startLocalEnvironment({
    stack: options.stack ?? "sit",
    shards: options.shards,
    timeScale: time.factor,
    cleanup,
    log,
  });
  const { clients, stack, tiaa, salesforce, gateway } = environment;
  const random = seededRandom(options.seed + 7919);
  const duplicateRate = faults.duplicates ?? 0;

  applyFaults(environment, faults);

  mkdirSync(options.runDir, { recursive: true });
  const logFile = createWriteStream(join(options.runDir, "handlers.log"));
  cleanup.add("handler log file", () => new Promise((resolve) => logFile.end(resolve)));
  const caFile = join(options.runDir, "local-ca.pem");
  writeFileSync(caFile, environment.caCertificate);
  const emf = new EmfMetrics(clients.cloudwatch);
  const functions = stack.functions.map((f) =>
    options.timeoutOverrides?.[f.name] !== undefined
      ? { ...f, timeoutSeconds: options.timeoutOverrides[f.name]! }
      : f,
  );
  const host = new FunctionHost({
    functions,
    runDir: options.runDir,
    gatewayUrl: gateway.url,
    region: stack.config.region,
    caCertificatePath: caFile,
    overrides: Object.fromEntries(
      stack.functions
        .map((f) => [f.name, time.functionOverrides(f)])
        .filter(([, o]) => Object.keys(o as object).length > 0),
    ),
    onLog: (fn, line) => {
      emf.accept(line);
      logFile.write(`${fn} ${line}\n`);
    },
  });
  cleanup.add("function execution environments", () => host.stopAll());
  const sourceLog = (m: string, f?: Record<string, unknown>) =>
    logFile.write(`local-event-sources ${JSON.stringify({ message: m, ...f })}\n`);
  const stats: RunStats = {
    producerSummaries: [],
    skippedDeliveries: 0,
    tokenRefreshes: [],
    audit: newSourceStats(),
    kinesis: newSourceStats(),
  };

  const invoker = new AsyncInvoker({
    sqs: clients.sqs,
    region: stack.config.region,
    settingsFor: (name) => stack.asyncInvokeConfigs.get(name) ?? { maximumRetryAttempts: 2 },
    retryDelayMs: (n) => time.asyncRetryDelayMs(n),
    log: sourceLog,
  });

  // Token first, as in a deployment (its first refresh is part of `pulumi up`), then on schedule.
  const schedules = stack.schedules.map((schedule) => {
    const refresh = host.pooled(schedule.functionName);
    const invoke = async (event: Record<string, unknown>, requestId: string) => {
      const flaky = typeof faults.token === "number" && random() < faults.token;
      if (flaky) tiaa.setFault("http500");
      try {
        const result = await refresh(event, requestId);
        stats.tokenRefreshes.push({ ok: true, result });
        return result;
      } catch (error) {
        stats.tokenRefreshes.push({ ok: false, error: (error as Error).message });
        throw error;
      } finally {
        if (flaky) tiaa.setFault("none");
      }
    };
    return new ScheduleSource({ schedule, invoker, invoke, timeScale: time.factor });
  });
  cleanup.add("token schedule", async () => void (await Promise.all(schedules.map((s) => s.stop()))));
  for (const schedule of schedules) {
    const ok = await schedule.fire();
    const last = stats.tokenRefreshes[stats.tokenRefreshes.length - 1];
    log(
      ok
        ? `token refreshed through TIAA (mutual TLS); expires ${(last?.result as { expiresAt?: string } | undefined)?.expiresAt}`
        : `token refresh failed: ${last?.error ?? "see handlers.log"}`,
    );
  }
  if (faults.token === "expire") tiaa.setFault("down");
  for (const s of schedules) s.start();

  const auditQueues = new Set(
    stack.functions
      .filter((f) => f.environment.AUDIT_TABLE_NAME)
      .flatMap((f) => stack.sqsSources.filter((s) => s.functionName === f.name).map((s) => s.queueUrl)),
  );
  // Pacing only (see audit-backlog.ts): as many case-creator invocations at once as deployed.
  const backlog = new AuditBacklogGate(
    () =>
      Promise.all([...auditQueues].map((url) => queueDepth(clients.sqs, url))).then((d) => Math.max(0, ...d)),
    backlogLimit(stack),
  );
  cleanup.add("audit backlog gate", async () => backlog.stop());
  const kinesisSources = stack.kinesisSources.map((settings) => {
    return new KinesisEventSource({
      settings: time.kinesisSource(settings),
      kinesis: clients.kinesis,
      sqs: clients.sqs,
      region: stack.config.region,
      newContainer: () => {
        const container = host.newContainer(settings.functionName);
        return (event) => container.invoke(event) as ReturnType<typeof container.invoke> as never;
      },
      stats: stats.kinesis,
      admit: () => backlog.admit(settings.batchSize),
      duplicateRate,
      random,
      log: sourceLog,
    });
  });
  cleanup.add("Kinesis pollers", async () => void (await Promise.all(kinesisSources.map((s) => s.stop()))));
  await Promise.all(kinesisSources.map((s) => s.start()));

  const audited = new AuditedRecords();
  let fileStoredAt: number | undefined;
  const sqsSources = stack.sqsSources.map((settings) => {
    const queue = stack.queues.find((q) => q.url === settings.queueUrl);
    return new SqsEventSource({
      settings,
      batchingWindowMs: time.ms(settings.maximumBatchingWindowInSeconds * 1000),
      sqs: clients.sqs,
      region: stack.config.region,
      newContainer: () => {
        const container = host.newContainer(settings.functionName);
        return (event) => container.invoke(event) as never;
      },
      stats: auditQueues.has(settings.queueUrl) ? stats.audit : newSourceStats(),
      pollers: Math.min(settings.maximumConcurrency ?? SQS_POLLERS, SQS_POLLERS),
      failedVisibilityMs: time.visibilityMs(queue?.visibilityTimeoutSeconds ?? 30),
      duplicateRate,
      random,
      onConsumed: (records) => {
        if (auditQueues.has(settings.queueUrl)) audited.consume(records);
      },
      log: sourceLog,
    });
  });
  cleanup.add("SQS pollers", async () => void (await Promise.all(sqsSources.map((s) => s.stop()))));
  for (const s of sqsSources) s.start();

  // The file: generated (or given), uploaded to the bucket whose notification starts the producer.
  const target = stack.s3Notifications[0];
  if (!target)
    throw new Error("The plan declares no S3 notification to a function: no pipeline takes uploaded files.");
  const producers = new Map<string, (event: unknown, requestId?: string) => Promise<unknown>>();
  const s3Source = new S3EventSource({
    notifications: stack.s3Notifications,
    s3: clients.s3,
    region: stack.config.region,
    invoker,
    functionFor: (name) => {
      const invoke = producers.get(name) ?? producers.set(name, host.pooled(name)).get(name)!;
      return async (event, requestId) => {
        const outcomes = (await invoke(event, requestId)) as ObjectOutcome[];
        // Only the attempt that completed an object version counts it (the producer's ledger).
        for (const o of outcomes) if (o.kind === "produced") stats.producerSummaries.push(o.summary);
        stats.skippedDeliveries += outcomes.filter((o) => o.kind !== "produced").length;
        return outcomes;
      };
    },
    duplicateRate,
    random,
    log: sourceLog,
  });
  const prepared = await prepareInput({
    path: options.input,
    records: options.records,
    badShare: options.badShare,
    seed: options.seed,
    prefix: target.filterPrefix,
    suffix: target.filterSuffix,
  });
  const { records, expectedIds } = await expectedAuditIds(prepared.body, target.bucket, prepared.key);
  if (options.uploadDelayMinutes) {
    log(
      `waiting ${options.uploadDelayMinutes} platform minute(s) (${Math.round(time.ms(options.uploadDelayMinutes * 60_000) / 1000)} s) before uploading`,
    );
    await sleep(time.ms(options.uploadDelayMinutes * 60_000));
  }
  log(`uploading ${records} records (${prepared.origin}) to s3://${target.bucket}/${prepared.key}`);
  let uploadOutcome: InvocationOutcome[] | undefined;
  let uploadFailure: unknown;
  const upload = s3Source
    .upload(target.bucket, prepared.key, prepared.body, () => (fileStoredAt = Date.now()))
    .then(
      (o) => {
        uploadOutcome = o;
      },
      (error: unknown) => {
        uploadFailure = error;
      },
    );

  const progress = (phase: Progress["phase"]): Progress => {
    const { audited: done, failed } = audited.count(expectedIds);
    // Records on the stream, as the case creator's pollers have read them (the producer reports at its end).
    const published = stats.kinesis.recordsRead;
    const read = uploadOutcome ? records : Math.min(records, published);
    return {
      phase,
      records,
      read,
      published,
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
    sourcesIdle: () =>
      s3Source.idle() && kinesisSources.every((s) => s.idle()) && sqsSources.every((s) => s.idle()),
    queuesEmpty: () =>
      queuesEmpty(
        clients.sqs,
        stack.sqsSources.map((s) => s.queueUrl),
      ),
    allAudited: () => audited.all(expectedIds),
    onTick: () => options.onProgress?.(progress(uploadOutcome ? "settling" : "running")),
  });
  await upload;
  if (timedOut)
    log(
      `gave up waiting after ${Math.round(options.timeoutMs / 1000)} s; records still moving are reported as unaccounted`,
    );
  // Always on stderr: the run's profile (issue #13), the first thing to read when a run is slow.
  log(`where the emulator spent its time:\n  ${gateway.slowest(12).join("\n  ")}`);

  if (options.beforeStop) await options.beforeStop(environment);

  // Nothing may move while the figures are read: stop the schedule and the pollers first.
  await Promise.all([
    ...schedules.map((s) => s.stop()),
    ...kinesisSources.map((s) => s.stop()),
    ...sqsSources.map((s) => s.stop()),
  ]);
  await host.stopAll();
  const unpublished = await emf.drain();
  if (unpublished > 0)
    log(`${unpublished} metric publish(es) to the emulator failed; the figures below may be short`);
  options.onProgress?.(progress("summarising"));
  const summary = await buildSummary({
    environment,
    startedAt,
    records,
    expectedIds,
    input: { bucket: target.bucket, key: prepared.key, bytes: prepared.body.length },
    stats,
    latencies: emf.memory.published
      .flatMap((p) => p.series)
      .filter((s) => s.name === "EndToEndLatency")
      .flatMap((s) => s.values),
    secretReads: stack.kinesisSources.reduce(
      (n, k) => n + gateway.count("secretsmanager.GetSecretValue", k.functionName),
      0,
    ),
    faults,
    time,
    functionOverrides: host.overrides,
    timeoutOverrides: options.timeoutOverrides ?? {},
    concurrency: host.peakConcurrency,
    producerFailure: uploadOutcome?.find((o) => o.error !== undefined && !o.duplicate),
    fileStoredAt,
    ...(audited.all(expectedIds) ? { allAuditedAt: audited.lastFirstAuditAt } : {}),
  });
  return { summary, environment, timedOut };
}
