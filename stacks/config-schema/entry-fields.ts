/**
 * Builders for the fields of structured values (a pipeline, a Glue job), and helpers for rules across
 * a list's entries. Messages are tails, as in `fields.ts`: `problemText` puts the path in front
 * (`kyc-platform:pipelines[0].name is "CTA!"; use …`).
 */
import { z } from "zod";
import { blankToUndefined, fromJson } from "./fields.js";
import type { Problem, RawInput } from "./section.js";

/** A non-blank string field, optionally matching a pattern (`is "<value>"; <help>.`). */
export function field(pattern?: RegExp, help?: string) {
  const schema = z.string({ error: "is missing or not a string." });
  const checked = pattern
    ? schema.regex(pattern, { error: (iss) => `is "${iss.input}"; ${help ?? `it must match ${pattern}`}.` })
    : schema;
  return z.preprocess(blankToUndefined, checked);
}

/** One of a fixed set, `first` when unset (`is "<value>"; use a or b.`). */
export function choice<const T extends readonly [string, ...string[]]>(allowed: T) {
  return z
    .enum(allowed, { error: (iss) => `is ${JSON.stringify(iss.input)}; use ${allowed.join(" or ")}.` })
    .default(allowed[0]);
}

/** true or false (also as the strings Pulumi passes), `false` when unset. */
export const flag = () =>
  z
    .preprocess(
      (v) => (v === "true" ? true : v === "false" ? false : v),
      z.boolean({ error: (iss) => `must be true or false, got ${JSON.stringify(iss.input)}.` }),
    )
    .default(false);

const isNameList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === "string" && v.trim() !== "");

/** A list of non-blank strings, `[]` when unset. */
export const nameList = () =>
  z.preprocess(
    (v) => (v === null ? undefined : v),
    z
      .custom<string[]>(isNameList, {
        error: (iss) => `must be a list of names, got ${JSON.stringify(iss.input)}.`,
      })
      .default([]),
  );

/**
 * For a refinement of a structured value: run it when the fields it reads parsed, even when others
 * did not (zod skips refinements after a type error), so every problem is told at once.
 */
export const whenParsed =
  (...fields: string[]) =>
  (payload: z.core.ParsePayload): boolean =>
    typeof payload.value === "object" &&
    payload.value !== null &&
    !payload.issues.some((issue) => {
      const path = issue.path ?? [];
      return path.length === 0 || fields.includes(String(path[0]));
    });

/** The entries of a structured list as given (null where an entry is not a map), for rules across entries. */
export function entriesOf(value: unknown): Array<Record<string, unknown> | null> {
  const list = fromJson(value);
  if (!Array.isArray(list)) return [];
  return list.map((entry) =>
    typeof entry === "object" && entry !== null && !Array.isArray(entry) ? entry : null,
  );
}

/** Each name once (`<key> has "<name>" twice; names must be unique.`), also among entries with other problems. */
export function duplicateNames(key: string, raw: RawInput): Problem[] {
  const seen = new Set<unknown>();
  const problems: Problem[] = [];
  for (const entry of entriesOf(raw[key])) {
    const name = entry?.name;
    if (typeof name !== "string" || name.trim() === "") continue;
    if (seen.has(name)) problems.push({ path: [key], message: `has "${name}" twice; names must be unique.` });
    seen.add(name);
  }
  return problems;
}

/** A required field with a fixed set of values (`is "<value>"; <help>.`). */
export function requiredChoice<const T extends readonly [string, ...string[]]>(allowed: T, help: string) {
  return z.preprocess(
    blankToUndefined,
    z.enum(allowed, {
      error: (iss) =>
        typeof iss.input === "string" ? `is "${iss.input}"; ${help}.` : "is missing or not a string.",
    }),
  );
}
