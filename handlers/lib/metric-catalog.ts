/**
 * Every custom metric the platform emits, per namespace owner (the component whose namespace it is in).
 * Outcome counts that must not double under redelivery are counted by the audit processor into the
 * owner's namespace (see `handlers/audit-processor/outcome-metrics.ts`); their descriptions say so. Handlers can only emit names from
 * here (the `Metrics` class is typed by it) and components declare what they emit from here, so the
 * dashboards and alarms are checked against the code rather than against a hand-kept list.
 */

export type MetricUnit = "Count" | "Milliseconds" | "Seconds" | "None";

export interface MetricDefinition {
  unit: MetricUnit;
  /** Dimensions besides `Environment`, which every metric carries. */
  extraDimensions: readonly string[];
  /**
   * Also published under `[Environment]` alone — every value (the total over the extra dimensions)
   * and a 0 in every flush that counted none — so a chart of the total shows 0 on a good day rather
   * than "no data" (values under the extra dimensions exist only when something happened).
   * @default `false`
   */
  total?: boolean;
  description: string;
}

export const METRIC_CATALOG = {
  "token-manager": {
    TokenRefreshSuccess: {
      unit: "Count",
      extraDimensions: [],
      description: "A new TIAA token was fetched and stored.",
    },
    TokenRefreshFailure: {
      unit: "Count",
      extraDimensions: ["Reason"],
      total: true,
      description:
        "A refresh failed; the previous token stays current. Also under [Environment] alone: the total, 0 when none failed.",
    },
  },
  "event-producer": {
    S3RecordsProcessed: {
      unit: "Count",
      extraDimensions: [],
      description: "Records read from uploaded files (valid or not).",
    },
    EventPublishSuccess: { unit: "Count", extraDimensions: [], description: "Records accepted by Kinesis." },
    EventPublishFailure: {
      unit: "Count",
      extraDimensions: [],
      description: "Records rejected as invalid or not accepted by Kinesis after retries.",
    },
    TotalEvents: {
      unit: "Count",
      extraDimensions: [],
      description: "Records that entered the pipeline (read from files).",
    },
  },
  "case-creator": {
    SFCaseCreationSuccess: {
      unit: "Count",
      extraDimensions: [],
      description:
        "Transactions whose case was created or updated in Salesforce (first PROCESSED; counted by the audit processor).",
    },
    SFCaseCreationFailure: {
      unit: "Count",
      extraDimensions: [],
      description:
        "Transactions the case creator or its discard auditor reported FAILED (first FAILED; counted by the audit processor).",
    },
    EndToEndLatency: {
      unit: "Milliseconds",
      extraDimensions: [],
      description:
        "Time from a record's producedAt to its Salesforce case, once per transaction (counted by the audit processor).",
    },
    RetrySuccess: {
      unit: "Count",
      extraDimensions: [],
      description: "Salesforce calls that succeeded after a 429/5xx/401 retry.",
    },
    RetryExhausted: {
      unit: "Count",
      extraDimensions: [],
      description:
        "Salesforce calls still failing for a temporary reason (429/5xx/network/401/locked rows) when retrying stopped; their records are redelivered.",
    },
  },
  "audit-processor": {
    AuditEventWritten: {
      unit: "Count",
      extraDimensions: ["Status"],
      description:
        "Transactions that reached a status for the first time, by status (repeats and redeliveries are not counted).",
    },
  },
  "glue-publisher": {
    RecordsRead: { unit: "Count", extraDimensions: [], description: "Rows read from the Iceberg table." },
    RecordsProcessed: { unit: "Count", extraDimensions: [], description: "Rows turned into events." },
    RecordsSucceeded: { unit: "Count", extraDimensions: [], description: "Events accepted by Kinesis." },
    RecordsFailed: {
      unit: "Count",
      extraDimensions: [],
      description: "Rows that failed validation or publishing.",
    },
    JobRunSuccess: { unit: "Count", extraDimensions: [], description: "Job runs that completed." },
    JobRunFailure: {
      unit: "Count",
      extraDimensions: [],
      description: "Job runs that failed (recorded before re-raising).",
    },
  },
} as const satisfies Record<string, Record<string, MetricDefinition>>;

export type MetricComponent = keyof typeof METRIC_CATALOG;
export type MetricName<C extends MetricComponent> = keyof (typeof METRIC_CATALOG)[C] & string;

/**
 * Namespace = emitting component + environment (the team's rule: not `PKYC/Salesforce`).
 * @param instance the component instance, e.g. `cta-case-creator`; defaults to the component kind.
 */
export function metricNamespace(prefix: string, instance: string, env: string): string {
  return `${prefix}/${instance}/${env}`;
}
