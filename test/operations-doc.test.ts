/**
 * docs/operations.md and the README's "Operate it" section stay true: every `npm run ops` line is a
 * command line the real tool accepts, for a stack that exists, and every queue it redrives is a
 * dead-letter queue of that stack with a source to go back to. The commands themselves run in
 * ops-tools.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseArgs } from "../ops/lib/cli.js";
import { inventoryOf } from "../ops/lib/stack-inventory.js";
import { opsSpecs } from "../ops/operate/commands.js";
import { PROJECT_DIR, stackNames } from "../stacks/stack-files.js";

const runbook = readFileSync(join(PROJECT_DIR, "docs", "operations.md"), "utf8");
const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## Operate it"), readme.indexOf("## Move to another region"));
const START = "npm run ops -- ";

/** Lines of fenced blocks and `inline code` that start with the tool, without trailing comments; quoted words kept whole. */
function opsLines(markdown: string): string[][] {
  const fenced = [...markdown.matchAll(/```bash\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split("\n"));
  const inline = [...markdown.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return (
    [...fenced, ...inline]
      .map((line) => line.replace(/\s+#\s.*$/, "").trim())
      // `npm run ops -- <command> …` describes the tool, it is not a command line.
      .filter((line) => line.startsWith(START) && !line.startsWith(`${START}<`))
      .map((line) =>
        [...line.slice(START.length).matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map(
          (m) => m[1] ?? m[2] ?? m[3]!,
        ),
      )
  );
}

describe("docs/operations.md", () => {
  const lines = [...opsLines(runbook), ...opsLines(section)];

  it("uses every ops command, each line one the tool accepts, for stacks that exist and queues it can redrive", async () => {
    expect(new Set(lines.map((l) => l[0]))).toEqual(new Set(Object.keys(opsSpecs)));
    const inventories = new Map<string, Awaited<ReturnType<typeof inventoryOf>>>();
    for (const [command, ...argv] of lines) {
      const spec = opsSpecs[command!];
      expect(Object.keys(opsSpecs), `${command} ${argv.join(" ")}`).toContain(command);
      const args = parseArgs(spec!, argv);
      const stack = args.options.stack as string;
      expect(stackNames()).toContain(stack);
      if (command === "redrive") {
        const inventory = inventories.get(stack) ?? (await inventoryOf(stack));
        inventories.set(stack, inventory);
        expect(Object.keys(inventory.redriveSources), `redrive ${args.positionals.queue}`).toContain(
          args.positionals.queue,
        );
      }
    }
    expect(lines.length).toBeGreaterThanOrEqual(10);
  }, 120_000);

  it("is linked from the README", () => {
    expect(section).toContain("(docs/operations.md)");
  });
});
