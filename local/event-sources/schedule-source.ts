/**
 * EventBridge Scheduler: a `rate(…)` schedule fires every `rate / timeScale` (the run's time scale,
 * see `time-scale.ts`; 1 by default, so 55 minutes are 55 minutes). Scheduler invokes Lambda asynchronously, so a function
 * error is handled by Lambda's asynchronous retries and on-failure destination (`async-invoke.ts`);
 * the schedule's own retry policy and dead-letter queue only see events Lambda would not accept,
 * which does not happen locally.
 */
import type { ScheduleSettings } from "../provision.js";
import type { AsyncInvoker } from "./async-invoke.js";

export type ScheduledInvoke = (event: Record<string, unknown>, requestId: string) => Promise<unknown>;

export interface ScheduleSourceOptions {
  schedule: ScheduleSettings;
  invoker: AsyncInvoker;
  invoke: ScheduledInvoke;
  /** How much faster than real time (the run's time scale). @default `1` */
  timeScale?: number;
}

export interface ScheduleStats {
  firings: number;
  succeeded: number;
  failed: number;
}

/** Minutes between firings of `rate(n minutes|hours|days)`; undefined for cron expressions. */
export function rateMinutes(expression: string): number | undefined {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!match) return undefined;
  const unit = match[2]!.startsWith("minute") ? 1 : match[2]!.startsWith("hour") ? 60 : 1440;
  return Number(match[1]) * unit;
}

export class ScheduleSource {
  readonly stats: ScheduleStats = { firings: 0, succeeded: 0, failed: 0 };
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;

  constructor(private readonly options: ScheduleSourceOptions) {}

  /** Interval between firings in ms, after the time scale. Cron schedules fire every hour of platform time. */
  get intervalMs(): number {
    const minutes = rateMinutes(this.options.schedule.expression) ?? 60;
    return Math.max(500, (minutes * 60_000) / (this.options.timeScale ?? 1));
  }

  /** Fires on the interval from now on (call `fire()` first for an immediate refresh). */
  start(): void {
    this.timer = setInterval(() => {
      if (!this.current) this.current = this.fire().finally(() => (this.current = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.current;
  }

  /** One firing, retries included; true when the function succeeded. Never throws. */
  async fire(): Promise<boolean> {
    const { schedule } = this.options;
    this.stats.firings += 1;
    const event = {
      source: "aws.scheduler",
      "detail-type": "Scheduled Event",
      resources: [schedule.name],
      time: new Date().toISOString(),
      detail: {},
    };
    const outcome = await this.options.invoker
      .invoke(schedule.functionName, event, this.options.invoke)
      .catch((error: unknown) => ({ error: String(error) }));
    if (outcome.error === undefined) this.stats.succeeded += 1;
    else this.stats.failed += 1;
    return outcome.error === undefined;
  }
}
