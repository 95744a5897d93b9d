/** The Glue publishers: which table each reads, how, and which pipeline's stream it writes. */
import { z } from "zod";
import type { PipelineConfig } from "../../components/event-pipeline-config.js";
import type { GlueJobConfig, GlueTableAccess } from "../../components/glue-job-config.js";
import { ENVIRONMENTS } from "../../components/naming.js";
import { choice, duplicateNames, entriesOf, field, whenParsed } from "./entry-fields.js";
import { structured, wholeNumber } from "./fields.js";
import { shortName } from "./pipelines.js";
import { type Assert, type Conforms, defineSection, type Problem } from "./section.js";

/** `s3://bucket/prefix`: a bucket name S3 accepts (3-63 lower-case letters, digits, '.', '-'). */
const S3_LOCATION = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/;
/** A key ARN, not an alias: IAM matches `kms:Decrypt` against the key's ARN. */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const LONGEST_ENV = [...ENVIRONMENTS].sort((a, b) => b.length - a.length)[0]!;
const LAKE_FORMATION_HAS_NO_S3_FIELDS =
  "is only for tableAccess s3 (Lake Formation vends the table's credentials); remove it.";

/**
 * One `glueJobs` entry. `tableAccess` `s3` (the default: the job role reads `tableLocation` and
 * decrypts with `tableKmsKeyArn`) or `lake-formation` (no S3 fields); `firstRun` `all` or
 * `from-current`; `publishPartitions` 0: one per executor core.
 */
const glueJob = z
  .object(
    {
      name: shortName(),
      pipeline: field(),
      icebergTable: field(/^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/, "write it as database.table"),
      schedule: field(/^(rate|cron)\(.+\)$/, "use a rate(...) or cron(...) expression"),
      tableAccess: choice(["s3", "lake-formation"]),
      tableLocation: field().optional(),
      tableKmsKeyArn: field(
        KMS_KEY_ARN,
        "use the key's ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias",
      ).optional(),
      firstRun: choice(["all", "from-current"]),
      publishPartitions: wholeNumber(0, 1000).default(0),
    },
    { error: "must be a map with name, pipeline, icebergTable and schedule." },
  )
  .refine((job) => job.tableAccess !== "lake-formation" || job.tableLocation === undefined, {
    when: whenParsed("tableAccess", "tableLocation"),
    path: ["tableLocation"],
    error: LAKE_FORMATION_HAS_NO_S3_FIELDS,
  })
  .refine((job) => job.tableAccess !== "lake-formation" || job.tableKmsKeyArn === undefined, {
    when: whenParsed("tableAccess", "tableKmsKeyArn"),
    path: ["tableKmsKeyArn"],
    error: LAKE_FORMATION_HAS_NO_S3_FIELDS,
  })
  .refine((job) => job.tableAccess !== "s3" || job.tableLocation !== undefined, {
    when: whenParsed("tableAccess", "tableLocation"),
    path: ["tableLocation"],
    error:
      "is missing: set the table's S3 location (e.g. s3://bbkyc-datalake-{env}/kyc_db/et_events), or tableAccess: lake-formation.",
  })
  .refine(
    (job) => job.tableAccess !== "s3" || job.tableLocation === undefined || isS3Location(job.tableLocation),
    {
      when: whenParsed("tableAccess", "tableLocation"),
      path: ["tableLocation"],
      error: (iss) =>
        `is "${withoutTrailingSlash(String((iss.input as { tableLocation: string }).tableLocation))}"; it must be an s3://bucket/prefix URI.`,
    },
  );

/** `{env}` in a location becomes the stack's env; checked with the longest env name in its place. */
const isS3Location = (location: string) =>
  S3_LOCATION.test(withoutTrailingSlash(location).replaceAll("{env}", LONGEST_ENV));

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
    glueJobs: structured(z.array(glueJob, { error: "must be a list (use [] for none)." }).default([]), {
      type: "list",
      shownDefault: "`et-event-producer` → `tt`",
      description:
        "Glue publishers: `name`, `pipeline`, `icebergTable` (`db.table`), `schedule`; `tableAccess` `s3` (default: the job role reads `tableLocation`, an `s3://bucket/prefix` where `{env}` becomes the stack's env, and decrypts with `tableKmsKeyArn`, a key ARN, when the files are SSE-KMS) or `lake-formation` (full-table access; no S3 fields); `firstRun` `all` (default) or `from-current`; `publishPartitions` (`0`: one publisher per executor core).",
    }),
  }),
  /** Each job publishes to a pipeline this stack declares, under a name of its own (also told when jobs have other problems). */
  rules: (_valid, others, raw) => {
    const names = (others.pipelines as PipelineConfig[] | undefined)?.map((p) => p.name);
    const unknownPipelines = entriesOf(raw.glueJobs).flatMap((job, index): Problem[] =>
      !names ||
      typeof job?.pipeline !== "string" ||
      job.pipeline.trim() === "" ||
      names.includes(job.pipeline)
        ? []
        : [
            {
              path: ["glueJobs", index, "pipeline"],
              message: `is "${job.pipeline}", but no pipeline has that name (have: ${names.join(", ")}).`,
            },
          ],
    );
    return [...unknownPipelines, ...duplicateNames("glueJobs", raw)];
  },
  build: (fields, { env }) => ({ glueJobs: fields.glueJobs.map((job) => toGlueJob(job, env)) }),
});
