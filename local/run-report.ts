/**
 * Turns a finished local run into its summary (read back from the emulator: audit table, metrics,
 * queues) and renders it for a person.
 */
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { MetricComponent } from "../handlers/lib/metric-catalog.js";
import type { SourceStats } from "./event-sources/source-stats.js";
import { describeFaults, type Faults } from "./faults.js";
import type { LocalEnvironment } from "./local-environment.js";
import { fileKey, s3Uri } from "../handlers/lib/audit-keys.js";
import { agreementChecks, percentile, readCloudWatch, scanAuditTable, topFailureReasons, type MetricSource, type RunSummary } from "./summary.js";
import type { WiringStats } from "./wiring.js";

export interface SummaryInputs {
  environment: LocalEnvironment;
  startedAt: Date;
  records: number;
  expectedIds: string[];
  input: RunSummary["input"];
  wiring: WiringStats;
  kinesisStats: SourceStats;
  latencies: number[];
  faults: Faults;
  /** The producer's invocation on the file, when it failed every attempt. */
  producerFailure?: { functionName: string; error?: string; sentTo?: string };
}

export async function buildSummary(inputs: SummaryInputs): Promise<RunSummary> {
  const { environment, wiring } = inputs;
  const { stack, clients, salesforce } = environment;
  const auditFunction = stack.functions.find((f) => stack.sqsSources.some((s) => s.functionName === f.name) && f.environment.AUDIT_TABLE_NAME);
  if (!auditFunction) throw new Error("The plan declares no audit processor (an SQS-triggered function with AUDIT_TABLE_NAME).");
  const rows = await scanAuditTable(clients.dynamodb, auditFunction.environment.AUDIT_TABLE_NAME!);
  const byId = new Map(rows.map((r) => [r.transactionId, r]));
  const lost = inputs.expectedIds.filter((id) => {
    const status = byId.get(id)?.status;
    return status !== "PROCESSED" && status !== "FAILED";
  });

  const kinds = functionKinds(environment);
  const sources: MetricSource[] = stack.functions
    .filter((f) => kinds.has(f.name) && f.environment.METRIC_NAMESPACE)
    .map((f) => ({ component: kinds.get(f.name)!, namespace: f.environment.METRIC_NAMESPACE! }));
  const finishedAt = new Date();
  const metrics = await readCloudWatch(clients.cloudwatch, sources, stack.config.env, inputs.startedAt, finishedAt);
  const componentsOf = (kind: MetricComponent, suffix: string) =>
    stack.functions.filter((f) => kinds.get(f.name) === kind && f.environment.PIPELINE_NAME).map((f) => `${f.environment.PIPELINE_NAME}-${suffix}`);
  const tokenRefreshes = { succeeded: wiring.tokenRefreshes.filter((t) => t.ok).length, failed: wiring.tokenRefreshes.filter((t) => !t.ok).length };
  const checks = agreementChecks({
    records: inputs.expectedIds.length,
    rows,
    metrics,
    producerComponents: componentsOf("event-producer", "event-producer"),
    caseCreatorComponents: componentsOf("case-creator", "case-creator"),
    objectKeys: [fileKey(s3Uri(inputs.input.bucket, inputs.input.key))],
    localLatencySamples: inputs.latencies.length,
    tokenRefreshes,
    salesforceExternalIds: new Set(salesforce.cases.keys()),
  });

  const producerSummaries = wiring.producerSummaries;
  const sum = (pick: (s: (typeof producerSummaries)[number]) => number) => producerSummaries.reduce((n, s) => n + pick(s), 0);
  const shards: Record<string, number> = {};
  for (const s of producerSummaries) for (const [shard, n] of Object.entries(s.shardsSeen)) shards[shard] = (shards[shard] ?? 0) + n;
  const onFailureQueue = stack.kinesisSources.find((k) => k.onFailure)?.onFailure?.queueName;

  return {
    records: inputs.records,
    rejected: sum((s) => s.rejected),
    duplicates: sum((s) => s.duplicates),
    published: sum((s) => s.published),
    casesCreated: salesforce.cases.size,
    failed: rows.filter((r) => r.status === "FAILED").length,
    audited: { PROCESSED: rows.filter((r) => r.status === "PROCESSED").length, FAILED: rows.filter((r) => r.status === "FAILED").length },
    unaccounted: lost.length,
    lost,
    shards,
    salesforceCalls: salesforce.calls.length,
    secretReads: wiring.tokenClients.reduce((n, c) => n + c.reads, 0),
    tokenRefreshes,
    latencyMs: { p50: percentile(inputs.latencies, 50), p95: percentile(inputs.latencies, 95), samples: inputs.latencies.length },
    metrics,
    checks,
    metricsAgree: checks.every((c) => c.ok),
    failureReasons: topFailureReasons(rows),
    onFailure: { batches: inputs.kinesisStats.discardedBatches, records: inputs.kinesisStats.discardedRecords, ...(onFailureQueue ? { queue: onFailureQueue } : {}) },
    deadLetters: await deadLetterDepths(environment),
    faults: describeFaults(inputs.faults),
    input: inputs.input,
    durationMs: finishedAt.getTime() - inputs.startedAt.getTime(),
    auditBatches: wiring.auditBatches.length,
    ...(inputs.producerFailure ? { producerFailure: { error: inputs.producerFailure.error ?? "unknown", ...(inputs.producerFailure.sentTo ? { sentTo: inputs.producerFailure.sentTo } : {}) } } : {}),
  };
}

/** Which core each function runs, from what triggers it. */
function functionKinds(environment: LocalEnvironment): Map<string, MetricComponent> {
  const { stack } = environment;
  const kinds = new Map<string, MetricComponent>();
  for (const n of stack.s3Notifications) kinds.set(n.functionName, "event-producer");
  for (const k of stack.kinesisSources) kinds.set(k.functionName, "case-creator");
  for (const q of stack.sqsSources) kinds.set(q.functionName, "audit-processor");
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
    const { Attributes: a = {} } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ["ApproximateNumberOfMessages"] }));
    depths[queue.name] = Number(a.ApproximateNumberOfMessages ?? 0);
  }
  return depths;
}

export function formatSummary(summary: RunSummary, maxLost = 50): string {
  const s = summary;
  const lines: string[] = [];
  const row = (label: string, value: string | number) => lines.push(`  ${label.padEnd(28)} ${typeof value === "number" ? value.toLocaleString("en-GB") : value}`);
  lines.push("", `Local run: s3://${s.input.bucket}/${s.input.key} (${(s.input.bytes / 1024).toFixed(0)} KiB) in ${(s.durationMs / 1000).toFixed(1)} s`);
  if (s.faults.length > 0) lines.push(`Injected faults: ${s.faults.join("; ")}`);
  if (s.producerFailure) {
    lines.push(`The producer failed on the file after Lambda's retries: ${s.producerFailure.error}` + (s.producerFailure.sentTo ? ` (its S3 event is in ${s.producerFailure.sentTo})` : ""));
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
      `  ${s.onFailure.records} record(s) in ${s.onFailure.batches} batch(es) ran out of Kinesis retries: Lambda sent the batch to the on-failure ` +
        `destination${s.onFailure.queue ? ` (${s.onFailure.queue})` : ""}, and the local run audited each record FAILED so none is lost.`,
    );
  }
  if (s.failureReasons.length > 0) {
    lines.push("", "Top failure reasons");
    for (const r of s.failureReasons) lines.push(`  ${String(r.count).padStart(6)}  ${r.reason}`);
  }
  lines.push("", "Platform");
  row("records per shard", Object.entries(s.shards).sort().map(([k, v]) => `#${Number(k.replace(/\D/g, ""))}: ${v}`).join(", ") || "none");
  row("Salesforce calls", s.salesforceCalls);
  row("token secret reads", s.secretReads);
  row("token refreshes", `${s.tokenRefreshes.succeeded} ok, ${s.tokenRefreshes.failed} failed`);
  row("end-to-end latency", s.latencyMs.p50 === null ? "no samples" : `p50 ${s.latencyMs.p50} ms, p95 ${s.latencyMs.p95} ms (${s.latencyMs.samples} samples)`);
  if (s.latencyMs.p50 !== null) lines.push(`  ${"".padEnd(28)} (paced by the emulator: cases wait while the audit queue drains)`);
  row("dead-letter queues", Object.entries(s.deadLetters).map(([k, v]) => `${k}: ${v}`).join(", ") || "none");
  const m = s.metrics;
  lines.push("", "CloudWatch metrics (read back from the emulator)");
  row("TotalEvents", m.TotalEvents);
  row("EventPublishSuccess / Failure", `${m.EventPublishSuccess} / ${m.EventPublishFailure}`);
  row("SFCaseCreationSuccess / Failure", `${m.SFCaseCreationSuccess} / ${m.SFCaseCreationFailure}`);
  row("RetrySuccess", m.RetrySuccess);
  row("TokenRefreshSuccess / Failure", `${m.TokenRefreshSuccess} / ${m.TokenRefreshFailure}`);
  row("AuditEventWritten", Object.entries(m.AuditEventWritten).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(", ") || "0");
  row("EndToEndLatency", m.EndToEndLatency.samples === 0 ? "no samples" : `avg ${m.EndToEndLatency.averageMs} ms, max ${m.EndToEndLatency.maximumMs} ms (${m.EndToEndLatency.samples} samples)`);
  lines.push("", `Metrics against the audit table: ${s.metricsAgree ? "all agree" : "DISAGREE"}`);
  for (const c of s.checks) lines.push(`  ${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.ok ? c.actual : `expected ${c.expected}, got ${c.actual}`}`);
  lines.push("");
  if (s.unaccounted === 0) lines.push(`Every record is accounted for: ${s.audited.PROCESSED + s.audited.FAILED} audited (${s.audited.PROCESSED} PROCESSED, ${s.audited.FAILED} FAILED).`);
  else {
    lines.push(`${s.unaccounted} record(s) UNACCOUNTED (no PROCESSED/FAILED audit item):`);
    for (const id of s.lost.slice(0, maxLost)) lines.push(`  ${id}`);
    if (s.lost.length > maxLost) lines.push(`  … and ${s.lost.length - maxLost} more (all are in the --json summary)`);
  }
  return lines.join("\n");
}
