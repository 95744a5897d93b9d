/**
 * Bundles a handler with esbuild into one ES module inside an AssetArchive. The bundle is
 * deterministic (same source → same bytes), so `pulumi preview` shows no code diff when nothing
 * changed. Closure serialisation is avoided on purpose: it ships all of node_modules and breaks
 * under the test runner.
 */
import * as pulumi from "@pulumi/pulumi";
import { buildSync } from "esbuild";
import { join } from "node:path";
import { PROJECT_DIR } from "./project-dir.js";

/** The Lambda runtime every function uses (the current Node.js LTS runtime on Lambda). */
export const LAMBDA_RUNTIME = "nodejs22.x";
/** Handler string for bundles made here. */
export const BUNDLE_HANDLER = "index.handler";

/** The files of one bundle: the code, and the source map Node reads under `--enable-source-maps`. */
export interface BundleFiles {
  "index.mjs": string;
  "index.mjs.map": string;
}

const bundles = new Map<string, BundleFiles>();

/**
 * One handler entry (path relative to the project, e.g. `handlers/audit-processor/handler.ts`)
 * bundled with its source map. Functions run with `--enable-source-maps`, so a stack trace names
 * `handlers/…ts` lines instead of column 40000 of minified code. The map is made here, at plan or
 * bundle time, and never committed; it holds no source text (`sourcesContent: false`), only
 * positions and the project-relative paths of the sources.
 */
export function bundleFiles(entry: string): BundleFiles {
  const cached = bundles.get(entry);
  if (cached !== undefined) return cached;
  const result = buildSync({
    entryPoints: [join(PROJECT_DIR, entry)],
    absWorkingDir: PROJECT_DIR,
    // Not written (write: false): it only places the map's relative source paths and the link comment.
    outfile: join(PROJECT_DIR, "index.mjs"),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    write: false,
    minify: true,
    sourcemap: "linked",
    sourcesContent: false,
    legalComments: "none",
    // CommonJS dependencies bundled into an ES module still call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __kycCreateRequire } from 'node:module'; const require = __kycCreateRequire(import.meta.url);",
    },
    logLevel: "silent",
  });
  const output = (suffix: string) => result.outputFiles.find((f) => f.path.endsWith(suffix))!.text;
  const files: BundleFiles = { "index.mjs": output("index.mjs"), "index.mjs.map": output("index.mjs.map") };
  bundles.set(entry, files);
  return files;
}

/** The bundled code alone (it links `index.mjs.map`: write that file next to it for readable stacks). */
export function bundleSource(entry: string): string {
  return bundleFiles(entry)["index.mjs"];
}

/** A Lambda code archive holding `index.mjs` and its source map. */
export function bundleHandler(entry: string): pulumi.asset.AssetArchive {
  const files = bundleFiles(entry);
  return new pulumi.asset.AssetArchive({
    "index.mjs": new pulumi.asset.StringAsset(files["index.mjs"]),
    "index.mjs.map": new pulumi.asset.StringAsset(files["index.mjs.map"]),
  });
}
