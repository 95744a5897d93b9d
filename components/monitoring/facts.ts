/**
 * What each component tells the dashboards and alarms about itself. Physical names are plain
 * strings (they are deterministic, made by `Naming`), so dashboard bodies and alarm definitions are
 * pure functions of these facts and can be tested without Pulumi.
 */
import type { MetricComponent } from "../../handlers/lib/metric-catalog.js";

export interface FunctionFacts {
  /** Physical function name. */
  functionName: string;
  logGroupName: string;
  /** Short human label, e.g. "CTA case creator". */
  label: string;
}

/** Custom metrics one component instance emits: the catalog entry and the namespace it uses. */
export interface EmittedMetrics {
  component: MetricComponent;
  namespace: string;
}

export interface TokenManagerFacts {
  fn: FunctionFacts;
  metrics: EmittedMetrics;
  scheduleName: string;
  scheduleGroupName: string;
  /** The scheduler's dead-letter queue. */
  scheduleDlqName: string;
  /** On-failure destination of the function's asynchronous invocations (refreshes Lambda gave up on). */
  failedInvocationQueueName: string;
  secretName: string;
  lifetimeMinutes: number;
}

export interface PipelineFacts {
  pipelineName: string;
  label: string;
  streamName: string;
  /** Absent for pipelines fed by a Glue job. */
  bucketName?: string;
  producer?: FunctionFacts;
  producerMetrics?: EmittedMetrics;
  /** On-failure destination of the producer's S3-triggered invocations (the S3 event of a file it failed on). */
  producerFailureQueueName?: string;
  /** Absent for streams read by an external consumer. */
  caseCreator?: FunctionFacts;
  caseCreatorMetrics?: EmittedMetrics;
  /** On-failure destination of the case creator's event source mapping (consumed by the discard auditor). */
  onFailureQueueName?: string;
  /** Audits the records of the batches in the on-failure queue. */
  discardAuditor?: FunctionFacts;
  /** Invocation records the discard auditor could not audit after several receives. */
  discardAuditorDlqName?: string;
}

export interface AuditFacts {
  queueName: string;
  dlqName: string;
  tableName: string;
  /** Global secondary indexes of the table (DynamoDB reports their throttling under their own dimension). */
  indexNames: string[];
  processor: FunctionFacts;
  metrics: EmittedMetrics;
}

export interface GlueJobFacts {
  jobName: string;
  pipelineName: string;
  metrics: EmittedMetrics;
  /**
   * EventBridge rule matching its `Glue Job State Change` events with state FAILED/TIMEOUT/ERROR:
   * failed runs = AWS/Events `MatchedEvents` by `RuleName`.
   */
  ruleName: string;
  /** EventBridge Scheduler schedule that starts it (AWS/Scheduler metrics), when it has one. */
  scheduleName?: string;
  /** The schedule's own group (AWS/Scheduler metrics are per group). */
  scheduleGroupName?: string;
  /** The schedule's expression, e.g. `cron(0 2 * * ? *)`: how long a silence means a run that never happened. */
  scheduleExpression?: string;
  /** Minutes after which Glue stops a run as TIMEOUT. */
  timeoutMinutes: number;
  /**
   * How long Scheduler keeps retrying a refused start (the schedule's retry policy
   * `maximumEventAgeInSeconds`): a start may happen this late and still be on schedule.
   */
  scheduleMaxEventAgeSeconds?: number;
  /** The schedule's dead-letter queue (starts that failed after retries). */
  scheduleDlqName?: string;
}
