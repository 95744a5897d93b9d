/**
 * What happened to every record, from three independent witnesses: the audit table (what the
 * platform recorded), the emulator's CloudWatch metrics (what the handlers counted), and the
 * stand-ins (what Salesforce and TIAA saw). The `checks` tie them together; a run whose figures
 * disagree says which figure and by how much.
 */
import {
  GetMetricStatisticsCommand,
  type CloudWatchClient,
  type Dimension,
} from "@aws-sdk/client-cloudwatch";
import { ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { AUDIT_STATUSES, type AuditStatus } from "../handlers/lib/audit-event.js";
import { METRIC_CATALOG, type MetricComponent } from "../handlers/lib/metric-catalog.js";
import { reasonGroupOf } from "../ops/lib/reason-groups.js";

/** One audit item, reduced to what the summary needs. */
export interface AuditRow {
  transactionId: string;
  status: AuditStatus;
  reason?: string;
  component: string;
  history: Array<{ status: AuditStatus; component: string }>;
  /** Every status the transaction has had (the audit processor counts each once). */
  statuses: AuditStatus[];
  /** Repeated deliveries of the current outcome. */
  repeats: number;
}

export interface Check {
  name: string;
  expected: number;
  actual: number;
  ok: boolean;
}

export interface CloudWatchFigures {
  TotalEvents: number;
  S3RecordsProcessed: number;
  EventPublishSuccess: number;
  EventPublishFailure: number;
  SFCaseCreationSuccess: number;
  SFCaseCreationFailure: number;
  RetrySuccess: number;
  TokenRefreshSuccess: number;
  TokenRefreshFailure: number;
  AuditEventWritten: Record<AuditStatus, number>;
  EndToEndLatency: { samples: number; averageMs: number | null; maximumMs: number | null };
}

export interface RunSummary {
  /** Records in the uploaded file; each must end audited exactly once. */
  records: number;
  /** Invalid records the producer rejected (audited FAILED). */
  rejected: number;
  /** Later repeats of a transaction id in the file (audited FAILED, processed once). */
  duplicates: number;
  published: number;
  /** Distinct cases in (stand-in) Salesforce. */
  casesCreated: number;
  /** Records whose audit item is FAILED. */
  failed: number;
  audited: { PROCESSED: number; FAILED: number };
  unaccounted: number;
  /** Audit ids (transaction id or `<key>#<position>`) of records with no PROCESSED/FAILED item. */
  lost: string[];
  /** Records the producer published, per shard id. */
  shards: Record<string, number>;
  salesforceCalls: number;
  /** GetSecretValue calls made by the case creator's token clients. */
  secretReads: number;
  tokenRefreshes: { succeeded: number; failed: number };
  latencyMs: { p50: number | null; p95: number | null; samples: number };
  /**
   * When the file was stored (its S3 event follows) and when the last record was first audited, in
   * ms from the start: their difference is the drain the capacity model predicts.
   */
  timeline: { fileStoredMs: number | null; allAuditedMs: number | null };
  /** The same figures as the emulator's CloudWatch holds them. */
  metrics: CloudWatchFigures;
  checks: Check[];
  metricsAgree: boolean;
  failureReasons: Array<{ reason: string; count: number }>;
  /** Batches Lambda gave up on (sent to the on-failure destination; the discard auditor audits their records). */
  onFailure: { batches: number; records: number; queue?: string };
  /** Batches and messages delivered a second time (`duplicates` fault), and records audited as repeats. */
  redelivery: { duplicatesDelivered: number; skippedFiles: number; repeatedOutcomes: number };
  /** How this run differs from the deployed platform, and why. */
  differences: string[];
  /** Most invocations of each function that ran at once (the case creator: up to shards × parallelization). */
  concurrency: Record<string, number>;
  /** Messages left in dead-letter queues (audit DLQ, token schedule DLQ, on-failure queue). */
  deadLetters: Record<string, number>;
  faults: string[];
  input: { bucket: string; key: string; bytes: number };
  durationMs: number;
  /** Audit-processor invocations. */
  auditBatches: number;
  /** Set when the producer failed on the file after Lambda's retries (its records are then unaccounted). */
  producerFailure?: { error: string; sentTo?: string };
}

/** Reads every audit item (parallel segments; the emulator scans one page at a time). */
export async function scanAuditTable(
  dynamodb: DynamoDBClient,
  tableName: string,
  segments = 4,
): Promise<AuditRow[]> {
  const rows: AuditRow[] = [];
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await dynamodb.send(
          new ScanCommand({
            TableName: tableName,
            Segment: segment,
            TotalSegments: segments,
            ProjectionExpression: "transactionId, #s, reason, #c, history, statusesSeen, repeats",
            ExpressionAttributeNames: { "#s": "status", "#c": "component" },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const raw of page.Items ?? []) {
          const item = unmarshall(raw) as AuditRow & {
            history?: Array<Record<string, unknown>>;
            statusesSeen?: AuditStatus[];
            repeats?: number;
          };
          // The producer's per-file ledger lives in the table too; it is not a record.
          if (item.transactionId.startsWith("#ledger:")) continue;
          const history = (item.history ?? []).map((h) => ({
            status: h.status as AuditStatus,
            component: String(h.component),
          }));
          rows.push({
            transactionId: item.transactionId,
            status: item.status,
            ...(item.reason !== undefined ? { reason: item.reason } : {}),
            component: item.component,
            history,
            statuses: item.statusesSeen ?? [...new Set([item.status, ...history.map((h) => h.status)])],
            repeats: item.repeats ?? 0,
          });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }),
  );
  return rows;
}

/** Where each kind of handler publishes its metrics (one namespace per function). */
export interface MetricSource {
  component: MetricComponent;
  namespace: string;
}

/** Sums (and latency statistics) over the run's time window, per metric name, across sources. */
export async function readCloudWatch(
  cloudwatch: CloudWatchClient,
  sources: MetricSource[],
  environment: string,
  from: Date,
  to: Date,
): Promise<CloudWatchFigures> {
  const start = new Date(from.getTime() - 120_000);
  const end = new Date(to.getTime() + 120_000);
  const period = Math.max(60, Math.ceil((end.getTime() - start.getTime()) / 60_000) * 60);
  const stat = async (source: MetricSource, name: string, extra: Dimension[] = []) => {
    const response = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: source.namespace,
        MetricName: name,
        Dimensions: [{ Name: "Environment", Value: environment }, ...extra],
        StartTime: start,
        EndTime: end,
        Period: period,
        Statistics: ["Sum", "SampleCount", "Average", "Maximum"],
      }),
    );
    const points = response.Datapoints ?? [];
    return {
      sum: points.reduce((s, p) => s + (p.Sum ?? 0), 0),
      samples: points.reduce((s, p) => s + (p.SampleCount ?? 0), 0),
      maximum: points.length > 0 ? Math.max(...points.map((p) => p.Maximum ?? 0)) : null,
    };
  };
  const total = async (name: string, extra: Dimension[] = []) => {
    const owners = sources.filter((s) => name in METRIC_CATALOG[s.component]);
    const values = await Promise.all(owners.map((s) => stat(s, name, extra)));
    return {
      sum: values.reduce((a, v) => a + v.sum, 0),
      samples: values.reduce((a, v) => a + v.samples, 0),
      maximum: values.reduce<number | null>(
        (a, v) => (v.maximum === null ? a : Math.max(a ?? v.maximum, v.maximum)),
        null,
      ),
    };
  };
  const names = [
    "TotalEvents",
    "S3RecordsProcessed",
    "EventPublishSuccess",
    "EventPublishFailure",
    "SFCaseCreationSuccess",
    "SFCaseCreationFailure",
    "RetrySuccess",
    "TokenRefreshSuccess",
    "TokenRefreshFailure",
  ] as const;
  const sums = Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, (await total(n)).sum] as const)),
  ) as Record<(typeof names)[number], number>;
  const written = Object.fromEntries(
    await Promise.all(
      AUDIT_STATUSES.map(
        async (s) => [s, (await total("AuditEventWritten", [{ Name: "Status", Value: s }])).sum] as const,
      ),
    ),
  ) as Record<AuditStatus, number>;
  const latency = await total("EndToEndLatency");
  return {
    ...sums,
    AuditEventWritten: written,
    EndToEndLatency: {
      samples: latency.samples,
      averageMs: latency.samples > 0 ? Math.round(latency.sum / latency.samples) : null,
      maximumMs: latency.maximum,
    },
  };
}

/** Nearest-rank percentile of unsorted values; null for none. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Groups FAILED reasons, with ids and numbers blanked so "the same reason" groups together. */
export function topFailureReasons(rows: AuditRow[], limit = 8): Array<{ reason: string; count: number }> {
  const counts = new Map<string, number>();
  for (const row of rows) {
    if (row.status !== "FAILED") continue;
    const reason = reasonGroupOf(row.reason);
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([reason, count]) => ({ reason, count }));
}

export interface CheckInputs {
  /** Records in the file. */
  records: number;
  /** Audit ids that must each end PROCESSED or FAILED: one per record, plus the file's own when it broke. */
  expectedIds: string[];
  rows: AuditRow[];
  metrics: CloudWatchFigures;
  /** `<pipeline>-event-producer` components, as the handlers name themselves. */
  producerComponents: string[];
  /** Components whose outcomes count as case creation (`<pipeline>-case-creator`, `<pipeline>-discard-auditor`). */
  caseComponents: string[];
  /** EndToEndLatency values the functions emitted (their EMF lines). */
  emittedLatencySamples: number;
  tokenRefreshes: { succeeded: number; failed: number };
  /** Transaction ids that have a case in Salesforce. */
  salesforceExternalIds: Set<string>;
}

/**
 * Every figure the metrics report, against the audit table (and Salesforce) it must agree with.
 * Outcomes are counted once per transaction and status (see `outcome-metrics.ts`), so the checks
 * count transactions, not history entries: a redelivered record is still one record.
 */
export function agreementChecks(input: CheckInputs): Check[] {
  const expected = new Set(input.expectedIds);
  const records = input.rows.filter((r) => expected.has(r.transactionId));
  const m = input.metrics;
  const check = (name: string, want: number, actual: number): Check => ({
    name,
    expected: want,
    actual,
    ok: want === actual,
  });
  const had = (row: AuditRow, status: AuditStatus, components: string[]) =>
    row.history.some((h) => h.status === status && components.includes(h.component));
  const count = (predicate: (row: AuditRow) => boolean) => input.rows.filter(predicate).length;
  const fileItems = (row: AuditRow) => row.transactionId.startsWith("#file:");
  const processedWithoutCase = records.filter(
    (r) => r.status === "PROCESSED" && !input.salesforceExternalIds.has(r.transactionId),
  ).length;
  return [
    check("TotalEvents (CloudWatch) = records in the file", input.records, m.TotalEvents),
    check(
      "EventPublishSuccess + EventPublishFailure = TotalEvents",
      m.TotalEvents,
      m.EventPublishSuccess + m.EventPublishFailure,
    ),
    check(
      "EventPublishFailure = records the producer audited FAILED",
      count((r) => !fileItems(r) && had(r, "FAILED", input.producerComponents)),
      m.EventPublishFailure,
    ),
    check(
      "SFCaseCreationSuccess = transactions the case creator audited PROCESSED",
      count((r) => had(r, "PROCESSED", input.caseComponents)),
      m.SFCaseCreationSuccess,
    ),
    check(
      "SFCaseCreationFailure = transactions a case-creating component audited FAILED",
      count((r) => had(r, "FAILED", input.caseComponents) && !had(r, "FAILED", input.producerComponents)),
      m.SFCaseCreationFailure,
    ),
    check(
      "AuditEventWritten{PROCESSED} = transactions that reached PROCESSED",
      count((r) => r.statuses.includes("PROCESSED")),
      m.AuditEventWritten.PROCESSED,
    ),
    check(
      "AuditEventWritten{FAILED} = transactions that reached FAILED",
      count((r) => r.statuses.includes("FAILED")),
      m.AuditEventWritten.FAILED,
    ),
    check(
      "EndToEndLatency samples (CloudWatch) = samples the functions emitted",
      input.emittedLatencySamples,
      m.EndToEndLatency.samples,
    ),
    check(
      "TokenRefreshSuccess = successful refreshes",
      input.tokenRefreshes.succeeded,
      m.TokenRefreshSuccess,
    ),
    check("TokenRefreshFailure = failed refreshes", input.tokenRefreshes.failed, m.TokenRefreshFailure),
    check(
      "expected audit ids with a PROCESSED or FAILED item = expected audit ids",
      input.expectedIds.length,
      records.filter((r) => r.status === "PROCESSED" || r.status === "FAILED").length,
    ),
    check("PROCESSED items without a Salesforce case", 0, processedWithoutCase),
  ];
}
