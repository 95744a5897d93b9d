/**
 * Turns a finished local run into its summary (read back from the emulator: audit table, metrics,
 * queues) and renders it for a person.
 */
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { ProduceSummary } from "../handlers/event-producer/produce-events.js";
import type { MetricComponent } from "../handlers/lib/metric-catalog.js";
import type { SourceStats } from "./event-sources/source-stats.js";
import { describeFaults, type Faults } from "./faults.js";
import type { LocalEnvironment } from "./local-environment.js";
import {
  agreementChecks,
  percentile,
  readCloudWatch,
  scanAuditTable,
  topFailureReasons,
  type MetricSource,
  type RunSummary,
} from "./summary.js";
import type { TimeScale } from "./time-scale.js";

/** What the local run saw of the functions' invocations (their results, as Lambda would return them). */
export interface RunStats {
  /** Summaries of the object versions the producer completed (once each, whatever was delivered twice). */
  producerSummaries: ProduceSummary[];
  /** S3 deliveries the producer skipped: the version was completed, or being produced, by another. */
  skippedDeliveries: number;
  tokenRefreshes: Array<{ ok: boolean; result?: unknown; error?: string }>;
  /** The audit queue's event source. */
  audit: SourceStats;
  /** The case creators' event sources. */
  kinesis: SourceStats;
}

export interface SummaryInputs {
  environment: LocalEnvironment;
  startedAt: Date;
  records: number;
  expectedIds: string[];
  input: RunSummary["input"];
  stats: RunStats;
  /** EndToEndLatency values the functions emitted (EMF). */
  latencies: number[];
  /** GetSecretValue calls the case creators made (counted at the local AWS gateway). */
  secretReads: number;
  faults: Faults;
  time: TimeScale;
  /** Variables the local run set on top of each function's own. */
  functionOverrides: Record<string, Record<string, string>>;
  /** Function timeouts other than the plan's (seconds, by function). */
  timeoutOverrides: Record<string, number>;
  /** Most invocations of each function at once. */
  concurrency: Record<string, number>;
  /** The producer's invocation on the file, when it failed every attempt. */
  producerFailure?: { functionName: string; error?: string; sentTo?: string };
  /** Epoch ms: the file stored in the bucket; the last expected record first audited (when all were). */
  fileStoredAt?: number;
  allAuditedAt?: number;
}

export async function buildSummary(inputs: SummaryInputs): Promise<RunSummary> {
  const { environment, stats } = inputs;
  const { stack, clients, salesforce } = environment;
  const auditFunction = stack.functions.find(
    (f) => stack.sqsSources.some((s) => s.functionName === f.name) && f.environment.AUDIT_TABLE_NAME,
  );
  if (!auditFunction)
    throw new Error(
      "The plan declares no audit processor (an SQS-triggered function with AUDIT_TABLE_NAME).",
    );
  const rows = await scanAuditTable(clients.dynamodb, auditFunction.environment.AUDIT_TABLE_NAME!);
  const byId = new Map(rows.map((r) => [r.transactionId, r]));
  const lost = inputs.expectedIds.filter((id) => {
    const status = byId.get(id)?.status;
    return status !== "PROCESSED" && status !== "FAILED";
  });

  const kinds = functionKinds(environment);
  // The audit processor counts the case outcomes in each case creator's namespace (outcome-metrics.ts).
  const sources: MetricSource[] = stack.functions
    .filter((f) => kinds.has(f.name) && f.environment.METRIC_NAMESPACE)
    .map((f) => ({ component: kinds.get(f.name)!, namespace: f.environment.METRIC_NAMESPACE! }));
  const finishedAt = new Date();
  const metrics = await readCloudWatch(
    clients.cloudwatch,
    sources,
    stack.config.env,
    inputs.startedAt,
    finishedAt,
  );
  const pipelinesOf = (kind: MetricComponent) =>
    stack.functions
      .filter((f) => kinds.get(f.name) === kind && f.environment.PIPELINE_NAME)
      .map((f) => f.environment.PIPELINE_NAME!);
  const tokenRefreshes = {
    succeeded: stats.tokenRefreshes.filter((t) => t.ok).length,
    failed: stats.tokenRefreshes.filter((t) => !t.ok).length,
  };
  const checks = agreementChecks({
    records: inputs.records,
    expectedIds: inputs.expectedIds,
    rows,
    metrics,
    producerComponents: pipelinesOf("event-producer").map((p) => `${p}-event-producer`),
    caseComponents: pipelinesOf("case-creator").flatMap((p) => [`${p}-case-creator`, `${p}-discard-auditor`]),
    emittedLatencySamples: inputs.latencies.length,
    tokenRefreshes,
    salesforceExternalIds: new Set(salesforce.cases.keys()),
  });

  const producerSummaries = stats.producerSummaries;
  const sum = (pick: (s: ProduceSummary) => number) => producerSummaries.reduce((n, s) => n + pick(s), 0);
  const shards: Record<string, number> = {};
  for (const s of producerSummaries)
    for (const [shard, n] of Object.entries(s.shardsSeen)) shards[shard] = (shards[shard] ?? 0) + n;
  const onFailureQueue = stack.kinesisSources.find((k) => k.onFailure)?.onFailure?.queueName;
  const recordIds = new Set(inputs.expectedIds);

  return {
    records: inputs.records,
    rejected: sum((s) => s.rejected),
    duplicates: sum((s) => s.duplicates),
    published: sum((s) => s.published),
    casesCreated: salesforce.cases.size,
    failed: rows.filter((r) => recordIds.has(r.transactionId) && r.status === "FAILED").length,
    audited: {
      PROCESSED: rows.filter((r) => recordIds.has(r.transactionId) && r.status === "PROCESSED").length,
      FAILED: rows.filter((r) => recordIds.has(r.transactionId) && r.status === "FAILED").length,
    },
    unaccounted: lost.length,
    lost,
    shards,
    salesforceCalls: salesforce.calls.length,
    secretReads: inputs.secretReads,
    tokenRefreshes,
    latencyMs: {
      p50: percentile(inputs.latencies, 50),
      p95: percentile(inputs.latencies, 95),
      samples: inputs.latencies.length,
    },
    timeline: {
      fileStoredMs:
        inputs.fileStoredAt === undefined ? null : inputs.fileStoredAt - inputs.startedAt.getTime(),
      allAuditedMs:
        inputs.allAuditedAt === undefined ? null : inputs.allAuditedAt - inputs.startedAt.getTime(),
    },
    metrics,
    checks,
    metricsAgree: checks.every((c) => c.ok),
    failureReasons: topFailureReasons(rows),
    onFailure: {
      batches: stats.kinesis.discardedBatches,
      records: stats.kinesis.discardedRecords,
      ...(onFailureQueue ? { queue: onFailureQueue } : {}),
    },
    redelivery: {
      duplicatesDelivered:
        stats.kinesis.duplicatesDelivered + stats.audit.duplicatesDelivered + stats.skippedDeliveries,
      skippedFiles: stats.skippedDeliveries,
      repeatedOutcomes: rows.reduce((n, r) => n + r.repeats, 0),
    },
    differences: differencesFromAws(inputs),
    concurrency: { ...inputs.concurrency },
    deadLetters: await deadLetterDepths(environment),
    faults: describeFaults(inputs.faults),
    input: inputs.input,
    durationMs: finishedAt.getTime() - inputs.startedAt.getTime(),
    auditBatches: stats.audit.invocations,
    ...(inputs.producerFailure
      ? {
          producerFailure: {
            error: inputs.producerFailure.error ?? "unknown",
            ...(inputs.producerFailure.sentTo ? { sentTo: inputs.producerFailure.sentTo } : {}),
          },
        }
      : {}),
  };
}

/**
 * Where this run is not the deployed platform, each with its reason. Everything else — the bundles,
 * the functions' environments, batch sizes, concurrency, retries, timeouts that kill — is as deployed.
 */
function differencesFromAws(inputs: SummaryInputs): string[] {
  const { overrides } = inputs.environment;
  const lines = [
    "moto, not AWS: every call to an emulator process is sent one at a time by the local AWS gateway, because moto loses or duplicates data under concurrent requests (the functions still make theirs concurrently)",
    `client certificate from a secret (certificateSource=${overrides.certificateSource ?? "secret"}): ACM cannot export an imported certificate, in AWS or in the emulator`,
    "the CSM tool's Lambda is a stand-in answered at the gateway (moto runs no function code)",
    "bucket and queue resource policies and IAM are not enforced (the emulator does not)",
    "EMF metric lines are turned into CloudWatch metrics by the local run, as CloudWatch Logs does in Lambda (published once per namespace and second; CloudWatch keeps nothing finer than a second)",
  ];
  for (const [fn, seconds] of Object.entries(inputs.timeoutOverrides))
    lines.push(
      `${fn} runs with a ${seconds} s timeout instead of the plan's (a test of what a timeout leaves behind)`,
    );
  if (inputs.time.compressed) {
    const changed = Object.entries(inputs.functionOverrides).map(
      ([fn, vars]) =>
        `${fn}: ${Object.entries(vars)
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")}`,
    );
    lines.push(
      `waiting times run ${inputs.time.factor}× faster, all together (schedule, token lifetime and margin, retry delays, visibility timeouts, maximum record age, give-up age)${changed.length ? `; variables set for it: ${changed.join("; ")}` : ""}`,
    );
  }
  return lines;
}

/** Which core each function runs, from what triggers it. */
function functionKinds(environment: LocalEnvironment): Map<string, MetricComponent> {
  const { stack } = environment;
  const kinds = new Map<string, MetricComponent>();
  for (const n of stack.s3Notifications) kinds.set(n.functionName, "event-producer");
  for (const k of stack.kinesisSources) kinds.set(k.functionName, "case-creator");
  for (const q of stack.sqsSources) {
    if (stack.functions.find((f) => f.name === q.functionName)?.environment.AUDIT_TABLE_NAME)
      kinds.set(q.functionName, "audit-processor");
  }
  for (const s of stack.schedules) kinds.set(s.functionName, "token-manager");
  return kinds;
}

/** Messages waiting in every queue that catches what could not be handled. */
async function deadLetterDepths(environment: LocalEnvironment): Promise<Record<string, number>> {
  const { stack, clients } = environment;
  const dlqArns = new Set(stack.queues.flatMap((q) => (q.redrive ? [q.redrive.deadLetterTargetArn] : [])));
  const urls = new Set(stack.schedules.flatMap((s) => (s.deadLetterQueueUrl ? [s.deadLetterQueueUrl] : [])));
  for (const k of stack.kinesisSources) if (k.onFailure) urls.add(k.onFailure.queueUrl);
  for (const c of stack.asyncInvokeConfigs.values()) if (c.onFailure) urls.add(c.onFailure.queueUrl);
  const depths: Record<string, number> = {};
  for (const queue of stack.queues.filter((q) => dlqArns.has(q.arn) || urls.has(q.url))) {
    const { Attributes: a = {} } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ["ApproximateNumberOfMessages"] }),
    );
    depths[queue.name] = Number(a.ApproximateNumberOfMessages ?? 0);
  }
  return depths;
}

export function formatSummary(summary: RunSummary, maxLost = 50): string {
  const s = summary;
  const lines: string[] = [];
  const row = (label: string, value: string | number) =>
    lines.push(`  ${label.padEnd(28)} ${typeof value === "number" ? value.toLocaleString("en-GB") : value}`);
  lines.push(
    "",
    `Local run: s3://${s.input.bucket}/${s.input.key} (${(s.input.bytes / 1024).toFixed(0)} KiB) in ${(s.durationMs / 1000).toFixed(1)} s`,
  );
  if (s.faults.length > 0) lines.push(`Injected faults: ${s.faults.join("; ")}`);
  if (s.producerFailure) {
    lines.push(
      `The producer failed on the file after Lambda's retries: ${s.producerFailure.error}` +
        (s.producerFailure.sentTo ? ` (its S3 event is in ${s.producerFailure.sentTo})` : ""),
    );
  }
  lines.push("", "Records");
  row("read from the file", s.records);
  row("rejected (invalid)", s.rejected);
  row("duplicates (processed once)", s.duplicates);
  row("published to Kinesis", s.published);
  row("cases in Salesforce", s.casesCreated);
  row("audited PROCESSED", s.audited.PROCESSED);
  row("audited FAILED", s.audited.FAILED);
  row("unaccounted", s.unaccounted);
  if (s.onFailure.batches > 0) {
    lines.push(
      `  ${s.onFailure.records} record(s) in ${s.onFailure.batches} batch(es) were given up on by the Kinesis event source: Lambda sent each range to the on-failure ` +
        `destination${s.onFailure.queue ? ` (${s.onFailure.queue})` : ""}, and the discard auditor audited its records FAILED unless they had settled.`,
    );
  }
  if (s.redelivery.duplicatesDelivered > 0 || s.redelivery.repeatedOutcomes > 0) {
    lines.push(
      `  at-least-once delivery: ${s.redelivery.duplicatesDelivered} batch(es)/message(s) delivered again; ${s.redelivery.repeatedOutcomes} outcome(s) recorded as repeats, none counted twice`,
    );
  }
  if (s.failureReasons.length > 0) {
    lines.push("", "Top failure reasons");
    for (const r of s.failureReasons) lines.push(`  ${String(r.count).padStart(6)}  ${r.reason}`);
  }
  lines.push("", "Platform");
  row(
    "records per shard",
    Object.entries(s.shards)
      .sort()
      .map(([k, v]) => `#${Number(k.replace(/\D/g, ""))}: ${v}`)
      .join(", ") || "none",
  );
  row("Salesforce calls", s.salesforceCalls);
  row("token secret reads", s.secretReads);
  row("token refreshes", `${s.tokenRefreshes.succeeded} ok, ${s.tokenRefreshes.failed} failed`);
  row(
    "peak concurrency",
    Object.entries(s.concurrency)
      .map(([fn, n]) => `${fn} ${n}`)
      .join(", ") || "none",
  );
  row(
    "end-to-end latency",
    s.latencyMs.p50 === null
      ? "no samples"
      : `p50 ${s.latencyMs.p50} ms, p95 ${s.latencyMs.p95} ms (${s.latencyMs.samples} samples)`,
  );
  if (s.latencyMs.p50 !== null)
    lines.push(`  ${"".padEnd(28)} (paced by the emulator: cases wait while the audit queue drains)`);
  const { fileStoredMs, allAuditedMs } = s.timeline;
  row(
    "timeline",
    fileStoredMs === null
      ? "the file was not stored"
      : `file stored at ${seconds(fileStoredMs)}, ` +
          (allAuditedMs === null
            ? "not every record audited"
            : `every record audited at ${seconds(allAuditedMs)} (drain ${seconds(allAuditedMs - fileStoredMs)})`),
  );
  row(
    "dead-letter queues",
    Object.entries(s.deadLetters)
      .map(([k, v]) => `${k}: ${v}`)
      .join(", ") || "none",
  );
  const m = s.metrics;
  lines.push("", "CloudWatch metrics (read back from the emulator)");
  row("TotalEvents", m.TotalEvents);
  row("EventPublishSuccess / Failure", `${m.EventPublishSuccess} / ${m.EventPublishFailure}`);
  row("SFCaseCreationSuccess / Failure", `${m.SFCaseCreationSuccess} / ${m.SFCaseCreationFailure}`);
  row("RetrySuccess", m.RetrySuccess);
  row("TokenRefreshSuccess / Failure", `${m.TokenRefreshSuccess} / ${m.TokenRefreshFailure}`);
  row(
    "AuditEventWritten",
    Object.entries(m.AuditEventWritten)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ") || "0",
  );
  row(
    "EndToEndLatency",
    m.EndToEndLatency.samples === 0
      ? "no samples"
      : `avg ${m.EndToEndLatency.averageMs} ms, max ${m.EndToEndLatency.maximumMs} ms (${m.EndToEndLatency.samples} samples)`,
  );
  lines.push("", "Where this run differs from AWS");
  for (const d of s.differences) lines.push(`  - ${d}`);
  lines.push("", `Metrics against the audit table: ${s.metricsAgree ? "all agree" : "DISAGREE"}`);
  for (const c of s.checks)
    lines.push(
      `  ${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.ok ? c.actual : `expected ${c.expected}, got ${c.actual}`}`,
    );
  lines.push("");
  if (s.unaccounted === 0)
    lines.push(
      `Every record is accounted for: ${s.audited.PROCESSED + s.audited.FAILED} audited (${s.audited.PROCESSED} PROCESSED, ${s.audited.FAILED} FAILED).`,
    );
  else {
    lines.push(`${s.unaccounted} record(s) UNACCOUNTED (no PROCESSED/FAILED audit item):`);
    for (const id of s.lost.slice(0, maxLost)) lines.push(`  ${id}`);
    if (s.lost.length > maxLost)
      lines.push(`  … and ${s.lost.length - maxLost} more (all are in the --json summary)`);
  }
  return lines.join("\n");
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
