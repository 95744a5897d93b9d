import { describe, expect, it } from "vitest";
import {
  EXIT_OK,
  EXIT_USAGE,
  EXIT_VERDICT_BAD,
  parseArgs,
  runCommand,
  runSubcommand,
  UsageError,
  type CliIo,
  type CommandSpec,
} from "../ops/lib/cli.js";
import { ProgressReporter } from "../ops/lib/progress.js";
import { reportChecks } from "../ops/lib/verdict.js";

const spec: CommandSpec = {
  usage: "npm run tool -- copy <stack> --to STACK [--segments N] [--dry-run]",
  summary: "Copies things (writes to the target only).",
  positionals: ["stack"],
  options: {
    to: { kind: "string", help: "target stack", required: true, placeholder: "STACK" },
    segments: { kind: "integer", help: "parallel segments", default: 4, min: 1, placeholder: "N" },
    "dry-run": { kind: "boolean", help: "count only" },
    only: { kind: "list", help: "statuses", placeholder: "A,B" },
  },
};

function captureIo(): CliIo & { outText: string[]; errText: string[] } {
  const outText: string[] = [];
  const errText: string[] = [];
  return { outText, errText, out: (t) => outText.push(t), err: (t) => errText.push(t) };
}

describe("ops command-line convention", () => {
  it("parses positionals, values, defaults, flags and lists", () => {
    const args = parseArgs(spec, [
      "sit-london",
      "--to=sit",
      "--dry-run",
      "--only",
      "FAILED,PROCESSED",
      "--only",
      "PUBLISHED",
    ]);
    expect(args.positionals).toEqual({ stack: "sit-london" });
    expect(args.options).toEqual({
      to: "sit",
      segments: 4,
      "dry-run": true,
      only: ["FAILED", "PROCESSED", "PUBLISHED"],
    });
  });

  it("takes key=value pairs, repeated, with commas and '=' kept in the value", () => {
    const pairSpec: CommandSpec = {
      usage: "npm run tool -- plan",
      summary: "Plans.",
      options: { config: { kind: "pairs", help: "config", placeholder: "KEY=VALUE" } },
    };
    expect(parseArgs(pairSpec, []).options.config).toEqual({});
    const args = parseArgs(pairSpec, [
      "--config",
      "prefix=t1",
      "--config=glueJobs=[]",
      "--config",
      'pipelines=[{"a":1,"b":"x=y"}]',
    ]);
    expect(args.options.config).toEqual({ prefix: "t1", glueJobs: "[]", pipelines: '[{"a":1,"b":"x=y"}]' });
    expect(() => parseArgs(pairSpec, ["--config", "prefix"])).toThrow(
      '--config takes key=value, got "prefix"',
    );
  });

  it.each([
    [["sit", "--to", "x", "--segments", "0"], "--segments must be a whole number of at least 1"],
    [["sit", "--to", "x", "--bogus"], "unknown option --bogus"],
    [["sit"], "--to is required: --to STACK"],
    [["--to", "x"], "name the stack"],
    [["sit", "extra", "--to", "x"], 'unexpected argument "extra"'],
    [["sit", "--to"], "--to needs a value"],
    [["sit", "--to", "x", "--dry-run=yes"], "--dry-run is a flag"],
  ])("refuses %j with one line naming the fix", (argv, message) => {
    expect(() => parseArgs(spec, argv)).toThrow(UsageError);
    expect(() => parseArgs(spec, argv)).toThrow(message);
  });

  it("maps usage errors to exit 2, verdicts to 0/1, crashes to 1 with the message", async () => {
    const io = captureIo();
    expect(await runCommand(spec, ["sit"], async () => EXIT_OK, io)).toBe(EXIT_USAGE);
    expect(io.errText.join("\n")).toContain("usage: npm run tool -- copy");
    expect(await runCommand(spec, ["sit", "--to", "x"], async () => EXIT_VERDICT_BAD, io)).toBe(
      EXIT_VERDICT_BAD,
    );
    expect(
      await runCommand(
        spec,
        ["sit", "--to", "x"],
        async () => {
          throw new Error("table gone");
        },
        io,
      ),
    ).toBe(EXIT_VERDICT_BAD);
    expect(io.errText.at(-1)).toBe("failed: table gone");
    expect(await runCommand(spec, ["--help"], async () => EXIT_VERDICT_BAD, io)).toBe(EXIT_OK);
    expect(io.outText.at(-1)).toContain("--segments N");
  });

  it("picks a subcommand and refuses an unknown one", async () => {
    const io = captureIo();
    const commands = { copy: { spec, main: async () => EXIT_OK } };
    expect(await runSubcommand("npm run tool --", commands, ["copy", "a", "--to", "b"], io)).toBe(EXIT_OK);
    expect(await runSubcommand("npm run tool --", commands, ["paste"], io)).toBe(EXIT_USAGE);
    expect(io.errText.at(-1)).toContain('unknown command "paste"; use one of copy');
    expect(await runSubcommand("npm run tool --", commands, [], io)).toBe(EXIT_USAGE);
  });

  it("reports progress with rate and ETA", () => {
    let t = 0;
    const io = captureIo();
    const progress = new ProgressReporter({
      io,
      unit: "items",
      total: 1000,
      now: () => t,
      tty: false,
      intervalMs: 1000,
    });
    t = 2000;
    progress.add(400);
    expect(io.errText.at(-1)).toBe("400/1,000 items  200 items/s ETA 3 s");
  });

  it("gives a bad verdict exactly when a check failed", () => {
    const io = captureIo();
    expect(
      reportChecks(io, "preflight sit", [
        { name: "quota", status: "pass", detail: "1000" },
        { name: "cert", status: "cannot-check", detail: "no ACM", fix: "check by hand" },
      ]),
    ).toBe(EXIT_OK);
    expect(io.outText.at(-1)).toContain("READY — 1 check(s) passed, 1 could not be checked");
    expect(
      reportChecks(io, "preflight sit", [
        { name: "quota", status: "fail", detail: "10 < 26", fix: "ask for more" },
      ]),
    ).toBe(EXIT_VERDICT_BAD);
    expect(io.outText.at(-1)).toContain("fix: ask for more");
    expect(io.outText.at(-1)).toContain("NOT READY — 1 check(s) failed");
    expect(
      reportChecks(
        io,
        "drain-check sit-london",
        [{ name: "audit queue", status: "fail", detail: "3 visible" }],
        { good: "DRAINED", bad: "NOT DRAINED" },
      ),
    ).toBe(EXIT_VERDICT_BAD);
    expect(io.outText.at(-1)).toContain("drain-check sit-london: NOT DRAINED — 1 check(s) failed");
  });
});
