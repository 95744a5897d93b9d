/**
 * `npm run ops` against a whole local run (emulator, stand-ins, every handler behind its event
 * source): Salesforce is down while a file flows, so its records end FAILED; `failed` lists exactly
 * those; Salesforce comes back; `replay` turns them PROCESSED without a second case for a record that
 * already had one, and `trace` shows FAILED → replay → PROCESSED. `redrive` moves planted dead-letter
 * messages back and each is processed once. `status` reads every queue and the token. Then bad input:
 * an unknown stack, a wrong day, a queue that is not a DLQ, a missing table.
 */
import { GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AuditSender } from "../handlers/lib/audit-sender.js";
import { Logger } from "../handlers/lib/logger.js";
import { Cleanup } from "../local/cleanup.js";
import { EMULATOR_CREDENTIALS } from "../local/emulator.js";
import type { LocalEnvironment } from "../local/local-environment.js";
import { runLocalPlatform } from "../local/platform-run.js";
import { scanAuditTable } from "../local/summary.js";
import { clientsForRegion } from "../ops/lib/aws-clients.js";
import { runSubcommand, type CliIo } from "../ops/lib/cli.js";
import { DEFAULT_RETRY } from "../ops/lib/retry.js";
import { inventoryOf, type StackInventory } from "../ops/lib/stack-inventory.js";
import { OPS_TOOL, opsCommands } from "../ops/operate/commands.js";
import type { OperateContext } from "../ops/operate/context.js";

const dir = mkdtempSync(join(tmpdir(), "ops-tools-"));
const good = Array.from({ length: 12 }, (_, i) => `TXN-R${i + 1}`);
const invalid = [
  '{"transactionId":"TXN-BAD1","eventType":"KYC_REVIEW"}',
  '{"transactionId":"TXN-BAD2","customerId":"C","eventType":42}',
];

interface Ran {
  code: number;
  out: string;
  err: string;
}

let inventory: StackInventory;
beforeAll(async () => {
  inventory = await inventoryOf("sit");
}, 120_000);

function contextFor(endpoint: string): OperateContext {
  return {
    inventory: async () => inventory,
    clients: (region) => clientsForRegion(region, { endpoint, credentials: EMULATOR_CREDENTIALS }),
    stacks: () => ["sit", "prod", "sit-london"],
    retry: {
      ...DEFAULT_RETRY,
      attempts: 4,
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
    },
    now: () => new Date(),
    tty: false,
  };
}

async function ops(context: OperateContext, ...argv: string[]): Promise<Ran> {
  let out = "";
  let err = "";
  const io: CliIo = {
    out: (t) => {
      out += `${t}\n`;
    },
    err: (t) => {
      err += `${t}\n`;
    },
  };
  const code = await runSubcommand(OPS_TOOL, opsCommands(context), argv, io);
  return { code, out, err };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe("npm run ops against a local run", () => {
  it("failed lists what Salesforce's outage failed; replay makes it PROCESSED with no second case; trace shows the replay; redrive and status work", async () => {
    const input = join(dir, "outage.ndjson");
    const lines = good.map((id) =>
      JSON.stringify({ transactionId: id, customerId: `C-${id}`, eventType: "KYC_REVIEW" }),
    );
    writeFileSync(input, `${[...lines.slice(0, 6), ...invalid, ...lines.slice(6)].join("\n")}\n`);
    const cleanup = new Cleanup();
    const seen: Record<string, unknown> = {};
    try {
      await runLocalPlatform(
        {
          records: 0,
          input,
          // Salesforce down for the whole first pass; 600× so the case creator gives up within seconds.
          faults: { salesforce: { rate: 1, status: 503 } },
          timeScale: 600,
          badShare: 0,
          seed: 1,
          timeoutMs: 240_000,
          runDir: join(dir, "run"),
          log: () => undefined,
          beforeStop: async (environment: LocalEnvironment) => {
            const context = contextFor(environment.gateway.url);
            const table = inventory.auditTableName;
            const before = await scanAuditTable(environment.clients.dynamodb, table);
            const failedRows = before.filter((r) => r.status === "FAILED");
            expect(failedRows.map((r) => r.transactionId).sort()).toEqual(
              [...good, "TXN-BAD1", "TXN-BAD2"].sort(),
            );
            expect(environment.salesforce.cases.size).toBe(0);

            // failed: exactly those, with their reasons, grouped.
            const day = new Date().toISOString().slice(0, 10);
            const listed = await ops(context, "failed", "--stack", "sit", "--day", day, "--json");
            expect(listed.code, listed.err).toBe(0);
            const report = JSON.parse(listed.out) as {
              total: number;
              groups: Array<{ reason: string; count: number; transactionIds: string[] }>;
            };
            expect(report.total).toBe(14);
            expect(report.groups.flatMap((g) => g.transactionIds).sort()).toEqual(
              [...good, "TXN-BAD1", "TXN-BAD2"].sort(),
            );
            const invalidGroups = report.groups.filter((g) =>
              g.transactionIds.some((id) => id.startsWith("TXN-BAD")),
            );
            expect(invalidGroups.flatMap((g) => g.transactionIds).sort()).toEqual(["TXN-BAD1", "TXN-BAD2"]);
            for (const g of invalidGroups) expect(g.reason).toMatch(/customerId|eventType/);
            const text = await ops(
              context,
              "failed",
              "--stack",
              "sit",
              "--day",
              day,
              "--reason-contains",
              "customerId",
            );
            expect(text.out).toMatch(/^1 FAILED record\(s\) on .* 1 reason\(s\):/m);
            expect(text.out).toContain("TXN-BAD1");
            const empty = await ops(context, "failed", "--stack", "sit", "--day", "2001-01-01");
            expect(empty).toMatchObject({
              code: 0,
              out: expect.stringContaining("no FAILED records on 2001-01-01"),
            });

            // A dry run counts: 12 to replay, the 2 invalid ones refused; nothing is published.
            const dry = await ops(context, "replay", "--stack", "sit", "--day", day, "--dry-run");
            expect(dry.code, dry.err).toBe(0);
            expect(dry.out).toContain("DRY RUN: would replay 12; 2 refused (invalid), 0 cannot be replayed");

            // As if Salesforce had created TXN-R1's case before the outage hid its answer.
            environment.salesforce.cases.set("TXN-R1", {
              id: "500PLANTED0001",
              externalId: "TXN-R1",
              fields: { Subject: "planted" },
              createdAt: new Date(),
              updatedAt: new Date(),
              upserts: 1,
            } as never);
            environment.salesforce.setFaults({});
            const replay = await ops(context, "replay", "--stack", "sit", "--day", day);
            expect(replay.code, `${replay.out}\n${replay.err}`).toBe(0);
            expect(replay.out).toMatch(/^REPLAYED: 12 of 14 FAILED record\(s\) published again/m);
            expect(replay.out).toContain("2 refused: the record itself was invalid");

            await waitFor("the replayed records to be PROCESSED", async () => {
              const rows = await scanAuditTable(environment.clients.dynamodb, table);
              return good.every((id) => rows.find((r) => r.transactionId === id)?.status === "PROCESSED");
            });
            // One case per record; the planted one upserted, not duplicated.
            expect(environment.salesforce.cases.size).toBe(12);
            expect(environment.salesforce.cases.get("TXN-R1")).toMatchObject({
              id: "500PLANTED0001",
              upserts: 2,
            });
            const after = await scanAuditTable(environment.clients.dynamodb, table);
            expect(after.find((r) => r.transactionId === "TXN-BAD1")).toMatchObject({ status: "FAILED" });

            const trace = await ops(context, "trace", "TXN-R2", "--stack", "sit");
            expect(trace.code, trace.err).toBe(0);
            const timeline = trace.out.split("\n").filter((l) => /^\s+\d{4}-\d{2}-\d{2}T/.test(l));
            const statuses = timeline.map((l) => l.trim().split(/\s+/)[1]);
            expect(statuses.indexOf("FAILED")).toBeGreaterThanOrEqual(0);
            expect(statuses.slice(statuses.lastIndexOf("FAILED"))).toEqual([
              "FAILED",
              "PUBLISHED",
              "PROCESSED",
            ]);
            expect(timeline.find((l) => l.includes("ops-replay"))).toMatch(/replayedAt=/);
            expect(trace.out).toMatch(/^\s+status\s+PROCESSED/m);
            expect(trace.out).not.toContain('"customerId"'); // the kept record is shown by its size only
            const planted = await ops(context, "trace", "TXN-R1", "--stack", "sit", "--json");
            const item = JSON.parse(planted.out) as {
              status: string;
              history: Array<{ status: string; attributes?: Record<string, unknown> }>;
            };
            expect(item.history.at(-1)).toMatchObject({
              status: "PROCESSED",
              attributes: { created: false },
            });

            // A second replay finds nothing left to send.
            const again = await ops(context, "replay", "--stack", "sit", "--day", day, "--dry-run");
            expect(again.out).toContain("DRY RUN: would replay 0; 2 refused (invalid)");

            // redrive: five audit events planted in the audit DLQ come back and are recorded once each.
            const dlq = inventory.deadLetterQueueNames.find(
              (q) => inventory.redriveSources[q] === inventory.auditQueueName,
            )!;
            const { QueueUrl } = await environment.clients.sqs.send(
              new GetQueueUrlCommand({ QueueName: dlq }),
            );
            const sender = new AuditSender({
              sqs: environment.clients.sqs,
              queueUrl: QueueUrl!,
              logger: new Logger({ service: "test", write: () => undefined }),
            });
            const planted5 = Array.from({ length: 5 }, (_, i) => `TXN-DLQ${i + 1}`);
            await sender.send(
              planted5.map((id) => ({
                transactionId: id,
                status: "FAILED",
                reason: "planted in the DLQ",
                component: "cta-case-creator",
                occurredAt: new Date().toISOString(),
              })),
            );
            const redrive = await ops(context, "redrive", dlq, "--stack", "sit");
            expect(redrive.code, `${redrive.out}\n${redrive.err}`).toBe(0);
            expect(redrive.out).toMatch(
              new RegExp(`^REDRIVEN: 5 message\\(s\\) moved ${dlq} → ${inventory.auditQueueName}`, "m"),
            );
            expect(redrive.err).toMatch(new RegExp(`before: ${dlq} 5 visible, 0 in flight`));
            await waitFor("the redriven events to be recorded", async () => {
              const rows = await scanAuditTable(environment.clients.dynamodb, table);
              return planted5.every((id) => rows.some((r) => r.transactionId === id));
            });
            const redriven = (await scanAuditTable(environment.clients.dynamodb, table)).filter((r) =>
              planted5.includes(r.transactionId),
            );
            for (const r of redriven)
              expect(r).toMatchObject({
                status: "FAILED",
                repeats: 0,
                history: [expect.objectContaining({ status: "FAILED" })],
              });

            const status = await ops(context, "status", "--stack", "sit");
            for (const q of [inventory.auditQueueName, ...inventory.deadLetterQueueNames])
              expect(status.out).toContain(`queue ${q}`);
            expect(status.out).toMatch(
              new RegExp(`token ${inventory.tokenSecretName} +last refreshed \\d{4}-.*; expires \\d{4}-`),
            );
            expect([0, 1]).toContain(status.code);
            expect(status.out).toMatch(
              status.code === 0 ? /^OK: nothing needs a person/m : /^NEEDS ATTENTION: /m,
            );
            seen.done = true;
          },
        },
        cleanup,
      );
    } finally {
      await cleanup.stopAll();
    }
    expect(seen.done).toBe(true);
  }, 420_000);
});

describe("npm run ops: bad input", () => {
  const context = contextFor("http://127.0.0.1:9");
  it("refuses an unknown stack, a wrong day and a queue that is not a dead-letter queue with one line naming the fix (exit 2)", async () => {
    const unknown = await ops(context, "failed", "--stack", "sitt", "--day", "2026-12-01");
    expect(unknown.code).toBe(2);
    expect(unknown.err.split("\n")[0]).toBe(
      "error: --stack sitt: no stack file Pulumi.sitt.yaml; stacks here: sit, prod, sit-london",
    );
    const day = await ops(context, "failed", "--stack", "sit", "--day", "2026-02-30");
    expect(day.code).toBe(2);
    expect(day.err.split("\n")[0]).toBe(
      'error: --day must be a UTC day as YYYY-MM-DD, e.g. --day 2026-12-01; got "2026-02-30"',
    );
    const notDlq = await ops(context, "redrive", inventory.auditQueueName, "--stack", "sit");
    expect(notDlq.code).toBe(2);
    expect(notDlq.err.split("\n")[0]).toMatch(
      new RegExp(
        `^error: ${inventory.auditQueueName} is not a dead-letter queue of stack sit; its dead-letter queues: `,
      ),
    );
    const noCommand = await ops(context, "tracee");
    expect(noCommand.code).toBe(2);
    expect(noCommand.err.split("\n")[0]).toBe(
      'error: unknown command "tracee"; use one of status, trace, failed, replay, redrive',
    );
  }, 60_000);

  it("says a redrive of a Lambda on-failure queue is not a redrive, and a missing table is a wrong stack or account (exit 1)", async () => {
    const { startEmulator } = await import("../local/emulator.js");
    const emulator = await startEmulator({ log: () => undefined });
    try {
      const empty = contextFor(emulator.endpoint);
      const onFailure = inventory.deadLetterQueueNames.find(
        (q) => !inventory.redriveSources[q] && q.includes("producer-failures"),
      )!;
      const refused = await ops(empty, "redrive", onFailure, "--stack", "sit");
      expect(refused.code).toBe(1);
      expect(refused.err).toContain(
        `cannot redrive ${onFailure}: it holds what Lambda or EventBridge Scheduler could not deliver`,
      );
      const missing = await ops(empty, "trace", "TXN-1", "--stack", "sit");
      expect(missing.code).toBe(1);
      expect(missing.err).toContain(
        `failed: audit table ${inventory.auditTableName} does not exist in eu-west-1: is the stack deployed (pulumi up)`,
      );
    } finally {
      await emulator.stop();
    }
  }, 120_000);
});

describe("redrive where SQS has its own move task", () => {
  it("starts StartMessageMoveTask from the DLQ to its source and follows it to COMPLETED", async () => {
    const { moveMessages } = await import("../ops/operate/redrive-command.js");
    const calls: string[] = [];
    const listings = [
      { Status: "RUNNING", ApproximateNumberOfMessagesMoved: 3, TaskHandle: "h1" },
      { Status: "COMPLETED", ApproximateNumberOfMessagesMoved: 5, TaskHandle: "h1" },
    ];
    const sqs = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        calls.push(`${command.constructor.name} ${JSON.stringify(command.input)}`);
        if (command.constructor.name === "StartMessageMoveTaskCommand") return { TaskHandle: "h1" };
        if (command.constructor.name === "ListMessageMoveTasksCommand")
          return { Results: [listings.shift()!] };
        throw new Error(`unexpected ${command.constructor.name}`);
      },
    };
    const moved: number[] = [];
    const result = await moveMessages(
      sqs as never,
      { name: "dlq", url: "https://sqs/dlq", arn: "arn:aws:sqs:eu-west-1:1:dlq" },
      { name: "home", url: "https://sqs/home", arn: "arn:aws:sqs:eu-west-1:1:home" },
      { ...DEFAULT_RETRY, sleep: async () => undefined },
      (n) => moved.push(n),
    );
    expect(result).toEqual({ method: "move-task", count: 5, failed: 0 });
    expect(moved).toEqual([3, 2]);
    expect(calls[0]).toBe(
      'StartMessageMoveTaskCommand {"SourceArn":"arn:aws:sqs:eu-west-1:1:dlq","DestinationArn":"arn:aws:sqs:eu-west-1:1:home"}',
    );
  });
});
