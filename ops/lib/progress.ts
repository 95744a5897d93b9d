/**
 * Progress of long work on stderr: done / total, rate and ETA. Rewritten in place on a terminal,
 * one line every few seconds otherwise (CI logs), and always once at the end.
 */
import type { CliIo } from "./cli.js";

export interface ProgressOptions {
  io: CliIo;
  /** What is being counted, e.g. `items`. */
  unit: string;
  /** Known total, or undefined when the work is open-ended (then no ETA is shown). */
  total?: number;
  /** ms between lines when stderr is not a terminal. @default `5000` */
  intervalMs?: number;
  now?: () => number;
  tty?: boolean;
}

export class ProgressReporter {
  private done = 0;
  private lastPrint = 0;
  private readonly startedAt: number;
  private readonly now: () => number;
  private readonly tty: boolean;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.tty = options.tty ?? process.stderr.isTTY === true;
  }

  /** Adds `n` finished units; prints if it is time to. */
  add(n: number, detail?: string): void {
    this.done += n;
    const now = this.now();
    if (now - this.lastPrint >= (this.tty ? 250 : (this.options.intervalMs ?? 5000))) {
      this.lastPrint = now;
      this.print(detail);
    }
  }

  /** The final line (always printed). */
  finish(detail?: string): void {
    this.print(detail);
    if (this.tty) this.options.io.err("");
  }

  get count(): number {
    return this.done;
  }

  /** `1,200/5,000 items  340 items/s  ETA 11 s  (detail)` */
  line(detail?: string): string {
    const elapsedS = Math.max(0.001, (this.now() - this.startedAt) / 1000);
    const rate = this.done / elapsedS;
    const total = this.options.total;
    const eta = total !== undefined && rate > 0 ? ` ETA ${formatSeconds((total - this.done) / rate)}` : "";
    const of = total !== undefined ? `/${total.toLocaleString("en-GB")}` : "";
    return `${this.done.toLocaleString("en-GB")}${of} ${this.options.unit}  ${Math.round(rate).toLocaleString("en-GB")} ${this.options.unit}/s${eta}${detail ? `  (${detail})` : ""}`;
  }

  private print(detail?: string): void {
    const text = this.line(detail);
    if (this.tty) process.stderr.write(`\r${text}\x1b[K`);
    else this.options.io.err(text);
  }
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
