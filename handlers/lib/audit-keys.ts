/**
 * The audit table's keys that are not a record's own transaction id, in one place.
 *
 * A record without a usable id, a file that cannot be read, a Kinesis record nobody could decode
 * and the producer's per-file ledger all need an audit key too. They live in a namespace no real
 * transaction id can take: every such key starts with `#`, and a record whose own transactionId
 * starts with `#` is rejected (see `RESERVED_ID_PREFIX`'s users in record validation). Before this,
 * a record whose id was literally `<object key>#1` shared the item of an id-less first record.
 *
 * Shapes (all readable by an operator who has the object key or the stream sequence number):
 * - `#record:s3://<bucket>/<key>#<position>`  a record of that file without a usable id
 * - `#file:s3://<bucket>/<key>`               the file itself could not be read (or not to the end)
 * - `#kinesis:<stream>#<sequence number>`     a stream record that could not be decoded
 * - `#kinesis:<stream>#<shard>/<start>..<end>` a discarded range no longer on the stream
 * - `#ledger:s3://<bucket>/<key>@<version>`   the producer's ledger of one object version
 * - `#record:<Iceberg data file>#<position>`  a Glue-published table row without a usable id
 * - `#glue-bookmark:<Glue job name>`          a Glue publisher's bookmark (its last published snapshot)
 */

/** Real transaction ids never start with this; every synthetic audit key does. */
export const RESERVED_ID_PREFIX = "#";

export function isReservedAuditKey(id: string): boolean {
  return id.startsWith(RESERVED_ID_PREFIX);
}

/** `s3://<bucket>/<key>`: how records and reasons name an uploaded object. */
export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** A record of a file that has no usable transaction id. `position` is 1-based. */
export function recordPositionKey(sourceObject: string, position: number): string {
  return `${RESERVED_ID_PREFIX}record:${sourceObject}#${position}`;
}

/** The file as a whole (unreadable, or unreadable from some point on). */
export function fileKey(sourceObject: string): string {
  return `${RESERVED_ID_PREFIX}file:${sourceObject}`;
}

/** A Kinesis record that could not be decoded into a record with a usable id. */
export function streamRecordKey(streamName: string, sequenceNumber: string): string {
  return `${RESERVED_ID_PREFIX}kinesis:${streamName}#${sequenceNumber}`;
}

/** A range Lambda discarded whose records are no longer on the stream (the discard auditor's). */
export function streamRangeKey(
  streamName: string,
  shardId: string,
  startSequenceNumber: string,
  endSequenceNumber: string,
): string {
  return `${RESERVED_ID_PREFIX}kinesis:${streamName}#${shardId}/${startSequenceNumber}..${endSequenceNumber}`;
}
/** Every ledger key starts with this (the ledger is not an audit item: tools that copy or count audit items skip it). */
export const FILE_LEDGER_KEY_PREFIX = `${RESERVED_ID_PREFIX}ledger:`;

/** The producer's ledger item of one object version (S3 `versionId`, or the ETag when unversioned). */
export function fileLedgerKey(sourceObject: string, version: string): string {
  return `${FILE_LEDGER_KEY_PREFIX}${sourceObject}@${version}`;
}

export function isFileLedgerKey(id: string): boolean {
  return id.startsWith(FILE_LEDGER_KEY_PREFIX);
}

/**
 * The Glue publisher's bookmark (last published Iceberg snapshot) of one job, kept in the audit table
 * because that table is encrypted, point-in-time recoverable and moves with a region migration. Not a
 * record: it has no status. `handlers/glue/helpers/bookmark.py` builds the same key; the job role may
 * touch only this item (IAM `dynamodb:LeadingKeys`).
 */
export function glueBookmarkKey(jobName: string): string {
  return `${RESERVED_ID_PREFIX}glue-bookmark:${jobName}`;
}
