/**
 * The file the local run uploads, and the audit id every record in it must end up under.
 *
 * The ids follow the producer's own rules (SPEC §7), computed with the producer's own reader and
 * validator so the two cannot drift: a record's usable transaction id, the first time it appears;
 * otherwise (no usable id, a repeat of an earlier id, or a record too big to parse) the reserved key
 * of its position; and a file whose structure breaks also gets one item under the file's reserved key
 * (`handlers/lib/audit-keys.ts`).
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { RecordReader } from "../handlers/event-producer/record-reader.js";
import { validateRecord } from "../handlers/event-producer/record-validation.js";
import { fileKey, recordPositionKey, s3Uri } from "../handlers/lib/audit-keys.js";
import { generateRecords, type MalformedKind } from "./generate-records.js";

export interface InputFile {
  body: Buffer;
  /** Object key it is uploaded under. */
  key: string;
  /** Records in the file, as the producer's reader counts them. */
  records: number;
  /** Audit ids that must each end PROCESSED or FAILED (one per record, plus the key for a broken file). */
  expectedIds: string[];
  /** Where the file came from, for the summary. */
  origin: string;
  malformed?: Partial<Record<MalformedKind, number>>;
}

export interface InputOptions {
  /** Path of a JSON/NDJSON file to upload instead of generated records. */
  path?: string;
  records: number;
  badShare: number;
  seed: number;
  /** Notification filters of the target bucket: the key must match them to trigger the producer. */
  prefix?: string;
  suffix?: string;
}

export async function prepareInput(
  options: InputOptions,
): Promise<Omit<InputFile, "records" | "expectedIds">> {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  if (options.path) {
    const body = await readFile(options.path);
    const extension = extname(options.path) || ".json";
    return { body, key: objectKey(options, `local-run-${stamp}`, extension), origin: options.path };
  }
  const generated = generateRecords({
    count: options.records,
    badShare: options.badShare,
    seed: options.seed,
    format: "ndjson",
  });
  return {
    body: Buffer.from(generated.text, "utf8"),
    key: objectKey(options, `local-run-${stamp}-seed${options.seed}`, ".ndjson"),
    origin: `${options.records} generated records (seed ${options.seed}, ${Math.round(options.badShare * 1000) / 10}% malformed)`,
    malformed: generated.malformed,
  };
}

/** A key the bucket's notification filter accepts (its suffix wins over the file's extension). */
function objectKey(options: InputOptions, base: string, extension: string): string {
  return `${options.prefix ?? "incoming/"}${base}${options.suffix ?? extension}`;
}

/** The audit ids the producer will use for this file (see the file comment for the rules). */
export async function expectedAuditIds(
  body: Buffer,
  bucket: string,
  key: string,
): Promise<{ records: number; expectedIds: string[] }> {
  const ids: string[] = [];
  const firstSeen = new Set<string>();
  let records = 0;
  const sourceObject = s3Uri(bucket, key);
  const context = { partitionKeyPrefix: "", sourceObject, now: new Date() };
  async function* chunks() {
    for (let i = 0; i < body.length; i += 64 * 1024) yield body.subarray(i, i + 64 * 1024);
  }
  for await (const item of new RecordReader().read(chunks())) {
    if (item.kind === "unreadable") {
      ids.push(fileKey(sourceObject));
      break;
    }
    records++;
    const fallback = recordPositionKey(sourceObject, item.position);
    if (item.kind === "oversized") {
      ids.push(fallback);
      continue;
    }
    const id = validateRecord(item.text, context).transactionId;
    if (id === undefined || firstSeen.has(id)) {
      ids.push(fallback);
    } else {
      firstSeen.add(id);
      ids.push(id);
    }
  }
  return { records, expectedIds: ids };
}
