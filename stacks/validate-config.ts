/**
 * Turns one stack's raw configuration into a `PlatformConfig`, or throws a `ConfigError` that lists
 * every invalid or missing key with its fix. Runs before any resource is declared.
 *
 * Two passes, both over the schema in `config-schema/`: every key is parsed on its own (so one bad
 * key never hides another), then each section's rules across keys run on the keys that parsed.
 * Only a config without problems is built, and its longest physical names are tried.
 */
import { z } from "zod";
import { Naming, NamingError } from "../components/naming.js";
import { ConfigError, type RawValues } from "./config-reader.js";
import type { PlatformConfig } from "./config-types.js";
import { sectionKeys, sections } from "./config-schema/index.js";
import { problemText } from "./config-schema/problems.js";
import type { StackContext } from "./config-schema/section.js";

export { PROJECT_NAME } from "./config-schema/problems.js";

export interface RawStackConfig {
  stack: string;
  /** `aws:region` */
  region: string | undefined;
  /** Project keys without their namespace, defaults from Pulumi.yaml already applied. */
  values: RawValues;
}

export function validateConfig(raw: RawStackConfig): PlatformConfig {
  const env = raw.values.env;
  const context: StackContext = { stack: raw.stack, env: typeof env === "string" ? env.trim() : "" };
  const problems: string[] = [];

  const parsed = sectionKeys(context).map((keys) => {
    const valid: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(keys)) {
      const result = z.safeParse(schema, key === "aws:region" ? raw.region : raw.values[key]);
      if (result.success) valid[key] = result.data;
      else
        for (const issue of result.error.issues)
          problems.push(problemText([key, ...issue.path], issue.message));
    }
    return valid;
  });
  const all: Record<string, unknown> = Object.assign({}, ...parsed);
  sections.forEach((section, index) => {
    for (const problem of section.rules?.(parsed[index]!, all, raw.values) ?? [])
      problems.push(problemText(problem.path, problem.message));
  });
  if (problems.length > 0) throw new ConfigError(problems);

  const naming = { env: String(all.env), prefix: String(all.prefix), region: String(all["aws:region"]) };
  const built = sections.map((section, index) => section.build(parsed[index]!, naming));
  const config = Object.assign({ stack: raw.stack }, ...built) as PlatformConfig;
  const nameProblem = checkNames(config);
  if (nameProblem) throw new ConfigError([nameProblem]);
  return config;
}

/** Fails early on names AWS would reject, by making the longest ones this config produces. */
function checkNames(config: PlatformConfig): string | undefined {
  try {
    const naming = new Naming({ prefix: config.prefix, env: config.env, region: config.region });
    for (const pipeline of config.pipelines) {
      naming.physicalName("iam-role", `${pipeline.name}-event-producer`);
      naming.physicalName("s3-bucket", `${pipeline.name}-input`);
      naming.physicalName("iam-role", `${pipeline.name}-case-creator`);
    }
    for (const job of config.glueJobs) naming.physicalName("iam-role", `${job.name}-glue`);
    naming.physicalName("dashboard", "technical");
    return undefined;
  } catch (error) {
    if (error instanceof NamingError) return error.message;
    throw error;
  }
}
