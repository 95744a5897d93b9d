/**
 * A DynamoDB client that misbehaves on a fixed schedule, wrapped around the real one (talking to
 * the emulator): throttling errors, BatchGetItem answers with half the keys left in UnprocessedKeys,
 * a crash after N writes, and a hook that runs before a write (to play a concurrent writer).
 * Deterministic (every k-th call), so a test that passes once passes always.
 */
import {
  BatchGetItemCommand,
  ProvisionedThroughputExceededException,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
} from "@aws-sdk/client-dynamodb";

export interface FaultPlan {
  /** Every k-th call of these operations throws ProvisionedThroughputExceededException first. */
  throttleEvery?: number;
  throttled?: ReadonlyArray<string>;
  /** Every k-th BatchGetItem answers for the first half of its keys only. */
  unprocessedEvery?: number;
  /** After this many successful writes, every further write throws a non-retryable error (a crash). */
  crashAfterWrites?: number;
  /** Runs before each write reaches the table (the write's command input is passed: PutItem names its item by `Item`, UpdateItem by `Key`). */
  beforeWrite?: (input: Record<string, any>) => Promise<void>;
}

export interface FaultStats {
  calls: Record<string, number>;
  throttled: number;
  partialBatches: number;
  writes: number;
}

const WRITE_OPERATIONS = new Set([
  "UpdateItemCommand",
  "PutItemCommand",
  "BatchWriteItemCommand",
  "DeleteItemCommand",
  "TransactWriteItemsCommand",
]);

export function faultyDynamoDB(
  client: DynamoDBClient,
  plan: FaultPlan,
): { client: DynamoDBClient; stats: FaultStats } {
  const stats: FaultStats = { calls: {}, throttled: 0, partialBatches: 0, writes: 0 };
  const throttled = new Set(
    plan.throttled ?? [
      "ScanCommand",
      "BatchGetItemCommand",
      "UpdateItemCommand",
      "PutItemCommand",
      "GetItemCommand",
    ],
  );
  const send = async (command: {
    constructor: { name: string };
    input: Record<string, any>;
  }): Promise<unknown> => {
    const name = command.constructor.name;
    const n = (stats.calls[name] ?? 0) + 1;
    stats.calls[name] = n;
    if (plan.throttleEvery && throttled.has(name) && n % plan.throttleEvery === 0) {
      stats.throttled++;
      throw new ProvisionedThroughputExceededException({
        message: "injected: throughput exceeded",
        $metadata: { httpStatusCode: 400 },
      });
    }
    if (WRITE_OPERATIONS.has(name)) {
      if (plan.crashAfterWrites !== undefined && stats.writes >= plan.crashAfterWrites)
        throw new Error("injected crash: the process died here");
      await plan.beforeWrite?.(command.input);
      const result = await client.send(command as never);
      stats.writes++;
      return result;
    }
    if (name === "BatchGetItemCommand" && plan.unprocessedEvery && n % plan.unprocessedEvery === 0) {
      return partialBatchGet(client, command.input, stats);
    }
    return client.send(command as never);
  };
  const wrapped = new Proxy(client, {
    get: (target, property, receiver) =>
      property === "send" ? send : Reflect.get(target, property, receiver),
  });
  return { client: wrapped, stats };
}

/** Sends the first half of each table's keys and hands the rest back as UnprocessedKeys. */
async function partialBatchGet(
  client: DynamoDBClient,
  input: Record<string, any>,
  stats: FaultStats,
): Promise<BatchGetItemCommandOutput> {
  const requestItems = input.RequestItems as Record<string, KeysAndAttributes>;
  const asked: Record<string, KeysAndAttributes> = {};
  const left: Record<string, KeysAndAttributes> = {};
  for (const [table, request] of Object.entries(requestItems)) {
    const keys = request.Keys ?? [];
    const half = Math.ceil(keys.length / 2);
    asked[table] = { ...request, Keys: keys.slice(0, half) };
    if (keys.length > half) left[table] = { ...request, Keys: keys.slice(half) };
  }
  if (Object.keys(left).length === 0) return client.send(new BatchGetItemCommand(input as never));
  stats.partialBatches++;
  const response = await client.send(new BatchGetItemCommand({ ...input, RequestItems: asked } as never));
  return { ...response, UnprocessedKeys: left };
}
