/**
 * One source for each pipeline setting's range and default (`PIPELINE_LIMITS`): the stack config
 * reader and the EventPipeline component both use it, and every place that states a default in
 * words — the args' TSDoc, Pulumi.yaml's comment, the README's config reference — says the same.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PIPELINE_LIMITS } from "../components/event-pipeline-config.js";
import { PROJECT_DIR } from "../components/project-dir.js";
import { ConfigError } from "../stacks/config-reader.js";
import { configFromMap } from "../stacks/read-stack-config.js";
import { pulumiConfigForStack } from "../stacks/stack-files.js";

const read = (file: string) => readFileSync(join(PROJECT_DIR, file), "utf8");
/** The sit stack's Glue job publishes to `tt`, so every config here keeps that pipeline. */
const TT = { name: "tt", label: "TT", source: "glue", onDemand: true };
const defaults = (
  Object.entries(PIPELINE_LIMITS) as Array<[keyof typeof PIPELINE_LIMITS, { default?: number }]>
).flatMap(([key, limit]) => (limit.default !== undefined ? [[key, limit.default] as const] : []));

function pipelineProblems(pipeline: Record<string, unknown>): string[] {
  const map = pulumiConfigForStack("sit", {
    pipelines: JSON.stringify([
      { name: "cta", label: "CTA", source: "s3", caseCreator: true, ...pipeline },
      TT,
    ]),
  });
  try {
    configFromMap("sit", map);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("pipeline limits and defaults", () => {
  it("a pipeline that sets none of them gets every default", () => {
    const map = pulumiConfigForStack("sit", {
      pipelines: JSON.stringify([
        { name: "cta", label: "CTA", source: "s3", shardCount: 1, caseCreator: true },
        TT,
      ]),
    });
    const pipeline = configFromMap("sit", map).pipelines[0]!;
    expect(Object.fromEntries(defaults.map(([key]) => [key, pipeline[key]]))).toEqual(
      Object.fromEntries(defaults),
    );
  });

  it("config is refused outside the same range the component enforces (shardCount 1–500)", () => {
    expect(pipelineProblems({ shardCount: 500 })).toEqual([]);
    expect(pipelineProblems({ shardCount: 501 })).toEqual([
      expect.stringMatching(/shardCount must be a whole number between 1 and 500/),
    ]);
    for (const [key, limit] of Object.entries(PIPELINE_LIMITS)) {
      if (key === "shardCount") continue;
      expect(pipelineProblems({ shardCount: 1, [key]: limit.max + 1 }), key).toEqual([
        expect.stringContaining(`${key} must be a whole number between ${limit.min} and ${limit.max}`),
      ]);
    }
  });

  it("the args' TSDoc, Pulumi.yaml's comment and the README state the same defaults", () => {
    const tsdoc = read("components/event-pipeline-config.ts");
    const pulumiYaml = read("Pulumi.yaml");
    const readme = read("README.md");
    for (const [key, value] of defaults) {
      expect(tsdoc, key).toMatch(new RegExp(`@default \`${value}\`\\s*\\*/\\s*${key}:`));
      expect(pulumiYaml, key).toContain(`${key} (${value})`);
      expect(readme, key).toContain(`\`${key}\` (${value})`);
    }
  });
});
