/**
 * The discard auditor's core: Lambda's on-failure destination of a case creator's Kinesis event
 * source receives one invocation record per batch Lambda gave up on (retries exhausted or records
 * too old). Those records would otherwise end nowhere in the audit table: the invocation record
 * names a shard and a sequence range, not the records. For each range this reads the records back
 * from the stream and audits each one FAILED with the cause, marked `onlyIfUnsettled`: the range
 * can hold records the last attempt did process (after the lowest failed one), and with a
 * parallelization factor above 1 records of other batches of the shard; those keep their own
 * outcome (see `mergeEvent`).
 *
 * A range no longer on the stream (past its retention) gets one FAILED item under
 * `#kinesis:<stream>#<shard>/<start>..<end>` saying so. A message that is not an invocation record, or
 * whose events the audit queue would not take, is reported as a batch item failure: SQS delivers it
 * again, and after `maxReceiveCount` it moves to the auditor's DLQ (alarmed).
 */
import type { KinesisClient, _Record } from "@aws-sdk/client-kinesis";
import type { KinesisStreamRecord, SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { decodeKinesisRecord } from "../case-creator/kinesis-record.js";
import { replayAttributes } from "../lib/replay-record.js";
import type { AuditEvent } from "../lib/audit-event.js";
import { streamRangeKey, streamRecordKey } from "../lib/audit-keys.js";
import type { AuditSender } from "../lib/audit-sender.js";
import type { Logger } from "../lib/logger.js";
import { discardReason, parseInvocationRecord, type DiscardedRange } from "./invocation-record.js";
import { readRange } from "./read-range.js";

export interface DiscardAuditorConfig {
  /** Audit `component`, e.g. `cta-discard-auditor`. */
  component: string;
  /** The case creator whose batches these are (named in reasons), e.g. `bbkyc-cta-case-creator-sit`. */
  caseCreatorFunction: string;
}

export interface DiscardAuditorDeps {
  kinesis: Pick<KinesisClient, "send">;
  audit: Pick<AuditSender, "send">;
  logger: Logger;
  now: () => Date;
  config: DiscardAuditorConfig;
}

export interface DiscardSummary {
  ranges: number;
  recordsRead: number;
  audited: number;
  trimmedRanges: number;
  failedMessages: number;
}

export async function auditDiscardedBatches(
  deps: DiscardAuditorDeps,
  event: SQSEvent,
): Promise<SQSBatchResponse & { summary: DiscardSummary }> {
  const failures: SQSBatchItemFailure[] = [];
  const summary: DiscardSummary = {
    ranges: 0,
    recordsRead: 0,
    audited: 0,
    trimmedRanges: 0,
    failedMessages: 0,
  };
  for (const message of event.Records) {
    const log = deps.logger.child({ messageId: message.messageId });
    const parsed = parseInvocationRecord(message.body);
    if (!parsed.ok) {
      log.error("not an invocation record of a Kinesis event source; left for the DLQ", {
        reason: parsed.reason,
      });
      failures.push({ itemIdentifier: message.messageId });
      continue;
    }
    summary.ranges++;
    try {
      const events = await eventsFor(deps, parsed.range, summary);
      const result = await deps.audit.send(events);
      if (result.failed.length > 0)
        throw new Error(
          `${result.failed.length} of ${events.length} FAILED audit event(s) were not accepted: ${result.failed[0]!.reason}`,
        );
      summary.audited += events.length;
      log.warn("discarded batch audited", { ...rangeFields(parsed.range), audited: events.length });
    } catch (error) {
      log.error("discarded batch not audited; SQS will deliver it again", {
        ...rangeFields(parsed.range),
        error,
      });
      failures.push({ itemIdentifier: message.messageId });
    }
  }
  summary.failedMessages = failures.length;
  deps.logger.info("discard batch done", { ...summary });
  return { batchItemFailures: failures, summary };
}

async function eventsFor(
  deps: DiscardAuditorDeps,
  range: DiscardedRange,
  summary: DiscardSummary,
): Promise<AuditEvent[]> {
  const occurredAt = deps.now().toISOString();
  const reason = discardReason(range, deps.config.caseCreatorFunction);
  const read = await readRange(deps.kinesis, range);
  summary.recordsRead += read.records.length;
  if (read.trimmed || read.records.length === 0) {
    summary.trimmedRanges++;
    return [
      {
        transactionId: streamRangeKey(
          range.streamName,
          range.shardId,
          range.startSequenceNumber,
          range.endSequenceNumber,
        ),
        status: "FAILED",
        reason: `${reason}. The ${range.batchSize || "unknown number of"} record(s) of this range are no longer on the stream (past its retention), so they cannot be named one by one`,
        component: deps.config.component,
        occurredAt,
        attributes: rangeFields(range),
      },
    ];
  }
  return read.records.map((record) => ({
    transactionId: transactionIdOf(record, range),
    status: "FAILED",
    reason,
    component: deps.config.component,
    occurredAt,
    onlyIfUnsettled: true,
    attributes: {
      shardId: range.shardId,
      sequenceNumber: record.SequenceNumber!,
      condition: range.condition,
      // Discarded for want of time or retries, not for what it holds: a replay may succeed.
      ...replayAttributes({ data: record.Data, partitionKey: record.PartitionKey }, true),
    },
  }));
}

/** The record's own transaction id, or its reserved stream key when it has none (as the case creator audits it). */
function transactionIdOf(record: _Record, range: DiscardedRange): string {
  const lambdaRecord = {
    kinesis: {
      data: Buffer.from(record.Data ?? new Uint8Array()).toString("base64"),
      sequenceNumber: record.SequenceNumber!,
      partitionKey: record.PartitionKey ?? "",
    },
  } as KinesisStreamRecord;
  const decoded = decodeKinesisRecord(lambdaRecord);
  if (decoded.ok) return decoded.record.transactionId;
  return decoded.transactionId ?? streamRecordKey(range.streamName, record.SequenceNumber!);
}

function rangeFields(range: DiscardedRange): Record<string, string | number> {
  return {
    streamName: range.streamName,
    shardId: range.shardId,
    startSequenceNumber: range.startSequenceNumber,
    endSequenceNumber: range.endSequenceNumber,
    condition: range.condition,
  };
}
