/**
 * Bytes of an uploaded object → text, as a stream, for the record reader.
 *
 * - gzip: recognised by its magic bytes (1f 8b) or a `Content-Encoding: gzip` object, decompressed
 *   as a stream, and bounded: past `maxDecompressedBytes` reading stops with a reason (a small object
 *   that inflates without end cannot keep the function busy until its timeout).
 * - UTF-16 / UTF-32: recognised by a byte-order mark or NUL bytes among the first characters, and
 *   refused with a reason that says so (the platform reads UTF-8 only; SPEC §3b).
 * - UTF-8 is decoded strictly and as a stream: text up to the first invalid byte is handed on (so
 *   every complete record before it is processed), then a `InputDecodingError` gives the exact byte
 *   offset. Before, one bad byte cost the whole 64 KiB chunk around it and the reason said "near byte
 *   65536", the chunk's start.
 */
import { Readable } from "node:stream";
import { TextDecoder } from "node:util";
import { createGunzip } from "node:zlib";

/** The object's bytes cannot be turned into text (further). `offset` is 0-based, in the decoded bytes. */
export class InputDecodingError extends Error {
  override name = "InputDecodingError";
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super(message);
  }
}

export interface DecodeOptions {
  /** The object's `Content-Encoding` (S3 metadata), if any. */
  contentEncoding?: string;
  /**
   * Largest decompressed size of a gzip object, in bytes.
   * @default `1073741824` (1 GiB: ~1.5 million records of the usual size, far beyond a 15-minute run)
   */
  maxDecompressedBytes?: number;
}

export interface DecodeStats {
  /** Bytes of the object read (compressed bytes for gzip). */
  bytesRead: number;
  /** Bytes decoded as UTF-8 (the decompressed size for gzip). */
  bytesDecoded: number;
  gzip: boolean;
}

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024;

/** Text chunks of the object; strings given by a caller (tests) pass through unchanged. */
export async function* decodeInput(
  source: AsyncIterable<Uint8Array | string>,
  stats: DecodeStats,
  options: DecodeOptions = {},
): AsyncGenerator<string> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  if (typeof first.value === "string") {
    stats.bytesRead += Buffer.byteLength(first.value);
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const text = String(next.value);
      stats.bytesRead += Buffer.byteLength(text);
      yield text;
    }
    return;
  }
  const bytes = counted(prepend(first.value, iterator), stats);
  const head = await peek(bytes, 2);
  const gzip = head.bytes[0] === 0x1f && head.bytes[1] === 0x8b;
  const declaredGzip = /\bgzip\b/i.test(options.contentEncoding ?? "");
  if (declaredGzip && !gzip && head.bytes.length > 0) {
    throw new InputDecodingError(
      `the object declares Content-Encoding ${JSON.stringify(options.contentEncoding)} but its bytes are not gzip (no 1f 8b header)`,
      0,
    );
  }
  stats.gzip = gzip;
  const plain = gzip
    ? gunzip(head.stream, options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES)
    : head.stream;
  const start = await peek(plain, 4);
  refuseOtherEncodings(start.bytes, gzip);
  const decoder = new StrictUtf8Decoder(gzip);
  for await (const chunk of start.stream) {
    stats.bytesDecoded += chunk.byteLength;
    const text = decoder.decode(chunk);
    if (text !== "") yield text;
  }
  const rest = decoder.decode(undefined);
  if (rest !== "") yield rest;
  decoder.throwIfFailed();
}

/** UTF-16 and UTF-32 files, told by their byte-order mark or by NUL bytes between ASCII characters. */
function refuseOtherEncodings(b: Uint8Array, gzip: boolean): void {
  const what = (encoding: string) =>
    new InputDecodingError(
      `the ${gzip ? "decompressed " : ""}file is ${encoding}; the producer reads UTF-8 only: convert the file to UTF-8 and upload it again`,
      0,
    );
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0)
    throw what("UTF-32 (little-endian byte-order mark FF FE 00 00)");
  if (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff)
    throw what("UTF-32 (big-endian byte-order mark 00 00 FE FF)");
  if (b[0] === 0xff && b[1] === 0xfe) throw what("UTF-16 (little-endian byte-order mark FF FE)");
  if (b[0] === 0xfe && b[1] === 0xff) throw what("UTF-16 (big-endian byte-order mark FE FF)");
  // JSON text starts with ASCII; a NUL byte among its first two bytes means two- or four-byte units.
  if (b.length >= 2 && (b[0] === 0 || b[1] === 0))
    throw what("UTF-16 or UTF-32 without a byte-order mark (it has NUL bytes between characters)");
}

/** Strict UTF-8 over chunks, with the file offset of the first invalid byte. */
class StrictUtf8Decoder {
  // ignoreBOM: the reader drops a BOM at the start of the file itself; one inside is content.
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  private carry: Uint8Array = new Uint8Array(0);
  /** Offset in the decoded bytes of `carry[0]`. */
  private offset = 0;
  private pendingError: InputDecodingError | undefined;

  constructor(private readonly decompressed: boolean) {}

  /**
   * `undefined` marks the end of the input. At a bad byte it returns the text before it and throws
   * on the next call…
   */
  decode(chunk: Uint8Array | undefined): string {
    this.throwIfFailed();
    const data = chunk === undefined ? this.carry : concat(this.carry, chunk);
    const end = chunk === undefined ? data.length : completeLength(data);
    let text: string;
    try {
      text = this.decoder.decode(data.subarray(0, end));
    } catch {
      const bad = firstInvalidUtf8(data, end);
      // …so the records before it are read first; the error comes with the next call.
      this.pendingError = this.errorAt(data, bad, end);
      this.carry = new Uint8Array(0);
      return this.decoder.decode(data.subarray(0, bad));
    }
    this.carry = data.slice(end);
    this.offset += end;
    return text;
  }

  /** Throws the error found by the last `decode` (its text before the bad byte is already out). */
  throwIfFailed(): void {
    if (this.pendingError) throw this.pendingError;
  }

  private errorAt(data: Uint8Array, bad: number, end: number): InputDecodingError {
    const offset = this.offset + bad;
    const where = `at byte offset ${offset}${this.decompressed ? " of the decompressed content" : ""}`;
    const byte = data[bad] ?? 0;
    if (sequenceLength(byte) > end - bad && end === data.length) {
      return new InputDecodingError(
        `the file is not valid UTF-8: it ends inside a multi-byte character starting ${where}`,
        offset,
      );
    }
    return new InputDecodingError(
      `the file is not valid UTF-8: byte 0x${byte.toString(16).toUpperCase().padStart(2, "0")} ${where} is not part of a UTF-8 character`,
      offset,
    );
  }
}

/** Length of `data` without a multi-byte character that the next chunk may complete. */
function completeLength(data: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, data.length); back++) {
    const b = data[data.length - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back for its lead
    return b >= 0xc0 && sequenceLength(b) > back ? data.length - back : data.length;
  }
  return data.length;
}

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  return 2;
}

/** Index of the first byte (a lead byte) that starts an ill-formed sequence in `data[0, end)` (Unicode Table 3-7). */
export function firstInvalidUtf8(data: Uint8Array, end = data.length): number {
  let i = 0;
  while (i < end) {
    const b = data[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f; // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    if (i + need >= end) return i; // cut short by the end of the data
    const second = data[i + 1]!;
    if (second < low || second > high) return i;
    for (let k = 2; k <= need; k++) if ((data[i + k]! & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return end;
}

async function* gunzip(source: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  const input = Readable.from(source);
  const inflate = createGunzip();
  input.on("error", (error) => inflate.destroy(error));
  input.pipe(inflate);
  let total = 0;
  try {
    for await (const chunk of inflate as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > maxBytes) {
        throw new InputDecodingError(
          `the gzip file decompresses to more than ${maxBytes} bytes, the producer's limit; split it into smaller files`,
          maxBytes,
        );
      }
      yield chunk;
    }
  } catch (error) {
    if (error instanceof InputDecodingError) throw error;
    const code = (error as { code?: string }).code ?? "";
    if (!code.startsWith("Z_")) throw error;
    throw new InputDecodingError(
      `the gzip data is corrupt or cut short (${(error as Error).message}) after ${total} decompressed bytes`,
      total,
    );
  } finally {
    input.destroy();
    inflate.destroy();
  }
}

async function* counted(source: AsyncIterable<Uint8Array>, stats: DecodeStats): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    stats.bytesRead += chunk.byteLength;
    yield chunk;
  }
}

async function* prepend(
  first: Uint8Array,
  rest: AsyncIterator<Uint8Array | string>,
): AsyncGenerator<Uint8Array> {
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value as Uint8Array;
}

/** The first `n` bytes (fewer at the end of the input) and a stream that still starts with them. */
async function peek(
  source: AsyncIterable<Uint8Array>,
  n: number,
): Promise<{ bytes: Uint8Array; stream: AsyncIterable<Uint8Array> }> {
  const iterator = source[Symbol.asyncIterator]();
  const held: Uint8Array[] = [];
  let length = 0;
  while (length < n) {
    const next = await iterator.next();
    if (next.done) break;
    held.push(next.value);
    length += next.value.byteLength;
  }
  const bytes = concat(...held).subarray(0, n);
  async function* stream(): AsyncGenerator<Uint8Array> {
    yield* held;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { bytes, stream: stream() };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const nonEmpty = parts.filter((p) => p.byteLength > 0);
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  return Buffer.concat(nonEmpty);
}
