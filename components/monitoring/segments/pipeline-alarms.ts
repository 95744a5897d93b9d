/**
 * One event pipeline's alarms: case failures, records waiting past the SLA on the stream, an external
 * consumer that stopped reading, the producer's failure queue and the case creator's on-failure queue.
 */
import { alarmMetric, type AlarmDefinition } from "../alarms.js";
import type { PipelineFacts } from "../facts.js";
import {
  customMetric,
  kinesisMetric,
  queueNotEmptyAlarm,
  queueStuckAlarm,
  type SegmentContext,
} from "./common.js";

/**
 * Records wait longer than the SLA. `GetRecords.IteratorAgeMilliseconds` exists only while someone
 * calls GetRecords (Kinesis: "the age of the last record in all GetRecords calls",
 * https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html). The case creator's
 * event source mapping polls every shard about once a second even when the stream is empty
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html), so on its stream no data means
 * the reader stopped (mapping disabled or deleted, function gone): missing data breaches.
 * An external consumer's polling is not ours to promise, so there silence is judged by
 * `consumerNotReadingAlarm` instead.
 */
function iteratorAgeAlarm(p: PipelineFacts, ctx: SegmentContext): AlarmDefinition {
  return {
    nameSuffix: `${p.pipelineName}-iterator-age`,
    description:
      `Records wait longer than the ${ctx.slaSeconds} s SLA in Kinesis stream ${p.streamName} (GetRecords.IteratorAgeMilliseconds, max over 5 minutes, twice in a row): ` +
      (p.caseCreator
        ? `its consumer ${p.caseCreator.functionName} is failing, throttled, too slow, or not reading at all (no iterator age for 10 minutes counts as breaching: its event source mapping polls every second). ` +
          `Check that the mapping is Enabled, its Lambda errors, its log group ${p.caseCreator.logGroupName}${p.onFailureQueueName ? ` and the on-failure queue ${p.onFailureQueueName}` : ""}.`
        : "the external consumer reading it (e.g. TMS) is behind. Tell its owners; records expire after the stream's retention period."),
    metric: alarmMetric(kinesisMetric(p.streamName, "GetRecords.IteratorAgeMilliseconds"), "Maximum", 300),
    threshold: ctx.slaSeconds * 1000,
    comparison: "GreaterThanThreshold",
    evaluationPeriods: 2,
    treatMissingData: p.caseCreator ? "breaching" : "notBreaching",
  };
}

/** An hour in which records came in and nobody read any: the external consumer has stopped. */
const CONSUMER_SILENCE_PERIOD_SECONDS = 3600;

/**
 * For streams read by an external consumer (TMS). What TMS is known to do: the stream policy lets
 * its role call GetRecords/GetShardIterator/ListShards/DescribeStream only (`readerPrincipals`), not
 * SubscribeToShard or RegisterStreamConsumer, so it can only read with shared-throughput
 * GetRecords, whose reads Kinesis counts in `GetRecords.Records`. When records arrive
 * (`IncomingRecords` > 0) and none are read within the same hour, TMS has stopped. Missing read
 * data is 0 here (no GetRecords call publishes nothing); missing incoming data is 0 (nothing to read).
 * If TMS ever moves to enhanced fan-out, this alarm fires: read `SubscribeToShardEvent.Records` then.
 */
function consumerNotReadingAlarm(p: PipelineFacts): AlarmDefinition {
  const sum = (metricName: string) =>
    alarmMetric(kinesisMetric(p.streamName, metricName), "Sum", CONSUMER_SILENCE_PERIOD_SECONDS);
  return {
    nameSuffix: `${p.pipelineName}-consumer-not-reading`,
    description:
      `Records were written to Kinesis stream ${p.streamName} in the last hour (IncomingRecords > 0) but its external consumer (e.g. TMS) read none (GetRecords.Records = 0): ` +
      "the consumer has stopped or lost access. Tell its owners; records expire after the stream's retention period, and the Glue job does not publish them again.",
    queries: [
      { id: "incoming", label: "Records written", metric: sum("IncomingRecords") },
      { id: "read", label: "Records read (GetRecords)", metric: sum("GetRecords.Records") },
      {
        id: "unread",
        label: "Written but nothing read (1 = yes)",
        expression: "IF(FILL(incoming, 0) > 0 AND FILL(read, 0) == 0, 1, 0)",
        returnData: true,
      },
    ],
    threshold: 0,
    comparison: "GreaterThanThreshold",
    evaluationPeriods: 1,
    treatMissingData: "notBreaching",
  };
}

/** An on-failure record waits seconds for the discard auditor; fifteen minutes means it is not working. */
const ON_FAILURE_MAX_AGE_SECONDS = 900;

export function pipelineAlarms(p: PipelineFacts, ctx: SegmentContext): AlarmDefinition[] {
  const { env } = ctx.naming;
  const alarms: AlarmDefinition[] = [
    iteratorAgeAlarm(p, ctx),
    ...(p.caseCreator ? [] : [consumerNotReadingAlarm(p)]),
  ];
  if (p.caseCreator && p.caseCreatorMetrics) {
    alarms.push({
      nameSuffix: `${p.pipelineName}-case-creation-failures`,
      description:
        `Salesforce case creation failed for at least one ${p.label} record (SFCaseCreationFailure > 0 in ${p.caseCreatorMetrics.namespace}). ` +
        `Each failed record is in the audit table with status FAILED and a reason; the function log group is ${p.caseCreator.logGroupName}.`,
      metric: alarmMetric(customMetric(p.caseCreatorMetrics, "SFCaseCreationFailure", env), "Sum", 300),
      threshold: 0,
      comparison: "GreaterThanThreshold",
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
    });
  }
  if (p.producerFailureQueueName) {
    const producer = p.producer?.functionName ?? "the event producer";
    alarms.push(
      queueNotEmptyAlarm(
        `${p.pipelineName}-producer-failures-not-empty`,
        p.producerFailureQueueName,
        `uploads to ${p.bucketName ?? "the input bucket"} that ${producer} failed on after all retries: a whole uploaded file was not processed (or stopped part-way), so its records may be missing from ${p.streamName} and the audit table`,
        `Each message holds the S3 event (bucket and object key) in requestPayload and the error in responsePayload; the details are in ${p.producer?.logGroupName ?? "the producer's log group"}. ` +
          `Once the cause is fixed, re-upload the file or re-invoke ${producer} with that requestPayload (safe to repeat: cases are upserted by transaction id).`,
      ),
    );
  }
  if (p.onFailureQueueName && p.discardAuditor) {
    // The discard auditor consumes the on-failure queue, so "not empty" would fire on every batch
    // Lambda gives up on; those records are audited FAILED (and SFCaseCreationFailure alarms on them).
    alarms.push(
      queueStuckAlarm(
        `${p.pipelineName}-on-failure-queue-stuck`,
        p.onFailureQueueName,
        ON_FAILURE_MAX_AGE_SECONDS,
        `the discard auditor ${p.discardAuditor.functionName}`,
        `Records of the batches Lambda gave up on for ${p.caseCreator?.functionName ?? "the case creator"} are not being audited: check the auditor's errors and its log group ${p.discardAuditor.logGroupName}.`,
      ),
    );
  }
  if (p.discardAuditorDlqName) {
    alarms.push(
      queueNotEmptyAlarm(
        `${p.pipelineName}-discard-auditor-dlq-not-empty`,
        p.discardAuditorDlqName,
        `invocation records of Kinesis batches (shard and sequence range of ${p.streamName}) that Lambda gave up on and the discard auditor could not audit after several attempts: their records may be missing from the audit table`,
        `The reason is in ${p.discardAuditor?.logGroupName ?? "the discard auditor's log group"}. Once fixed, move the messages back to ${p.onFailureQueueName ?? "the on-failure queue"} with start-message-move-task; the auditor audits them FAILED (records already settled keep their outcome).`,
      ),
    );
  }
  return alarms;
}
