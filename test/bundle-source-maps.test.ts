/**
 * Bundles ship their source map: a handler bundled as deployed, run by Node with the flag the
 * functions set (`--enable-source-maps`), throws with a stack that names `handlers/…ts` lines.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { bundleFiles, bundleHandler } from "../components/bundle.js";

const ENTRY = "handlers/token-manager/handler.ts";
const dir = mkdtempSync(join(tmpdir(), "bundle-maps-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Imports the bundle in a fresh Node process without the environment it needs; prints the error's stack. */
async function importFailureStack(nodeOptions: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeOptions, join(dir, "run.mjs")], {
    env: { PATH: process.env.PATH ?? "", AWS_REGION: "eu-west-1" },
  });
  return stdout;
}

describe("bundle source maps", () => {
  const files = bundleFiles(ENTRY);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(
    join(dir, "run.mjs"),
    'try { await import("./index.mjs"); } catch (error) { console.log(error.stack); }\n',
  );

  it("a thrown error's stack points into handlers/…ts under --enable-source-maps", async () => {
    const stack = await importFailureStack(["--enable-source-maps"]);
    expect(stack).toMatch(/^Error: Environment variable METRIC_NAMESPACE is not set/);
    expect(stack).toMatch(/\n\s+at requireEnv \(.*\/handlers\/lib\/aws-config\.ts:\d+:\d+\)/);
    expect(stack).toMatch(/\n\s+at .*\/handlers\/token-manager\/handler\.ts:\d+:\d+/);
  });

  it("without the flag the same stack names only the minified bundle (what the map is for)", async () => {
    const stack = await importFailureStack([]);
    expect(stack).toMatch(/^Error: Environment variable METRIC_NAMESPACE is not set/);
    expect(stack).not.toContain("handlers/");
    expect(stack).toMatch(/index\.mjs:\d+:\d+/);
  });

  it("the map is linked from the code, carries project-relative paths and no source text", () => {
    expect(files["index.mjs"]).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    const map = JSON.parse(files["index.mjs.map"]) as { sources: string[]; sourcesContent?: unknown };
    expect(map.sources).toContain("handlers/token-manager/handler.ts");
    expect(map.sources.every((s) => !s.startsWith("/"))).toBe(true);
    expect(map.sourcesContent).toBeUndefined();
  });

  it("the deployed archive holds the map next to the code", async () => {
    const assets = await bundleHandler(ENTRY).assets;
    expect(Object.keys(assets).sort()).toEqual(["index.mjs", "index.mjs.map"]);
  });
});
