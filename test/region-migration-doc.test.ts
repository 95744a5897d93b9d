/**
 * The region-migration runbook stays true: every `npm run migrate` line in it (and in the README's
 * section) is a command line the real tool accepts, naming stacks that exist; every `npm run plan`
 * line plans; every `pulumi config set` key is one the program declares. The commands themselves
 * run in migrate-*.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseArgs } from "../ops/lib/cli.js";
import { migrateSpecs } from "../ops/migrate/commands.js";
import { planStack } from "../stacks/offline/plan.js";
import { PROJECT_DIR, projectConfigDeclarations, stackNames } from "../stacks/stack-files.js";

const runbook = readFileSync(join(PROJECT_DIR, "docs", "region-migration.md"), "utf8");
const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
const readmeSection = readme.slice(
  readme.indexOf("## Move to another region"),
  readme.indexOf("## What a stack deploys"),
);

/** Command lines in fenced blocks and in `inline code`, without trailing comments. */
function commandLines(markdown: string, start: string): string[] {
  const fenced = [...markdown.matchAll(/```bash\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split("\n"));
  const inline = [...markdown.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return [...fenced, ...inline]
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line.startsWith(start) && line.length > start.length);
}

const words = (line: string, start: string) => line.slice(start.length).trim().split(/\s+/);

describe("docs/region-migration.md", () => {
  const migrateLines = [
    ...commandLines(runbook, "npm run migrate -- "),
    ...commandLines(readmeSection, "npm run migrate -- "),
  ];

  it("is linked from the README's 'Move to another region' section", () => {
    expect(readmeSection).toContain("(docs/region-migration.md)");
    expect(readme).toMatch(/\| `docs\/` \|.*`region-migration\.md`/);
  });

  it("uses every migrate command, each line one the tool accepts with stacks that exist", () => {
    expect(new Set(migrateLines.map((l) => words(l, "npm run migrate -- ")[0]))).toEqual(
      new Set(Object.keys(migrateSpecs)),
    );
    for (const line of migrateLines) {
      const [command, ...argv] = words(line, "npm run migrate -- ");
      const spec = migrateSpecs[command!];
      expect(Object.keys(migrateSpecs), line).toContain(command);
      let args: ReturnType<typeof parseArgs>;
      try {
        args = parseArgs(spec!, argv);
      } catch (error) {
        throw new Error(`runbook line "${line}": ${(error as Error).message}`);
      }
      for (const option of ["from", "to", "stack"]) {
        if (args.options[option] !== undefined) expect(stackNames(), line).toContain(args.options[option]);
      }
    }
    expect(migrateLines.length).toBeGreaterThanOrEqual(12);
  });

  it("names only config keys the program declares in its pulumi config set lines, for stacks that exist", () => {
    const declared = new Set(Object.keys(projectConfigDeclarations()));
    const lines = commandLines(runbook, "pulumi config set ");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      const argv = words(line, "pulumi config set ");
      const stackAt = argv.indexOf("--stack");
      if (stackAt !== -1) expect(stackNames(), line).toContain(argv[stackAt + 1]);
      const key = argv.filter((_, i) => i !== stackAt && i !== stackAt + 1 && !argv[i]!.startsWith("--"))[0]!;
      expect(key === "aws:region" || declared.has(key), `${line}: ${key}`).toBe(true);
    }
    for (const line of [
      ...commandLines(runbook, "pulumi "),
      ...commandLines(runbook, "pulumi stack init "),
    ]) {
      const argv = line.split(/\s+/);
      const stack = argv.includes("--stack")
        ? argv[argv.indexOf("--stack") + 1]
        : argv[1] === "stack"
          ? argv[3]
          : undefined;
      if (stack !== undefined) expect(stackNames(), line).toContain(stack);
    }
  });

  it("plans every npm run plan line, and the cut-over's London plan has no Glue job left", async () => {
    const lines = commandLines(runbook, "npm run plan -- ");
    expect(lines).toContain("npm run plan -- sit-london --config glueJobs=[]");
    for (const line of [...new Set(lines)]) {
      const [stack, ...rest] = words(line, "npm run plan -- ");
      const overrides: Record<string, string> = {};
      for (let i = 0; i < rest.length; i += 2) {
        expect(rest[i], line).toBe("--config");
        const [key, ...value] = rest[i + 1]!.split("=");
        overrides[key!] = value.join("=");
      }
      const plan = await planStack(stack!, overrides);
      expect(plan.resources.length, line).toBeGreaterThan(50);
      if (overrides.glueJobs === "[]")
        expect(plan.resources.filter((r) => r.type.startsWith("aws:glue/"))).toEqual([]);
    }
  }, 120_000);
});
