/**
 * The error a stack's config fails with: every problem at once, not the first, so one run of
 * `pulumi preview` (or `npm run plan`) shows the whole list to fix (`validate-config.ts`).
 */

/** Config as Pulumi hands it over: every value a string (objects as JSON), keys without namespace. */
export type RawValues = Record<string, unknown>;

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}
