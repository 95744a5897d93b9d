/**
 * Builds each handler core's dependencies from the environment the program gives its Lambda
 * function (as recorded by the plan), the way that function's `handler.ts` shell does in AWS, but
 * with clients pointed at the emulator, the stand-ins' throwaway CA trusted in addition to the
 * system roots, metrics going to the emulator's CloudWatch (and to memory, for the summary), and
 * logs going to a file rather than stdout.
 *
 * The shells read `process.env` at import time, so they cannot be imported here; the mapping
 * from variables to settings is repeated below, one small function per handler, and a variable a
 * component did not set fails loudly with the function's name.
 */
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { S3Event } from "aws-lambda";
import { randomUUID } from "node:crypto";
import { processAuditBatchWithSummary, type AuditBatchSummary } from "../handlers/audit-processor/process-audit-batch.js";
import { createCases } from "../handlers/case-creator/create-cases.js";
import { SalesforceClient, type SalesforceCollections } from "../handlers/case-creator/salesforce-client.js";
import { FileLedger } from "../handlers/event-producer/file-ledger.js";
import { produceFromS3Event, type ObjectOutcome } from "../handlers/event-producer/produce-from-s3.js";
import type { ProduceSummary } from "../handlers/event-producer/produce-events.js";
import { AuditSender } from "../handlers/lib/audit-sender.js";
import { Logger, type LogLevel, type LogWriter } from "../handlers/lib/logger.js";
import { Metrics, type MetricsSink } from "../handlers/lib/metrics.js";
import type { MetricComponent } from "../handlers/lib/metric-catalog.js";
import { SecretTokenClient } from "../handlers/lib/token-client.js";
import type { TokenProvider } from "../handlers/lib/token-provider.js";
import { readRefreshConfig } from "../handlers/token-manager/config.js";
import type { LambdaInvoker } from "../handlers/token-manager/credentials.js";
import { refreshToken, type RefreshResult } from "../handlers/token-manager/refresh-token.js";
import type { KinesisInvoke } from "./event-sources/kinesis-source.js";
import type { ScheduledInvoke } from "./event-sources/schedule-source.js";
import type { SqsInvoke } from "./event-sources/sqs-source.js";
import type { LocalClients } from "./local-environment.js";
import type { FunctionSettings } from "./provision.js";
import { readAuditProcessorSettings } from "../handlers/audit-processor/settings.js";
import { readCaseCreatorSettings } from "../handlers/case-creator/settings.js";
import { readProducerSettings } from "../handlers/event-producer/settings.js";

export interface WiringContext {
  clients: LocalClients;
  /** The Kinesis client the producer writes with (may inject throttling). */
  producerKinesis: Pick<KinesisClient, "send">;
  /** Stands in for the CSM tool's Lambda (moto cannot run function code). */
  csm: LambdaInvoker | Pick<LambdaClient, "send">;
  metricsSink: MetricsSink;
  /** The stand-ins' CA certificate (PEM), trusted in addition to the system roots. */
  extraCa: string;
  writeLog: LogWriter;
  logLevel?: LogLevel;
}

/** Invocation counters and token-client reads the summary reports. */
export interface WiringStats {
  producerSummaries: ProduceSummary[];
  auditBatches: AuditBatchSummary[];
  tokenRefreshes: Array<{ ok: boolean; result?: RefreshResult; error?: string }>;
  tokenClients: SecretTokenClient[];
}

export function newWiringStats(): WiringStats {
  return { producerSummaries: [], auditBatches: [], tokenRefreshes: [], tokenClients: [] };
}

function env(fn: FunctionSettings, name: string): string {
  const value = fn.environment[name];
  if (value === undefined || value === "") throw new Error(`Function ${fn.name} has no ${name} in its environment; the component that declares it must set it.`);
  return value;
}

function metricsFor<C extends MetricComponent>(fn: FunctionSettings, component: C, ctx: WiringContext): Metrics<C> {
  return new Metrics({ component, namespace: env(fn, "METRIC_NAMESPACE"), environment: env(fn, "ENVIRONMENT"), sink: ctx.metricsSink });
}

function loggerFor(fn: FunctionSettings, ctx: WiringContext): Logger {
  return new Logger({ service: fn.name, level: ctx.logLevel ?? "INFO", write: ctx.writeLog, context: { environment: fn.environment.ENVIRONMENT } });
}

/** Lambda's clock for one invocation: `remainingTimeMs` counts down from the function's timeout. */
function invocationClock(fn: FunctionSettings): () => number {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  return () => Math.max(0, deadline - Date.now());
}

/**
 * Lambda ends an invocation at the function's timeout and reports it failed. The local run cannot
 * stop the work itself (it shares this process), but the event source sees the failure on time,
 * as it would in AWS, and retries or redelivers; the handlers are idempotent for exactly this.
 */
export function withFunctionTimeout<T>(fn: FunctionSettings, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`)), fn.timeoutSeconds * 1000);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function eventProducer(fn: FunctionSettings, ctx: WiringContext, stats: WiringStats): (event: S3Event) => Promise<ObjectOutcome[]> {
  const logger = loggerFor(fn, ctx);
  // The Lambda shell's own reader; one PutRecords call at a time, as the emulator's Kinesis can lose
  // records when calls overlap.
  const settings = readProducerSettings({ ...fn.environment, PUT_RECORDS_IN_FLIGHT: "1" });
  const config = settings.config;
  const audit = new AuditSender({ sqs: ctx.clients.sqs, queueUrl: settings.auditQueueUrl, logger });
  const ledger = new FileLedger({ dynamodb: ctx.clients.dynamodb, ...settings.ledger });
  // Lambda keeps an asynchronous invocation's request id across its retries, and the async invoker
  // retries with the same event object: one id per event object mirrors that.
  const requestIds = new WeakMap<S3Event, string>();
  return async (event) => {
    const metrics = metricsFor(fn, "event-producer", ctx);
    if (!requestIds.has(event)) requestIds.set(event, randomUUID());
    try {
      const work = produceFromS3Event({ s3: ctx.clients.s3, kinesis: ctx.producerKinesis, audit, ledger, metrics, logger, config }, event, {
        requestId: requestIds.get(event)!,
        remainingTimeMs: invocationClock(fn),
      });
      const outcomes = await withFunctionTimeout(fn, work);
      for (const o of outcomes) if (o.kind !== "skipped") stats.producerSummaries.push(o.summary);
      return outcomes;
    } finally {
      await metrics.flush().catch((error: unknown) => logger.error("metrics not published", { error }));
    }
  };
}

/** A new warm container of the case creator: its own token cache, shared HTTP clients. */
export function caseCreator(fn: FunctionSettings, ctx: WiringContext, stats: WiringStats): () => KinesisInvoke {
  const logger = loggerFor(fn, ctx);
  // The Lambda shell's own reader, on the recorded environment.
  const settings = readCaseCreatorSettings(fn.environment);
  const config = settings.config;
  const salesforce = new SalesforceClient({ ...settings.salesforce, extraCertificateAuthorities: [ctx.extraCa] });
  const audit = new AuditSender({ sqs: ctx.clients.sqs, queueUrl: settings.auditQueueUrl, logger });
  const secretId = settings.tokenSecretId;
  return () => {
    const tokenClient = new SecretTokenClient({ secretsManager: ctx.clients.secretsManager, secretId });
    stats.tokenClients.push(tokenClient);
    // The core reports which records failed, not why; the last error its clients raised says why.
    let lastFailure: string | undefined;
    const remember = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        lastFailure = (error as Error).message;
        throw error;
      }
    };
    const tokenProvider: TokenProvider = {
      getToken: () => remember(() => tokenClient.getToken()),
      refreshAfterUnauthorized: () => remember(() => tokenClient.refreshAfterUnauthorized()),
    };
    const watchedSalesforce: SalesforceCollections = { upsert: (token, records) => remember(() => salesforce.upsert(token, records)) };
    const invoke: KinesisInvoke = (event) => {
      lastFailure = undefined;
      return withFunctionTimeout(fn, createCases(
        {
          salesforce: watchedSalesforce,
          tokenProvider,
          audit,
          metrics: metricsFor(fn, "case-creator", ctx),
          logger,
          now: () => new Date(),
          config,
          remainingTimeMs: invocationClock(fn),
        },
        event,
      ));
    };
    invoke.lastFailure = () => lastFailure;
    return invoke;
  };
}

export function auditProcessor(fn: FunctionSettings, ctx: WiringContext, stats: WiringStats): () => SqsInvoke {
  const logger = loggerFor(fn, ctx);
  const { tableName, retentionDays } = readAuditProcessorSettings(fn.environment);
  return () => async (event) => {
    const { response, summary } = await withFunctionTimeout(
      fn,
      processAuditBatchWithSummary({ dynamodb: ctx.clients.dynamodb, tableName, retentionDays, metrics: metricsFor(fn, "audit-processor", ctx), logger }, event),
    );
    stats.auditBatches.push(summary);
    return response;
  };
}

export function tokenManager(fn: FunctionSettings, ctx: WiringContext, stats: WiringStats): ScheduledInvoke {
  const logger = loggerFor(fn, ctx);
  // The same reader the Lambda shell uses, on the recorded environment.
  const config = readRefreshConfig(fn.environment);
  return async () => {
    const metrics = metricsFor(fn, "token-manager", ctx);
    try {
      const result = await withFunctionTimeout(
        fn,
        refreshToken(
          { secretsManager: ctx.clients.secretsManager, lambda: ctx.csm as LambdaInvoker, acm: ctx.clients.acm, metrics, logger, ca: ctx.extraCa },
          // Local retries back off in tens of milliseconds, not seconds.
          { ...config, backoff: { baseMs: 50, maxMs: 400 } },
        ),
      );
      stats.tokenRefreshes.push({ ok: true, result });
      return result;
    } catch (error) {
      stats.tokenRefreshes.push({ ok: false, error: (error as Error).message });
      throw error;
    }
  };
}
