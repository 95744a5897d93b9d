/**
 * What Lambda sends to a Kinesis event source mapping's on-failure destination when it gives up on a
 * batch (retries exhausted or record too old): an invocation record naming a shard and a sequence
 * range, not the records themselves. Documented shape (Lambda developer guide, "Retaining discarded
 * batches for a Kinesis event source"): `requestContext.condition` (`RetryAttemptsExhausted`,
 * `RecordAgeExceeded`, …), `responseContext.functionError`, and `KinesisBatchInfo` with `shardId`,
 * `startSequenceNumber`, `endSequenceNumber`, `batchSize` and `streamArn`.
 */

export interface DiscardedRange {
  streamArn: string;
  streamName: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
  /** Why Lambda gave up, e.g. `RetryAttemptsExhausted`. */
  condition: string;
  /** The function's error of the last attempt, when Lambda recorded one. */
  functionError?: string;
  approximateInvokeCount?: number;
}

export type ParsedInvocationRecord = { ok: true; range: DiscardedRange } | { ok: false; reason: string };

export function parseInvocationRecord(body: string): ParsedInvocationRecord {
  let record: any;
  try {
    record = JSON.parse(body);
  } catch {
    return { ok: false, reason: "the message is not JSON" };
  }
  const info = record?.KinesisBatchInfo;
  if (typeof info !== "object" || info === null)
    return {
      ok: false,
      reason: "the message has no KinesisBatchInfo: it is not a Kinesis invocation record",
    };
  for (const field of ["shardId", "startSequenceNumber", "endSequenceNumber", "streamArn"] as const) {
    if (typeof info[field] !== "string" || info[field] === "")
      return { ok: false, reason: `KinesisBatchInfo.${field} is missing` };
  }
  if (!/^\d+$/.test(info.startSequenceNumber) || !/^\d+$/.test(info.endSequenceNumber))
    return { ok: false, reason: "sequence numbers must be decimal strings" };
  const streamName = String(info.streamArn).split(":stream/")[1];
  if (!streamName)
    return {
      ok: false,
      reason: `KinesisBatchInfo.streamArn ${JSON.stringify(info.streamArn)} is not a Kinesis stream ARN`,
    };
  const functionError = record?.responseContext?.functionError;
  return {
    ok: true,
    range: {
      streamArn: info.streamArn,
      streamName,
      shardId: info.shardId,
      startSequenceNumber: info.startSequenceNumber,
      endSequenceNumber: info.endSequenceNumber,
      batchSize: Number.isInteger(info.batchSize) ? info.batchSize : 0,
      condition:
        typeof record?.requestContext?.condition === "string" ? record.requestContext.condition : "unknown",
      ...(typeof functionError === "string" && functionError !== "" ? { functionError } : {}),
      ...(Number.isInteger(record?.requestContext?.approximateInvokeCount)
        ? { approximateInvokeCount: record.requestContext.approximateInvokeCount }
        : {}),
    },
  };
}

/** The reason every record of the range is audited with: what Lambda did and where to look. */
export function discardReason(range: DiscardedRange, caseCreator: string): string {
  const why = /AgeExceeded/.test(range.condition)
    ? "the record grew older than the event source's maximum record age before it could be processed"
    : range.condition === "RetryAttemptsExhausted"
      ? "the event source's retries were exhausted"
      : `the event source gave up (${range.condition})`;
  const lastError = range.functionError ? `; last error: ${range.functionError}` : "";
  return `Lambda discarded the batch holding this record: ${why}${lastError}. The cause of each attempt is in the ${caseCreator} logs (correlationId = transactionId); replay the record once it is fixed`;
}
