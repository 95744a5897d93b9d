/** Reads of the audit table the operator commands share: one item, and a status-day index slice. */
import {
  GetItemCommand,
  QueryCommand,
  type AttributeValue,
  type QueryCommandOutput,
} from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import {
  STATUS_DAY_ATTRIBUTE,
  STATUS_INDEX_NAME,
  type AuditItem,
} from "../../handlers/audit-processor/audit-item.js";
import type { AuditStatus } from "../../handlers/lib/audit-event.js";
import type { RegionClients } from "../lib/aws-clients.js";
import { withRetry, type RetryPolicy } from "../lib/retry.js";

/** What the status index projects: its keys and `STATUS_INDEX_ATTRIBUTES`. */
export type IndexedAuditRow = Pick<
  AuditItem,
  "transactionId" | "status" | "reason" | "component" | "firstSeenAt" | "lastUpdatedAt"
>;

/** A missing table is a wrong stack, region or account: say so instead of the SDK's words. */
function tableError(error: unknown, table: string, region: string): unknown {
  if ((error as { name?: string }).name === "ResourceNotFoundException") {
    return new Error(
      `audit table ${table} does not exist in ${region}: is the stack deployed (pulumi up), and are these credentials for its account?`,
    );
  }
  return error;
}

export async function getAuditItem(
  clients: RegionClients,
  table: string,
  transactionId: string,
  retry: RetryPolicy,
): Promise<AuditItem | undefined> {
  try {
    const { Item } = await withRetry(retry, `GetItem ${transactionId}`, () =>
      clients.dynamodb.send(
        new GetItemCommand({
          TableName: table,
          Key: { transactionId: { S: transactionId } },
          ConsistentRead: true,
        }),
      ),
    );
    return Item ? (unmarshall(Item) as AuditItem) : undefined;
  } catch (error) {
    throw tableError(error, table, clients.region);
  }
}

/** Every transaction whose current status is `status`, reached on UTC `day`, oldest first. */
export async function* statusDayRows(
  clients: RegionClients,
  table: string,
  status: AuditStatus,
  day: string,
  retry: RetryPolicy,
): AsyncGenerator<IndexedAuditRow[]> {
  let start: Record<string, AttributeValue> | undefined;
  do {
    let page: QueryCommandOutput;
    try {
      page = await withRetry(retry, `Query ${STATUS_INDEX_NAME}`, () =>
        clients.dynamodb.send(
          new QueryCommand({
            TableName: table,
            IndexName: STATUS_INDEX_NAME,
            KeyConditionExpression: "#day = :day",
            ExpressionAttributeNames: { "#day": STATUS_DAY_ATTRIBUTE },
            ExpressionAttributeValues: { ":day": { S: `${status}#${day}` } },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
    } catch (error) {
      throw tableError(error, table, clients.region);
    }
    yield (page.Items ?? []).map((i) => unmarshall(i) as IndexedAuditRow);
    start = page.LastEvaluatedKey;
  } while (start);
}

/** Options that narrow a day's FAILED records (shared by `failed` and `replay`). */
export interface FailedFilter {
  reasonContains?: string;
  component?: string;
}

export function matchesFilter(
  row: Pick<IndexedAuditRow, "reason" | "component">,
  filter: FailedFilter,
): boolean {
  if (filter.component && row.component !== filter.component) return false;
  if (
    filter.reasonContains &&
    !(row.reason ?? "").toLowerCase().includes(filter.reasonContains.toLowerCase())
  )
    return false;
  return true;
}
