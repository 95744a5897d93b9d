/**
 * `npm start [-- options]`: runs the whole platform on this machine — the AWS emulator, the TIAA
 * (mutual TLS) and Salesforce stand-ins, the stack's resources and every handler with its event
 * source's semantics — and reports what happened to every record.
 *
 *   --records N        generated records (default 1000)
 *   --input FILE       upload this JSON/NDJSON file instead of generated records
 *   --shards S         shards of the case-creating pipeline's stream (default: the stack's config)
 *   --faults SPEC      e.g. salesforce=0.1,token=down,kinesis=0.05,duplicates=0.05 (see local/faults.ts)
 *   --time-scale N     waiting times (token lifetime, schedule, retries, record ages) N× faster, all together (default 1)
 *   --upload-delay M   upload the file M platform minutes after the start (e.g. past a token's expiry)
 *   --bad-records R    share of malformed generated records, 0..1 (default 0)
 *   --seed N           seed of the generated records (default 1)
 *   --timeout SECONDS  stop waiting for records to settle after this (default: scales with records)
 *   --json             print only the JSON summary on stdout (progress still goes to stderr)
 *   --dashboards DIR   where the run's dashboard pictures go (default out/dashboards)
 *   --keep             leave the emulator and stand-ins running for inspection until Ctrl-C
 *
 * It ends by drawing the stack's dashboards from the run's metrics (`<name>.png` and `.html` in
 * out/dashboards) and printing their paths. Exit code 0 only when every record is accounted for;
 * otherwise 1, with the lost ids listed (the pictures do not change it; a failure to draw them is reported).
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_DIR } from "../stacks/stack-files.js";
import { Cleanup } from "./cleanup.js";
import { parseFaults } from "./faults.js";
import {
  runLocalPlatform,
  type LocalRunOptions,
  type LocalRunResult,
  type Progress,
} from "./platform-run.js";
import { formatSummary } from "./run-report.js";
import { keepHint } from "./keep-hint.js";
import { writeRunPreviews } from "../preview/local-run-previews.js";

/** The run's own options (see `LocalRunOptions`), plus how to report and whether to keep it up. */
export type CliOptions = Pick<
  LocalRunOptions,
  "records" | "input" | "shards" | "faults" | "badShare" | "seed"
> &
  Partial<Pick<LocalRunOptions, "timeoutMs" | "timeScale" | "uploadDelayMinutes">> & {
    json: boolean;
    keep: boolean;
    dashboardsDir: string;
  };

export class UsageError extends Error {}

export function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = {
    records: 1000,
    faults: {},
    badShare: 0,
    seed: 1,
    json: false,
    keep: false,
    dashboardsDir: join(PROJECT_DIR, "out", "dashboards"),
  };
  const value = (i: number, name: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${name} needs a value`);
    return v;
  };
  const integer = (text: string, name: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(`${name} must be a whole number of at least ${min}, got "${text}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    switch (arg) {
      case "--records":
        options.records = integer(value(i++, arg), arg, 1);
        break;
      case "--input":
        options.input = value(i++, arg);
        break;
      case "--shards":
        options.shards = integer(value(i++, arg), arg, 1);
        break;
      case "--faults":
        options.faults = parseFaults(value(i++, arg));
        break;
      case "--bad-records": {
        const share = Number(value(i++, arg));
        if (!(share >= 0 && share <= 1))
          throw new UsageError(`--bad-records is a share from 0 to 1, got "${argv[i]}"`);
        options.badShare = share;
        break;
      }
      case "--seed":
        options.seed = integer(value(i++, arg), arg, 0);
        break;
      case "--timeout":
        options.timeoutMs = integer(value(i++, arg), arg, 1) * 1000;
        break;
      case "--time-scale": {
        const factor = Number(value(i++, arg));
        if (!(factor >= 1) || !Number.isFinite(factor))
          throw new UsageError(
            `--time-scale is how many times faster waiting times run, at least 1, got "${argv[i]}"`,
          );
        options.timeScale = factor;
        break;
      }
      case "--upload-delay":
        options.uploadDelayMinutes = integer(value(i++, arg), arg, 0);
        break;
      case "--json":
        options.json = true;
        break;
      case "--keep":
        options.keep = true;
        break;
      case "--dashboards":
        options.dashboardsDir = value(i++, arg);
        break;
      case "--help":
      case "-h":
        throw new UsageError("");
      default:
        throw new UsageError(`unknown option "${arg}"`);
    }
  }
  return options;
}

const USAGE =
  "usage: npm start -- [--records N] [--input FILE] [--shards S] [--faults salesforce=0.1,token=down,kinesis=0.05,duplicates=0.05] [--bad-records 0.02] [--seed N] [--time-scale N] [--upload-delay MINUTES] [--timeout SECONDS] [--json] [--keep] [--dashboards DIR]";

/** A progress line on stderr: rewritten in place on a terminal, one line every few seconds otherwise. */
function progressPrinter(): (p: Progress) => void {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < (tty ? 250 : 5000) && p.phase !== "summarising") return;
    last = now;
    const line = `[${(p.elapsedMs / 1000).toFixed(1).padStart(6)} s] ${p.phase.padEnd(11)} read ~${p.read}/${p.records}  published ${p.published}  cases ${p.cases}  audited ${p.audited}/${p.records} (${p.failed} FAILED)`;
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
    if (tty && p.phase === "summarising") process.stderr.write("\n");
  };
}

/** Handler logs of the newest few runs are kept under `.local-run/` (git-ignored). */
function newRunDir(): string {
  const root = join(PROJECT_DIR, ".local-run");
  mkdirSync(root, { recursive: true });
  const old = readdirSync(root)
    .filter((d) => d.startsWith("run-"))
    .sort();
  for (const dir of old.slice(0, Math.max(0, old.length - 4)))
    rmSync(join(root, dir), { recursive: true, force: true });
  return join(root, `run-${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}`);
}

/** Resolves once the text is handed to the OS: `process.exit` right after a pipe write can cut it off. */
function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) =>
    process.stdout.write(text, (error) => (error ? reject(error) : resolve())),
  );
}

/** The stack's dashboards from the run's metrics; the lines to print (paths, or why there are none). */
async function drawDashboards(
  environment: LocalRunResult["environment"],
  window: { start: Date; end: Date },
  dir: string,
  log: (line: string) => void,
): Promise<string> {
  try {
    const started = Date.now();
    const written = await writeRunPreviews({
      resources: environment.stack.resources,
      translate: environment.stack.translate,
      cloudwatch: environment.clients.cloudwatch,
      window,
      dir,
      log,
    });
    log(`dashboards drawn in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return `Dashboards (from this run's metrics):\n${written.flatMap((w) => [`  ${w.png}`, `  ${w.html}`]).join("\n")}`;
  } catch (error) {
    return `Dashboards: not drawn (${(error as Error).message})`;
  }
}

async function main(): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    const message = (error as Error).message;
    process.stderr.write(`${message ? `${message}\n` : ""}${USAGE}\n`);
    return message ? 2 : 0;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const cleanup = new Cleanup();
  const abort = new AbortController();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    abort.abort();
    log(`\n${signal}: stopping everything this run started…`);
    void cleanup.stopAll(log).finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // A bug that escapes every await must not leave the emulators running without a parent.
  const onCrash = (error: unknown) => {
    log(`local run crashed: ${(error as Error)?.stack ?? String(error)}`);
    void cleanup.stopAll(log).finally(() => process.exit(1));
  };
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);

  const printProgress = progressPrinter();
  try {
    const runDir = newRunDir();
    // The emulator records about 45 audit events a second on two cores; leave room for slower machines.
    const timeoutMs = options.timeoutMs ?? 120_000 + options.records * 60;
    const runStart = new Date();
    const result = await runLocalPlatform(
      {
        records: options.records,
        input: options.input,
        shards: options.shards,
        faults: options.faults,
        badShare: options.badShare,
        seed: options.seed,
        timeoutMs,
        ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
        ...(options.uploadDelayMinutes !== undefined
          ? { uploadDelayMinutes: options.uploadDelayMinutes }
          : {}),
        runDir,
        log,
        onProgress: (p) => !interrupted && printProgress(p),
        signal: abort.signal,
      },
      cleanup,
    );
    const { summary } = result;
    if (options.json) await writeOut(`${JSON.stringify(summary, null, 2)}\n`);
    else await writeOut(`${formatSummary(summary)}\n\nHandler logs: ${join(runDir, "handlers.log")}\n`);
    const pictures = await drawDashboards(
      result.environment,
      { start: runStart, end: new Date() },
      options.dashboardsDir,
      log,
    );
    // With --json stdout carries only the summary, so the paths go to stderr.
    if (options.json) log(pictures);
    else await writeOut(`${pictures}\n`);
    if (options.keep && !interrupted) {
      log(keepHint(result.environment));
      await new Promise<never>(() => undefined); // until Ctrl-C: onSignal stops everything and exits
    }
    return summary.unaccounted === 0 ? 0 : 1;
  } catch (error) {
    if (!interrupted) log(`local run failed: ${(error as Error).stack ?? (error as Error).message}`);
    return 1;
  } finally {
    // After a signal, the signal handler owns the shutdown and the exit code.
    if (interrupted) await new Promise<never>(() => undefined);
    await cleanup.stopAll(log);
  }
}

// Run only as the entry point (tests import `parseArgs`).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main().then((code) => process.exit(code));
}
