/** The event pipelines: one `EventPipeline` each, with its stream, producer and case creator settings. */
import { z } from "zod";
import { PIPELINE_LIMITS, type PipelineConfig } from "../../components/event-pipeline-config.js";
import { duplicateNames, field, flag, nameList, requiredChoice, whenParsed } from "./entry-fields.js";
import { structured, wholeNumber } from "./fields.js";
import { type Assert, type Conforms, defineSection } from "./section.js";

/** Pipeline and Glue job names: part of physical names. */
export const shortName = () =>
  field(/^[a-z][a-z0-9-]{0,19}$/, "use 1-20 lower-case letters, digits or '-', starting with a letter");

/** Principal ARNs a key policy, bucket policy and stream policy all accept (no wildcards, no services). */
const PRINCIPAL_ARN = /^arn:aws[\w-]*:iam::\d{12}:(root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+)$/;

/** Issue #10, finding 3: who in other accounts may read a pipeline's stream or upload to its bucket. */
const principals = () =>
  nameList().superRefine((arns, ctx) => {
    for (const arn of arns)
      if (!PRINCIPAL_ARN.test(arn))
        ctx.addIssue({
          code: "custom",
          input: arn,
          message: `has "${arn}"; use an IAM role, user or account-root ARN, e.g. arn:aws:iam::111122223333:role/tms-consumer.`,
        });
  });

type Limited = Exclude<keyof typeof PIPELINE_LIMITS, "shardCount">;
const limited = (key: Limited) =>
  wholeNumber(PIPELINE_LIMITS[key].min, PIPELINE_LIMITS[key].max).default(PIPELINE_LIMITS[key].default);

const pipeline = z
  .object(
    {
      name: shortName(),
      label: field(),
      shardCount: wholeNumber(PIPELINE_LIMITS.shardCount.min, PIPELINE_LIMITS.shardCount.max).optional(),
      onDemand: flag(),
      source: requiredChoice(["s3", "glue"], "it must be s3 or glue"),
      caseCreator: flag(),
      batchSize: limited("batchSize"),
      parallelizationFactor: limited("parallelizationFactor"),
      maximumRetryAttempts: limited("maximumRetryAttempts"),
      maximumRecordAgeSeconds: limited("maximumRecordAgeSeconds"),
      retentionHours: limited("retentionHours"),
      readerPrincipals: principals(),
      uploaderPrincipals: principals(),
    },
    { error: "must be a map with name, label, source and shardCount or onDemand." },
  )
  .refine((item) => item.onDemand !== (item.shardCount !== undefined), {
    when: whenParsed("onDemand", "shardCount"),
    error: "must set exactly one of shardCount (provisioned) or onDemand: true.",
  })
  .refine((item) => item.uploaderPrincipals.length === 0 || item.source === "s3", {
    when: whenParsed("uploaderPrincipals", "source"),
    path: ["uploaderPrincipals"],
    error: "is set, but only pipelines with source s3 have an input bucket.",
  })
  .transform((item) => ({ ...item, shardCount: item.onDemand ? undefined : item.shardCount }));

export type PipelineMatches = Assert<Conforms<z.output<typeof pipeline>, PipelineConfig>>;

/** How the README states the optional fields' defaults (test/pipeline-limits.test.ts). */
const limitDefaults = Object.entries(PIPELINE_LIMITS)
  .flatMap(([key, limit]) => ("default" in limit ? [`\`${key}\` (${limit.default})`] : []))
  .join(", ");

export const pipelines = defineSection({
  keys: () => ({
    pipelines: structured(
      z
        .array(pipeline, { error: "must be a non-empty list of pipelines (see Pulumi.yaml for the shape)." })
        .min(1, { error: "must be a non-empty list of pipelines (see Pulumi.yaml for the shape)." }),
      {
        type: "list",
        shownDefault: "`cta` (4 shards, S3, case creator), `tt` (on-demand, Glue, external consumer)",
        description:
          "One EventPipeline each: `name`, `label`, `shardCount` or `onDemand: true`, `source` (`s3`/`glue`), " +
          `\`caseCreator\`, optional ${limitDefaults}, ` +
          "`readerPrincipals` and `uploaderPrincipals` (IAM role/user/root ARNs of other accounts; none by default, " +
          "see *Cross-account readers and uploaders*).",
      },
    ),
  }),
  rules: (_valid, _others, raw) => duplicateNames("pipelines", raw),
  build: (fields) => ({ pipelines: fields.pipelines }),
});
