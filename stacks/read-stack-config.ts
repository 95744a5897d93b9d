/** Builds the typed config from what the Pulumi engine (or the mock runtime) hands the program. */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "./config-types.js";
import { PROJECT_NAME, validateConfig } from "./validate-config.js";
import type { PulumiConfigMap } from "./stack-files.js";

export function configFromMap(stack: string, config: PulumiConfigMap): PlatformConfig {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(`${PROJECT_NAME}:`)) values[key.slice(PROJECT_NAME.length + 1)] = value;
  }
  return validateConfig({ stack, region: config["aws:region"], values });
}

/** The current stack's validated config; throws `ConfigError` before any resource is declared. */
export function readStackConfig(): PlatformConfig {
  return configFromMap(pulumi.getStack(), pulumi.runtime.allConfig());
}
