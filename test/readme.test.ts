import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR, projectConfigDeclarations } from "../stacks/stack-files.js";

const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");

describe("README stays true", () => {
  it("the config reference lists every key Pulumi.yaml declares, with its default", () => {
    for (const [key, declaration] of Object.entries(projectConfigDeclarations())) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${key}\` |`));
      expect(row ?? "", `README has no config row for ${key}`).toMatch(/^\| `[^`]+` \| (string|integer|list|map) \|/);
      if (declaration.type !== undefined && declaration.default !== undefined && declaration.default !== "") {
        expect(row, key).toContain(String(declaration.default));
      }
      if (declaration.type !== undefined && declaration.default === undefined) expect(row, key).toContain("**required**");
    }
  });

  it("names the two set-up commands and the plan command", () => {
    expect(readme).toContain("npm ci && npm start");
    expect(readme).toContain("npm ci && npm test");
    expect(readme).toContain("npm run plan -- sit --json");
  });
});
