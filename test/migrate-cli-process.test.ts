/**
 * The real `npm run migrate` entry point as a process, against the emulator (AWS_ENDPOINT_URL):
 * Ctrl-C (SIGINT) during copy-audit stops after the pages in hand with exit 1 and a checkpoint, the
 * same command resumes to exit 0, and a wrong command line exits 2 with one line naming the fix.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { auditTableDefinition } from "../handlers/audit-processor/audit-table.js";
import { PROJECT_DIR } from "../stacks/stack-files.js";
import { buildAuditItems, loadItems } from "./support/audit-history-fixtures.js";
import { emulatorEndpoint } from "./support/emulator.js";
import {
  cachedInventory,
  emulatorClients,
  uniquePrefix,
  londonToIrelandArgs,
} from "./support/migrate-context.js";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function migrateProcess(argv: string[], interruptWhen?: () => boolean): Promise<Run> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(PROJECT_DIR, "ops/migrate/cli.ts"), ...argv],
    {
      cwd: PROJECT_DIR,
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: emulatorEndpoint(),
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
        AWS_REGION: "eu-west-1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = interruptWhen
    ? setInterval(() => {
        if (interruptWhen()) {
          clearInterval(timer);
          child.kill("SIGINT");
        }
      }, 50)
    : undefined;
  return new Promise((resolve) =>
    child.on("exit", (code) => {
      if (timer) clearInterval(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe("npm run migrate as a process", () => {
  it("stops copy-audit on Ctrl-C with a checkpoint, and the same command resumes it", async () => {
    // Arrange: 60 items, pages of 5 so the copy is still running when the first checkpoint is saved.
    const prefix = uniquePrefix();
    const { auditTableName } = await cachedInventory("sit-london", { prefix });
    const london = emulatorClients("eu-west-2");
    const ireland = emulatorClients("eu-west-1");
    await london.dynamodb.send(new CreateTableCommand(auditTableDefinition(auditTableName)));
    await ireland.dynamodb.send(new CreateTableCommand(auditTableDefinition(auditTableName)));
    await loadItems(london.dynamodb, auditTableName, buildAuditItems(60, 5));
    const checkpoint = join(mkdtempSync(join(tmpdir(), "migrate-cli-")), "copy.json");
    const argv = [
      "copy-audit",
      ...londonToIrelandArgs(prefix),
      "--segments",
      "1",
      "--concurrency",
      "1",
      "--page-size",
      "5",
      "--checkpoint",
      checkpoint,
    ];

    // Act: Ctrl-C once the first page is saved
    const interrupted = await migrateProcess(argv, () => existsSync(checkpoint));
    const resumed = await migrateProcess(argv);

    // Assert
    expect(interrupted.stderr).toContain("stopping after the pages in hand and saving the checkpoint");
    expect(interrupted.stdout).toContain("INTERRUPTED");
    expect(interrupted.code).toBe(1);
    expect(resumed.stderr).toContain(`resuming ${checkpoint}`);
    expect(resumed.stdout).toContain("COMPLETE");
    expect(resumed.stdout).toMatch(/items read from the source\s+60\n/);
    expect(resumed.code).toBe(0);
  }, 180_000);

  it("exits 2 on a wrong command line, naming the fix in one line", async () => {
    const run = await migrateProcess([
      "copy-audit",
      "--from",
      "sit-london",
      "--to",
      "sit",
      "--segments",
      "zero",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr.split("\n")[0]).toBe(
      'error: --segments must be a whole number of at least 1, got "zero"',
    );
    const unknown = await migrateProcess(["copy"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'error: unknown command "copy"; use one of preflight, drain-check, copy-audit, verify-audit',
    );
  }, 60_000);
});
