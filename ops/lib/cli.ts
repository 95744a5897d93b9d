/**
 * The one command-line convention of the team's tools (`npm run preflight`, `npm run migrate`, and
 * later `ops` and `capacity`): one argument parser, one help text, one set of exit codes.
 *
 * Exit codes a script can rely on:
 * - `0` the command did what it says and its verdict is good (checks passed, copy complete, drained);
 * - `1` the verdict is bad (a check failed, a difference was found, work is still in flight) or the
 *   command failed part-way (the message says what was done and how to resume);
 * - `2` the command line is wrong: one line naming the fix, then the usage.
 *
 * Every command prints what it will do before it does it (`announce`), shows progress of long work
 * on stderr (`progress.ts`) and ends with a one-screen verdict (`verdict.ts`).
 */

export const EXIT_OK = 0;
export const EXIT_VERDICT_BAD = 1;
export const EXIT_USAGE = 2;

/** A wrong command line. The message is one line that names the fix. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * `list`: comma-separated values, or the option repeated. `pairs`: `key=value`, repeated for more
 * (no comma splitting, so a value may hold commas or JSON), e.g. `--config prefix=t1 --config a=b`.
 */
export type OptionKind = "string" | "integer" | "number" | "boolean" | "list" | "pairs";

export interface OptionSpec {
  kind: OptionKind;
  /** One line for the usage text. */
  help: string;
  required?: boolean;
  /** Shown in the usage text and used when the option is absent. */
  default?: string | number | boolean;
  /** For `integer` / `number`: the smallest value allowed. */
  min?: number;
  /** For `string`: the values allowed. */
  choices?: readonly string[];
  /** Placeholder in the usage text, e.g. `STACK`. */
  placeholder?: string;
}

export interface CommandSpec {
  /** As typed, e.g. `npm run migrate -- copy-audit`. */
  usage: string;
  /** One sentence: what it does, and whether it writes. */
  summary: string;
  options: Record<string, OptionSpec>;
  /** Names of positional arguments, in order (all required). */
  positionals?: readonly string[];
}

export type ParsedValue = string | number | boolean | string[] | Record<string, string> | undefined;
export interface ParsedArgs {
  options: Record<string, ParsedValue>;
  positionals: Record<string, string>;
  help: boolean;
}

/** Parses `--name value`, `--name=value` and `--flag`; lists take comma-separated values or repeat. */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const options: Record<string, ParsedValue> = {};
  const positionalValues: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      positionalValues.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const option = spec.options[name];
    if (!option) {
      const known = Object.keys(spec.options)
        .map((n) => `--${n}`)
        .join(", ");
      throw new UsageError(`unknown option --${name}; this command takes ${known || "no options"}`);
    }
    if (option.kind === "boolean") {
      if (eq !== -1) throw new UsageError(`--${name} is a flag and takes no value; write just --${name}`);
      options[name] = true;
      continue;
    }
    let raw: string | undefined;
    if (eq !== -1) raw = arg.slice(eq + 1);
    else {
      raw = argv[i + 1];
      if (raw === undefined || raw.startsWith("--"))
        throw new UsageError(`--${name} needs a value: --${name} ${option.placeholder ?? "VALUE"}`);
      i++;
    }
    const value = convert(name, option, raw);
    if (option.kind === "list")
      options[name] = [...((options[name] as string[] | undefined) ?? []), ...(value as string[])];
    else if (option.kind === "pairs")
      options[name] = {
        ...((options[name] as Record<string, string> | undefined) ?? {}),
        ...(value as Record<string, string>),
      };
    else options[name] = value;
  }
  if (help) return { options, positionals: {}, help };

  const names = spec.positionals ?? [];
  if (positionalValues.length > names.length) {
    throw new UsageError(
      `unexpected argument "${positionalValues[names.length]}"${names.length ? `; this command takes ${names.map((n) => `<${n}>`).join(" ")}` : ""}`,
    );
  }
  if (positionalValues.length < names.length)
    throw new UsageError(`name the ${names[positionalValues.length]}: ${spec.usage}`);
  const positionals = Object.fromEntries(names.map((n, i) => [n, positionalValues[i]!]));

  for (const [name, option] of Object.entries(spec.options)) {
    if (options[name] !== undefined) continue;
    if (option.required)
      throw new UsageError(`--${name} is required: --${name} ${option.placeholder ?? "VALUE"}`);
    if (option.default !== undefined) options[name] = option.default;
    else if (option.kind === "boolean") options[name] = false;
    else if (option.kind === "pairs") options[name] = {};
  }
  return { options, positionals, help };
}

function convert(name: string, option: OptionSpec, raw: string): ParsedValue {
  switch (option.kind) {
    case "integer":
    case "number": {
      const n = Number(raw);
      const ok = raw.trim() !== "" && Number.isFinite(n) && (option.kind === "number" || Number.isInteger(n));
      if (!ok || (option.min !== undefined && n < option.min)) {
        throw new UsageError(
          `--${name} must be a ${option.kind === "integer" ? "whole number" : "number"}${option.min !== undefined ? ` of at least ${option.min}` : ""}, got "${raw}"`,
        );
      }
      return n;
    }
    case "list":
      return raw
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    case "pairs": {
      const eq = raw.indexOf("=");
      if (eq <= 0) throw new UsageError(`--${name} takes key=value, got "${raw}"`);
      return { [raw.slice(0, eq)]: raw.slice(eq + 1) };
    }
    case "string":
      if (option.choices && !option.choices.includes(raw))
        throw new UsageError(`--${name} must be one of ${option.choices.join(", ")}, got "${raw}"`);
      return raw;
    default:
      return raw;
  }
}

/** The usage text: the summary, the command line and one line per option. */
export function usageText(spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const left = o.kind === "boolean" ? `--${name}` : `--${name} ${o.placeholder ?? "VALUE"}`;
    const extra = [
      o.required ? "required" : undefined,
      o.default !== undefined && o.kind !== "boolean" ? `default ${o.default}` : undefined,
    ]
      .filter(Boolean)
      .join(", ");
    return [left, `${o.help}${extra ? ` (${extra})` : ""}`] as const;
  });
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  return [
    spec.summary,
    "",
    `usage: ${spec.usage}`,
    ...rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`),
  ].join("\n");
}

/** Where a command writes: stdout for results, stderr for what it will do, progress and errors. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
};

/**
 * Runs one command: parses, prints help or the usage error, calls `main`, maps a crash to exit 1
 * with its message. Returns the exit code (the caller sets `process.exitCode`), so tests can call it.
 */
export async function runCommand(
  spec: CommandSpec,
  argv: readonly string[],
  main: (args: ParsedArgs, io: CliIo) => Promise<number>,
  io: CliIo = processIo,
): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(spec, argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`error: ${error.message}\n${usageText(spec)}`);
    return EXIT_USAGE;
  }
  if (args.help) {
    io.out(usageText(spec));
    return EXIT_OK;
  }
  try {
    return await main(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}\n${usageText(spec)}`);
      return EXIT_USAGE;
    }
    io.err(`failed: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_VERDICT_BAD;
  }
}

/**
 * A tool with several commands (`npm run migrate -- <command> …`): picks the command by its first
 * argument and runs it with `runCommand`.
 */
export async function runSubcommand(
  tool: string,
  commands: Record<string, { spec: CommandSpec; main: (args: ParsedArgs, io: CliIo) => Promise<number> }>,
  argv: readonly string[],
  io: CliIo = processIo,
): Promise<number> {
  const [name, ...rest] = argv;
  const list = Object.entries(commands)
    .map(([n, c]) => `  ${n.padEnd(14)} ${c.spec.summary}`)
    .join("\n");
  if (name === undefined || name === "--help" || name === "-h") {
    (name === undefined ? io.err : io.out)(
      `usage: ${tool} <command> [options]\n\ncommands:\n${list}\n\n${tool} <command> --help shows a command's options.`,
    );
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = commands[name];
  if (!command) {
    io.err(
      `error: unknown command "${name}"; use one of ${Object.keys(commands).join(", ")}\n\ncommands:\n${list}`,
    );
    return EXIT_USAGE;
  }
  return runCommand(command.spec, rest, command.main, io);
}

/** What the command is about to do, printed before it does it (stderr, so stdout stays parseable). */
export function announce(io: CliIo, lines: string[]): void {
  io.err(lines.map((l, i) => (i === 0 ? l : `  ${l}`)).join("\n"));
}
