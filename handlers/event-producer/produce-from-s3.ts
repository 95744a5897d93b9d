/**
 * One S3 notification → each object it names produced once and counted once, under at-least-once
 * delivery (see `file-ledger.ts` for the protocol and why).
 *
 * For each object: claim its version in the ledger; if another delivery already completed it, or
 * holds it now, skip it and count nothing; otherwise produce it, mark it COMPLETED and only then add
 * its counts to the invocation's metrics (the shell flushes them once, at the end). A failure
 * releases the claim and is rethrown, so Lambda retries the invocation; objects of the same event
 * that completed before it are skipped by the retry.
 */
import type { S3Event } from "aws-lambda";
import { s3Uri } from "../lib/audit-keys.js";
import type { Metrics } from "../lib/metrics.js";
import type { FileLedger, LedgerObject } from "./file-ledger.js";
import {
  produceEvents,
  recordMetrics,
  type ObjectRef,
  type ProduceSummary,
  type ProducerDeps,
} from "./produce-events.js";
import { decodeS3Key } from "./settings.js";

export interface S3EventDeps extends ProducerDeps {
  ledger: FileLedger;
  metrics: Metrics<"event-producer">;
}

export interface Invocation {
  /** Lambda's `awsRequestId`: kept by Lambda across the retries of one asynchronous invocation. */
  requestId: string;
  /** Time left in the invocation (ms), e.g. `context.getRemainingTimeInMillis`. */
  remainingTimeMs?: () => number;
}

export type ObjectOutcome =
  | { kind: "produced"; object: ObjectRef; version: string; summary: ProduceSummary }
  /** Nothing read, nothing counted: another delivery completed the file or is working on it. */
  | { kind: "skipped"; object: ObjectRef; version: string; reason: string }
  /** Produced, but another attempt took the file over meanwhile; that attempt counts it. */
  | { kind: "superseded"; object: ObjectRef; version: string; summary: ProduceSummary };

/** Producer timeout when the remaining time is unknown (tests, tools), plus the lease's margin. */
const DEFAULT_INVOCATION_MS = 900_000;
const LEASE_MARGIN_MS = 60_000;

export async function produceFromS3Event(
  deps: S3EventDeps,
  event: S3Event,
  invocation: Invocation,
): Promise<ObjectOutcome[]> {
  const outcomes: ObjectOutcome[] = [];
  // Objects one after another: each already keeps several PutRecords calls in flight.
  for (const record of event.Records ?? []) {
    const s3 = record.s3;
    const object: ObjectRef = {
      bucket: s3.bucket.name,
      key: decodeS3Key(s3.object.key),
      ...(s3.object.versionId ? { versionId: s3.object.versionId } : {}),
    };
    const version = s3.object.versionId || s3.object.eTag;
    if (!version)
      throw new Error(
        `the S3 event for ${s3Uri(object.bucket, object.key)} has neither versionId nor eTag; the file cannot be tracked once`,
      );
    outcomes.push(await produceObjectOnce(deps, object, version, invocation));
  }
  return outcomes;
}

async function produceObjectOnce(
  deps: S3EventDeps,
  object: ObjectRef,
  version: string,
  invocation: Invocation,
): Promise<ObjectOutcome> {
  const entry: LedgerObject = { sourceObject: s3Uri(object.bucket, object.key), version };
  const log = deps.logger.child({
    correlationId: object.key,
    bucket: object.bucket,
    version,
    requestId: invocation.requestId,
  });
  // The lease outlives this invocation: no other delivery may start while this one can still run.
  const leaseMs = (invocation.remainingTimeMs?.() ?? DEFAULT_INVOCATION_MS) + LEASE_MARGIN_MS;
  const claimed = await deps.ledger.claim(entry, invocation.requestId, leaseMs);
  if (claimed.kind === "completed") {
    log.info("duplicate delivery skipped: the file was completed before", {
      completedAt: claimed.completedAt,
      completedBy: claimed.owner,
    });
    return {
      kind: "skipped",
      object,
      version,
      reason: `completed by ${claimed.owner} at ${claimed.completedAt}`,
    };
  }
  if (claimed.kind === "owned-elsewhere") {
    log.info("delivery skipped: another invocation is producing the file", {
      owner: claimed.owner,
      leaseUntil: claimed.leaseUntil,
    });
    return {
      kind: "skipped",
      object,
      version,
      reason: `being produced by ${claimed.owner} (lease until ${claimed.leaseUntil})`,
    };
  }

  let summary: ProduceSummary;
  try {
    summary = await produceEvents(deps, object);
  } catch (error) {
    await deps.ledger
      .release(
        entry,
        claimed.claim,
        error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      )
      .catch((releaseError: unknown) =>
        log.error("ledger lease not released; it runs out on its own", { error: releaseError }),
      );
    throw error;
  }
  const completed = await deps.ledger.complete(entry, claimed.claim, {
    records: summary.records,
    published: summary.published,
    rejected: summary.rejected,
    duplicates: summary.duplicates,
    failed: summary.failed,
    ...(summary.unreadable !== undefined ? { unreadable: summary.unreadable } : {}),
  });
  if (!completed) {
    log.error("another attempt took the file over while this one produced it; its counts are not added", {
      attempts: claimed.claim.attempts,
    });
    return { kind: "superseded", object, version, summary };
  }
  recordMetrics(deps.metrics, summary);
  return { kind: "produced", object, version, summary };
}
