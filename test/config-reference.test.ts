/**
 * The config schema (stacks/config-schema/) is the one description of every key: the README's
 * reference is generated from it, and Pulumi.yaml (which the Pulumi CLI reads) declares the same
 * keys with the same defaults. Problems are all told at once, also those inside lists.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { configKeys } from "../stacks/config-schema/index.js";
import { configReferenceTable, withReference } from "../stacks/config-schema/reference.js";
import { ConfigError } from "../stacks/config-reader.js";
import { configFromMap } from "../stacks/read-stack-config.js";
import { PROJECT_DIR, projectConfigDeclarations, pulumiConfigForStack } from "../stacks/stack-files.js";
import { PROJECT_NAME } from "../stacks/validate-config.js";

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

describe("every problem at once, also inside lists", () => {
  function problemsOf(changes: Record<string, string>): string[] {
    try {
      configFromMap("sit", { ...pulumiConfigForStack("sit"), ...changes });
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  }

  it("a pipeline with a bad field still gets its cross-field problems, and the list its duplicates", () => {
    const problems = problemsOf({
      [`${PROJECT_NAME}:pipelines`]: JSON.stringify([
        { name: "cta", label: "x", source: "ftp", shardCount: 2, onDemand: true },
        {
          name: "cta",
          label: 5,
          source: "glue",
          onDemand: true,
          uploaderPrincipals: ["arn:aws:iam::111122223333:root"],
        },
        { name: "tt", label: "TT", source: "glue", onDemand: true },
      ]),
    });
    expect(problems).toEqual([
      'kyc-platform:pipelines[0].source is "ftp"; it must be s3 or glue.',
      "kyc-platform:pipelines[0] must set exactly one of shardCount (provisioned) or onDemand: true.",
      "kyc-platform:pipelines[1].label is missing or not a string.",
      "kyc-platform:pipelines[1].uploaderPrincipals is set, but only pipelines with source s3 have an input bucket.",
      'kyc-platform:pipelines has "cta" twice; names must be unique.',
    ]);
  });

  it("a Glue job with a bad field is still checked against the pipelines, and entries that are not maps say so", () => {
    const problems = problemsOf({
      [`${PROJECT_NAME}:glueJobs`]: JSON.stringify([
        {
          name: "et",
          pipeline: "zz",
          icebergTable: "db",
          schedule: "rate(1 day)",
          tableLocation: "s3://lake/et",
        },
        7,
      ]),
    });
    expect(problems).toEqual([
      'kyc-platform:glueJobs[0].icebergTable is "db"; write it as database.table.',
      "kyc-platform:glueJobs[1] must be a map with name, pipeline, icebergTable and schedule.",
      'kyc-platform:glueJobs[0].pipeline is "zz", but no pipeline has that name (have: cta, tt).',
    ]);
  });

  it("a rule across keys runs when its keys are valid, whatever else is wrong", () => {
    const problems = problemsOf({
      [`${PROJECT_NAME}:tokenRetries`]: "abc",
      [`${PROJECT_NAME}:tokenSchedule`]: "rate(2 hours)",
    });
    expect(problems).toEqual([
      'kyc-platform:tokenRetries must be a whole number between 0 and 5, got "abc".',
      "kyc-platform:tokenSchedule refreshes every 120 minutes but tokens live 60 minutes (kyc-platform:tokenLifetimeMinutes); refresh more often than tokens expire.",
    ]);
  });
});
