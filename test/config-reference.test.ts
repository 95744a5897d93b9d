/**
 * The config schema (stacks/config-schema/) is the one description of every key: the README's
 * reference is generated from it, and Pulumi.yaml (which the Pulumi CLI reads) declares the same
 * keys with the same defaults.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { configKeys } from "../stacks/config-schema/index.js";
import { configReferenceTable, withReference } from "../stacks/config-schema/reference.js";
import { PROJECT_DIR, projectConfigDeclarations } from "../stacks/stack-files.js";

const keys = configKeys({ stack: "sit", env: "sit" });
const projectKeys = Object.entries(keys).filter(([key]) => !key.includes(":"));

describe("the README's config reference", () => {
  it("is the table generated from the schema (run `npm run docs:config` after changing a key)", () => {
    const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
    expect(withReference(readme)).toBe(readme);
  });

  it("has one row per key, each with a type, a default and a description", () => {
    const rows = configReferenceTable().split("\n").slice(2);
    expect(rows).toHaveLength(Object.keys(keys).length);
    for (const row of rows)
      expect(row).toMatch(/^\| `[^`]+` \| (string|integer|list|map) \| [^|]+ \| .{10,} \|$/);
  });
});

describe("Pulumi.yaml and the schema agree", () => {
  const declarations = projectConfigDeclarations();

  it("declare the same keys", () => {
    expect(Object.keys(declarations).sort()).toEqual(projectKeys.map(([key]) => key).sort());
  });

  it("give every scalar key the same default: the schema's, or empty when the schema has none", () => {
    for (const [key, schema] of projectKeys) {
      const declared = declarations[key]!;
      if (declared.value !== undefined) continue;
      const unset = z.safeParse(schema, undefined);
      expect(String(declared.default), key).toBe(
        unset.success && unset.data !== undefined ? String(unset.data) : "",
      );
    }
  });

  it("structured defaults (`value:`) are valid by the schema", () => {
    for (const [key, schema] of projectKeys) {
      const declared = declarations[key]!;
      if (declared.value === undefined) continue;
      expect(z.safeParse(schema, declared.value).error?.issues ?? [], key).toEqual([]);
    }
  });
});
