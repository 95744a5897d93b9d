/**
 * Reads and writes the audit table. Each write is a read-modify-write guarded by the item's version
 * (optimistic locking), so two processors recording events of one transaction at once never lose an
 * event: the loser re-reads and merges again. The processor reads a batch's items with one BatchGetItem
 * (`readAuditItems`), re-reads one with GetItem after a conflict, and writes with a conditional PutItem;
 * `listByStatusAndDay` (Query on the status index) is for operators, tests and the local run.
 */
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  QueryCommand,
  PutItemCommand,
  type AttributeValue,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { AuditEvent, AuditStatus } from "../lib/audit-event.js";
import {
  LAST_UPDATED_ATTRIBUTE,
  mergeEvent,
  STATUS_DAY_ATTRIBUTE,
  STATUS_INDEX_ATTRIBUTES,
  STATUS_INDEX_NAME,
  statusDayOf,
  type AuditItem,
  type MergeContext,
} from "./audit-item.js";

export interface AuditTableDeps {
  dynamodb: DynamoDBClient;
  tableName: string;
}

export type RecordOutcome =
  /**
   * The event was new. `becameCurrent`: it set the current status; `repeat`: it repeated the current
   * outcome; `firstOfStatus`: the status it gave the transaction for the first time (count it).
   */
  | {
      kind: "written";
      becameCurrent: boolean;
      repeat: boolean;
      status: AuditStatus;
      firstOfStatus?: AuditStatus;
    }
  /** The event was recorded before; nothing was written. */
  | { kind: "duplicate" }
  /** An `onlyIfUnsettled` event for a transaction that is already settled; nothing was written. */
  | { kind: "superseded"; settledStatus: AuditStatus };

/**
 * The table's keys and status index as a CreateTable request, for the emulator (local run, tests).
 * Built from the same constants as the AuditStore component, so both describe the same table; TTL,
 * encryption and point-in-time recovery are the component's business.
 */
export function auditTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "transactionId", AttributeType: "S" },
      { AttributeName: STATUS_DAY_ATTRIBUTE, AttributeType: "S" },
      { AttributeName: LAST_UPDATED_ATTRIBUTE, AttributeType: "S" },
    ],
    KeySchema: [{ AttributeName: "transactionId", KeyType: "HASH" }],
    GlobalSecondaryIndexes: [
      {
        IndexName: STATUS_INDEX_NAME,
        KeySchema: [
          { AttributeName: STATUS_DAY_ATTRIBUTE, KeyType: "HASH" },
          { AttributeName: LAST_UPDATED_ATTRIBUTE, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: [...STATUS_INDEX_ATTRIBUTES] },
      },
    ],
  };
}

/** Version conflicts tolerated before the message is handed back to SQS for a later retry. */
const MAX_CONFLICT_ATTEMPTS = 5;

/** The item of one transaction, read consistently (the write that follows depends on it). */
export async function readAuditItem(
  deps: AuditTableDeps,
  transactionId: string,
): Promise<AuditItem | undefined> {
  const response = await deps.dynamodb.send(
    new GetItemCommand({
      TableName: deps.tableName,
      Key: { transactionId: { S: transactionId } },
      ConsistentRead: true,
    }),
  );
  return response.Item ? (unmarshall(response.Item) as AuditItem) : undefined;
}

/** BatchGetItem reads at most this many keys a call. */
const BATCH_GET_MAX_KEYS = 100;
/** Calls for keys DynamoDB left unprocessed (throttling) before they are left to GetItem. */
const BATCH_GET_ATTEMPTS = 3;

/**
 * The items of several transactions, read consistently with one BatchGetItem per 100 keys: a batch
 * of audit events costs one read call instead of one GetItem each (fewer calls, less latency, the
 * same read capacity). A transaction without an item maps to `undefined`; one DynamoDB left
 * unprocessed after a few tries is not in the map (the caller reads it with GetItem).
 */
export async function readAuditItems(
  deps: AuditTableDeps,
  transactionIds: string[],
): Promise<Map<string, AuditItem | undefined>> {
  const found = new Map<string, AuditItem | undefined>();
  const ids = [...new Set(transactionIds)];
  for (let i = 0; i < ids.length; i += BATCH_GET_MAX_KEYS) {
    let keys: Record<string, AttributeValue>[] = ids
      .slice(i, i + BATCH_GET_MAX_KEYS)
      .map((id) => ({ transactionId: { S: id } }));
    const asked = new Set(keys.map((k) => k.transactionId!.S!));
    for (let attempt = 1; keys.length > 0 && attempt <= BATCH_GET_ATTEMPTS; attempt++) {
      const response = await deps.dynamodb.send(
        new BatchGetItemCommand({
          RequestItems: { [deps.tableName]: { Keys: keys, ConsistentRead: true } },
        }),
      );
      for (const raw of response.Responses?.[deps.tableName] ?? []) {
        const item = unmarshall(raw) as AuditItem;
        found.set(item.transactionId, item);
      }
      keys = response.UnprocessedKeys?.[deps.tableName]?.Keys ?? [];
      const unprocessed = new Set(keys.map((k) => k.transactionId?.S));
      for (const id of asked) if (!found.has(id) && !unprocessed.has(id)) found.set(id, undefined);
      if (keys.length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
  }
  return found;
}

/**
 * Records one validated event: merges it into the transaction's item and writes the item if it changed.
 * `known`: the item as read a moment ago (BatchGetItem, or this processor's own last write); used for
 * the first attempt instead of a GetItem. If it is stale, the version condition fails and the item is
 * read again, as after any conflict. Throws on DynamoDB errors (throttling, validation) and after
 * repeated version conflicts.
 */
export async function recordAuditEvent(
  deps: AuditTableDeps,
  event: AuditEvent,
  context: MergeContext,
  known?: { item: AuditItem | undefined },
): Promise<RecordOutcome & { item?: AuditItem }> {
  for (let attempt = 1; ; attempt++) {
    const existing = attempt === 1 && known ? known.item : await readAuditItem(deps, event.transactionId);
    const merged = mergeEvent(existing, event, context);
    if (merged.kind !== "written") return merged;
    try {
      await writeAuditItem(deps, merged.item, existing?.version);
      const { becameCurrent, repeat, firstOfStatus } = merged;
      return {
        kind: "written",
        becameCurrent,
        repeat,
        status: event.status,
        ...(firstOfStatus ? { firstOfStatus } : {}),
        item: merged.item,
      };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || attempt >= MAX_CONFLICT_ATTEMPTS)
        throw error;
      // Another writer changed the item since it was read: read again and merge on top of its write.
    }
  }
}

/**
 * Writes the whole item with a conditional PutItem. `expectedVersion` undefined means the item must
 * not exist yet. The merged item carries every attribute the stored one had (`mergeEvent` starts
 * from it), so replacing the item loses nothing, and optional attributes it no longer has go with
 * the replacement. Was a whole-item UpdateItem (a SET clause per attribute): same result, but the
 * emulator spends ~4.7× longer on it (bench/audit-write.ts), and it was the local run's biggest cost.
 */
export async function writeAuditItem(
  deps: AuditTableDeps,
  item: AuditItem,
  expectedVersion: number | undefined,
): Promise<void> {
  const names: Record<string, string> = {};
  const expressionValues: Record<string, AttributeValue> = {};
  let condition: string;
  if (expectedVersion === undefined) {
    names["#txn"] = "transactionId";
    condition = "attribute_not_exists(#txn)";
  } else {
    names["#expectedVersion"] = "version";
    expressionValues[":expectedVersion"] = { N: String(expectedVersion) };
    condition = "#expectedVersion = :expectedVersion";
  }
  await deps.dynamodb.send(
    new PutItemCommand({
      TableName: deps.tableName,
      Item: marshall(item, { removeUndefinedValues: true }),
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      // DynamoDB rejects an empty map of values the expression does not use.
      ...(Object.keys(expressionValues).length > 0 ? { ExpressionAttributeValues: expressionValues } : {}),
    }),
  );
}

/** One row of the status index. */
export type StatusListing = Pick<
  AuditItem,
  "transactionId" | "status" | "reason" | "component" | "firstSeenAt" | "lastUpdatedAt"
>;

/**
 * Transactions whose current status is `status` and was reached on `day` (UTC, `YYYY-MM-DD`), oldest
 * first. Reads every page of the index.
 * @example await listByStatusAndDay(deps, "FAILED", "2026-11-26")
 */
export async function listByStatusAndDay(
  deps: AuditTableDeps,
  status: AuditStatus,
  day: string,
): Promise<StatusListing[]> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
    throw new Error(`day must be a UTC date like 2026-11-26, got ${JSON.stringify(day)}`);
  }
  const listings: StatusListing[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await deps.dynamodb.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: STATUS_INDEX_NAME,
        KeyConditionExpression: "#statusDay = :statusDay",
        ExpressionAttributeNames: { "#statusDay": "statusDay" },
        ExpressionAttributeValues: { ":statusDay": { S: statusDayOf(status, `${day}T00:00:00Z`) } },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const raw of page.Items ?? []) {
      const row = unmarshall(raw) as StatusListing;
      listings.push({
        transactionId: row.transactionId,
        status: row.status,
        ...(row.reason !== undefined ? { reason: row.reason } : {}),
        component: row.component,
        firstSeenAt: row.firstSeenAt,
        lastUpdatedAt: row.lastUpdatedAt,
      });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return listings;
}
