/**
 * Runs the stack's functions for the local run the way Lambda runs them: each from the bundle the
 * program deploys (the same entry, bundled the same way — `bundledEntryOf`), in execution
 * environments of its own (`container.ts`) with the environment the plan records for it, plus what
 * Lambda's runtime adds (region, credentials, function name). Every AWS call goes to the local AWS
 * gateway; the stand-ins' throwaway CA is trusted through `NODE_EXTRA_CA_CERTS`, so no TLS check is
 * switched off anywhere.
 *
 * Variables the local run changes on top of a function's own are explicit (`overrides`) and the
 * summary lists them: the local run must not quietly run something other than what is deployed.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundleFiles } from "../../components/bundle.js";
import { bundledEntryOf } from "../../components/lambda-function.js";
import type { FunctionSettings } from "../provision.js";
import { LambdaContainer } from "./container.js";

export interface FunctionHostOptions {
  functions: FunctionSettings[];
  /** Where bundles are written (`<runDir>/functions/<name>/index.mjs`, with its source map). */
  runDir: string;
  gatewayUrl: string;
  region: string;
  /** PEM file of the stand-ins' CA, trusted in addition to the system roots. */
  caCertificatePath: string;
  /** Variables set on top of a function's own, by function name (each is reported). */
  overrides?: Record<string, Record<string, string>>;
  onLog: (functionName: string, line: string) => void;
}

export class FunctionHost {
  private readonly containers = new Set<LambdaContainer>();
  private readonly bundles = new Map<string, string>();
  private readonly running = new Map<string, number>();
  /** Most invocations of each function that ran at the same time. */
  readonly peakConcurrency: Record<string, number> = {};

  constructor(private readonly options: FunctionHostOptions) {}

  /** The settings of a function of the plan, by name. */
  settingsOf(functionName: string): FunctionSettings {
    const fn = this.options.functions.find((f) => f.name === functionName);
    if (!fn) throw new Error(`The plan declares no function ${functionName}.`);
    return fn;
  }

  /** A new (cold) execution environment of the function. */
  newContainer(functionName: string): LambdaContainer {
    const fn = this.settingsOf(functionName);
    const container = new LambdaContainer({
      fn,
      bundlePath: this.bundleOf(fn),
      env: this.environmentOf(fn),
      onLog: this.options.onLog,
      onInvocation: (delta) => this.count(fn.name, delta),
    });
    this.containers.add(container);
    return container;
  }

  /**
   * Invokes the function as Lambda scales an asynchronous or concurrent caller: on a warm
   * environment that is free, or on a new one (cold start) when all are busy.
   */
  pooled(functionName: string): (event: unknown, requestId?: string) => Promise<unknown> {
    const pool: LambdaContainer[] = [];
    return async (event, requestId) => {
      let container = pool.find((c) => !c.busy);
      if (!container) {
        container = this.newContainer(functionName);
        pool.push(container);
      }
      return container.invoke(event, requestId);
    };
  }

  /** The variables the local run changed, per function (for the summary). */
  get overrides(): Record<string, Record<string, string>> {
    return this.options.overrides ?? {};
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.containers].map((c) => c.stop()));
    this.containers.clear();
  }

  private count(functionName: string, delta: 1 | -1): void {
    const now = (this.running.get(functionName) ?? 0) + delta;
    this.running.set(functionName, now);
    this.peakConcurrency[functionName] = Math.max(this.peakConcurrency[functionName] ?? 0, now);
  }

  private bundleOf(fn: FunctionSettings): string {
    const cached = this.bundles.get(fn.name);
    if (cached) return cached;
    const entry = bundledEntryOf(fn.name);
    if (!entry)
      throw new Error(
        `No handler entry is known for ${fn.name}: plan the stack in this process first (provisionStack does).`,
      );
    const dir = join(this.options.runDir, "functions", fn.name);
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(bundleFiles(entry))) writeFileSync(join(dir, name), text);
    const path = join(dir, "index.mjs");
    this.bundles.set(fn.name, path);
    return path;
  }

  private environmentOf(fn: FunctionSettings): Record<string, string> {
    return {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      TZ: "UTC",
      // What Lambda's runtime sets.
      AWS_REGION: this.options.region,
      AWS_DEFAULT_REGION: this.options.region,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
      // The emulator instead of AWS: one endpoint, credentials that name the caller.
      AWS_ENDPOINT_URL: this.options.gatewayUrl,
      AWS_ACCESS_KEY_ID: fn.name,
      AWS_SECRET_ACCESS_KEY: "local-run",
      NODE_EXTRA_CA_CERTS: this.options.caCertificatePath,
      ...fn.environment,
      ...(this.options.overrides?.[fn.name] ?? {}),
    };
  }
}
