/**
 * Items per second of copy-audit's engine on a realistic audit table, London → Ireland, both in one
 * moto server (the emulator keeps regions apart by signing region). Not a test: a number to report,
 * with the machine and the load it ran under.
 *
 *   npx tsx bench/copy-audit.ts [items=50000] [--segments N] [--concurrency N] [--second-pass]
 *
 * Against moto the rate measures the emulator more than the tool: moto serves one request at a time
 * and spends most of it (de)serialising DynamoDB attribute values. In AWS the same engine runs
 * `segments × concurrency` conditional writes in parallel.
 */
import { cpus, loadavg } from "node:os";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { auditTableDefinition } from "../handlers/audit-processor/audit-table.js";
import { emulatorClientConfig, startEmulator } from "../local/emulator.js";
import { DEFAULT_RETRY } from "../ops/lib/retry.js";
import { copyAudit } from "../ops/migrate/copy-audit.js";
import { newCheckpoint } from "../ops/migrate/copy-checkpoint.js";
import { buildAuditItems, loadItems, RETENTION_DAYS } from "../test/support/audit-history-fixtures.js";

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) =>
  argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback;
const count = Number(argv.find((a, i) => /^\d+$/.test(a) && !argv[i - 1]?.startsWith("--")) ?? 50_000);
const secondPass = argv.includes("--second-pass");
const SEGMENTS = option("--segments", 4);
const CONCURRENCY = option("--concurrency", 16);

const started = new Date();
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");
console.log(
  `copy-audit bench: ${count.toLocaleString("en-GB")} items, ${SEGMENTS} segments × ${CONCURRENCY} writes in flight`,
);
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, node ${process.version}; started ${started.toISOString()}, load average ${load()}`,
);

const emulator = await startEmulator();
try {
  const config = emulatorClientConfig(emulator.endpoint);
  const london = new DynamoDBClient({ ...config, region: "eu-west-2" });
  const ireland = new DynamoDBClient({ ...config, region: "eu-west-1" });
  const tableName = "bench-audit-trail-sit";
  await london.send(new CreateTableCommand(auditTableDefinition(tableName)));
  await ireland.send(new CreateTableCommand(auditTableDefinition(tableName)));

  let t = Date.now();
  const items = buildAuditItems(count);
  const histories = items.reduce((n, i) => n + i.history.length, 0);
  await loadItems(london, tableName, items);
  console.log(
    `loaded the source in ${((Date.now() - t) / 1000).toFixed(0)} s (average history ${(histories / count).toFixed(1)} entries)`,
  );

  const source = { stack: "sit-london", region: "eu-west-2", tableName, dynamodb: london };
  const target = { stack: "sit", region: "eu-west-1", tableName, dynamodb: ireland };
  for (const pass of secondPass
    ? ["first pass (empty target)", "second pass (nothing to write)"]
    : ["first pass (empty target)"]) {
    t = Date.now();
    let done = 0;
    let lastPrint = t;
    const result = await copyAudit({
      source,
      target,
      checkpoint: newCheckpoint(source, target, SEGMENTS, new Date()),
      dryRun: false,
      concurrency: CONCURRENCY,
      retentionDays: RETENTION_DAYS,
      retry: DEFAULT_RETRY,
      onPage: (_, counts) => {
        done += counts.scanned;
        if (Date.now() - lastPrint > 30_000) {
          lastPrint = Date.now();
          console.log(
            `  ${done.toLocaleString("en-GB")} items, ${Math.round(done / ((Date.now() - t) / 1000))} items/s`,
          );
        }
      },
    });
    const seconds = (Date.now() - t) / 1000;
    console.log(
      `${pass}: ${result.counts.scanned.toLocaleString("en-GB")} items in ${seconds.toFixed(0)} s = ${Math.round(result.counts.scanned / seconds)} items/s ` +
        `(copied ${result.counts.copied}, merged ${result.counts.merged}, unchanged ${result.counts.unchanged}); load average ${load()}`,
    );
  }
} finally {
  await emulator.stop();
}
console.log(`finished ${new Date().toISOString()}`);
