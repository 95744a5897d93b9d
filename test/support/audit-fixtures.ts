/** Builders shared by the audit tests: audit events, SQS records as Lambda sees them, and the emulator table. */
import {
  CreateTableCommand,
  ScanCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { TTL_ATTRIBUTE, type AuditItem } from "../../handlers/audit-processor/audit-item.js";
import { auditTableDefinition } from "../../handlers/audit-processor/audit-table.js";
import type { AuditEvent } from "../../handlers/lib/audit-event.js";
import { uniqueName } from "./emulator.js";

/** The processing time the audit tests pretend it is. */
export const NOW = new Date("2026-11-26T12:00:00.000Z");

export function auditEvent(
  transactionId: string,
  status: AuditEvent["status"],
  occurredAt: string,
  extra: Partial<AuditEvent> = {},
): AuditEvent {
  return {
    transactionId,
    status,
    component: status === "PROCESSED" ? "cta-case-creator" : "cta-event-producer",
    occurredAt,
    ...extra,
  };
}

let messageCounter = 0;
/** One SQS record with this body, as the Lambda SQS poller hands it over. */
export function sqsRecord(body: string, messageId = `msg-${++messageCounter}`): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: String(NOW.getTime()),
      SenderId: "TEST",
      ApproximateFirstReceiveTimestamp: String(NOW.getTime()),
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:bbkyc-audit-queue-sit",
    awsRegion: "eu-west-1",
  };
}

export const eventRecord = (event: AuditEvent, messageId?: string): SQSRecord =>
  sqsRecord(JSON.stringify(event), messageId);
export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/** A fresh audit table in the emulator, with the component's keys, status index and TTL attribute. */
export async function createAuditTable(dynamodb: DynamoDBClient): Promise<string> {
  const tableName = uniqueName("audit-trail");
  await dynamodb.send(new CreateTableCommand(auditTableDefinition(tableName)));
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    }),
  );
  return tableName;
}

/** Every item of the table, by transaction id. */
export async function scanAuditTable(dynamodb: DynamoDBClient, tableName: string): Promise<AuditItem[]> {
  const result = await dynamodb.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  return (result.Items ?? [])
    .map((i) => unmarshall(i) as AuditItem)
    .sort((a, b) => a.transactionId.localeCompare(b.transactionId));
}
