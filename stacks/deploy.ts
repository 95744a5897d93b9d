/**
 * Composes one region's deployment from the validated config. `index.ts` only calls this and
 * exports what it returns.
 */
import * as pulumi from "@pulumi/pulumi";
import { Naming } from "../components/naming.js";
import { PlatformKey } from "../components/platform-key.js";
import type { PlatformConfig } from "./config-types.js";
import { regionalProvider } from "./provider.js";

export interface PlatformOutputs {
  region: string;
  env: string;
  kmsKeyArn: pulumi.Output<string>;
}

export function deployPlatform(config: PlatformConfig): PlatformOutputs {
  const provider = regionalProvider(config);
  const opts: pulumi.ComponentResourceOptions = { providers: [provider] };
  const naming = new Naming({ prefix: config.prefix, env: config.env, region: config.region });

  const key = new PlatformKey("platform-key", { naming }, opts);

  return { region: config.region, env: config.env, kmsKeyArn: key.arn };
}
