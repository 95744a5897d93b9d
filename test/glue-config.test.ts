/**
 * The Glue publishers' table-access, first-run and partition settings in stack config: defaults,
 * the `{env}` placeholder, and every bad value refused with its key and fix.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../stacks/config-reader.js";
import { configFromMap } from "../stacks/read-stack-config.js";
import { pulumiConfigForStack } from "../stacks/stack-files.js";
import { PROJECT_NAME } from "../stacks/validate-config.js";

const JOB = { name: "et", pipeline: "tt", icebergTable: "kyc_db.et_events", schedule: "rate(1 day)" };

function withGlueJobs(jobs: unknown[], stack = "sit") {
  return {
    ...pulumiConfigForStack(stack, stack === "prod" ? { tokenUrl: "https://tiaa.prod.example/token" } : {}),
    [`${PROJECT_NAME}:glueJobs`]: JSON.stringify(jobs),
  };
}

function problemsOf(jobs: unknown[]): string[] {
  try {
    configFromMap("sit", withGlueJobs(jobs));
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("Glue publisher config", () => {
  it("defaults to the job role reading the table's S3 location (filled in per env), every row on the first run, one publisher per core", () => {
    const sit = configFromMap("sit", pulumiConfigForStack("sit"));
    const prod = configFromMap(
      "prod",
      pulumiConfigForStack("prod", { tokenUrl: "https://tiaa.prod.example/token" }),
    );
    expect(sit.glueJobs[0]).toMatchObject({
      tableAccess: { mode: "s3", location: "s3://bbkyc-datalake-sit/kyc_db/et_events" },
      firstRun: "all",
      publishPartitions: 0,
    });
    expect(prod.glueJobs[0]!.tableAccess).toEqual({
      mode: "s3",
      location: "s3://bbkyc-datalake-prod/kyc_db/et_events",
    });
  });

  it("takes the table's KMS key, Lake Formation mode, the first-run mode and the partition count", () => {
    const config = configFromMap(
      "sit",
      withGlueJobs([
        {
          ...JOB,
          tableLocation: "s3://lake-{env}/kyc/et/",
          tableKmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
          publishPartitions: 8,
        },
        { ...JOB, name: "et-lf", tableAccess: "lake-formation", firstRun: "from-current" },
      ]),
    );
    expect(config.glueJobs.map((j) => [j.tableAccess, j.firstRun, j.publishPartitions])).toEqual([
      [
        {
          mode: "s3",
          location: "s3://lake-sit/kyc/et",
          kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        },
        "all",
        8,
      ],
      [{ mode: "lake-formation" }, "from-current", 0],
    ]);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      "no location in s3 mode",
      {},
      /glueJobs\[0\].tableLocation is missing: set the table's S3 location .*or tableAccess: lake-formation/,
    ],
    [
      "a location that is not S3",
      { tableLocation: "/mnt/lake/et" },
      /glueJobs\[0\].tableLocation is "\/mnt\/lake\/et"; it must be an s3:\/\/bucket\/prefix URI/,
    ],
    [
      "a bucket S3 would refuse",
      { tableLocation: "s3://Lake_Bucket/et" },
      /tableLocation is "s3:\/\/Lake_Bucket\/et"; it must be an s3:\/\/bucket\/prefix URI/,
    ],
    [
      "a KMS alias instead of a key",
      { tableLocation: "s3://lake/et", tableKmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:alias/lake" },
      /tableKmsKeyArn is "arn:aws:kms:eu-west-1:111122223333:alias\/lake"; use the key's ARN/,
    ],
    [
      "an unknown access mode",
      { tableAccess: "iam" },
      /glueJobs\[0\].tableAccess is "iam"; use s3 or lake-formation/,
    ],
    [
      "S3 settings in Lake Formation mode",
      { tableAccess: "lake-formation", tableLocation: "s3://lake/et" },
      /glueJobs\[0\].tableLocation is only for tableAccess s3/,
    ],
    [
      "an unknown first-run mode",
      { tableLocation: "s3://lake/et", firstRun: "latest" },
      /glueJobs\[0\].firstRun is "latest"; use all or from-current/,
    ],
    [
      "a negative partition count",
      { tableLocation: "s3://lake/et", publishPartitions: -2 },
      /glueJobs\[0\].publishPartitions must be a whole number between 0 and 1000/,
    ],
  ])("refuses %s", (_title, fields, message) => {
    const problems = problemsOf([{ ...JOB, ...fields }]);
    expect(
      problems.some((p) => message.test(p)),
      `problems were:\n${problems.join("\n")}`,
    ).toBe(true);
  });
});
