/**
 * `npm run migrate -- preflight --from sit-london --to sit`: offline checks of the move (both plans,
 * names, pipelines), the table of what changes outside, and the injected target prerequisites.
 */
import { describe, expect, it } from "vitest";
import type { StackInventory } from "../ops/lib/stack-inventory.js";
import type { CheckResult } from "../ops/lib/verdict.js";
import { runPreflightChecks } from "../ops/preflight/checks.js";
import { preflightClients } from "../ops/preflight/clients.js";
import { EMULATOR_CREDENTIALS } from "../local/emulator.js";
import { emulatorEndpoint } from "./support/emulator.js";
import { migrate, testContext } from "./support/migrate-context.js";

const move = ["preflight", "--from", "sit-london", "--to", "sit"];

function row(stdout: string, start: string): string {
  const line = stdout
    .split("\n")
    .find((l) => l.replace(/^(PASS|FAIL|CANNOT CHECK)\s+/, "").startsWith(start) || l.startsWith(start));
  if (!line) throw new Error(`no row starting ${start} in:\n${stdout}`);
  return line;
}

describe("preflight sit-london → sit", () => {
  it("is ready, lists what changes for the outside world and includes the target's account checks", async () => {
    const { code, io } = await migrate(testContext(), move);
    const out = io.stdout();
    expect(io.stderr()).toContain("plan both stacks offline");
    expect(row(out, "cta input bucket")).toMatch(
      /bbkyc-cta-input-sit-euw2 \(eu-west-2\)\s+→\s+bbkyc-cta-input-sit-euw1 \(eu-west-1\)\s+producers/,
    );
    expect(row(out, "tt stream")).toMatch(
      /bbkyc-tt-event-stream-sit \(eu-west-2\)\s+→\s+bbkyc-tt-event-stream-sit \(eu-west-1\)\s+external consumer \(TMS\)/,
    );
    expect(row(out, "TIAA token secret")).toContain("bbkyc-tiaa-token-sit (eu-west-1)");
    expect(row(out, "functional dashboard")).toMatch(
      /bbkyc-functional-sit-euw2\s+→\s+bbkyc-functional-sit-euw1/,
    );
    expect(row(out, "alarm topic")).toContain("must be confirmed again");
    expect(out).not.toMatch(/^cta stream/m); // the case-creating stream is internal: nobody outside reads it
    expect(row(out, "names free of the source")).toMatch(/^PASS/);
    expect(row(out, "sit account prerequisites")).toMatch(/^PASS .*stubbed in this test/);
    expect(out).toContain("preflight sit-london → sit: READY — 7 check(s) passed");
    expect(code).toBe(0);
  }, 120_000);

  it("checks the target's account with the deploy preflight's own checks (a fresh account is not ready)", async () => {
    const deployPreflight = (target: StackInventory) =>
      runPreflightChecks(
        target,
        preflightClients(target.region, emulatorEndpoint(), { credentials: EMULATOR_CREDENTIALS }),
      );
    const { code, io } = await migrate(testContext({ targetPrerequisites: deployPreflight }), move);
    const out = io.stdout();
    for (const check of ["AWS account", "Lambda concurrency quota", "Client certificate (ACM)", "CSM Lambda"])
      expect(out).toContain(check);
    expect(row(out, "Client certificate (ACM)")).toMatch(/^FAIL/); // nothing planted in the emulator
    expect(code).toBe(1);
  }, 120_000);

  it("fails on a planted collision and names the colliding names, account-global ones first", async () => {
    // The target planted in the source's region: every name of the source is taken, the global ones across the account.
    const { code, io } = await migrate(testContext(), [...move, "--to-config", "aws:region=eu-west-2"]);
    const out = io.stdout();
    expect(code).toBe(1);
    expect(row(out, "regions")).toMatch(/^FAIL .*both stacks are in eu-west-2/);
    const names = row(out, "names free of the source");
    expect(names).toMatch(
      /^FAIL .*name\(s\) of sit are also sit-london's: aws:cloudwatch\/dashboard:Dashboard bbkyc-functional-sit-euw2/,
    );
    expect(names).toContain("aws:s3/bucket:Bucket bbkyc-cta-input-sit-euw2");
    expect(names).toContain("aws:iam/role:Role bbkyc-audit-processor-sit-euw2");
    expect(out).toContain("fix: give the target its own region");
    expect(out).toContain("preflight sit-london → sit: NOT READY — 2 check(s) failed");
  }, 120_000);

  it("fails when the target drops a pipeline or Glue job the source has", async () => {
    const onlyCta = JSON.stringify([
      { name: "cta", label: "CTA case events", shardCount: 4, source: "s3", caseCreator: true },
    ]);
    const { code, io } = await migrate(testContext(), [
      ...move,
      "--to-config",
      `pipelines=${onlyCta}`,
      "--to-config",
      "glueJobs=[]",
    ]);
    expect(row(io.stdout(), "pipelines")).toMatch(
      /^FAIL .*the target has no pipeline tt: its producers would have nowhere to send files/,
    );
    expect(row(io.stdout(), "Glue jobs")).toMatch(/^FAIL .*the target has no job for et-event-producer/);
    expect(code).toBe(1);
  }, 120_000);

  it("fails when a stack does not plan, with the plan's own message", async () => {
    const { code, io } = await migrate(testContext(), ["preflight", "--from", "sit-london", "--to", "prod"]);
    expect(row(io.stdout(), "target stack plans")).toMatch(/^FAIL .*prod: .*tokenUrl/);
    expect(io.stdout()).toContain("fix: npm run plan -- prod shows the same error");
    expect(code).toBe(1);
  }, 120_000);

  it("runs the injected target prerequisites with the target's inventory and fails on theirs", async () => {
    const seen: StackInventory[] = [];
    const prerequisites = async (target: StackInventory): Promise<CheckResult[]> => {
      seen.push(target);
      return [
        {
          name: "Lambda concurrency quota",
          status: "fail",
          detail: "quota 10, the stack needs 26",
          fix: "ask AWS for more",
        },
      ];
    };
    const { code, io } = await migrate(testContext({ targetPrerequisites: prerequisites }), move);
    expect(seen.map((t) => [t.stack, t.region])).toEqual([["sit", "eu-west-1"]]);
    expect(row(io.stdout(), "Lambda concurrency quota")).toMatch(/^FAIL .*quota 10, the stack needs 26/);
    expect(code).toBe(1);
  }, 120_000);

  it("refuses a wrong command line with one line naming the fix (exit 2)", async () => {
    const same = await migrate(testContext(), ["preflight", "--from", "sit", "--to", "sit"]);
    expect(same.code).toBe(2);
    expect(same.io.stderr()).toContain(
      "error: --from and --to are both sit; name the stack you move to with --to",
    );
    const unknown = await migrate(testContext(), ["preflight", "--from", "sit-londn", "--to", "sit"]);
    expect(unknown.code).toBe(2);
    expect(unknown.io.stderr()).toContain(
      "error: --from sit-londn: no stack file Pulumi.sit-londn.yaml; stacks here: prod, sit, sit-london",
    );
    const missing = await migrate(testContext(), ["preflight", "--from", "sit-london"]);
    expect(missing.code).toBe(2);
    expect(missing.io.stderr()).toContain("error: --to is required: --to STACK");
  });
});
