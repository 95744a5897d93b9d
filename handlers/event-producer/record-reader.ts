/**
 * Streaming reader for input files: yields one record's text at a time, so a 50,000-record file
 * never sits in memory whole (only the unconsumed tail of the current chunk and the record being
 * read are held).
 *
 * Format (SPEC §3b): UTF-8 (a BOM tolerated; gzip decompressed, UTF-16 refused: see
 * `input-decoding.ts`); a JSON array of records or NDJSON (one record per line, blank lines
 * ignored), told apart by the first non-space character (`[` or `{`).
 *
 * The reader only finds record boundaries; it does not judge records. Whether a record's text is
 * valid JSON with the right fields is `record-validation.ts`'s job, so one bad record is rejected on
 * its own instead of costing the rest of the file. A break in the file's *structure* (a JSON array
 * whose brackets do not match, content after the closing `]`, a file that ends inside the array,
 * bytes that are not UTF-8) stops reading: the reader yields an `unreadable` item with a reason and
 * the number of records read before it, and the records already yielded stand. Every record that is
 * complete before a bad byte is yielded; the reason names the byte's offset and the record it is in.
 * Nesting is tracked with a counter and a stack of closers bounded by `maxRecordChars`, never by
 * recursion.
 */
import { decodeInput, InputDecodingError, type DecodeOptions, type DecodeStats } from "./input-decoding.js";
import { Ch, isSpace, startsJsonScalar } from "./json-chars.js";
import type { ReaderItem, ReaderStats, RecordReaderOptions, UnreadableFile } from "./record-reader-items.js";

export type {
  InputFormat,
  OversizedRecord,
  ReaderItem,
  ReaderStats,
  RecordReaderOptions,
  RecordText,
  UnreadableFile,
} from "./record-reader-items.js";

const DEFAULT_MAX_RECORD_CHARS = 2 * 1024 * 1024;

enum ArrayState {
  BeforeFirstValue,
  BeforeValue,
  InValue,
  AfterValue,
  Done,
}

/** A first line longer than this is never taken for a lone JSON scalar (it would not fit a record). */
const MAX_SCALAR_LINE_CHARS = 64 * 1024;

/** A syntax problem that stops reading. */
class StructureError extends Error {}

/** Reads records from a byte stream (an S3 object body) or from strings. */
export class RecordReader {
  readonly stats: ReaderStats = { recordsRead: 0, bytesRead: 0, maxBufferedChars: 0 };
  private readonly maxRecordChars: number;

  // Text decoded but not consumed yet, and the scan position in it.
  private buf = "";
  private pos = 0;
  private line = 1;
  private sawContent = false;
  // The record being read: where it starts in `buf` (-1: none), its line, characters already dropped.
  private recStart = -1;
  private recLine = 1;
  private recDropped = 0;
  // JSON array scanning state.
  private arrayState = ArrayState.BeforeFirstValue;
  private closers: number[] = [];
  private inString = false;
  private escaped = false;
  private scalar = false;

  constructor(options: RecordReaderOptions = {}) {
    this.maxRecordChars = options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
  }

  async *read(
    source: AsyncIterable<Uint8Array | string>,
    options: DecodeOptions = {},
  ): AsyncGenerator<ReaderItem> {
    const decoding: DecodeStats = { bytesRead: 0, bytesDecoded: 0, gzip: false };
    try {
      try {
        for await (const text of decodeInput(source, decoding, options)) {
          this.stats.bytesRead = decoding.bytesRead;
          yield* this.feed(text);
        }
      } finally {
        this.stats.bytesRead = decoding.bytesRead;
        this.stats.gzip = decoding.gzip;
      }
      yield* this.end();
    } catch (error) {
      if (error instanceof StructureError) yield this.unreadable(error.message);
      else if (error instanceof InputDecodingError)
        yield this.unreadable(`${error.message} (${this.whereNow()})`);
      else yield this.unreadable(`reading the file failed: ${errorText(error)}`);
    }
  }

  /** Which record the reading stopped in, for a reason. */
  private whereNow(): string {
    const inRecord =
      this.stats.format === "json-array"
        ? this.arrayState === ArrayState.InValue
        : this.recDropped > 0 || this.buf.slice(this.pos).trim() !== "";
    const next = this.stats.recordsRead + 1;
    if (!inRecord) return `after record ${this.stats.recordsRead}, line ${this.line}`;
    const line = this.stats.format === "json-array" || this.recDropped > 0 ? this.recLine : this.line;
    return `inside record ${next}, which starts on line ${line}`;
  }

  private unreadable(reason: string): UnreadableFile {
    return { kind: "unreadable", reason, recordsRead: this.stats.recordsRead };
  }

  private *feed(text: string): Generator<ReaderItem> {
    if (text === "") return;
    if (!this.sawContent && this.buf === "" && text.charCodeAt(0) === Ch.Bom) text = text.slice(1);
    this.buf += text;
    if (this.buf.length > this.stats.maxBufferedChars) this.stats.maxBufferedChars = this.buf.length;

    if (this.stats.format === undefined && !this.detectFormat()) return;
    if (this.stats.format === "ndjson") yield* this.scanLines(false);
    else yield* this.scanArray();
    this.compact();
  }

  private *end(): Generator<ReaderItem> {
    if (!this.sawContent) {
      yield this.unreadable(
        this.stats.bytesRead === 0 ? "the file is empty" : "the file holds only white space",
      );
      return;
    }
    // A file whose only line is a JSON scalar is still undecided here.
    if (this.stats.format === undefined) this.detectFormat(true);
    if (this.stats.format === "ndjson") {
      yield* this.scanLines(true);
      return;
    }
    if (this.arrayState === ArrayState.InValue && this.scalar) {
      yield* this.emit(this.buf.length);
      this.arrayState = ArrayState.AfterValue;
    }
    if (this.arrayState === ArrayState.InValue) {
      throw new StructureError(
        `the file ends inside record ${this.stats.recordsRead + 1} (started on line ${this.recLine}); the JSON array is not closed`,
      );
    }
    if (this.arrayState !== ArrayState.Done)
      throw new StructureError("the file ends before the closing ']' of the JSON array");
  }

  /**
   * Looks at the first non-space character (and, when it could start a JSON scalar, at the whole first
   * line); false while only white space, or only part of that first line, has been seen.
   */
  private detectFormat(atEnd = false): boolean {
    for (; this.pos < this.buf.length; this.pos++) {
      const c = this.buf.charCodeAt(this.pos);
      if (isSpace(c)) continue;
      this.sawContent = true;
      if (c !== Ch.OpenBracket && c !== Ch.OpenBrace && this.firstLineIsJsonScalar(atEnd) === undefined)
        return false;
      if (c === Ch.OpenBracket) {
        this.stats.format = "json-array";
        this.pos++;
      } else if (c === Ch.OpenBrace || this.firstLineIsJsonScalar(atEnd)) {
        // A first line such as `null` or `42` is NDJSON whose first record is invalid (it ends FAILED
        // with its line), not an unreadable file: the records after it must still be read.
        this.stats.format = "ndjson";
        // Lines are counted from the start of the file.
        this.pos = this.buf.lastIndexOf("\n", this.pos) + 1;
      } else {
        throw new StructureError(
          `the file is neither a JSON array nor NDJSON: it starts with ${JSON.stringify(this.buf[this.pos])} where '[' or '{' was expected`,
        );
      }
      this.line += countLineFeeds(this.buf, 0, this.pos);
      return true;
    }
    this.line += countLineFeeds(this.buf, 0, this.pos);
    this.buf = "";
    this.pos = 0;
    return false;
  }

  /**
   * Whether the line starting at `pos` is one JSON scalar (`null`, `true`, a number, a string);
   * undefined while that line is not complete yet. Such a line cannot be a record, but it is JSON:
   * the file is NDJSON with an invalid first record. A CSV header or HTML is not.
   */
  private firstLineIsJsonScalar(atEnd: boolean): boolean | undefined {
    if (!startsJsonScalar(this.buf.charCodeAt(this.pos))) return false;
    const lineFeed = this.buf.indexOf("\n", this.pos);
    if (lineFeed === -1 && !atEnd)
      return this.buf.length - this.pos > MAX_SCALAR_LINE_CHARS ? false : undefined;
    const firstLine = this.buf.slice(this.pos, lineFeed === -1 ? undefined : lineFeed).trim();
    if (firstLine.length > MAX_SCALAR_LINE_CHARS) return false;
    try {
      const value: unknown = JSON.parse(firstLine);
      return value === null || typeof value !== "object";
    } catch {
      return false;
    }
  }

  /** NDJSON: every non-blank line is one record. */
  private *scanLines(atEnd: boolean): Generator<ReaderItem> {
    for (;;) {
      const lineFeed = this.buf.indexOf("\n", this.pos);
      if (lineFeed === -1 && !atEnd) {
        // A partial line: keep it unless it is already too long to ever be published.
        if (this.recDropped + this.buf.length - this.pos > this.maxRecordChars) {
          if (this.recDropped === 0) this.recLine = this.line;
          this.recDropped += this.buf.length - this.pos;
          this.pos = this.buf.length;
        }
        return;
      }
      const end = lineFeed === -1 ? this.buf.length : lineFeed;
      const lineText = this.buf.slice(this.pos, end);
      const line = this.recDropped > 0 ? this.recLine : this.line;
      if (this.recDropped > 0) {
        this.stats.recordsRead++;
        yield {
          kind: "oversized",
          position: this.stats.recordsRead,
          line,
          chars: this.recDropped + lineText.trimEnd().length,
        };
      } else if (lineText.trim() !== "") {
        this.stats.recordsRead++;
        if (lineText.length > this.maxRecordChars) {
          yield {
            kind: "oversized",
            position: this.stats.recordsRead,
            line,
            chars: lineText.trimEnd().length,
          };
        } else {
          yield { kind: "record", position: this.stats.recordsRead, line, text: lineText };
        }
      }
      this.recDropped = 0;
      if (lineFeed === -1) {
        this.pos = this.buf.length;
        return;
      }
      this.line++;
      this.pos = lineFeed + 1;
    }
  }

  /** JSON array: tracks strings and bracket nesting to find where each element ends. */
  private *scanArray(): Generator<ReaderItem> {
    const buf = this.buf;
    for (; this.pos < buf.length; this.pos++) {
      const c = buf.charCodeAt(this.pos);
      switch (this.arrayState) {
        case ArrayState.BeforeFirstValue:
        case ArrayState.BeforeValue:
          if (isSpace(c)) {
            if (c === Ch.LineFeed) this.line++;
          } else if (c === Ch.CloseBracket && this.arrayState === ArrayState.BeforeFirstValue) {
            this.arrayState = ArrayState.Done;
          } else if (c === Ch.CloseBracket || c === Ch.Comma) {
            throw new StructureError(
              `a record is missing before ${JSON.stringify(buf[this.pos])} on line ${this.line} (after record ${this.stats.recordsRead})`,
            );
          } else {
            this.startValue(c);
          }
          break;
        case ArrayState.InValue:
          if (this.scanValueChar(c)) yield* this.emit(this.pos + 1);
          else if (this.scalar && (isSpace(c) || c === Ch.Comma || c === Ch.CloseBracket)) {
            yield* this.emit(this.pos);
            this.pos--; // the delimiter belongs to the array, read it again
          } else if (this.recStart >= 0 && this.pos - this.recStart + this.recDropped > this.maxRecordChars) {
            // Too long to ever publish: stop keeping its text, keep only its length.
            this.recDropped += this.pos - this.recStart;
            this.recStart = this.pos;
          }
          break;
        case ArrayState.AfterValue:
          if (isSpace(c)) {
            if (c === Ch.LineFeed) this.line++;
          } else if (c === Ch.Comma) this.arrayState = ArrayState.BeforeValue;
          else if (c === Ch.CloseBracket) this.arrayState = ArrayState.Done;
          else {
            throw new StructureError(
              `expected ',' or ']' after record ${this.stats.recordsRead} on line ${this.line}, found ${JSON.stringify(buf[this.pos])}`,
            );
          }
          break;
        case ArrayState.Done:
          if (c === Ch.LineFeed) this.line++;
          else if (!isSpace(c))
            throw new StructureError(
              `unexpected content after the closing ']' of the JSON array on line ${this.line}`,
            );
          break;
      }
    }
  }

  private startValue(c: number): void {
    this.arrayState = ArrayState.InValue;
    this.recStart = this.pos;
    this.recLine = this.line;
    this.recDropped = 0;
    this.closers = [];
    this.inString = c === Ch.Quote;
    this.escaped = false;
    this.scalar = false;
    if (c === Ch.OpenBrace) this.closers.push(Ch.CloseBrace);
    else if (c === Ch.OpenBracket) this.closers.push(Ch.CloseBracket);
    else if (c !== Ch.Quote) this.scalar = true; // numbers, true, false, null: rejected later as "not an object"
  }

  /** Advances the element scanner by one character; true when it closes the element. */
  private scanValueChar(c: number): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (c === Ch.Backslash) this.escaped = true;
      else if (c === Ch.Quote) {
        this.inString = false;
        return this.closers.length === 0 && !this.scalar;
      }
      return false;
    }
    if (this.scalar) return false;
    if (c === Ch.Quote) this.inString = true;
    else if (c === Ch.OpenBrace) this.closers.push(Ch.CloseBrace);
    else if (c === Ch.OpenBracket) this.closers.push(Ch.CloseBracket);
    else if (c === Ch.CloseBrace || c === Ch.CloseBracket) {
      const expected = this.closers.pop();
      if (expected !== c) {
        throw new StructureError(
          `record ${this.stats.recordsRead + 1} (line ${this.recLine}) has ${JSON.stringify(String.fromCharCode(c))} on line ${this.line} ` +
            `where ${expected === undefined ? "nothing" : JSON.stringify(String.fromCharCode(expected))} was expected`,
        );
      }
      return this.closers.length === 0;
    } else if (c === Ch.LineFeed) this.line++;
    return false;
  }

  private *emit(end: number): Generator<ReaderItem> {
    this.stats.recordsRead++;
    const position = this.stats.recordsRead;
    if (this.recDropped > 0)
      yield { kind: "oversized", position, line: this.recLine, chars: this.recDropped + end - this.recStart };
    else yield { kind: "record", position, line: this.recLine, text: this.buf.slice(this.recStart, end) };
    this.recStart = -1;
    this.recDropped = 0;
    this.arrayState = ArrayState.AfterValue;
  }

  /** Drops consumed text so the buffer holds only the unread tail and the record in progress. */
  private compact(): void {
    const keepFrom = this.recStart >= 0 ? this.recStart : this.pos;
    if (keepFrom === 0) return;
    this.buf = this.buf.slice(keepFrom);
    this.pos -= keepFrom;
    if (this.recStart >= 0) this.recStart = 0;
  }
}

function countLineFeeds(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf("\n", from); i !== -1 && i < to; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
