/**
 * `npm run plan -- <stack> [--json] [--config key=value ...]`
 *
 * Renders what a stack would create — type, logical name, physical name, region — without
 * credentials, and writes dashboard bodies and IAM policy documents to `out/plan/<stack>/` for review,
 * with a preview of each dashboard beside its JSON (`<name>.html`, `<name>.png`) drawn from clearly
 * marked SAMPLE numbers (a plan has no metrics).
 * With `--json` it prints only `[{type, name, physicalName, region, inputs}]`.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "./config-reader.js";
import { SampleMetricSource } from "../preview/metric-source.js";
import { declaredDashboards, writePreviews } from "../preview/write-previews.js";
import { planStack } from "./offline/plan.js";
import type { RecordedResource } from "./offline/recording-mocks.js";
import { PROJECT_DIR, stackNames } from "./stack-files.js";

interface CliArgs {
  stack: string;
  json: boolean;
  overrides: Record<string, string>;
}

function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { stack: "", json: false, overrides: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--json") args.json = true;
    else if (arg === "--config") {
      const pair = argv[++i] ?? "";
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new UsageError(`--config takes key=value, got "${pair}"`);
      args.overrides[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else if (!arg.startsWith("-") && args.stack === "") args.stack = arg;
    else throw new UsageError(`unknown argument "${arg}"`);
  }
  if (args.stack === "") throw new UsageError("name a stack");
  return args;
}

class UsageError extends Error {}

function policyDocuments(resources: RecordedResource[]): Record<string, unknown> {
  const documents: Record<string, unknown> = {};
  for (const r of resources) {
    if (r.type === "aws:iam/rolePolicy:RolePolicy")
      documents[`${r.physicalName ?? r.name}.policy.json`] = JSON.parse(r.inputs.policy);
    if (r.type === "aws:iam/role:Role")
      documents[`${r.physicalName ?? r.name}.trust.json`] = JSON.parse(r.inputs.assumeRolePolicy);
    if (r.type === "aws:kms/key:Key" && r.inputs.policy)
      documents[`${r.name}.key-policy.json`] = JSON.parse(r.inputs.policy);
    if (r.type === "aws:sqs/queuePolicy:QueuePolicy" || r.type === "aws:s3/bucketPolicy:BucketPolicy") {
      documents[`${r.name}.resource-policy.json`] = JSON.parse(r.inputs.policy);
    }
  }
  return documents;
}

function writeReviewFiles(stack: string, resources: RecordedResource[]): string {
  const dir = join(PROJECT_DIR, "out", "plan", stack);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "dashboards"), { recursive: true });
  mkdirSync(join(dir, "iam"), { recursive: true });
  for (const r of resources.filter((r) => r.type === "aws:cloudwatch/dashboard:Dashboard")) {
    writeFileSync(
      join(dir, "dashboards", `${r.physicalName}.json`),
      `${JSON.stringify(JSON.parse(r.inputs.dashboardBody), null, 2)}\n`,
    );
  }
  for (const [file, document] of Object.entries(policyDocuments(resources))) {
    writeFileSync(join(dir, "iam", file), `${JSON.stringify(document, null, 2)}\n`);
  }
  return dir;
}

/** Previews of every dashboard, drawn from made-up numbers that every picture marks as SAMPLE. */
async function writeSamplePreviews(resources: RecordedResource[], dir: string): Promise<string[]> {
  const end = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  const written = await writePreviews(declaredDashboards(resources), dir, {
    source: new SampleMetricSource(),
    range: { start: new Date(end.getTime() - 24 * 3_600_000), end },
    subtitle: "SAMPLE numbers (made up for review; a plan has no metrics)",
    alarmNote: "SAMPLE: alarm states exist only in AWS",
    logNote: "SAMPLE: Logs Insights rows exist only in AWS (the columns are the query's)",
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  return written.flatMap((w) => [w.png, w.html]);
}

function table(resources: RecordedResource[]): string {
  const rows = resources.map((r) => [
    r.type,
    r.name,
    r.physicalName ?? "",
    r.type.startsWith("pulumi:providers") ? "" : (r.region ?? ""),
  ]);
  const header = ["TYPE", "LOGICAL NAME", "PHYSICAL NAME", "REGION"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

async function main(): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(
      `${(error as Error).message}\nusage: npm run plan -- <stack> [--json] [--config key=value]\nstacks: ${stackNames().join(", ")}\n`,
    );
    return 2;
  }
  try {
    const plan = await planStack(args.stack, args.overrides);
    const resources = plan.resources;
    const dir = writeReviewFiles(args.stack, resources);
    const previews = await writeSamplePreviews(resources, join(dir, "dashboards"));
    if (args.json) {
      const rows = resources.map((r) => ({
        type: r.type,
        name: r.name,
        physicalName: r.physicalName ?? null,
        region: r.region ?? null,
        inputs: r.inputs,
      }));
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else {
      process.stdout.write(
        `${table(resources)}\n\n${resources.length} resources in stack ${args.stack} (${plan.config.region}).\n`,
      );
      process.stdout.write(`Dashboard bodies and IAM policy documents: ${dir}\n`);
      process.stdout.write(
        `Dashboard previews (SAMPLE numbers):\n${previews.map((p) => `  ${p}`).join("\n")}\n`,
      );
    }
    return 0;
  } catch (error) {
    if (
      error instanceof ConfigError ||
      (error instanceof Error && error.message.startsWith("No stack file"))
    ) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main();
