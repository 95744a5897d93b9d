/**
 * The producer's ledger of object versions: one item per S3 object version in the audit table
 * (key `#ledger:s3://<bucket>/<key>@<version>`, see `audit-keys.ts`), so an S3 event delivered more
 * than once processes and counts its file once.
 *
 * Why it is needed: S3 may deliver a notification more than once, Lambda's own event queue may hand
 * the same event to the function more than once, and Lambda retries a failed asynchronous
 * invocation (twice by default). Publishing again is harmless (the case creator upserts by external
 * id), but the producer's metrics (`S3RecordsProcessed`, `TotalEvents`, `EventPublish*`) would count
 * every record again.
 *
 * Protocol (`produce-from-s3.ts` drives it):
 * 1. `claim` before reading: a conditional write succeeds when the item is absent, its lease has
 *    expired, or this invocation already owns it. COMPLETED → a duplicate delivery, skipped; owned by
 *    another invocation with a live lease → skipped (that invocation and its retries own the file).
 * 2. `complete` after the file is done, only while this attempt still holds the claim; only then are
 *    the producer's metrics added, so they count once.
 * 3. `release` when the attempt fails: the lease ends now, so the retry (or any later delivery) can
 *    claim the file at once; nothing is counted.
 *
 * The owner is the invocation's `awsRequestId`: Lambda keeps it when it retries a failed
 * asynchronous invocation ("duplicate invocations that return errors or timeout and that have the
 * same request ID indicate that the Lambda service retried the function":
 * https://repost.aws/knowledge-center/lambda-function-duplicate-invocations), so a retry after a
 * timeout can take its own file back before the dead attempt's lease runs out. Each claim also
 * writes a fresh attempt token, and `complete` requires it: should two attempts ever run under one
 * request id at once, only the later claim can complete and count.
 *
 * The item has `kind: "file-ledger"` and no `statusDay`, so it never appears in the status index; it
 * expires with the audit retention (`expiresAt`, the table's TTL attribute).
 */
import { GetItemCommand, UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { randomUUID } from "node:crypto";
import { fileLedgerKey } from "../lib/audit-keys.js";

export type LedgerState = "IN_PROGRESS" | "COMPLETED";

/** Counts kept on a COMPLETED item: what the file's one counted run found. */
export interface LedgerCounts {
  records: number;
  published: number;
  rejected: number;
  duplicates: number;
  failed: number;
}

export interface LedgerObject {
  /** `s3://<bucket>/<key>` */
  sourceObject: string;
  /** S3 `versionId`, or the ETag when the bucket is not versioned. */
  version: string;
}

export interface Claim {
  /** Pass to `complete`/`release`. */
  attempt: string;
  /** How many times the file has been claimed, this claim included. */
  attempts: number;
}

export type ClaimResult =
  | { kind: "claimed"; claim: Claim }
  | { kind: "completed"; completedAt: string; owner: string }
  | { kind: "owned-elsewhere"; owner: string; leaseUntil: string };

export interface FileLedgerOptions {
  dynamodb: Pick<DynamoDBClient, "send">;
  tableName: string;
  /** Days before the item expires (the audit retention). */
  retentionDays: number;
  now?: () => Date;
}

/** Claims that fail their condition and then find a claimable item (a race) are tried this often. */
const MAX_CLAIM_TRIES = 3;

export class FileLedger {
  private readonly now: () => Date;

  constructor(private readonly options: FileLedgerOptions) {
    this.now = options.now ?? (() => new Date());
  }

  key(object: LedgerObject): string {
    return fileLedgerKey(object.sourceObject, object.version);
  }

  async claim(object: LedgerObject, owner: string, leaseMs: number): Promise<ClaimResult> {
    for (let tries = 1; ; tries++) {
      const now = this.now();
      const attempt = randomUUID();
      try {
        const result = await this.options.dynamodb.send(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: marshall({ transactionId: this.key(object) }),
            UpdateExpression:
              "SET #kind = :kind, #state = :inProgress, sourceObject = :sourceObject, #version = :version, #owner = :owner, " +
              "attemptToken = :attempt, leaseUntil = :leaseUntil, claimedAt = :now, expiresAt = :expiresAt ADD attempts :one",
            ConditionExpression:
              "attribute_not_exists(transactionId) OR (#state = :inProgress AND (leaseUntil < :now OR #owner = :owner))",
            ExpressionAttributeNames: {
              "#kind": "kind",
              "#state": "state",
              "#version": "version",
              "#owner": "owner",
            },
            ExpressionAttributeValues: marshall({
              ":kind": "file-ledger",
              ":inProgress": "IN_PROGRESS",
              ":sourceObject": object.sourceObject,
              ":version": object.version,
              ":owner": owner,
              ":attempt": attempt,
              ":leaseUntil": new Date(now.getTime() + leaseMs).toISOString(),
              ":now": now.toISOString(),
              ":expiresAt": Math.floor(now.getTime() / 1000) + this.options.retentionDays * 86_400,
              ":one": 1,
            }),
            ReturnValues: "ALL_NEW",
          }),
        );
        const attempts = Number(result.Attributes?.attempts?.N ?? 1);
        return { kind: "claimed", claim: { attempt, attempts } };
      } catch (error) {
        if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
      }
      const item = await this.read(object);
      if (item?.state === "COMPLETED")
        return { kind: "completed", completedAt: String(item.completedAt), owner: String(item.owner) };
      if (
        item?.state === "IN_PROGRESS" &&
        String(item.leaseUntil) >= this.now().toISOString() &&
        item.owner !== owner
      ) {
        return { kind: "owned-elsewhere", owner: String(item.owner), leaseUntil: String(item.leaseUntil) };
      }
      // The item changed between the write and the read (a lease just ran out, a release): try again.
      if (tries >= MAX_CLAIM_TRIES)
        throw new Error(`could not claim ${this.key(object)} after ${tries} tries: it keeps changing`);
    }
  }

  /** Marks the file done; false when this attempt no longer holds the claim (nothing may be counted). */
  async complete(
    object: LedgerObject,
    claim: Claim,
    counts: LedgerCounts & { unreadable?: string },
  ): Promise<boolean> {
    const { unreadable, ...numbers } = counts;
    try {
      await this.options.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: marshall({ transactionId: this.key(object) }),
          UpdateExpression:
            "SET #state = :completed, completedAt = :now, #records = :records, published = :published, rejected = :rejected, " +
            `duplicates = :duplicates, failed = :failed${unreadable !== undefined ? ", unreadable = :unreadable" : ""} REMOVE leaseUntil, lastError`,
          ConditionExpression: "#state = :inProgress AND attemptToken = :attempt",
          ExpressionAttributeNames: { "#state": "state", "#records": "records" },
          ExpressionAttributeValues: marshall({
            ":completed": "COMPLETED",
            ":inProgress": "IN_PROGRESS",
            ":attempt": claim.attempt,
            ":now": this.now().toISOString(),
            ...Object.fromEntries(Object.entries(numbers).map(([k, v]) => [`:${k}`, v])),
            ...(unreadable !== undefined ? { ":unreadable": unreadable.slice(0, 1000) } : {}),
          }),
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }

  /** Ends this attempt's lease at once, with why; a no-op when it no longer holds the claim. */
  async release(object: LedgerObject, claim: Claim, reason: string): Promise<void> {
    try {
      await this.options.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: marshall({ transactionId: this.key(object) }),
          UpdateExpression: "SET leaseUntil = :now, lastError = :reason",
          ConditionExpression: "#state = :inProgress AND attemptToken = :attempt",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: marshall({
            ":now": this.now().toISOString(),
            ":reason": reason.slice(0, 1000),
            ":inProgress": "IN_PROGRESS",
            ":attempt": claim.attempt,
          }),
        }),
      );
    } catch (error) {
      if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
    }
  }

  async read(object: LedgerObject): Promise<Record<string, unknown> | undefined> {
    const result = await this.options.dynamodb.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: marshall({ transactionId: this.key(object) }),
        ConsistentRead: true,
      }),
    );
    return result.Item ? unmarshall(result.Item) : undefined;
  }
}
