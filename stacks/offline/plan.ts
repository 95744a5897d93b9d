/**
 * The offline plan: runs the real program for one stack under Pulumi's mocks and returns every
 * resource it would declare. No credentials, no Pulumi CLI, no network.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config-types.js";
import { deployPlatform } from "../deploy.js";
import { configFromMap } from "../read-stack-config.js";
import { pulumiConfigForStack } from "../stack-files.js";
import { PROJECT_NAME } from "../validate-config.js";
import { RecordingMocks, type RecordedResource } from "./recording-mocks.js";

export interface OfflinePlan {
  stack: string;
  config: PlatformConfig;
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
}

/** Pulumi's own "wait until every registration has been answered" (internal, but stable for years). */
const waitForRpcs = (pulumi.runtime as unknown as { waitForRPCs: () => Promise<void> }).waitForRPCs;

/**
 * Plans one stack. Throws `ConfigError` (before any resource exists) when its config is invalid.
 * @param overrides extra `key=value` config, as `pulumi config set` would add (e.g. prod's tokenUrl).
 */
export async function planStack(stack: string, overrides: Record<string, string> = {}): Promise<OfflinePlan> {
  const configMap = pulumiConfigForStack(stack, overrides);
  const config = configFromMap(stack, configMap);
  const mocks = new RecordingMocks(config.region);
  await pulumi.runtime.setMocks(mocks, PROJECT_NAME, stack, false);
  mocks.watchDependencies(pulumi.runtime.getMonitor());
  pulumi.runtime.setAllConfig(configMap);
  const outputs = deployPlatform(config);
  const resolved = await resolveOutputs(outputs as unknown as Record<string, unknown>);
  await waitForRpcs();
  return { stack, config, resources: mocks.resources, outputs: resolved };
}

async function resolveOutputs(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const entries = await Promise.all(
    Object.entries(outputs).map(async ([key, value]) => [key, await resolve(value)] as const),
  );
  return Object.fromEntries(entries);
}

function resolve(value: unknown): Promise<unknown> {
  const output: pulumi.Output<unknown> = pulumi.output(
    value as pulumi.Input<unknown>,
  ) as pulumi.Output<unknown>;
  return new Promise((done) => output.apply((v) => done(v)));
}

/** The resources whose physical names are global to an account (IAM, S3, dashboards). */
export const GLOBAL_RESOURCE_TYPES = [
  "aws:iam/role:Role",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/policy:Policy",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:cloudwatch/dashboard:Dashboard",
];
