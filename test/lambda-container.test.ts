/**
 * The local run's Lambda execution environment (`local/lambda/container.ts`): a timeout kills the
 * invocation — nothing it would have done afterwards happens — and the next one starts cold; a
 * warm environment keeps its module state; a crash fails the invocation.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InvocationError, LambdaContainer } from "../local/lambda/container.js";
import type { FunctionSettings } from "../local/provision.js";

const dir = mkdtempSync(join(tmpdir(), "lambda-container-"));
const containers: LambdaContainer[] = [];
afterAll(async () => Promise.all(containers.map((c) => c.stop())));

/** A bundle like the ones the program deploys: an ES module exporting `handler`. */
function bundle(name: string, source: string): string {
  const path = join(dir, `${name}.mjs`);
  writeFileSync(path, source);
  return path;
}

function container(name: string, source: string, timeoutSeconds = 1, lines: string[] = []): LambdaContainer {
  const fn: FunctionSettings = {
    name,
    arn: `arn:aws:lambda:eu-west-1:123456789012:function:${name}`,
    environment: {},
    timeoutSeconds,
    memorySize: 128,
    description: "",
  };
  const c = new LambdaContainer({
    fn,
    bundlePath: bundle(name, source),
    env: { PATH: process.env.PATH ?? "", MARKER_DIR: dir },
    onLog: (_fn, line) => lines.push(line),
  });
  containers.push(c);
  return c;
}

describe("local Lambda execution environment", () => {
  it("kills an invocation at its timeout: what it would have done afterwards never happens, and the next one starts cold", async () => {
    const lines: string[] = [];
    const slow = container(
      "slow-fn",
      `import { writeFileSync } from "node:fs";
       let invocations = 0;
       export async function handler(event) {
         invocations += 1;
         if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
         writeFileSync(process.env.MARKER_DIR + "/after-" + event.id, "done");
         console.log(JSON.stringify({ _aws: { Timestamp: Date.now(), CloudWatchMetrics: [] }, flushed: event.id }));
         return { invocations, pid: process.pid };
       }`,
      1,
      lines,
    );
    const error = await slow.invoke({ id: "a", sleepMs: 3000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvocationError);
    expect((error as InvocationError).errorType).toBe("Sandbox.Timedout");
    expect((error as Error).message).toBe("Task timed out after 1.00 seconds");
    await new Promise((r) => setTimeout(r, 2500)); // past the moment it would have finished
    expect(existsSync(join(dir, "after-a"))).toBe(false);
    expect(lines.some((l) => l.includes('"flushed":"a"'))).toBe(false);
    expect(lines.some((l) => /Task timed out after 1\.00 seconds/.test(l))).toBe(true);

    // A new environment: module state starts again from zero.
    const next = (await slow.invoke({ id: "b" })) as { invocations: number; pid: number };
    expect(next.invocations).toBe(1);
    expect(existsSync(join(dir, "after-b"))).toBe(true);
    const warm = (await slow.invoke({ id: "c" })) as { invocations: number; pid: number };
    expect(warm).toEqual({ invocations: 2, pid: next.pid });
  }, 20_000);

  it("fails an invocation whose handler throws, and one whose runtime crashes", async () => {
    const failing = container(
      "throwing-fn",
      `export async function handler() { const e = new Error("bad input"); e.name = "ValidationError"; throw e; }`,
    );
    await expect(failing.invoke({})).rejects.toMatchObject({
      errorType: "ValidationError",
      message: "bad input",
    });
    const crashing = container(
      "crashing-fn",
      `export async function handler() { setTimeout(() => { throw new Error("boom"); }, 10); await new Promise((r) => setTimeout(r, 500)); return "never"; }`,
      5,
    );
    await expect(crashing.invoke({})).rejects.toMatchObject({ errorType: "Runtime.ExitError" });
    const broken = container("broken-fn", `throw new Error("cannot load");`);
    await expect(broken.invoke({})).rejects.toMatchObject({ errorType: "Runtime.InitError" });
  }, 20_000);

  it("runs one invocation at a time per environment", async () => {
    const c = container(
      "busy-fn",
      `export async function handler() { await new Promise((r) => setTimeout(r, 200)); return 1; }`,
    );
    const first = c.invoke({});
    await expect(c.invoke({})).rejects.toThrow(/one invocation at a time/);
    await expect(first).resolves.toBe(1);
  }, 20_000);
});
