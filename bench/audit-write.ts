/**
 * One audit write on the emulator, two ways, side by side: the audit processor's whole-item
 * UpdateItem (a SET clause per attribute, ~15, plus REMOVE, under a version condition) against a
 * PutItem of the same item under the same condition. Both end with the same item; moto's cost per
 * call differs (it parses and applies the update expression clause by clause). Issue #13, part 4.
 *
 *   npx tsx bench/audit-write.ts [items=300]
 */
import { fileURLToPath } from "node:url";
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { mergeEvent, type AuditItem } from "../handlers/audit-processor/audit-item.js";
import { auditTableDefinition, writeAuditItem } from "../handlers/audit-processor/audit-table.js";
import { emulatorClientConfig, startEmulator } from "../local/emulator.js";
import { describeMachine, machine, round, writeResults } from "./bench-results.js";

export async function runAuditWriteBench(options: { items: number; log?: (line: string) => void }) {
  const emulator = await startEmulator();
  try {
    const dynamodb = new DynamoDBClient(emulatorClientConfig(emulator.endpoint));
    const results: Array<{ variant: string; items: number; msPerWrite: number }> = [];
    for (const variant of ["update-item", "put-item"] as const) {
      const tableName = `bench-audit-write-${variant}-${process.pid}`;
      await dynamodb.send(new CreateTableCommand(auditTableDefinition(tableName)));
      const items: AuditItem[] = [];
      for (let i = 0; i < options.items; i++) {
        const merged = mergeEvent(
          undefined,
          {
            transactionId: `TXN-${i}`,
            status: "PROCESSED",
            component: "cta-case-creator",
            occurredAt: "2026-12-02T00:00:00.000Z",
            attributes: { salesforceId: `500${i}`, created: true },
          },
          { now: new Date(), retentionDays: 2555 },
        );
        if (merged.kind === "written") items.push(merged.item);
      }
      const started = performance.now();
      for (const item of items) {
        if (variant === "update-item") await writeAuditItem({ dynamodb, tableName }, item, undefined);
        else
          await dynamodb.send(
            new PutItemCommand({
              TableName: tableName,
              Item: marshall(item, { removeUndefinedValues: true }),
              ConditionExpression: "attribute_not_exists(#txn)",
              ExpressionAttributeNames: { "#txn": "transactionId" },
            }),
          );
      }
      results.push({
        variant,
        items: items.length,
        msPerWrite: round((performance.now() - started) / items.length, 1),
      });
    }
    return { results, ratio: round(results[0]!.msPerWrite / results[1]!.msPerWrite, 2) };
  } finally {
    await emulator.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const startedAt = new Date();
  const m = machine();
  console.log(describeMachine(m));
  const result = await runAuditWriteBench({ items: Number(process.argv[2] ?? 300) });
  console.table(result.results);
  console.log(`UpdateItem / PutItem time per write: ${result.ratio}×`);
  console.log(`results: ${writeResults("audit-write", result, startedAt, m)}`);
}
