/**
 * Reads raw config values into typed ones and collects every problem instead of stopping at the
 * first, so one run of `pulumi preview` (or `npm run plan`) shows the whole list to fix.
 */

/** Config as Pulumi hands it over: every value a string (objects as JSON), keys without namespace. */
export type RawValues = Record<string, unknown>;

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export class ConfigReader {
  readonly problems: string[] = [];

  constructor(
    private readonly values: RawValues,
    /** The Pulumi project name: the namespace users type in `pulumi config set`. */
    readonly namespace: string,
  ) {}

  /** `kyc-platform:tokenUrl` as a user sees it in a stack file. */
  key(name: string): string {
    return name.includes(":") ? name : `${this.namespace}:${name}`;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  has(name: string): boolean {
    const value = this.values[name];
    return value !== undefined && value !== null && value !== "";
  }

  /** A string that must be present and non-blank. */
  requiredString(name: string, fix: string): string {
    const value = this.values[name];
    if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
      this.problem(`${this.key(name)} is missing. ${fix}`);
      return "";
    }
    if (typeof value !== "string") {
      this.problem(`${this.key(name)} must be a string, got ${JSON.stringify(value)}.`);
      return "";
    }
    return value.trim();
  }

  /** A string that may be empty; returns `undefined` when empty. */
  optionalString(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value !== "string") {
      this.problem(`${this.key(name)} must be a string, got ${JSON.stringify(value)}.`);
      return undefined;
    }
    return value.trim() === "" ? undefined : value.trim();
  }

  oneOf<T extends string>(
    name: string,
    allowed: readonly T[],
    fix = `Set it to one of: ${allowed.join(", ")}.`,
  ): T {
    const value = this.requiredString(name, fix);
    if (value !== "" && !allowed.includes(value as T)) {
      this.problem(`${this.key(name)} is "${value}"; it must be one of: ${allowed.join(", ")}.`);
    }
    return value as T;
  }

  /** An integer within bounds; Pulumi passes numbers as strings, so both are accepted. */
  integer(name: string, min: number, max: number): number {
    const value = this.values[name];
    const parsed =
      typeof value === "number"
        ? value
        : typeof value === "string" && value.trim() !== ""
          ? Number(value)
          : NaN;
    if (!Number.isInteger(parsed)) {
      this.problem(
        `${this.key(name)} must be a whole number between ${min} and ${max}, got ${JSON.stringify(value)}.`,
      );
      return min;
    }
    if (parsed < min || parsed > max) {
      this.problem(`${this.key(name)} is ${parsed}; it must be between ${min} and ${max}.`);
    }
    return parsed;
  }

  /** An https URL (TLS is never optional here). */
  httpsUrl(name: string, fix: string): string {
    const value = this.requiredString(name, fix);
    if (value === "") return value;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      this.problem(`${this.key(name)} is not a URL: "${value}". ${fix}`);
      return value;
    }
    if (url.protocol !== "https:") this.problem(`${this.key(name)} must use https://, got "${value}".`);
    return value;
  }

  /** A structured value: Pulumi passes objects and arrays as JSON strings. */
  structured(name: string): unknown {
    const value = this.values[name];
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch {
      this.problem(`${this.key(name)} is not valid structured config (expected YAML list or map).`);
      return undefined;
    }
  }
}

/** Field readers for objects inside structured config (a pipeline, a Glue job). */
export class ObjectReader {
  constructor(
    private readonly reader: ConfigReader,
    private readonly where: string,
    private readonly object: Record<string, unknown>,
  ) {}

  string(field: string, pattern?: RegExp, patternHelp?: string): string {
    const value = this.object[field];
    if (typeof value !== "string" || value.trim() === "") {
      this.reader.problem(`${this.where}.${field} is missing or not a string.`);
      return "";
    }
    if (pattern && !pattern.test(value)) {
      this.reader.problem(
        `${this.where}.${field} is "${value}"; ${patternHelp ?? `it must match ${pattern}`}.`,
      );
    }
    return value;
  }

  integer(field: string, min: number, max: number, fallback?: number): number {
    const value = this.object[field];
    if (value === undefined && fallback !== undefined) return fallback;
    const parsed = typeof value === "string" ? Number(value) : value;
    if (typeof parsed !== "number" || !Number.isInteger(parsed) || parsed < min || parsed > max) {
      this.reader.problem(
        `${this.where}.${field} must be a whole number between ${min} and ${max}, got ${JSON.stringify(value)}.`,
      );
      return fallback ?? min;
    }
    return parsed;
  }

  boolean(field: string, fallback: boolean): boolean {
    const value = this.object[field];
    if (value === undefined) return fallback;
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    this.reader.problem(`${this.where}.${field} must be true or false, got ${JSON.stringify(value)}.`);
    return fallback;
  }

  stringList(field: string): string[] {
    const value = this.object[field];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v.trim() === "")) {
      this.reader.problem(`${this.where}.${field} must be a list of names, got ${JSON.stringify(value)}.`);
      return [];
    }
    return value as string[];
  }

  has(field: string): boolean {
    return this.object[field] !== undefined;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
