/**
 * JSON for records that come from outside: a parser and a writer with no recursion that input can
 * drive, and numbers kept exactly as written.
 *
 * Why not `JSON.parse`/`JSON.stringify`: `JSON.stringify` recurses, so a payload nested ~5,000 levels
 * deep threw `RangeError: Maximum call stack size exceeded` and took the whole file down; and both
 * turn numbers into doubles, so `12345678901234567890` reached Salesforce as `12345678901234567000`
 * and `1e400` as `null`. Here nesting is bounded while parsing (the record is rejected with a reason,
 * its neighbours are not affected), numbers stay `JsonNumber`s holding their source text, and the
 * writer puts that text back byte for byte.
 *
 * Strings must be well-formed Unicode: a lone surrogate (raw, or escaped as `\ud800`) cannot be sent
 * to AWS as UTF-8 without being replaced, so it is an error here instead of a silent U+FFFD later.
 * A member name that appears twice in one object is an error too (`JSON.parse` keeps the last one,
 * silently dropping the other value).
 */

/** A JSON number, kept as the text it was written as (validated against JSON's number grammar). */
export class JsonNumber {
  constructor(readonly text: string) {}
  /** For logs and `JSON.stringify` only; the record's own text goes through `writeJson`. */
  toJSON(): string {
    return this.text;
  }
}

export type JsonValue = null | boolean | string | number | JsonNumber | JsonValue[] | JsonObject;
export interface JsonObject {
  [member: string]: JsonValue;
}

export interface JsonLimits {
  /** Deepest nesting of objects and arrays allowed; the top-level value is level 1. */
  maxDepth: number;
}

export type JsonParse =
  | { ok: true; value: JsonValue }
  | { ok: false; reason: string /** The nesting bound was hit (not a syntax error). */; tooDeep: boolean };

/** True when `text` has no lone surrogate (it can be encoded as UTF-8 without loss). */
export function isWellFormedText(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

enum C {
  Tab = 9,
  LineFeed = 10,
  CarriageReturn = 13,
  Space = 32,
  Quote = 34,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  OpenBracket = 91,
  Backslash = 92,
  CloseBracket = 93,
  OpenBrace = 123,
  CloseBrace = 125,
}

/** A backslash or a control character: the string needs the character-by-character reader. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NEEDS_SLOW_PATH = /[\\\u0000-\u001f]/;

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly tooDeep = false,
  ) {
    super(message);
  }
}

interface Frame {
  container: JsonValue[] | JsonObject;
  /** Member name waiting for its value (objects only). */
  key?: string;
}

/** Parses one JSON text; never throws, never recurses. */
export function parseJson(text: string, limits: JsonLimits): JsonParse {
  try {
    return { ok: true, value: new Parser(text, limits.maxDepth).parse() };
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { ok: false, reason: error.message, tooDeep: error.tooDeep };
    throw error;
  }
}

class Parser {
  private pos = 0;
  private readonly stack: Frame[] = [];

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  parse(): JsonValue {
    let result: JsonValue | undefined;
    let done = false;
    this.skipSpace();
    // Each turn reads one value (or opens a container) and attaches it to the innermost frame.
    while (!done) {
      let value: JsonValue;
      let opened = false;
      const c = this.peek();
      if (c === C.OpenBrace || c === C.OpenBracket) {
        if (this.stack.length + 1 > this.maxDepth)
          throw new JsonSyntaxError(
            `nested deeper than ${this.maxDepth} levels (at character ${this.pos + 1})`,
            true,
          );
        this.pos++;
        value = c === C.OpenBrace ? {} : [];
        opened = true;
      } else {
        value = this.scalar();
      }
      if (this.stack.length === 0) result = value;
      else this.attach(value);
      if (opened) {
        this.stack.push({ container: value as JsonObject | JsonValue[] });
        this.skipSpace();
        if (this.closeIfEmpty()) {
          done = this.afterValue();
          continue;
        }
        this.beforeValue();
        continue;
      }
      done = this.afterValue();
    }
    this.skipSpace();
    if (this.pos < this.text.length) this.fail("unexpected content after the JSON value");
    return result!;
  }

  /** After a complete value: reads `,` or closers; true when the top-level value is complete. */
  private afterValue(): boolean {
    for (;;) {
      this.skipSpace();
      const frame = this.stack[this.stack.length - 1];
      if (frame === undefined) return true;
      const c = this.peek();
      const isArray = Array.isArray(frame.container);
      if (c === C.Comma) {
        this.pos++;
        this.skipSpace();
        this.beforeValue();
        return false;
      }
      if ((isArray && c === C.CloseBracket) || (!isArray && c === C.CloseBrace)) {
        this.pos++;
        this.stack.pop();
        continue;
      }
      this.fail(isArray ? "expected ',' or ']'" : "expected ',' or '}'");
    }
  }

  /** Before a value inside a container: an object member needs its name and `:` first. */
  private beforeValue(): void {
    const frame = this.stack[this.stack.length - 1]!;
    if (Array.isArray(frame.container)) return;
    if (this.peek() !== C.Quote) this.fail("expected a member name in double quotes");
    const key = this.string();
    if (Object.hasOwn(frame.container, key)) this.fail("an object has the same member name twice");
    frame.key = key;
    this.skipSpace();
    if (this.peek() !== C.Colon) this.fail("expected ':' after a member name");
    this.pos++;
    this.skipSpace();
  }

  private closeIfEmpty(): boolean {
    const frame = this.stack[this.stack.length - 1]!;
    const closer = Array.isArray(frame.container) ? C.CloseBracket : C.CloseBrace;
    if (this.peek() !== closer) return false;
    this.pos++;
    this.stack.pop();
    return true;
  }

  private attach(value: JsonValue): void {
    const frame = this.stack[this.stack.length - 1]!;
    if (Array.isArray(frame.container)) {
      frame.container.push(value);
      return;
    }
    // defineProperty: a member named `__proto__` must stay data, not replace the prototype.
    Object.defineProperty(frame.container, frame.key!, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    frame.key = undefined;
  }

  private scalar(): JsonValue {
    const c = this.peek();
    if (c === C.Quote) return this.string();
    if (c === C.Minus || (c >= C.Zero && c <= C.Nine)) return this.number();
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    return this.fail(Number.isNaN(c) ? "the text ends where a value was expected" : "expected a value");
  }

  private number(): JsonNumber {
    const start = this.pos;
    if (this.peek() === C.Minus) this.pos++;
    if (this.peek() === C.Zero) this.pos++;
    else if (!this.digits()) this.fail("a number has no digits");
    if (this.peek() === C.Dot) {
      this.pos++;
      if (!this.digits()) this.fail("a number has no digits after its decimal point");
    }
    const e = this.peek();
    if (e === 101 || e === 69) {
      this.pos++;
      if (this.peek() === C.Plus || this.peek() === C.Minus) this.pos++;
      if (!this.digits()) this.fail("a number has no digits in its exponent");
    }
    return new JsonNumber(this.text.slice(start, this.pos));
  }

  private digits(): boolean {
    const start = this.pos;
    while (this.peek() >= C.Zero && this.peek() <= C.Nine) this.pos++;
    return this.pos > start;
  }

  private string(): string {
    const start = this.pos;
    this.pos++; // opening quote
    // Fast path, most strings: no escape and no control character before the closing quote.
    const close = this.text.indexOf('"', this.pos);
    if (close !== -1) {
      const plain = this.text.slice(this.pos, close);
      if (!NEEDS_SLOW_PATH.test(plain)) {
        this.pos = close + 1;
        if (!isWellFormedText(plain))
          this.fail("a string is not well-formed Unicode (it holds a lone surrogate)", start);
        return plain;
      }
    }
    let out = "";
    let segment = this.pos;
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (Number.isNaN(c)) this.fail("a string is not closed", start);
      if (c === C.Quote) break;
      if (c < 0x20) this.fail("a string holds an unescaped control character");
      if (c !== C.Backslash) {
        this.pos++;
        continue;
      }
      out += this.text.slice(segment, this.pos);
      out += this.escape();
      segment = this.pos;
    }
    out += this.text.slice(segment, this.pos);
    this.pos++; // closing quote
    if (!isWellFormedText(out))
      this.fail("a string is not well-formed Unicode (it holds a lone surrogate)", start);
    return out;
  }

  private escape(): string {
    const c = this.text.charCodeAt(this.pos + 1);
    this.pos += 2;
    switch (c) {
      case C.Quote:
        return '"';
      case C.Backslash:
        return "\\";
      case 47:
        return "/";
      case 98:
        return "\b";
      case 102:
        return "\f";
      case 110:
        return "\n";
      case 114:
        return "\r";
      case 116:
        return "\t";
      case 117: {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("a \\u escape needs four hex digits", this.pos - 2);
        this.pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      default:
        return this.fail("a string has an invalid escape", this.pos - 2);
    }
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== C.Space && c !== C.LineFeed && c !== C.CarriageReturn && c !== C.Tab) return;
      this.pos++;
    }
  }

  private peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  /** Reasons give the position, never the text around it (it would copy record contents into logs). */
  private fail(what: string, at = this.pos): never {
    throw new JsonSyntaxError(`${what} (at character ${at + 1})`);
  }
}

/**
 * Writes a value as JSON without recursion: numbers parsed from text come out as written, strings
 * as `JSON.stringify` escapes them. A JavaScript number must be finite (it came from code, not input).
 */
export function writeJson(value: JsonValue): string {
  const out: string[] = [];
  // Work list, last first: a value to write, or a literal piece of punctuation.
  const work: Array<{ value: JsonValue } | string> = [{ value }];
  while (work.length > 0) {
    const item = work.pop()!;
    if (typeof item === "string") {
      out.push(item);
      continue;
    }
    const v = item.value;
    if (v === null || typeof v === "boolean") out.push(String(v));
    else if (typeof v === "string") out.push(JSON.stringify(v));
    else if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new Error(`writeJson cannot write the number ${v}`);
      out.push(JSON.stringify(v));
    } else if (v instanceof JsonNumber) out.push(v.text);
    else if (Array.isArray(v)) {
      work.push("]");
      for (let i = v.length - 1; i >= 0; i--) {
        work.push({ value: v[i]! });
        if (i > 0) work.push(",");
      }
      out.push("[");
    } else {
      // An undefined member (an optional field left unset in code) is left out, as JSON.stringify does.
      const entries = Object.entries(v).filter(([, member]) => member !== undefined);
      work.push("}");
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, member] = entries[i]!;
        work.push({ value: member });
        work.push(`${JSON.stringify(k)}:`);
        if (i > 0) work.push(",");
      }
      out.push("{");
    }
  }
  return out.join("");
}
