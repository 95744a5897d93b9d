/** The Glue publishers: which table each reads, how, and which pipeline's stream it writes. */
import { z } from "zod";
import type { PipelineConfig } from "../../components/event-pipeline-config.js";
import type { GlueJobConfig, GlueTableAccess } from "../../components/glue-job-config.js";
import { ENVIRONMENTS } from "../../components/naming.js";
import { choice, field, fromJson, structured, uniqueNames, wholeNumber } from "./fields.js";
import { shortName } from "./pipelines.js";
import { type Assert, type Conforms, defineSection, type Problem } from "./section.js";

/** `s3://bucket/prefix`: a bucket name S3 accepts (3-63 lower-case letters, digits, '.', '-'). */
const S3_LOCATION = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/;
/** A key ARN, not an alias: IAM matches `kms:Decrypt` against the key's ARN. */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
/** `{env}` in a location becomes the stack's env; checked with the longest env name in its place. */
const LONGEST_ENV = [...ENVIRONMENTS].sort((a, b) => b.length - a.length)[0]!;
const S3_ONLY = ["tableLocation", "tableKmsKeyArn"] as const;

/**
 * One `glueJobs` entry. `tableAccess` `s3` (the default: the job role reads `tableLocation` and
 * decrypts with `tableKmsKeyArn`) or `lake-formation` (no S3 fields); `firstRun` `all` or
 * `from-current`; `publishPartitions` 0: one per executor core.
 */
const glueJob = z
  .object({
    name: shortName(),
    pipeline: field(),
    icebergTable: field(/^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/, "write it as database.table"),
    schedule: field(/^(rate|cron)\(.+\)$/, "use a rate(...) or cron(...) expression"),
    tableAccess: choice(["s3", "lake-formation"]),
    tableLocation: field().optional(),
    tableKmsKeyArn: field().optional(),
    firstRun: choice(["all", "from-current"]),
    publishPartitions: wholeNumber(0, 1000).default(0),
  })
  .superRefine((job, ctx) => {
    const problem = (key: string, message: string) =>
      ctx.addIssue({ code: "custom", input: job[key as keyof typeof job], path: [key], message });
    if (job.tableAccess === "lake-formation") {
      for (const key of S3_ONLY)
        if (job[key] !== undefined)
          problem(
            key,
            "is only for tableAccess s3 (Lake Formation vends the table's credentials); remove it.",
          );
      return;
    }
    const location = job.tableLocation === undefined ? undefined : withoutTrailingSlash(job.tableLocation);
    if (location === undefined)
      problem(
        "tableLocation",
        "is missing: set the table's S3 location (e.g. s3://bbkyc-datalake-{env}/kyc_db/et_events), or tableAccess: lake-formation.",
      );
    else if (!S3_LOCATION.test(location.replaceAll("{env}", LONGEST_ENV)))
      problem("tableLocation", `is "${location}"; it must be an s3://bucket/prefix URI.`);
    if (job.tableKmsKeyArn !== undefined && !KMS_KEY_ARN.test(job.tableKmsKeyArn))
      problem(
        "tableKmsKeyArn",
        `is "${job.tableKmsKeyArn}"; use the key's ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias.`,
      );
  });

/** Just the `pipeline` of each job that names one. */
const pipelineOfEachJob = z.array(
  z
    .object({ pipeline: z.string().trim().min(1) })
    .nullable()
    .catch(null),
);

const withoutTrailingSlash = (location: string) => location.replace(/\/+$/, "");

type GlueJobFields = z.output<typeof glueJob>;

function tableAccess(job: GlueJobFields, env: string): GlueTableAccess {
  if (job.tableAccess === "lake-formation") return { mode: "lake-formation" };
  const location = withoutTrailingSlash(job.tableLocation!.replaceAll("{env}", env));
  return { mode: "s3", location, ...(job.tableKmsKeyArn ? { kmsKeyArn: job.tableKmsKeyArn } : {}) };
}

const toGlueJob = (job: GlueJobFields, env: string) => ({
  name: job.name,
  pipeline: job.pipeline,
  icebergTable: job.icebergTable,
  schedule: job.schedule,
  tableAccess: tableAccess(job, env),
  firstRun: job.firstRun,
  publishPartitions: job.publishPartitions,
});

export type GlueJobMatches = Assert<Conforms<ReturnType<typeof toGlueJob>, GlueJobConfig>>;

export const glue = defineSection({
  keys: () => ({
    glueJobs: structured(
      z
        .array(glueJob, { error: "must be a list (use [] for none)." })
        .default([])
        .superRefine((jobs, ctx) => uniqueNames(jobs, (j) => j.name, ctx)),
      {
        type: "list",
        shownDefault: "`et-event-producer` → `tt`",
        description:
          "Glue publishers: `name`, `pipeline`, `icebergTable` (`db.table`), `schedule`; `tableAccess` `s3` (default: the job role reads `tableLocation`, an `s3://bucket/prefix` where `{env}` becomes the stack's env, and decrypts with `tableKmsKeyArn`, a key ARN, when the files are SSE-KMS) or `lake-formation` (full-table access; no S3 fields); `firstRun` `all` (default) or `from-current`; `publishPartitions` (`0`: one publisher per executor core).",
      },
    ),
  }),
  /** Each job publishes to a pipeline this stack declares (also told when the job has other problems). */
  rules: (_valid, others, raw) => {
    const pipelines = others.pipelines as PipelineConfig[] | undefined;
    const jobs = z.safeParse(pipelineOfEachJob, fromJson(raw.glueJobs));
    if (!pipelines || !jobs.success) return [];
    const names = pipelines.map((p) => p.name);
    return jobs.data.flatMap((job, index): Problem[] =>
      job === null || names.includes(job.pipeline)
        ? []
        : [
            {
              path: ["glueJobs", index, "pipeline"],
              message: `is "${job.pipeline}", but no pipeline has that name (have: ${names.join(", ")}).`,
            },
          ],
    );
  },
  build: (fields, { env }) => ({ glueJobs: fields.glueJobs.map((job) => toGlueJob(job, env)) }),
});
