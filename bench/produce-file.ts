/** The producer's core over one uploaded object, as both producer benches run it ("ours"/"streaming"). */
import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { PutRecordsClient } from "../handlers/event-producer/kinesis-publisher.js";
import { produceEvents } from "../handlers/event-producer/produce-events.js";
import { AuditSender } from "../handlers/lib/audit-sender.js";
import type { Logger } from "../handlers/lib/logger.js";

export interface ProduceFileDeps {
  s3: S3Client;
  kinesis: PutRecordsClient;
  sqs: SQSClient;
  queueUrl: string;
  logger: Logger;
  stream: string;
}

export function produceFile(deps: ProduceFileDeps, bucket: string, key: string) {
  return produceEvents(
    {
      s3: deps.s3,
      kinesis: deps.kinesis,
      audit: new AuditSender({ sqs: deps.sqs, queueUrl: deps.queueUrl, logger: deps.logger }),
      logger: deps.logger,
      config: {
        streamName: deps.stream,
        partitionKeyPrefix: "bbkyc-cta-",
        pipelineName: "cta",
        auditPublished: false,
      },
    },
    { bucket, key },
  );
}
