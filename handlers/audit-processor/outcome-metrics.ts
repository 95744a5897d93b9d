/**
 * The business counts that must not double under at-least-once delivery, counted where a record's
 * outcome becomes durable: the audit processor's conditional write that gives a transaction a status
 * for the first time (`firstOfStatus`, see `audit-item.ts`). Lambda redelivers Kinesis batches from
 * the lowest failed record, SQS and S3 deliver at least once; whatever arrives twice, that write
 * happens once per transaction and status.
 *
 * - `AuditEventWritten{Status}` (audit processor): transactions that reached `Status`.
 * - `SFCaseCreationSuccess` / `SFCaseCreationFailure` / `EndToEndLatency` (in the case creator's
 *   namespace, where the dashboards read them): the first PROCESSED / FAILED reported by a
 *   case-creating component (the case creator or the discard auditor of its pipeline).
 *   Counting them in the case creator itself counted every redelivered record again.
 *
 * Each count is flushed as soon as its write has landed (`flushEachOutcome`, the EMF sink: one log
 * line, no API call), not at the end of the invocation: a Lambda timeout or crash later in the batch
 * must not take counts of writes that are already durable with it — the redelivered messages find
 * the status recorded and count nothing, so a count lost there is lost for good. What remains is the
 * instant between a write's answer and its log line (at most once, never twice); the audit table
 * stays the truth. Measured before this rule: a loaded local run whose audit processor timed out 6
 * times lost 125 of 5,000 `AuditEventWritten{FAILED}`.
 */
import type { AuditEvent, AuditStatus } from "../lib/audit-event.js";
import type { Logger } from "../lib/logger.js";
import type { Metrics } from "../lib/metrics.js";

/** Skew tolerated between the producer's clock and the case creator's before a latency is refused. */
const CLOCK_SKEW_MS = 60_000;

export interface OutcomeMetricsOptions {
  audit: Metrics<"audit-processor">;
  /**
   * Audit `component` → the namespace of the case creator whose outcomes it reports, e.g.
   * `{ "cta-case-creator": "bbkyc/cta-case-creator/sit", "cta-discard-auditor": "bbkyc/cta-case-creator/sit" }`.
   */
  caseOutcomeNamespaces: Record<string, string>;
  /** Makes the per-invocation metrics of one case-creator namespace (same sink as `audit`). */
  caseMetrics: (namespace: string) => Metrics<"case-creator">;
  logger: Logger;
  /**
   * Flush after every count. Set for the EMF sink (a log line each); not for PutMetricData, where it
   * would be an API call per record.
   * @default `false`
   */
  flushEachOutcome?: boolean;
}

export class OutcomeMetrics {
  private readonly byNamespace = new Map<string, Metrics<"case-creator">>();

  constructor(private readonly options: OutcomeMetricsOptions) {}

  /** Counts the outcome a write gave a transaction for the first time (and flushes it, see `flushEachOutcome`). */
  async count(event: AuditEvent, firstOfStatus: AuditStatus): Promise<void> {
    this.add(event, firstOfStatus);
    if (this.options.flushEachOutcome) await this.flush();
  }

  private add(event: AuditEvent, firstOfStatus: AuditStatus): void {
    this.options.audit.add("AuditEventWritten", 1, { Status: firstOfStatus });
    const namespace = this.options.caseOutcomeNamespaces[event.component];
    if (namespace === undefined || (firstOfStatus !== "PROCESSED" && firstOfStatus !== "FAILED")) return;
    const metrics = this.metricsOf(namespace);
    if (firstOfStatus === "FAILED") {
      metrics.add("SFCaseCreationFailure");
      return;
    }
    metrics.add("SFCaseCreationSuccess");
    const latency = latencyMs(event);
    if (latency !== undefined) metrics.add("EndToEndLatency", latency);
    else if (event.attributes?.producedAt !== undefined) {
      this.options.logger.warn("latency not counted: producedAt is not a time before the case", {
        correlationId: event.transactionId,
      });
    }
  }

  /** Flushes every namespace once; a metrics outage must not fail a batch whose events are recorded. */
  async flush(): Promise<void> {
    const all = [this.options.audit, ...this.byNamespace.values()];
    const results = await Promise.allSettled(all.map((m) => m.flush()));
    for (const r of results)
      if (r.status === "rejected") this.options.logger.warn("metrics not published", { error: r.reason });
  }

  private metricsOf(namespace: string): Metrics<"case-creator"> {
    let metrics = this.byNamespace.get(namespace);
    if (!metrics) {
      metrics = this.options.caseMetrics(namespace);
      this.byNamespace.set(namespace, metrics);
    }
    return metrics;
  }
}

/** `occurredAt − producedAt` of a PROCESSED event, when `producedAt` is a real time not after it. */
export function latencyMs(event: AuditEvent): number | undefined {
  const producedAt = event.attributes?.producedAt;
  if (typeof producedAt !== "string") return undefined;
  const produced = Date.parse(producedAt);
  const processed = Date.parse(event.occurredAt);
  if (Number.isNaN(produced) || Number.isNaN(processed)) return undefined;
  const latency = processed - produced;
  if (latency < -CLOCK_SKEW_MS) return undefined;
  return Math.max(0, latency);
}

/** The map `caseOutcomeNamespaces` for one pipeline: its case creator and its discard auditor. */
export function caseOutcomeComponents(pipelineName: string): string[] {
  return [`${pipelineName}-case-creator`, `${pipelineName}-discard-auditor`];
}
