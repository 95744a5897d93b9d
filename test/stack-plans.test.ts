import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../stacks/config-reader.js";
import { GLOBAL_RESOURCE_TYPES, planStack, type OfflinePlan } from "../stacks/offline/plan.js";
import { PROJECT_DIR } from "../stacks/stack-files.js";

const run = promisify(execFile);
const PROD_URL = { tokenUrl: "https://tiaa-auth.prod.kyc-bank.example/oauth2/token" };

function namesOf(plan: OfflinePlan, global: boolean): string[] {
  return plan.resources
    .filter((r) => r.physicalName !== undefined && GLOBAL_RESOURCE_TYPES.includes(r.type) === global)
    .map((r) => `${r.type} ${r.physicalName}`)
    .sort();
}

describe("offline plans of every stack file", () => {
  let sit: OfflinePlan;
  let london: OfflinePlan;
  let prod: OfflinePlan;

  beforeAll(async () => {
    sit = await planStack("sit");
    london = await planStack("sit-london");
    prod = await planStack("prod", PROD_URL);
  });

  it("declares every resource in the stack's own region", () => {
    for (const [plan, region] of [
      [sit, "eu-west-1"],
      [london, "eu-west-2"],
      [prod, "eu-west-1"],
    ] as const) {
      const regions = new Set(
        plan.resources.filter((r) => !r.type.startsWith("pulumi:providers:")).map((r) => r.region),
      );
      expect([...regions]).toEqual([region]);
      expect(plan.outputs.region).toBe(region);
    }
  });

  it("uses one explicit provider per stack, from aws:region", () => {
    const providers = london.resources.filter((r) => r.type === "pulumi:providers:aws");
    expect(providers.map((p) => p.inputs.region)).toEqual(["eu-west-2"]);
  });

  it("has no global-name collision between the eu-west-1 and eu-west-2 stacks of one env", () => {
    const ireland = new Set(namesOf(sit, true));
    const collisions = namesOf(london, true).filter((name) => ireland.has(name));
    expect(collisions).toEqual([]);
  });

  it("moving one stack's config to another region changes only the global names (they carry the region code)", async () => {
    const moved = await planStack("sit", { "aws:region": "eu-west-2" });
    expect(namesOf(moved, false)).toEqual(namesOf(sit, false));
    const globalNames = namesOf(moved, true);
    expect(globalNames.length).toBeGreaterThan(5);
    expect(globalNames.every((name) => name.includes("euw2"))).toBe(true);
    expect(globalNames.filter((name) => namesOf(sit, true).includes(name))).toEqual([]);
  });

  it("is deterministic: planning again gives the same names and inputs", async () => {
    const again = await planStack("sit");
    expect(again.resources.map((r) => [r.type, r.name, r.physicalName, JSON.stringify(r.inputs)])).toEqual(
      sit.resources.map((r) => [r.type, r.name, r.physicalName, JSON.stringify(r.inputs)]),
    );
  });

  it("refuses prod without its token URL, before declaring anything", async () => {
    await expect(planStack("prod")).rejects.toThrow(ConfigError);
    await expect(planStack("prod")).rejects.toThrow("pulumi config set --stack prod tokenUrl");
  });
});

describe("npm run plan", () => {
  const cli = (args: string[]) => run("npx", ["tsx", "stacks/plan-cli.ts", ...args], { cwd: PROJECT_DIR });

  it("--json prints only valid JSON rows of type, name, physicalName, region, inputs", async () => {
    const { stdout } = await cli(["sit", "--json"]);
    const rows = JSON.parse(stdout) as Array<Record<string, unknown>>;
    expect(rows.length).toBeGreaterThan(2);
    for (const row of rows)
      expect(Object.keys(row).sort()).toEqual(["inputs", "name", "physicalName", "region", "type"]);
    expect(rows.some((r) => r.type === "aws:kms/key:Key")).toBe(true);
  });

  it("prints a table and writes dashboards and IAM documents for review", async () => {
    const { stdout } = await cli(["sit-london"]);
    expect(stdout).toMatch(/^TYPE\s+LOGICAL NAME\s+PHYSICAL NAME\s+REGION/);
    expect(stdout).toMatch(/resources in stack sit-london \(eu-west-2\)/);
    const dir = join(PROJECT_DIR, "out", "plan", "sit-london");
    expect(existsSync(join(dir, "iam"))).toBe(true);
    expect(readdirSync(join(dir, "iam")).some((f) => f.endsWith(".json"))).toBe(true);
    // Beside each dashboard's JSON, its preview drawn from numbers marked SAMPLE.
    const dashboards = readdirSync(join(dir, "dashboards"))
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.slice(0, -".json".length));
    expect(dashboards).toHaveLength(2);
    for (const name of dashboards) {
      expect(
        readFileSync(join(dir, "dashboards", `${name}.png`))
          .subarray(1, 4)
          .toString(),
      ).toBe("PNG");
      expect(readFileSync(join(dir, "dashboards", `${name}.html`), "utf8")).toContain(
        '<span class="sample">SAMPLE</span>',
      );
      expect(stdout).toContain(join(dir, "dashboards", `${name}.png`));
    }
  });

  it("bad config: exit code 1 and the validation message, no stack trace", async () => {
    const failure = await cli(["prod"]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      "pulumi config set --stack prod tokenUrl https://<production TIAA auth URL>",
    );
    expect(failure?.stderr).not.toMatch(/\n\s+at /);
  });

  it("--config supplies a value as pulumi config set would", async () => {
    const { stdout } = await cli(["prod", "--json", "--config", `tokenUrl=${PROD_URL.tokenUrl}`]);
    expect((JSON.parse(stdout) as unknown[]).length).toBeGreaterThan(2);
  });
});
