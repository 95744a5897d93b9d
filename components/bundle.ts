/**
 * Bundles a handler with esbuild into one ES module inside an AssetArchive. The bundle is
 * deterministic (same source → same bytes), so `pulumi preview` shows no code diff when nothing
 * changed. Closure serialisation is avoided on purpose: it ships all of node_modules and breaks
 * under the test runner.
 */
import * as pulumi from "@pulumi/pulumi";
import { buildSync } from "esbuild";
import { join } from "node:path";
import { PROJECT_DIR } from "../stacks/stack-files.js";

/** The Lambda runtime every function uses (the current Node.js LTS runtime on Lambda). */
export const LAMBDA_RUNTIME = "nodejs22.x";
/** Handler string for bundles made here. */
export const BUNDLE_HANDLER = "index.handler";

const bundles = new Map<string, string>();

/** The bundled source of one handler entry (path relative to the project, e.g. `handlers/audit-processor/handler.ts`). */
export function bundleSource(entry: string): string {
  const cached = bundles.get(entry);
  if (cached !== undefined) return cached;
  const result = buildSync({
    entryPoints: [join(PROJECT_DIR, entry)],
    absWorkingDir: PROJECT_DIR,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    write: false,
    minify: true,
    sourcemap: false,
    legalComments: "none",
    // CommonJS dependencies bundled into an ES module still call require() for Node built-ins.
    banner: { js: "import { createRequire as __kycCreateRequire } from 'node:module'; const require = __kycCreateRequire(import.meta.url);" },
    logLevel: "silent",
  });
  const source = result.outputFiles[0]!.text;
  bundles.set(entry, source);
  return source;
}

/** A Lambda code archive holding `index.mjs`. */
export function bundleHandler(entry: string): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({ "index.mjs": new pulumi.asset.StringAsset(bundleSource(entry)) });
}
