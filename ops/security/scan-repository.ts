/**
 * `npm run scan-repository`: scans every file git would commit (tracked, plus untracked files that
 * are not ignored) for key material and token-shaped strings. Read-only. Exit 0 when nothing is
 * found, 1 when something is (each finding with file, line and the fix), 2 on a wrong command line.
 * `npm test` runs it (test/scan-repository.test.ts), so CI fails on a committed key or token.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  announce,
  EXIT_OK,
  EXIT_VERDICT_BAD,
  processIo,
  runCommand,
  UsageError,
  type CliIo,
  type CommandSpec,
} from "../lib/cli.js";
import { ProgressReporter } from "../lib/progress.js";
import { CONTENT_PATTERNS, FORBIDDEN_FILE_NAMES } from "./repository-patterns.js";

export interface Finding {
  file: string;
  line?: number;
  kind: string;
  fix: string;
}

/** Files larger than this are not read (the repository keeps no large files; bundles are ignored). */
const MAX_BYTES = 2 * 1024 * 1024;

/** Every file git would commit, relative to `root`. */
export function filesToScan(root: string): string[] {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
    cwd: root,
    encoding: "utf8",
  });
  return out.split("\0").filter((f) => f !== "");
}

/** Findings in one file's name and text. Pure, so tests give it any content. */
export function scanText(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  for (const name of FORBIDDEN_FILE_NAMES) {
    if (name.test(file))
      findings.push({
        file,
        kind: "key or secrets file",
        fix: "do not commit it: add it to .gitignore; keys live in ACM or Secrets Manager",
      });
  }
  for (const { name, pattern, fix } of CONTENT_PATTERNS) {
    const match = pattern.exec(text);
    if (match) findings.push({ file, line: text.slice(0, match.index).split("\n").length, kind: name, fix });
  }
  return findings;
}

export function scanRepository(
  root: string,
  files: readonly string[],
  onFile: () => void = () => undefined,
): Finding[] {
  const findings: Finding[] = [];
  for (const file of files) {
    onFile();
    const path = join(root, file);
    let size: number;
    try {
      const stat = statSync(path);
      if (!stat.isFile()) continue;
      size = stat.size;
    } catch {
      continue; // deleted in the work tree but still in the index
    }
    const text = size > MAX_BYTES ? "" : readFileSync(path, "utf8");
    findings.push(...scanText(file, text));
  }
  return findings;
}

export const SCAN_SPEC: CommandSpec = {
  usage: "npm run scan-repository -- [--root DIR]",
  summary:
    "Scans every file git would commit for private keys, certificates and token-shaped strings (read-only).",
  options: { root: { kind: "string", help: "repository to scan", default: ".", placeholder: "DIR" } },
};

export async function scanMain(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  return runCommand(
    SCAN_SPEC,
    argv,
    async (args) => {
      const root = resolve(String(args.options.root));
      let files: string[];
      try {
        files = filesToScan(root);
      } catch {
        throw new UsageError(`${root} is not a git work tree; pass --root <repository>`);
      }
      announce(io, [
        `scanning ${files.length} files of ${root} (tracked and not ignored) for:`,
        [...CONTENT_PATTERNS.map((p) => p.name), "key or secrets files by name"].join(", "),
      ]);
      const progress = new ProgressReporter({ io, unit: "files", total: files.length });
      const findings = scanRepository(root, files, () => progress.add(1));
      progress.finish();
      for (const f of findings)
        io.out(`FOUND  ${f.file}${f.line ? `:${f.line}` : ""}  ${f.kind}\n       fix: ${f.fix}`);
      io.out(
        findings.length === 0
          ? `repository scan: CLEAN — ${files.length} files, no key material or token found`
          : `repository scan: NOT CLEAN — ${findings.length} finding(s) in ${new Set(findings.map((f) => f.file)).size} file(s)`,
      );
      return findings.length === 0 ? EXIT_OK : EXIT_VERDICT_BAD;
    },
    io,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  process.exitCode = await scanMain(process.argv.slice(2));
