/**
 * Builders for config keys: each gives a zod schema whose error messages are the tail of a problem
 * (`is missing. <fix>`); `problemText` puts the key in front (`kyc-platform:tokenUrl is missing. …`).
 * Each builder also records the key's documentation (type, default as the README shows it,
 * description) in `configDocs`, from which the README's config reference is generated.
 *
 * Pulumi hands every scalar over as a string and structured values as JSON strings, so the builders
 * accept `"42"` for 42 and `"true"` for true, and `structured()` parses JSON first.
 */
import { z } from "zod";

export interface KeyDoc {
  type: "string" | "integer" | "list" | "map";
  /** As the README shows it: `**required**`, `empty`, or the value in backticks. */
  default: string;
  description: string;
}

/** Documentation of every top-level key, keyed by schema instance. */
export const configDocs = z.registry<KeyDoc>();

interface Doc {
  description: string;
  /** The README's default column, when the schema's own default does not say it (e.g. a derived name). */
  shownDefault?: string;
}

export const blankToUndefined = (value: unknown) =>
  value === null || (typeof value === "string" && value.trim() === "") ? undefined : value;
const trimmed = (value: unknown) => (typeof value === "string" ? value.trim() : value);
const notString = (input: unknown) => `must be a string, got ${JSON.stringify(input)}.`;
const shown = (value: unknown) => `\`${value}\``;

/** A required, non-blank string (trimmed). */
export function text(doc: Doc & { fix: string; default?: string; pattern?: Pattern }) {
  let schema = z.string({
    error: (iss) => (iss.input === undefined ? `is missing. ${doc.fix}` : notString(iss.input)),
  });
  if (doc.pattern)
    schema = schema.regex(doc.pattern.regex, { error: (iss) => doc.pattern!.problem(String(iss.input)) });
  const field = z.preprocess((v) => trimmed(blankToUndefined(v)), schema);
  return doc.default === undefined
    ? field.register(configDocs, docOf("string", doc.shownDefault ?? "**required**", doc))
    : field.default(doc.default).register(configDocs, docOf("string", shown(doc.default), doc));
}

const docOf = (type: KeyDoc["type"], shownDefault: string, doc: Doc): KeyDoc => ({
  type,
  default: doc.shownDefault ?? shownDefault,
  description: doc.description,
});

/** What a value must look like, and the problem's tail when it does not. */
export interface Pattern {
  regex: RegExp;
  problem: (value: string) => string;
}

/** `is "<value>", which is not <what>.` */
export const isNot = (regex: RegExp, what: string): Pattern => ({
  regex,
  problem: (value) => `is "${value}", which is not ${what}.`,
});

/** A string that may be left empty (undefined then); `default` applies only when the key is unset. */
export function optionalText(doc: Doc & { pattern?: Pattern; default?: string }) {
  let schema = z.string({ error: (iss) => notString(iss.input) });
  if (doc.pattern)
    schema = schema.regex(doc.pattern.regex, { error: (iss) => doc.pattern!.problem(String(iss.input)) });
  const field = z.preprocess((v) => trimmed(blankToUndefined(v)), schema.optional());
  return doc.default === undefined
    ? field.register(configDocs, docOf("string", "empty", doc))
    : field.default(doc.default).register(configDocs, docOf("string", shown(doc.default), doc));
}

/** One of a fixed set of strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(
  allowed: T,
  doc: Doc & { fix?: string; default?: T[number] },
) {
  const fix = doc.fix ?? `Set it to one of: ${allowed.join(", ")}.`;
  const field = z.preprocess(
    (v) => trimmed(blankToUndefined(v)),
    z.enum(allowed, {
      error: (iss) =>
        iss.input === undefined
          ? `is missing. ${fix}`
          : typeof iss.input !== "string"
            ? notString(iss.input)
            : `is "${iss.input}"; it must be one of: ${allowed.join(", ")}.`,
    }),
  );
  return doc.default === undefined
    ? field.register(configDocs, docOf("string", "**required**", doc))
    : field.default(doc.default).register(configDocs, docOf("string", shown(doc.default), doc));
}

const numberFromString = (value: unknown) =>
  typeof value === "string" && value.trim() !== "" && Number.isInteger(Number(value)) ? Number(value) : value;

/**
 * A whole number within bounds. `outOfRange` words the problem for a number outside them; inside
 * structured values (a pipeline's fields) it is the same as for a value that is no number at all.
 */
function wholeNumberSchema(min: number, max: number, outOfRange?: (value: number) => string) {
  const notWhole = (input: unknown) =>
    `must be a whole number between ${min} and ${max}, got ${JSON.stringify(input)}.`;
  const range = { error: (iss: { input: unknown }) => (outOfRange ?? notWhole)(iss.input as number) };
  return z.preprocess(
    numberFromString,
    z
      .int({ error: (iss) => notWhole(iss.input) })
      .min(min, range)
      .max(max, range),
  );
}

/** A top-level integer key; `allowed` narrows the range to the values a service accepts. */
export function integer(min: number, max: number, doc: Doc & { default: number; allowed?: Allowed }) {
  const inRange = wholeNumberSchema(
    min,
    max,
    (value) => `is ${value}; it must be between ${min} and ${max}.`,
  );
  const allowed = doc.allowed;
  const checked = allowed
    ? inRange.refine((value) => allowed.values.includes(value), {
        error: (iss) => allowed.problem(iss.input as number),
      })
    : inRange;
  return checked.default(doc.default).register(configDocs, docOf("integer", shown(doc.default), doc));
}

export interface Allowed {
  values: readonly number[];
  problem: (value: number) => string;
}

/** A whole-number field of a structured value (also given as a string). */
export const wholeNumber = (min: number, max: number) => wholeNumberSchema(min, max);

/** An https URL (TLS is never optional here). */
const url = (fix: string) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? `is missing. ${fix}` : notString(iss.input)) })
    .refine((value) => URL.canParse(value), { error: (iss) => `is not a URL: "${iss.input}". ${fix}` })
    .refine((value) => !URL.canParse(value) || new URL(value).protocol === "https:", {
      error: (iss) => `must use https://, got "${iss.input}".`,
    });

export const httpsUrl = (doc: Doc & { fix: string }) =>
  z
    .preprocess((v) => trimmed(blankToUndefined(v)), url(doc.fix))
    .register(configDocs, docOf("string", "**required**", doc));

export const optionalHttpsUrl = (doc: Doc & { fix: string }) =>
  z
    .preprocess((v) => trimmed(blankToUndefined(v)), url(doc.fix).optional())
    .register(configDocs, docOf("string", "empty", doc));

/** A structured value as given: parsed when it is JSON, undefined when it is not. */
export function fromJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** Pulumi passes lists and maps as JSON; the stack file's YAML becomes that JSON. */
export function structured<T extends z.ZodType>(
  schema: T,
  doc: Doc & { type: "list" | "map"; shownDefault: string },
) {
  const field = z.preprocess((value, ctx) => {
    const parsed = fromJson(value);
    if (parsed === undefined && typeof value === "string")
      ctx.addIssue({
        code: "custom",
        message: "is not valid structured config (expected YAML list or map).",
        input: value,
      });
    return parsed;
  }, schema);
  configDocs.add(field, docOf(doc.type, doc.shownDefault, doc));
  return field;
}
