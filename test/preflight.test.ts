/**
 * `npm run preflight` against the moto server: an account with everything the stack needs passes,
 * and each problem planted on its own fails with its fix. Every scenario uses a prefix of its own,
 * so its global names, CSM function and Glue database exist only in it. What moto does not answer
 * (Lambda's GetAccountSettings) must come out as "cannot-check", never as a pass; the concurrency
 * verdict itself is tested on numbers (judgeConcurrency).
 */
import { ImportCertificateCommand, RequestCertificateCommand } from "@aws-sdk/client-acm";
import { PutDashboardCommand } from "@aws-sdk/client-cloudwatch";
import { CreateDatabaseCommand, CreateTableCommand } from "@aws-sdk/client-glue";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { CreateFunctionCommand } from "@aws-sdk/client-lambda";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS } from "../local/emulator.js";
import { createCertificateAuthority } from "../local/pki.js";
import { inventoryOf, type StackInventory } from "../ops/lib/stack-inventory.js";
import type { CheckResult } from "../ops/lib/verdict.js";
import { runPreflightChecks } from "../ops/preflight/checks.js";
import { preflightMain } from "../ops/preflight/cli.js";
import { preflightClients, type PreflightClients } from "../ops/preflight/clients.js";
import { emulatorEndpoint } from "./support/emulator.js";

const REGION = "eu-west-1";
const PROD_URL = "https://tiaa-auth.prod.kyc-bank.example/oauth2/token";
let clients: PreflightClients;

/** A fresh, valid prefix (2-12 lower-case letters and digits). */
const newPrefix = () => `pf${randomBytes(4).toString("hex").slice(0, 7)}`;

/** Creates what a sit stack with `prefix` needs in moto and returns the config that points at it. */
async function passingAccount(prefix: string): Promise<Record<string, string>> {
  const role = await clients.iam.send(
    new CreateRoleCommand({
      RoleName: `${prefix}-csm-exec`,
      AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
    }),
  );
  await clients.lambda.send(
    new CreateFunctionCommand({
      FunctionName: `${prefix}-csm`,
      Runtime: "nodejs20.x",
      Role: role.Role!.Arn!,
      Handler: "index.handler",
      Code: { ZipFile: new Uint8Array([80, 75, 5, 6, ...new Array(18).fill(0)]) },
    }),
  );
  const certificate = await clients.acm.send(
    new RequestCertificateCommand({
      DomainName: `${prefix}.kyc.internal`,
      CertificateAuthorityArn: `arn:aws:acm-pca:${REGION}:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012`,
    }),
  );
  await clients.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: `${prefix}_db` } }));
  await clients.glue.send(
    new CreateTableCommand({
      DatabaseName: `${prefix}_db`,
      TableInput: { Name: "et_events", Parameters: { table_type: "ICEBERG" } },
    }),
  );
  return {
    prefix,
    csmLambdaName: `${prefix}-csm`,
    certificateArn: certificate.CertificateArn!,
    glueJobs: JSON.stringify([
      {
        name: "et-event-producer",
        pipeline: "tt",
        icebergTable: `${prefix}_db.et_events`,
        schedule: "cron(0 2 * * ? *)",
        tableLocation: "s3://bbkyc-datalake-{env}/kyc_db/et_events",
      },
    ]),
  };
}

const byName = (checks: CheckResult[]) => new Map(checks.map((c) => [c.name, c]));
const failed = (checks: CheckResult[]) => checks.filter((c) => c.status === "fail").map((c) => c.name);

describe("preflight against the emulator", () => {
  let passing: { overrides: Record<string, string>; inventory: StackInventory; checks: CheckResult[] };

  beforeAll(async () => {
    clients = preflightClients(REGION, emulatorEndpoint(), { credentials: EMULATOR_CREDENTIALS });
    const overrides = await passingAccount(newPrefix());
    const inventory = await inventoryOf("sit", overrides);
    passing = { overrides, inventory, checks: await runPreflightChecks(inventory, clients) };
  });

  it("passes an account that has everything, and says honestly what it could not check", () => {
    const checks = byName(passing.checks);
    expect(failed(passing.checks)).toEqual([]);
    expect([...checks.keys()]).toEqual([
      "AWS account",
      "Lambda concurrency quota",
      "Client certificate (ACM)",
      "CSM Lambda",
      "Glue table " + passing.inventory.config.glueJobs[0]!.icebergTable,
      "Alarm e-mail",
      "IAM role names",
      "S3 bucket names",
      "Dashboard names",
    ]);
    expect(checks.get("Client certificate (ACM)")).toMatchObject({
      status: "pass",
      detail: expect.stringMatching(/^PRIVATE, ISSUED, exportable, valid until \d{4}-/),
    });
    expect(checks.get("CSM Lambda")).toMatchObject({
      status: "pass",
      detail: expect.stringContaining("exists in this account"),
    });
    expect(checks.get("IAM role names")).toMatchObject({
      status: "pass",
      detail: "8 names: 8 free, 0 already this stack's",
    });
    expect(checks.get("S3 bucket names")).toMatchObject({
      status: "pass",
      detail: "2 names: 2 free, 0 already this stack's",
    });
    // moto serves no GetAccountSettings: not a pass, and the fix names the number to look for.
    const concurrency = checks.get("Lambda concurrency quota")!;
    expect(concurrency.status).toBe("cannot-check");
    expect(concurrency.detail).toContain("the stack needs 15 concurrent executions");
    expect(concurrency.fix).toMatch(/L-B99A9384.*at least 15/);
  });

  it("fails a missing CSM Lambda, a missing Iceberg table and a certificate that cannot be exported, each with its fix", async () => {
    const prefix = newPrefix();
    const ca = createCertificateAuthority("Preflight test CA");
    const leaf = ca.issue({ commonName: "kyc-token-manager", usage: "client" });
    const imported = await clients.acm.send(
      new ImportCertificateCommand({
        Certificate: new TextEncoder().encode(leaf.certificate),
        PrivateKey: new TextEncoder().encode(leaf.privateKey),
      }),
    );
    const inventory = await inventoryOf("sit", {
      ...(await passingAccount(prefix)),
      csmLambdaName: `${prefix}-no-such-csm`,
      certificateArn: imported.CertificateArn!,
      glueJobs: JSON.stringify([
        {
          name: "et-event-producer",
          pipeline: "tt",
          icebergTable: `${prefix}_db.missing`,
          schedule: "cron(0 2 * * ? *)",
          tableLocation: "s3://bbkyc-datalake-{env}/kyc_db/et_events",
        },
      ]),
    });
    const checks = byName(await runPreflightChecks(inventory, clients));

    expect(checks.get("CSM Lambda")).toMatchObject({
      status: "fail",
      detail: `${prefix}-no-such-csm does not exist in eu-west-1`,
      fix: expect.stringContaining("csmLambdaName"),
    });
    expect(checks.get(`Glue table ${prefix}_db.missing`)).toMatchObject({
      status: "fail",
      fix: expect.stringContaining(`Create ${prefix}_db.missing`),
    });
    expect(checks.get("Client certificate (ACM)")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("IMPORTED certificates cannot be exported"),
      fix: expect.stringContaining("private certificate"),
    });
  });

  it("fails a table that is not Iceberg, a certificate expiring within 30 days, and a certificate from another region or account", async () => {
    const prefix = newPrefix();
    const overrides = await passingAccount(prefix);
    await clients.glue.send(
      new CreateTableCommand({
        DatabaseName: `${prefix}_db`,
        TableInput: { Name: "plain_events", Parameters: { classification: "parquet" } },
      }),
    );
    const glueJobs = JSON.stringify([
      {
        name: "et-event-producer",
        pipeline: "tt",
        icebergTable: `${prefix}_db.plain_events`,
        schedule: "cron(0 2 * * ? *)",
        tableLocation: "s3://bbkyc-datalake-{env}/kyc_db/et_events",
      },
    ]);
    const inventory = await inventoryOf("sit", { ...overrides, glueJobs });
    const notAfter = /valid until (\d{4}-\d{2}-\d{2})/.exec(
      byName(passing.checks).get("Client certificate (ACM)")!.detail,
    )![1]!;
    const tenDaysBefore = new Date(Date.parse(notAfter) - 10 * 86_400_000);
    const checks = byName(await runPreflightChecks(inventory, clients, { now: tenDaysBefore }));
    expect(checks.get(`Glue table ${prefix}_db.plain_events`)).toMatchObject({
      status: "fail",
      detail: "exists but table_type is (none); the job reads it as an Iceberg table",
    });
    expect(checks.get("Client certificate (ACM)")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/^expires \d{4}-\d{2}-\d{2}, within 30 days$/),
    });

    const london = await inventoryOf("sit", {
      ...overrides,
      certificateArn: overrides.certificateArn!.replace(":eu-west-1:", ":eu-west-2:"),
    });
    expect(byName(await runPreflightChecks(london, clients)).get("Client certificate (ACM)")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("ACM certificates are regional"),
    });
    const elsewhere = await inventoryOf("sit", {
      ...overrides,
      certificateArn: overrides.certificateArn!.replace(":123456789012:", ":111122223333:"),
    });
    expect(
      byName(await runPreflightChecks(elsewhere, clients)).get("Client certificate (ACM)"),
    ).toMatchObject({ status: "fail", detail: expect.stringContaining("belongs to account 111122223333") });
  });

  it("fails global names held by someone else and passes the stack's own (a re-deploy)", async () => {
    const prefix = newPrefix();
    const overrides = await passingAccount(prefix);
    const inventory = await inventoryOf("sit", overrides);
    const roleNames = inventory.globalNames.filter((g) => g.type === "aws:iam/role:Role").map((g) => g.name);
    const trust = JSON.stringify({ Version: "2012-10-17", Statement: [] });
    await clients.iam.send(
      new CreateRoleCommand({ RoleName: roleNames[0]!, AssumeRolePolicyDocument: trust }),
    );
    await clients.iam.send(
      new CreateRoleCommand({
        RoleName: roleNames[1]!,
        AssumeRolePolicyDocument: trust,
        Tags: [
          { Key: "Project", Value: "kyc-platform" },
          { Key: "Stack", Value: "sit" },
        ],
      }),
    );
    const bucket = inventory.globalNames.find((g) => g.type === "aws:s3/bucket:Bucket")!.name;
    await clients.s3.send(
      new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    const dashboard = inventory.dashboardNames[0]!;
    await clients.cloudWatch.send(
      new PutDashboardCommand({ DashboardName: dashboard, DashboardBody: JSON.stringify({ widgets: [] }) }),
    );

    const checks = byName(await runPreflightChecks(inventory, clients));
    expect(checks.get("IAM role names")).toMatchObject({
      status: "fail",
      detail: `${roleNames[0]} (exists, not tagged as this stack's) — 6 free, 1 already this stack's`,
    });
    expect(checks.get("IAM role names")!.fix).toContain("another prefix");
    expect(checks.get("S3 bucket names")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining(`${bucket} (exists in this account without tags)`),
    });
    expect(checks.get("Dashboard names")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining(
        `${dashboard} (exists and does not show this stack; pulumi up would overwrite it)`,
      ),
    });
  });

  it("fails prod without an alarm e-mail, and a credentials secret that does not exist or has no value", async () => {
    const prefix = newPrefix();
    const empty = await clients.secretsManager.send(
      new CreateSecretCommand({ Name: `${prefix}-tiaa-credentials` }),
    );
    const overrides = { ...(await passingAccount(prefix)), tokenUrl: PROD_URL, alarmEmail: "" };
    const prod = byName(
      await runPreflightChecks(
        await inventoryOf("prod", {
          ...overrides,
          credentialSource: "secret",
          credentialSecretArn: empty.ARN!,
        }),
        clients,
      ),
    );
    expect(prod.get("Alarm e-mail")).toMatchObject({
      status: "fail",
      fix: "pulumi config set --stack prod alarmEmail <on-call address>",
    });
    expect(prod.get("Credentials secret")).toMatchObject({
      status: "fail",
      detail: `${prefix}-tiaa-credentials exists but has no current value`,
    });

    const missingArn = `arn:aws:secretsmanager:${REGION}:123456789012:secret:${prefix}-no-such-secret-AbCdEf`;
    const missing = byName(
      await runPreflightChecks(
        await inventoryOf("sit", {
          ...overrides,
          tokenUrl: "https://tiaa.example/token",
          credentialSource: "secret",
          credentialSecretArn: missingArn,
        }),
        clients,
      ),
    );
    expect(missing.get("Credentials secret")).toMatchObject({
      status: "fail",
      detail: `${missingArn} does not exist in eu-west-1`,
    });
    expect(missing.has("CSM Lambda")).toBe(false);
  });

  it("as a command: announces, shows progress, prints every check with its fix, exits 1 on a failure and 0 when ready", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) };
    const configArgs = (overrides: Record<string, string>) =>
      Object.entries(overrides).flatMap(([k, v]) => ["--config", `${k}=${v}`]);
    const deps = { clients: () => clients };

    const ready = await preflightMain(["sit", ...configArgs(passing.overrides)], io, deps);
    expect(out.at(-1)).toMatch(
      /preflight sit: READY — 8 check\(s\) passed, 1 could not be checked \(see above\)$/,
    );
    expect(ready).toBe(0);

    const code = await preflightMain(
      ["sit", ...configArgs({ ...passing.overrides, csmLambdaName: "no-such-csm-function" })],
      io,
      deps,
    );
    expect(code).toBe(1);
    expect(err.join("\n")).toContain(
      "preflight sit: read-only checks of account and region eu-west-1 for what pulumi up needs",
    );
    expect(err.join("\n")).toMatch(/9 checks/);
    const report = out.at(-1)!;
    expect(report).toMatch(/^FAIL +CSM Lambda +no-such-csm-function does not exist in eu-west-1$/m);
    expect(report).toMatch(/^ +fix: Set csmLambdaName/m);
    expect(report).toMatch(/^CANNOT CHECK +Lambda concurrency quota/m);
    expect(report).toMatch(/preflight sit: NOT READY — 1 check\(s\) failed, 1 could not be checked$/);
  });

  it("refuses a wrong command line with exit 2 and one line naming the fix", async () => {
    const err: string[] = [];
    const io = { out: () => undefined, err: (t: string) => void err.push(t) };
    expect(await preflightMain(["staging"], io, { clients: () => clients })).toBe(2);
    expect(err.at(-1)).toMatch(/^error: no stack "staging"; use one of prod, sit, sit-london\n/);
    expect(await preflightMain(["sit", "--config", "prefix"], io, { clients: () => clients })).toBe(2);
    expect(err.at(-1)).toMatch(/^error: --config takes key=value, got "prefix"/);
    expect(await preflightMain([], io)).toBe(2);
  });
});
