/**
 * `npm run migrate -- drain-check --stack sit-london` against the London stack's resources, created
 * in the emulator's eu-west-2 from the stack's own plan (unique prefix): "not drained" while a
 * message waits in the audit queue, a stream record is unread, an input file has no finished ledger
 * or a Glue run is active — each named in its own row — and "drained" once all are consumed.
 */
import { CreateJobCommand, StartJobRunCommand } from "@aws-sdk/client-glue";
import { PutRecordCommand } from "@aws-sdk/client-kinesis";
import { ListObjectVersionsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { recordAuditEvent } from "../handlers/audit-processor/audit-table.js";
import { clientConfigFor } from "../ops/lib/aws-clients.js";
import type { StackInventory } from "../ops/lib/stack-inventory.js";
import { EMULATOR_CREDENTIALS } from "../local/emulator.js";
import { provisionStack } from "../local/provision.js";
import { readWholeStream } from "../ops/migrate/drain-streams.js";
import { ledgerItem, loadItems, RETENTION_DAYS } from "./support/audit-history-fixtures.js";
import { emulatorEndpoint } from "./support/emulator.js";
import {
  cachedInventory,
  emulatorClients,
  migrate,
  recordingRetry,
  testContext,
  uniquePrefix,
} from "./support/migrate-context.js";

const prefix = uniquePrefix();
const london = emulatorClients("eu-west-2");
const args = ["drain-check", "--stack", "sit-london", "--config", `prefix=${prefix}`];
let inventory: StackInventory;
let auditQueueUrl: string;

/** moto finishes a Glue run the moment it is read unless told to hold runs in their first state. */
async function glueRunsStayActive(active: boolean): Promise<void> {
  const transition = active ? { progression: "manual", times: 1_000_000 } : { progression: "immediate" };
  const response = await fetch(`${emulatorEndpoint()}/moto-api/state-manager/set-transition`, {
    method: "POST",
    body: JSON.stringify({ model_name: "glue::job_run", transition }),
  });
  expect(response.status).toBe(201);
}

function row(stdout: string, name: string): string {
  const line = stdout.split("\n").find((l) => l.includes(name));
  if (!line) throw new Error(`no row for ${name} in:\n${stdout}`);
  return line;
}

async function settle(transactionId: string): Promise<void> {
  await recordAuditEvent(
    { dynamodb: london.dynamodb, tableName: inventory.auditTableName },
    {
      transactionId,
      status: "PROCESSED",
      component: "cta-case-creator",
      occurredAt: new Date().toISOString(),
      attributes: { salesforceId: "500D" },
    },
    { now: new Date(), retentionDays: RETENTION_DAYS },
  );
}

beforeAll(async () => {
  inventory = await cachedInventory("sit-london", { prefix });
  await provisionStack({
    stack: "sit-london",
    overrides: { prefix },
    clients: {
      ...london,
      secretsManager: new SecretsManagerClient({
        ...clientConfigFor("eu-west-2", emulatorEndpoint()),
        credentials: EMULATOR_CREDENTIALS,
      }),
    },
    emulator: { endpoint: emulatorEndpoint(), region: "eu-west-2" },
  });
  // The emulator's provisioning leaves Glue out (the local run does not need it); the job is what drain-check reads.
  await london.glue.send(
    new CreateJobCommand({
      Name: inventory.glueJobNames[0]!,
      Role: "arn:aws:iam::123456789012:role/glue",
      Command: { Name: "glueetl", ScriptLocation: "s3://assets/job.py" },
    }),
  );
  auditQueueUrl = (await london.sqs.send(new GetQueueUrlCommand({ QueueName: inventory.auditQueueName })))
    .QueueUrl!;
}, 180_000);

describe("drain-check sit-london", () => {
  it("is drained when nothing is in flight", async () => {
    const { code, io } = await migrate(testContext(), args);
    expect(io.stderr()).toContain(`drain-check sit-london (eu-west-2), read-only:`);
    expect(io.stdout()).toContain("drain-check sit-london: DRAINED");
    expect(code).toBe(0);
  }, 120_000);

  it("is not drained while a message, an unread record, an unfinished file or a Glue run is in flight, and names each", async () => {
    // Arrange
    const cta = inventory.pipelines.cta!;
    await london.sqs.send(
      new SendMessageCommand({
        QueueUrl: auditQueueUrl,
        MessageBody: JSON.stringify({ transactionId: "TXN-D1", status: "PUBLISHED" }),
      }),
    );
    await london.kinesis.send(
      new PutRecordCommand({
        StreamName: cta.stream,
        PartitionKey: "TXN-D2",
        Data: Buffer.from(
          JSON.stringify({ transactionId: "TXN-D2", customerId: "C-1", eventType: "KYC_REVIEW" }),
        ),
      }),
    );
    await london.kinesis.send(
      new PutRecordCommand({
        StreamName: cta.stream,
        PartitionKey: "garbage",
        Data: Buffer.from("not json"),
      }),
    );
    const upload = await london.s3.send(
      new PutObjectCommand({
        Bucket: cta.bucket!,
        Key: "in/batch-1.ndjson",
        Body: '{"transactionId":"TXN-D2"}\n',
      }),
    );
    await loadItems(london.dynamodb, inventory.auditTableName, [
      ledgerItem(cta.bucket!, "in/batch-1.ndjson", upload.VersionId!, "IN_PROGRESS"),
    ]);
    await glueRunsStayActive(true);
    await london.glue.send(new StartJobRunCommand({ JobName: inventory.glueJobNames[0]! }));

    // Act
    const { code, io } = await migrate(testContext(), args);

    // Assert
    const out = io.stdout();
    expect(code).toBe(1);
    expect(out).toContain("drain-check sit-london: NOT DRAINED — 4 check(s) failed");
    expect(row(out, `audit queue ${inventory.auditQueueName}`)).toMatch(
      /^FAIL .* 1 visible, 0 in flight, 0 delayed/,
    );
    expect(row(out, `cta stream ${cta.stream}`)).toMatch(
      /^FAIL .*2 record\(s\) in \d+ shard\(s\), 2 not settled/,
    );
    expect(row(out, `cta stream ${cta.stream}`)).toContain("TXN-D2 (no audit item)");
    expect(row(out, `cta stream ${cta.stream}`)).toContain(`#kinesis:${cta.stream}#`);
    expect(row(out, `cta input bucket ${cta.bucket}`)).toContain(
      `in/batch-1.ndjson@${upload.VersionId} (IN_PROGRESS)`,
    );
    expect(row(out, `Glue job ${inventory.glueJobNames[0]}`)).toMatch(
      /^FAIL .*1 run\(s\) active: jr_\w+ STARTING/,
    );
    for (const queue of inventory.deadLetterQueueNames)
      expect(row(out, `dead-letter queue ${queue}`)).toMatch(/^PASS/);
  }, 120_000);

  it("still counts a message being processed (in flight) as not drained", async () => {
    const received = await london.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: auditQueueUrl, VisibilityTimeout: 300 }),
    );
    expect(received.Messages).toHaveLength(1);
    const { code, io } = await migrate(testContext(), args);
    expect(code).toBe(1);
    expect(row(io.stdout(), `audit queue ${inventory.auditQueueName}`)).toMatch(
      /^FAIL .* 0 visible, 1 in flight/,
    );
    await london.sqs.send(
      new DeleteMessageCommand({
        QueueUrl: auditQueueUrl,
        ReceiptHandle: received.Messages![0]!.ReceiptHandle!,
      }),
    );
  }, 120_000);

  it("is drained once everything is consumed; a record for the external consumer cannot be checked and says so", async () => {
    // Arrange: the case creator settled both records (the undecodable one FAILED under its stream key,
    // as the case creator audits it), the producer finished the file, the Glue run ended; the Glue
    // job published one record for TMS.
    const cta = inventory.pipelines.cta!;
    await settle("TXN-D2");
    const undecodable: string[] = [];
    await readWholeStream(london.kinesis, cta.stream, recordingRetry(), async (batch) => {
      for (const r of batch)
        if (Buffer.from(r.data).toString() === "not json") undecodable.push(r.sequenceNumber);
    });
    await settle(`#kinesis:${cta.stream}#${undecodable[0]}`);
    const version = (await london.s3.send(new ListObjectVersionsCommand({ Bucket: cta.bucket! })))
      .Versions![0]!.VersionId!;
    await loadItems(london.dynamodb, inventory.auditTableName, [
      ledgerItem(cta.bucket!, "in/batch-1.ndjson", version, "COMPLETED"),
    ]);
    await glueRunsStayActive(false);
    await london.kinesis.send(
      new PutRecordCommand({
        StreamName: inventory.pipelines.tt!.stream,
        PartitionKey: "TT-1",
        Data: Buffer.from('{"transactionId":"TT-1"}'),
      }),
    );

    // Act
    const { code, io } = await migrate(testContext(), args);

    // Assert
    const out = io.stdout();
    expect(row(out, `audit queue ${inventory.auditQueueName}`)).toMatch(
      /^PASS .* 0 visible, 0 in flight, 0 delayed/,
    );
    expect(row(out, `cta stream ${cta.stream}`)).toMatch(
      /^PASS .*2 record\(s\) in \d+ shard\(s\), 0 not settled; no iterator-age datapoints/,
    );
    expect(row(out, `cta input bucket ${cta.bucket}`)).toMatch(
      /^PASS .*1 object version\(s\), 0 without a COMPLETED producer ledger/,
    );
    expect(row(out, `tt stream ${inventory.pipelines.tt!.stream} (external consumer)`)).toMatch(
      /^CANNOT CHECK .*1 record\(s\) within retention, newest arrived/,
    );
    expect(out).toContain("fix: ask the consumer (TMS) to confirm it has read past");
    expect(row(out, `Glue job ${inventory.glueJobNames[0]}`)).toMatch(
      /^PASS .*no active run \(1 run\(s\) in its history\)/,
    );
    expect(out).toMatch(/drain-check sit-london: DRAINED — \d+ check\(s\) passed, 1 could not be checked/);
    expect(code).toBe(0);
  }, 120_000);

  it("treats a record re-sent after its transaction was settled as unread", async () => {
    const cta = inventory.pipelines.cta!;
    await london.kinesis.send(
      new PutRecordCommand({
        StreamName: cta.stream,
        PartitionKey: "TXN-D2",
        Data: Buffer.from(
          JSON.stringify({ transactionId: "TXN-D2", customerId: "C-1", eventType: "KYC_REVIEW" }),
        ),
      }),
    );
    const before = await migrate(testContext(), args);
    expect(before.code).toBe(1);
    expect(row(before.io.stdout(), `cta stream ${cta.stream}`)).toContain(
      "TXN-D2 (PROCESSED before it arrived)",
    );
    await settle("TXN-D2");
    const after = await migrate(testContext(), args);
    expect(row(after.io.stdout(), `cta stream ${cta.stream}`)).toMatch(
      /^PASS .*3 record\(s\) .*0 not settled/,
    );
    expect(after.code).toBe(0);
  }, 120_000);

  it("leaves out input objects older than --inputs-since (uploaded before the producer kept a ledger)", async () => {
    const cta = inventory.pipelines.cta!;
    await london.s3.send(
      new PutObjectCommand({ Bucket: cta.bucket!, Key: "in/before-the-ledger.ndjson", Body: "{}\n" }),
    );
    const since = new Date(Date.now() + 2_000).toISOString();

    const all = await migrate(testContext(), args);
    const recent = await migrate(testContext(), [...args, "--inputs-since", since]);

    expect(row(all.io.stdout(), `cta input bucket ${cta.bucket}`)).toContain("in/before-the-ledger.ndjson@");
    expect(row(all.io.stdout(), `cta input bucket ${cta.bucket}`)).toContain("(no ledger)");
    expect(all.code).toBe(1);
    expect(row(recent.io.stdout(), `cta input bucket ${cta.bucket}`)).toMatch(
      new RegExp(`^PASS .*0 object version\\(s\\) since ${since.replace(/\./g, "\\.")}`),
    );
    expect(recent.code).toBe(0);
    const bad = await migrate(testContext(), [...args, "--inputs-since", "yesterday"]);
    expect(bad.code).toBe(2);
    expect(bad.io.stderr()).toContain(
      '--inputs-since must be an ISO time like 2026-11-30T00:00:00Z, got "yesterday"',
    );
  }, 120_000);
  it("is not drained when it cannot read what it must check (here: a stack that was never deployed)", async () => {
    const { code, io } = await migrate(testContext(), [
      "drain-check",
      "--stack",
      "sit-london",
      "--config",
      `prefix=${uniquePrefix()}`,
    ]);
    expect(code).toBe(1);
    expect(io.stdout()).toMatch(/^FAIL\s+audit queue \S+\s+not found in eu-west-2/m);
    expect(io.stdout()).toContain("fix: check the account and region (eu-west-2) of stack sit-london");
    expect(io.stdout()).toContain("drain-check sit-london: NOT DRAINED");
  }, 120_000);
  it("is not drained when a read is refused (a permissions problem is never taken for an empty queue)", async () => {
    const refusing = new Proxy(london.sqs, {
      get: (target, property, receiver) =>
        property === "send"
          ? async (command: { constructor: { name: string } }) => {
              if (command.constructor.name === "GetQueueAttributesCommand")
                throw Object.assign(new Error("User is not authorized to perform: sqs:getqueueattributes"), {
                  name: "AccessDenied",
                });
              return target.send(command as never);
            }
          : Reflect.get(target, property, receiver),
    });
    const { code, io } = await migrate(testContext({ clients: () => ({ ...london, sqs: refusing }) }), args);
    expect(code).toBe(1);
    expect(row(io.stdout(), `audit queue ${inventory.auditQueueName}`)).toMatch(
      /^FAIL .*could not read it: User is not authorized/,
    );
    expect(io.stdout()).toContain("fix: check the permissions listed in docs/region-migration.md");
  }, 120_000);
});
