/**
 * Checks and verdicts: the one-screen ending of every command. A check passes, fails (with the fix)
 * or cannot be checked from here (with why); the verdict is bad when any check failed.
 */
import { EXIT_OK, EXIT_VERDICT_BAD, type CliIo } from "./cli.js";

export type CheckStatus = "pass" | "fail" | "cannot-check";

export interface CheckResult {
  /** Short name, e.g. `Lambda concurrency quota`. */
  name: string;
  status: CheckStatus;
  /** What was found, e.g. `quota 1000, the stack needs 26`. */
  detail: string;
  /** For `fail` and `cannot-check`: what to do about it. */
  fix?: string;
}

const MARK: Record<CheckStatus, string> = { pass: "PASS", fail: "FAIL", "cannot-check": "CANNOT CHECK" };

/** A table of checks: status, name, detail, and the fix under each failure. */
export function formatChecks(checks: readonly CheckResult[]): string {
  const width = Math.max(...checks.map((c) => MARK[c.status].length));
  const nameWidth = Math.max(...checks.map((c) => c.name.length));
  return checks
    .map((c) => {
      const row = `${MARK[c.status].padEnd(width)}  ${c.name.padEnd(nameWidth)}  ${c.detail}`;
      return c.fix && c.status !== "pass" ? `${row}\n${" ".repeat(width + nameWidth + 4)}fix: ${c.fix}` : row;
    })
    .join("\n");
}

/** The verdict's words, e.g. `READY` / `NOT READY`, `DRAINED` / `NOT DRAINED`. */
export interface VerdictWords {
  good: string;
  bad: string;
}

/**
 * Prints the checks and a verdict line; returns the exit code (1 when any check failed). A check
 * that cannot be checked does not make the verdict bad, but the verdict line says how many there are.
 */
export function reportChecks(
  io: CliIo,
  title: string,
  checks: readonly CheckResult[],
  words: VerdictWords = { good: "READY", bad: "NOT READY" },
): number {
  const failed = checks.filter((c) => c.status === "fail").length;
  const unchecked = checks.filter((c) => c.status === "cannot-check").length;
  const verdict =
    failed > 0
      ? `${title}: ${words.bad} — ${failed} check(s) failed${unchecked ? `, ${unchecked} could not be checked` : ""}`
      : `${title}: ${words.good} — ${checks.length - unchecked} check(s) passed${unchecked ? `, ${unchecked} could not be checked (see above)` : ""}`;
  io.out(`${formatChecks(checks)}\n\n${verdict}`);
  return failed > 0 ? EXIT_VERDICT_BAD : EXIT_OK;
}
