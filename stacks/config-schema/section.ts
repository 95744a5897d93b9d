/**
 * What one section of the stack config declares: its keys (one zod schema each, documented in
 * `configDocs`), the rules across its keys, and how its checked values become its part of
 * `PlatformConfig`. `index.ts` composes the sections; `validate-config.ts` runs them.
 */
import type { z } from "zod";

/** What a message may depend on besides the value: the stack it is fixed in, and its env. */
export interface StackContext {
  stack: string;
  /** The raw `env` value (maybe invalid): the token URL's fix differs for prod. */
  env: string;
}

/** A problem found by a rule: where (a key, then fields and indexes) and the tail of the message. */
export interface Problem {
  path: PropertyKey[];
  message: string;
}

/** Values as Pulumi hands them over (scalars as strings, structured values as JSON). */
export type RawInput = Readonly<Record<string, unknown>>;

/** The values a section's keys parse to. */
export type Fields<K extends z.ZodRawShape> = z.output<z.ZodObject<K>>;

/** Names the built config is made from (`Naming`, the token secret's default name). */
export interface NamingValues {
  env: string;
  prefix: string;
  /** `aws:region`: defaults that depend on it (a created VPC's zones). */
  region: string;
}

export interface ConfigSection<K extends z.ZodRawShape, Out> {
  keys(context: StackContext): K;
  /**
   * Rules across keys, run after every key was parsed on its own: `valid` holds this section's keys
   * that parsed, `others` every other section's, `raw` the values as given (for a rule that also
   * checks what it can of a key that has other problems); a rule skips what it cannot check.
   */
  rules?(valid: Partial<Fields<K>>, others: Readonly<Record<string, unknown>>, raw: RawInput): Problem[];
  /** This section's part of `PlatformConfig`; runs only when the whole config is valid. */
  build(fields: Fields<K>, naming: NamingValues): Out;
}

export const defineSection = <K extends z.ZodRawShape, Out>(section: ConfigSection<K, Out>) => section;

/** Compile-time check that a schema-derived type and a component's interface say the same. */
export type Conforms<Derived, Declared> = [Derived] extends [Declared]
  ? [keyof Derived] extends [keyof Declared]
    ? [keyof Declared] extends [keyof Derived]
      ? true
      : false
    : false
  : false;
export type Assert<T extends true> = T;
