/**
 * Reading an audit table in bulk: one segment of a parallel Scan, page by page, and BatchGetItem by
 * transaction id with its partial results retried to completion. Both retry throttling with backoff.
 */
import {
  BatchGetItemCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { backoffPartialBatch, withRetry, type RetryPolicy } from "../lib/retry.js";

export type RawItem = Record<string, AttributeValue>;

export interface ScanPage {
  items: RawItem[];
  /** Where the next page starts; absent on the segment's last page. */
  nextStartKey?: RawItem;
}

export interface SegmentScan {
  dynamodb: DynamoDBClient;
  tableName: string;
  segment: number;
  totalSegments: number;
  /** Resume after this key (a checkpoint's). */
  startKey?: RawItem;
  /** Only these attributes (verify-audit reads three); every attribute when absent. */
  attributes?: readonly string[];
  /** Items per page (Scan `Limit`); absent: DynamoDB's own pages of up to 1 MB. */
  pageSize?: number;
  retry: RetryPolicy;
}

/**
 * The pages of one segment. Pages are DynamoDB's own (up to 1 MB each); the caller records
 * `nextStartKey` once it has dealt with a page, and can resume from it after a crash.
 * Strongly consistent, so a copy started after the last write sees it.
 */
export async function* scanSegment(scan: SegmentScan): AsyncGenerator<ScanPage> {
  let startKey = scan.startKey;
  const projection = scan.attributes
    ? {
        ProjectionExpression: scan.attributes.map((_, i) => `#p${i}`).join(", "),
        ExpressionAttributeNames: Object.fromEntries(scan.attributes.map((a, i) => [`#p${i}`, a])),
      }
    : {};
  do {
    const page = await withRetry(scan.retry, `Scan ${scan.tableName} segment ${scan.segment}`, () =>
      scan.dynamodb.send(
        new ScanCommand({
          TableName: scan.tableName,
          Segment: scan.segment,
          TotalSegments: scan.totalSegments,
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          ...(scan.pageSize ? { Limit: scan.pageSize } : {}),
          ...projection,
        }),
      ),
    );
    startKey = page.LastEvaluatedKey;
    yield { items: page.Items ?? [], ...(startKey ? { nextStartKey: startKey } : {}) };
  } while (startKey);
}

/** BatchGetItem takes at most 100 keys per call. */
export const BATCH_GET_MAX_KEYS = 100;

/**
 * The items of these transaction ids that exist, by id. Calls BatchGetItem 100 keys at a time and
 * asks again for `UnprocessedKeys` with backoff until every key has been answered: DynamoDB returns
 * a partial result under throttling or past 16 MB, and "strongly recommends" exponential backoff
 * before asking again (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html).
 */
export async function batchGetByTransactionId(
  dynamodb: DynamoDBClient,
  tableName: string,
  transactionIds: readonly string[],
  retry: RetryPolicy,
  attributes?: readonly string[],
): Promise<Map<string, RawItem>> {
  const found = new Map<string, RawItem>();
  const projection = attributes
    ? {
        ProjectionExpression: attributes.map((_, i) => `#p${i}`).join(", "),
        ExpressionAttributeNames: Object.fromEntries(attributes.map((a, i) => [`#p${i}`, a])),
      }
    : {};
  const unique = [...new Set(transactionIds)];
  for (let i = 0; i < unique.length; i += BATCH_GET_MAX_KEYS) {
    let keys: RawItem[] = unique.slice(i, i + BATCH_GET_MAX_KEYS).map((id) => ({ transactionId: { S: id } }));
    let roundsWithoutProgress = 0;
    while (keys.length > 0) {
      const asked = keys.length;
      const response = await withRetry(retry, `BatchGetItem ${tableName}`, () =>
        dynamodb.send(
          new BatchGetItemCommand({
            RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true, ...projection } },
          }),
        ),
      );
      for (const item of response.Responses?.[tableName] ?? []) found.set(item.transactionId!.S!, item);
      keys = response.UnprocessedKeys?.[tableName]?.Keys ?? [];
      if (keys.length === 0) break;
      roundsWithoutProgress = keys.length < asked ? 0 : roundsWithoutProgress + 1;
      await backoffPartialBatch(retry, `BatchGetItem ${tableName}`, roundsWithoutProgress);
    }
  }
  return found;
}
