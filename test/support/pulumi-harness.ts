/**
 * Rendering components under Pulumi mocks for unit tests: fresh `RecordingMocks`, the outputs a test
 * asserts on awaited, every registration flushed (`waitForRPCs`), then plain recorded resources to
 * query. Assertions run on those awaited values only, never inside an `apply` nobody awaits.
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "vitest";
import { RecordingMocks, type RecordedResource } from "../../stacks/offline/recording-mocks.js";

/** The project name every stack of this program has. */
export const PROJECT = "kyc-platform";

/** Installs fresh recording mocks for `stack` in `region`; declare resources only after this resolves. */
export async function useRecordingMocks(region = "eu-west-1", stack = "sit"): Promise<RecordingMocks> {
  const mocks = new RecordingMocks(region);
  await pulumi.runtime.setMocks(mocks, PROJECT, stack, false);
  mocks.watchDependencies(pulumi.runtime.getMonitor());
  return mocks;
}

/**
 * The value of an output, once the mocks have resolved it. Rejects with the output's error when it
 * (or an output it depends on) fails: an `apply` callback is never called then, so a promise made
 * from one would hang the test until its timeout and hide the error.
 */
export function outputOf<T>(output: pulumi.Output<T>): Promise<T> {
  // `promise()` is the Output's own resolution, errors included; the SDK does not type it. Its
  // sibling promises (known, secret) reject with the same error: observed here, so the error is
  // reported once, by the test that awaits this, not again as an unhandled rejection.
  const internals = output as unknown as {
    promise?: () => Promise<T>;
    isKnown?: Promise<boolean>;
    isSecret?: Promise<boolean>;
  };
  if (typeof internals.promise !== "function")
    throw new Error("outputOf needs a Pulumi Output (got no promise() on it)");
  for (const sibling of [internals.isKnown, internals.isSecret]) sibling?.catch(() => undefined);
  return internals.promise.call(output);
}

/** Waits until every resource registration started so far has reached the mocks. */
export async function waitForRegistrations(): Promise<void> {
  await (pulumi.runtime as unknown as { waitForRPCs: () => Promise<void> }).waitForRPCs();
}

export interface ResourceQuery {
  resources: RecordedResource[];
  /** Every recorded resource of a Pulumi type, e.g. `aws:sqs/queue:Queue`. */
  byType(type: string): RecordedResource[];
  /** The single resource of `type` (with that logical name, when given); fails the test otherwise. */
  one(type: string, logicalName?: string): RecordedResource;
}

export function queryOf(resources: RecordedResource[]): ResourceQuery {
  const byType = (type: string) => resources.filter((r) => r.type === type);
  const one = (type: string, logicalName?: string): RecordedResource => {
    const found = byType(type).filter((r) => logicalName === undefined || r.name === logicalName);
    expect(found, `${type} ${logicalName ?? ""}`).toHaveLength(1);
    return found[0]!;
  };
  return { resources, byType, one };
}

/** One component instance and its children: the logical name itself or `<name>-…`, as STYLE asks. */
export function ofComponent(mocks: RecordingMocks, name: string): ResourceQuery {
  return queryOf(mocks.resources.filter((r) => r.name === name || r.name.startsWith(`${name}-`)));
}

export interface Rendered<C> extends ResourceQuery {
  component: C;
  mocks: RecordingMocks;
}

export interface RenderOptions<C> {
  /** @default `"eu-west-1"` */
  region?: string;
  /** Outputs to resolve before reading the recorded resources (e.g. ones built from child ARNs). */
  outputs?: (component: C) => pulumi.Output<unknown>[];
}

/**
 * Declares one component (named `name`) under fresh mocks and returns what it recorded. A component
 * that throws while being declared makes the returned promise reject with that error.
 */
export async function renderComponent<C>(
  name: string,
  declare: () => C,
  options: RenderOptions<C> = {},
): Promise<Rendered<C>> {
  const mocks = await useRecordingMocks(options.region);
  let component: C;
  try {
    component = declare();
  } catch (error) {
    // The component registered itself before it threw; let that finish under these mocks, or it
    // reaches the next test's mocks as an unknown resource.
    await waitForRegistrations();
    throw error;
  }
  await Promise.all((options.outputs?.(component) ?? []).map(outputOf));
  await waitForRegistrations();
  return { component, mocks, ...ofComponent(mocks, name) };
}
