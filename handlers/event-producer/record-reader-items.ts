/**
 * What the record reader (record-reader.ts) yields and reports: a record's text, a record too large to
 * keep, or the reason the file cannot be read further; and the figures of a read.
 */
export type InputFormat = "json-array" | "ndjson";

/** One record's text, as it appears in the file. */
export interface RecordText {
  kind: "record";
  /** 1-based ordinal of the record in the file (blank NDJSON lines are not counted). */
  position: number;
  /** Line the record starts on (1-based). */
  line: number;
  text: string;
}

/** A record longer than `maxRecordChars`: its text is not kept, only its size is reported. */
export interface OversizedRecord {
  kind: "oversized";
  position: number;
  line: number;
  /** Length of the record's text in characters (a lower bound of its size in bytes). */
  chars: number;
}

/** The file cannot be read (further). Always the last item. */
export interface UnreadableFile {
  kind: "unreadable";
  reason: string;
  /** Records yielded before the problem. */
  recordsRead: number;
}

export type ReaderItem = RecordText | OversizedRecord | UnreadableFile;

export interface ReaderStats {
  format?: InputFormat;
  recordsRead: number;
  bytesRead: number;
  /** Most characters held at once: evidence that the file is streamed, not loaded. */
  maxBufferedChars: number;
  /** The object was gzip-compressed (and decompressed while reading). */
  gzip?: boolean;
}

export interface RecordReaderOptions {
  /**
   * Records with more characters than this are reported as oversized without keeping their text.
   * Twice the Kinesis record limit by default, so a record a little over the limit is still parsed
   * and rejected under its own transaction id, while a runaway record cannot exhaust memory.
   * @default `2097152`
   */
  maxRecordChars?: number;
}
