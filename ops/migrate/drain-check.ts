/**
 * `drain-check`: is any work still in flight in a stack? Read-only. One check per thing that can
 * hold work, each with its own verdict; the stack is drained only when none fails:
 *
 * - the audit queue and every dead-letter / on-failure queue: no message visible, in flight or delayed;
 * - each case-creating stream: every record within retention has a settled audit item (see
 *   `drain-streams.ts`), and the stream's iterator age is not behind;
 * - each stream read by an external consumer (TMS): what is in it, and the iterator-age metric —
 *   the consumer's own position is not readable from here, so this is "cannot check" unless the
 *   stream is empty;
 * - each input bucket: every object version has the producer's COMPLETED ledger item;
 * - each Glue job: no run STARTING, RUNNING, STOPPING or WAITING.
 *
 * SQS counts are approximate (they settle within about a minute), so the runbook runs this twice.
 */
import { GetJobRunsCommand, type JobRun } from "@aws-sdk/client-glue";
import { ListObjectVersionsCommand, type ObjectVersion } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { fileLedgerKey, s3Uri } from "../../handlers/lib/audit-keys.js";
import type { RegionClients } from "../lib/aws-clients.js";
import { withRetry, type RetryPolicy } from "../lib/retry.js";
import type { StackInventory } from "../lib/stack-inventory.js";
import type { CheckResult } from "../lib/verdict.js";
import { latestIteratorAge, readWholeStream, streamSettlement } from "./drain-streams.js";
import { batchGetByTransactionId } from "./table-reads.js";

export interface DrainOptions {
  retry: RetryPolicy;
  now: Date;
  /** Input objects last modified before this are not checked (uploaded before the producer kept a ledger). */
  inputsSince?: Date;
  /** Iterator age above this means the case creator is behind. @default `60000` */
  maxIteratorAgeMs?: number;
  /** Told when each check starts (progress on stderr). */
  onCheck?: (name: string) => void;
}

const NOT_FOUND = new Set([
  "QueueDoesNotExist",
  "AWS.SimpleQueueService.NonExistentQueue",
  "ResourceNotFoundException",
  "EntityNotFoundException",
  "NoSuchBucket",
]);
const notFound = (error: unknown) => NOT_FOUND.has((error as { name?: string }).name ?? "");

export async function drainChecks(
  inventory: StackInventory,
  clients: RegionClients,
  options: DrainOptions,
): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  const run = async (name: string, check: () => Promise<Omit<CheckResult, "name">>) => {
    options.onCheck?.(name);
    try {
      checks.push({ name, ...(await check()) });
    } catch (error) {
      // What cannot be read cannot be called drained: a read error fails its row (only the external
      // consumer's position, which no API shows, is "cannot check").
      const message = error instanceof Error ? error.message : String(error);
      checks.push(
        notFound(error)
          ? {
              name,
              status: "fail",
              detail: `not found in ${inventory.region}: ${message}`,
              fix: `check the account and region (${inventory.region}) of stack ${inventory.stack}`,
            }
          : {
              name,
              status: "fail",
              detail: `could not read it: ${message}`,
              fix: "check the permissions listed in docs/region-migration.md and run drain-check again",
            },
      );
    }
  };

  await run(`audit queue ${inventory.auditQueueName}`, () =>
    queueCheck(
      clients,
      inventory.auditQueueName,
      "the audit processor is still working through it; wait and check again",
      options.retry,
    ),
  );
  for (const queue of inventory.deadLetterQueueNames) {
    await run(`dead-letter queue ${queue}`, () =>
      queueCheck(
        clients,
        queue,
        "settle or redrive its messages (docs/operations.md, 'A queue that should be empty is not')",
        options.retry,
      ),
    );
  }
  for (const [pipeline, p] of Object.entries(inventory.pipelines)) {
    if (p.caseCreator) {
      await run(`${pipeline} stream ${p.stream}`, () =>
        caseCreatorStreamCheck(clients, inventory, p.stream, options),
      );
    } else {
      await run(`${pipeline} stream ${p.stream} (external consumer)`, () =>
        externalStreamCheck(clients, p.stream, options),
      );
    }
    if (p.bucket)
      await run(`${pipeline} input bucket ${p.bucket}`, () =>
        inputBucketCheck(clients, inventory, p.bucket!, options),
      );
  }
  for (const job of inventory.glueJobNames)
    await run(`Glue job ${job}`, () => glueJobCheck(clients, job, options.retry));
  return checks;
}

async function queueCheck(
  clients: RegionClients,
  queueName: string,
  fix: string,
  retry: RetryPolicy,
): Promise<Omit<CheckResult, "name">> {
  const { QueueUrl } = await withRetry(retry, `GetQueueUrl ${queueName}`, () =>
    clients.sqs.send(new GetQueueUrlCommand({ QueueName: queueName })),
  );
  const { Attributes = {} } = await withRetry(retry, `GetQueueAttributes ${queueName}`, () =>
    clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: [
          "ApproximateNumberOfMessages",
          "ApproximateNumberOfMessagesNotVisible",
          "ApproximateNumberOfMessagesDelayed",
        ],
      }),
    ),
  );
  const visible = Number(Attributes.ApproximateNumberOfMessages ?? 0);
  const inFlight = Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  const delayed = Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
  const detail = `${visible} visible, ${inFlight} in flight, ${delayed} delayed`;
  return visible + inFlight + delayed === 0 ? { status: "pass", detail } : { status: "fail", detail, fix };
}

async function caseCreatorStreamCheck(
  clients: RegionClients,
  inventory: StackInventory,
  stream: string,
  options: DrainOptions,
): Promise<Omit<CheckResult, "name">> {
  const settlement = await streamSettlement(
    clients.kinesis,
    { dynamodb: clients.dynamodb, tableName: inventory.auditTableName },
    stream,
    options.retry,
  );
  const age = await latestIteratorAge(clients.cloudwatch, stream, options.now, options.retry);
  const maxAge = options.maxIteratorAgeMs ?? 60_000;
  const ageText = age
    ? `iterator age ${Math.round(age.milliseconds / 1000)} s at ${age.at.toISOString()}`
    : "no iterator-age datapoints in the last 15 min";
  const detail = `${settlement.records} record(s) in ${settlement.shards} shard(s), ${settlement.unsettled} not settled; ${ageText}`;
  if (settlement.unsettled > 0) {
    return {
      status: "fail",
      detail: `${detail}; e.g. ${settlement.examples.join(", ")}`,
      fix: "the case creator has not finished these records; wait and check again (a FAILED one needs no action: it is settled)",
    };
  }
  if (age && age.milliseconds > maxAge)
    return {
      status: "fail",
      detail,
      fix: "the case creator is behind the stream's tip; wait until its iterator age is back near 0",
    };
  return { status: "pass", detail };
}

async function externalStreamCheck(
  clients: RegionClients,
  stream: string,
  options: DrainOptions,
): Promise<Omit<CheckResult, "name">> {
  let records = 0;
  let newest: Date | undefined;
  const { shards } = await readWholeStream(clients.kinesis, stream, options.retry, async (batch) => {
    records += batch.length;
    for (const r of batch) if (!newest || r.arrivedAt > newest) newest = r.arrivedAt;
  });
  const age = await latestIteratorAge(clients.cloudwatch, stream, options.now, options.retry);
  const ageText = age
    ? `GetRecords iterator age ${Math.round(age.milliseconds / 1000)} s at ${age.at.toISOString()}`
    : "no GetRecords iterator-age datapoints in the last 15 min";
  if (records === 0)
    return {
      status: "pass",
      detail: `no record within retention in ${shards} shard(s): nothing left for the consumer to read`,
    };
  return {
    status: "cannot-check",
    detail: `${records} record(s) within retention, newest arrived ${newest!.toISOString()}; ${ageText} (the consumer's own position is not readable from here; a consumer using enhanced fan-out does not show in this metric)`,
    fix: `ask the consumer (TMS) to confirm it has read past ${newest!.toISOString()}, or wait until the stream's retention has passed since then`,
  };
}

/** The producer's ledger names an object version by its S3 version id, or by its ETag when the bucket is unversioned. */
export function ledgerVersionOf(version: Pick<ObjectVersion, "VersionId" | "ETag">): string {
  return version.VersionId && version.VersionId !== "null"
    ? version.VersionId
    : (version.ETag ?? "").replace(/^"|"$/g, "");
}

async function inputBucketCheck(
  clients: RegionClients,
  inventory: StackInventory,
  bucket: string,
  options: DrainOptions,
): Promise<Omit<CheckResult, "name">> {
  const versions: ObjectVersion[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await withRetry(options.retry, `ListObjectVersions ${bucket}`, () =>
      clients.s3.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          ...(keyMarker ? { KeyMarker: keyMarker } : {}),
          ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
        }),
      ),
    );
    versions.push(
      ...(page.Versions ?? []).filter(
        (v) => !options.inputsSince || (v.LastModified && v.LastModified >= options.inputsSince),
      ),
    );
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);

  const keyOf = (v: ObjectVersion) => fileLedgerKey(s3Uri(bucket, v.Key!), ledgerVersionOf(v));
  const ledgers = await batchGetByTransactionId(
    clients.dynamodb,
    inventory.auditTableName,
    versions.map(keyOf),
    options.retry,
    ["transactionId", "state"],
  );
  const pending = versions.filter((v) => {
    const raw = ledgers.get(keyOf(v));
    return !raw || (unmarshall(raw) as { state?: string }).state !== "COMPLETED";
  });
  const scope = options.inputsSince ? ` since ${options.inputsSince.toISOString()}` : "";
  const detail = `${versions.length} object version(s)${scope}, ${pending.length} without a COMPLETED producer ledger`;
  if (pending.length === 0) return { status: "pass", detail };
  const examples = pending.slice(0, 5).map((v) => {
    const raw = ledgers.get(keyOf(v));
    return `${v.Key}@${ledgerVersionOf(v)} (${raw ? String((unmarshall(raw) as { state?: string }).state) : "no ledger"})`;
  });
  return {
    status: "fail",
    detail: `${detail}: ${examples.join(", ")}`,
    fix: "the producer has not finished these files (or failed: see its producer-failures queue); objects uploaded before the producer kept a ledger can be left out with --inputs-since <ISO time>",
  };
}

/** Glue run states in which a run still holds or may still publish work. */
const ACTIVE_RUN_STATES = new Set(["STARTING", "RUNNING", "STOPPING", "WAITING"]);

async function glueJobCheck(
  clients: RegionClients,
  job: string,
  retry: RetryPolicy,
): Promise<Omit<CheckResult, "name">> {
  // Glue keeps a job's run history for 90 to 365 days (https://docs.aws.amazon.com/glue/latest/dg/aws-glue-api-jobs-runs.html):
  // for a scheduled job that is a few pages of 200, so all of it is read rather than trusting the newest page.
  const runs: JobRun[] = [];
  let nextToken: string | undefined;
  do {
    const page = await withRetry(retry, `GetJobRuns ${job}`, () =>
      clients.glue.send(
        new GetJobRunsCommand({
          JobName: job,
          MaxResults: 200,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      ),
    );
    runs.push(...(page.JobRuns ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  const active = runs.filter((r) => ACTIVE_RUN_STATES.has(r.JobRunState ?? ""));
  if (active.length === 0)
    return { status: "pass", detail: `no active run (${runs.length} run(s) in its history)` };
  return {
    status: "fail",
    detail: `${active.length} run(s) active: ${active
      .slice(0, 3)
      .map((r) => `${r.Id} ${r.JobRunState} since ${r.StartedOn?.toISOString() ?? "?"}`)
      .join(", ")}`,
    fix: "wait for the run to end (disable the job's schedule first, so no new run starts)",
  };
}
