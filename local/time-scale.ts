/**
 * Time in the local run. Work takes as long as it takes (a function's timeout is its timeout), but
 * the platform's *waiting* times — the 55-minute token schedule, the token's 60-minute lifetime and
 * its 5-minute refresh margin, Lambda's one- and two-minute async retries, SQS visibility timeouts,
 * the Kinesis event source's maximum record age, both event sources' batching windows, and the case creator's give-up age — run `factor`
 * times faster, all together, so their relations stay as deployed (a refresh still comes before
 * the token expires; a record is still given up on before Lambda's maximum age). `factor` 1 (the
 * default) compresses nothing: the run then waits exactly as AWS would.
 *
 * Compressing only some of them (as the local run once did: a 600× schedule with real token
 * lifetimes) makes outages look harmless: that is why this is one object.
 */
import type { FunctionSettings, KinesisSourceSettings } from "./provision.js";

export class TimeScale {
  constructor(readonly factor = 1) {
    if (!(factor >= 1) || !Number.isFinite(factor))
      throw new Error(`the time scale must be a number of at least 1, got ${factor}`);
  }

  get compressed(): boolean {
    return this.factor !== 1;
  }

  /** Real milliseconds for `ms` of platform time. */
  ms(ms: number): number {
    return ms / this.factor;
  }

  /** Lambda waits about one minute before the first retry of an async invocation and two before the second. */
  asyncRetryDelayMs(retry: number): number {
    return this.ms(60_000 * retry);
  }

  /** A failed SQS message becomes visible again after the queue's visibility timeout. */
  visibilityMs(visibilityTimeoutSeconds: number): number {
    return this.ms(visibilityTimeoutSeconds * 1000);
  }

  /** The event source mapping with its maximum record age and batching window compressed. */
  kinesisSource(settings: KinesisSourceSettings): KinesisSourceSettings {
    if (!this.compressed) return settings;
    return {
      ...settings,
      ...(settings.maximumRecordAgeInSeconds >= 0
        ? { maximumRecordAgeInSeconds: settings.maximumRecordAgeInSeconds / this.factor }
        : {}),
      ...(settings.maximumBatchingWindowInSeconds
        ? { maximumBatchingWindowInSeconds: settings.maximumBatchingWindowInSeconds / this.factor }
        : {}),
    };
  }

  /** Variables a function gets on top of its own so that its waiting times follow (none at factor 1). */
  functionOverrides(fn: FunctionSettings): Record<string, string> {
    if (!this.compressed) return {};
    const overrides: Record<string, string> = {};
    const giveUp = fn.environment.GIVE_UP_AFTER_SECONDS;
    if (giveUp !== undefined) {
      overrides.GIVE_UP_AFTER_SECONDS = String(Number(giveUp) / this.factor);
      overrides.TOKEN_REFRESH_MARGIN_SECONDS = String(300 / this.factor);
    }
    return overrides;
  }
}
