/**
 * The launcher's DynamoDB speed fixes (local/moto_fixes/dynamodb.py) change no answer: the same DynamoDB requests —
 * conditional PutItems with different expressions in sequence, an oversized item, BatchGetItem,
 * GetItem and Query of items of every attribute type — get byte-identical answers from the launcher
 * and from moto's own `moto_server` (and so do segmented, paged, projected Scans), and the version condition the audit processor writes under
 * still refuses a stale version and accepts the current one.
 */
import { describe, expect, it } from "vitest";
import { auditTableDefinition } from "../handlers/audit-processor/audit-table.js";
import { launcherAndPlainMoto } from "./support/launcher-vs-plain-moto.js";

const TABLE = "speed-fixes-audit";

async function call(endpoint: string, action: string, body: unknown) {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.0",
      "X-Amz-Target": `DynamoDB_20120810.${action}`,
      Authorization:
        "AWS4-HMAC-SHA256 Credential=testing/20261204/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x",
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.text() };
}

/** An item with every attribute type, nested. */
function richItem(id: string, version: number) {
  return {
    transactionId: { S: id },
    version: { N: String(version) },
    status: { S: "PROCESSED" },
    empty: { S: "" },
    flag: { BOOL: false },
    nothing: { NULL: true },
    tags: { SS: ["a", "b"] },
    counts: { NS: ["1", "2.5"] },
    blob: { B: "aGVsbG8=" },
    blobs: { BS: ["aGVsbG8=", "d29ybGQ="] },
    history: {
      L: [
        { M: { status: { S: "RECEIVED" }, attributes: { M: { created: { BOOL: true }, n: { N: "-1" } } } } },
        { M: { raw: { B: "d29ybGQ=" }, list: { L: [{ S: "x" }, { N: "0" }, { L: [] }, { M: {} }] } } },
      ],
    },
    "dotted.name": { M: { "a.b": { S: "c" } } },
  };
}

function conditionalPut(item: unknown, condition: string, names: Record<string, string>, values?: unknown) {
  return {
    TableName: TABLE,
    Item: item,
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ...(values ? { ExpressionAttributeValues: values } : {}),
  };
}

/** The request sequence both servers answer; returns each answer in order. */
async function answers(endpoint: string) {
  const out: Array<{ status: number; body: string }> = [];
  await call(endpoint, "CreateTable", auditTableDefinition(TABLE));
  const version = (n: number) => ({ ":expectedVersion": { N: String(n) } });
  const byVersion = { "#expectedVersion": "version" };
  const steps: Array<[string, unknown]> = [
    [
      "PutItem",
      conditionalPut(richItem("TXN-1", 1), "attribute_not_exists(#txn)", { "#txn": "transactionId" }),
    ],
    [
      "PutItem",
      conditionalPut(richItem("TXN-1", 1), "attribute_not_exists(#txn)", { "#txn": "transactionId" }),
    ],
    [
      "PutItem",
      conditionalPut(richItem("TXN-1", 2), "#expectedVersion = :expectedVersion", byVersion, version(2)),
    ],
    [
      "PutItem",
      conditionalPut(richItem("TXN-1", 2), "#expectedVersion = :expectedVersion", byVersion, version(1)),
    ],
    [
      "PutItem",
      conditionalPut(richItem("TXN-1", 3), "#expectedVersion = :expectedVersion", byVersion, version(1)),
    ],
    ["PutItem", conditionalPut(richItem("TXN-1", 3), "#v = :v", { "#v": "status" }, { ":v": { N: "2" } })],
    ["PutItem", conditionalPut(richItem("TXN-1", 3), "#v = :v", { "#v": "version" }, { ":v": { N: "2" } })],
    [
      "PutItem",
      conditionalPut(richItem("TXN-2", 1), "attribute_not_exists(#txn)", { "#txn": "transactionId" }),
    ],
    [
      "PutItem",
      { TableName: TABLE, Item: { transactionId: { S: "TXN-BIG" }, big: { S: "x".repeat(410_000) } } },
    ],
    ["PutItem", { TableName: TABLE, Item: richItem("TXN-1", 4), ReturnValues: "ALL_OLD" }],
    [
      "BatchGetItem",
      {
        RequestItems: {
          [TABLE]: {
            Keys: ["TXN-1", "TXN-2", "TXN-3"].map((id) => ({ transactionId: { S: id } })),
            ConsistentRead: true,
          },
        },
      },
    ],
    ["GetItem", { TableName: TABLE, Key: { transactionId: { S: "TXN-2" } }, ConsistentRead: true }],
    [
      "Query",
      {
        TableName: TABLE,
        KeyConditionExpression: "transactionId = :id",
        ExpressionAttributeValues: { ":id": { S: "TXN-1" } },
      },
    ],
  ];
  for (const [action, body] of steps) out.push(await call(endpoint, action, body));
  // Scans page by page (the launcher sorts and projects its own way): two segments, three items a
  // page, projected paths nested in maps and lists, over items whose keys sort differently as text.
  for (const id of ["TXN-10", "TXN-9", "TXN-100", "a", "Z", "TXN-3", "TXN-30", "ü", "TXN-1-b"])
    await call(endpoint, "PutItem", { TableName: TABLE, Item: richItem(id, 1) });
  for (const segment of [0, 1]) {
    let startKey: unknown;
    do {
      const page = await call(endpoint, "Scan", {
        TableName: TABLE,
        Segment: segment,
        TotalSegments: 2,
        Limit: 3,
        // No set attribute: moto projects through Python sets, whose order differs between processes.
        ProjectionExpression:
          "transactionId, #s, history[1].list, history[0].#s, #d, history[0].attributes.n",
        ExpressionAttributeNames: { "#s": "status", "#d": "dotted.name" },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      });
      out.push(page);
      startKey = (JSON.parse(page.body) as { LastEvaluatedKey?: unknown }).LastEvaluatedKey;
    } while (startKey);
  }
  return out;
}

describe("moto launcher speed fixes", () => {
  const bothAnswer = launcherAndPlainMoto();

  it("answers conditional PutItems, an oversized item and reads exactly as plain moto does", async () => {
    const { fromFixed, fromPlain } = await bothAnswer(answers);
    expect(fromFixed).toEqual(fromPlain);
    const failed = (i: number) =>
      fromFixed[i]!.status === 400 && fromFixed[i]!.body.includes("ConditionalCheckFailedException");
    // attribute_not_exists: first accepted, then refused.
    expect(fromFixed[0]!.status).toBe(200);
    expect(failed(1)).toBe(true);
    // The version condition: a mismatch refused, the matching one accepted, the stale one refused.
    expect(failed(2)).toBe(true);
    expect(fromFixed[3]!.status).toBe(200);
    expect(failed(4)).toBe(true);
    // The same expression text with other names or values is evaluated afresh.
    expect(failed(5)).toBe(true);
    expect(fromFixed[6]!.status).toBe(200);
    expect(fromFixed[8]!.body).toContain("Item size has exceeded the maximum allowed size");
    const batch = JSON.parse(fromFixed[10]!.body);
    expect(batch.Responses[TABLE]).toHaveLength(2);
    expect(batch.Responses[TABLE]).toContainEqual(richItem("TXN-2", 1));
    const scanned = fromFixed.slice(13).flatMap((page) => JSON.parse(page.body).Items ?? []);
    expect(scanned).toHaveLength(11); // TXN-1, TXN-2 and nine more (TXN-BIG was refused)
    expect(scanned[0]).not.toHaveProperty("version");
  });
});
