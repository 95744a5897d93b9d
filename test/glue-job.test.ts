/**
 * GlueJob under Pulumi mocks (what it declares: assets, job arguments, encryption, IAM, schedule,
 * failed-runs rule), and the check that the Python metric names are the catalog's. The Python job's own
 * pytest suite is a step of `npm test` of its own (test/run-glue-tests.sh), not a case here.
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { GlueJob, type GlueJobArgs } from "../components/glue-job.js";
import { glueBookmarkKey } from "../handlers/lib/audit-keys.js";
import { Naming } from "../components/naming.js";
import { METRIC_CATALOG } from "../handlers/lib/metric-catalog.js";
import { MOCK_ACCOUNT_ID, type RecordingMocks } from "../stacks/offline/recording-mocks.js";
import { PROJECT_DIR } from "../stacks/stack-files.js";
import { listOf as list, statementsBySid, statementsOf } from "./support/iam.js";
import {
  ofComponent,
  outputOf,
  queryOf,
  useRecordingMocks,
  waitForRegistrations,
} from "./support/pulumi-harness.js";

const REGION = "eu-west-1";
const KEY_ARN = `arn:aws:kms:${REGION}:${MOCK_ACCOUNT_ID}:key/platform`;
const STREAM_ARN = `arn:aws:kinesis:${REGION}:${MOCK_ACCOUNT_ID}:stream/bbkyc-tt-event-stream-sit`;
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${MOCK_ACCOUNT_ID}:bbkyc-audit-queue-sit`;
const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${MOCK_ACCOUNT_ID}/bbkyc-audit-queue-sit`;
const JOB_NAME = "bbkyc-et-event-producer-sit";
const NAMESPACE = "bbkyc/et-event-producer-glue-publisher/sit";
const AUDIT_TABLE_ARN = `arn:aws:dynamodb:${REGION}:${MOCK_ACCOUNT_ID}:table/bbkyc-audit-trail-sit`;
const LAKE_KEY_ARN = "arn:aws:kms:eu-west-1:999999999999:key/lake";
const S3_ACCESS = {
  mode: "s3",
  location: "s3://bbkyc-datalake-sit/kyc_db/et_events",
  kmsKeyArn: LAKE_KEY_ARN,
} as const;

function args(region = REGION, overrides: Partial<GlueJobArgs> = {}): GlueJobArgs {
  return {
    naming: new Naming({ prefix: "bbkyc", env: "sit", region }),
    job: {
      name: "et-event-producer",
      pipeline: "tt",
      icebergTable: "kyc_db.et_events",
      schedule: "cron(0 2 * * ? *)",
      tableAccess: S3_ACCESS,
      firstRun: "all",
      publishPartitions: 0,
    },
    streamName: "bbkyc-tt-event-stream-sit",
    streamArn: STREAM_ARN,
    kmsKeyArn: KEY_ARN,
    logRetentionDays: 90,
    auditQueueUrl: QUEUE_URL,
    auditQueueArn: QUEUE_ARN,
    auditTableName: "bbkyc-audit-trail-sit",
    auditTableArn: AUDIT_TABLE_ARN,
    ...overrides,
  };
}

let mocks: RecordingMocks;
let glue: GlueJob;
let london: GlueJob;
let lake: GlueJob;

/** The resources one component instance declared (their logical names start with its name). */
const ofInstance = (prefix: string) => ofComponent(mocks, prefix).resources;
const one = (type: string, logicalName: string) => queryOf(mocks.resources).one(type, logicalName);
const policiesOf = (prefix: string) => ofComponent(mocks, prefix).byType("aws:iam/rolePolicy:RolePolicy");

beforeAll(async () => {
  mocks = await useRecordingMocks(REGION);
  glue = new GlueJob("glue-et", args());
  london = new GlueJob("glue-london", args("eu-west-2"));
  const base = args();
  lake = new GlueJob("glue-lake", {
    ...base,
    job: {
      ...base.job,
      name: "lf-producer",
      tableAccess: { mode: "lake-formation" },
      firstRun: "from-current",
      publishPartitions: 16,
    },
  });
  await Promise.all([glue, london, lake].map((c) => outputOf(pulumi.all([c.urn, c.job.urn, c.rolePolicy]))));
  await waitForRegistrations();
});

describe("GlueJob assets", () => {
  it("uploads the job script on its own, from handlers/glue", async () => {
    const script = one("aws:s3/bucketObjectv2:BucketObjectv2", "glue-et-script");
    expect(script.inputs.bucket).toBe("bbkyc-et-event-producer-glue-assets-sit-euw1");
    expect(script.inputs.key).toBe("scripts/event_producer_job.py");
    expect(await (script.inputs.source as pulumi.asset.FileAsset).path).toBe(
      join(PROJECT_DIR, "handlers/glue/event_producer_job.py"),
    );
    expect(script.inputs.serverSideEncryption).toBe("aws:kms");
    expect(script.inputs.kmsKeyId).toBe(KEY_ARN);
  });

  it("packages ONLY the helpers folder's Python files, under helpers/, as a separate zip", async () => {
    const helpers = one("aws:s3/bucketObjectv2:BucketObjectv2", "glue-et-helpers");
    expect(helpers.inputs.key).toBe("libs/helpers.zip");
    const archive = helpers.inputs.source as pulumi.asset.AssetArchive;
    const top = await archive.assets;
    expect(Object.keys(top)).toEqual(["helpers"]);
    const inner = await (top.helpers as pulumi.asset.AssetArchive).assets;
    const files = Object.keys(inner);
    expect(files).toEqual(
      expect.arrayContaining(["__init__.py", "audit.py", "kinesis_publisher.py", "metrics.py", "records.py"]),
    );
    expect(files.every((f) => f.endsWith(".py"))).toBe(true);
    expect(files).not.toContain("event_producer_job.py");
    for (const [file, asset] of Object.entries(inner)) {
      expect(await (asset as pulumi.asset.FileAsset).path).toBe(
        join(PROJECT_DIR, "handlers/glue/helpers", file),
      );
    }
  });

  it("keeps them in a private, TLS-only, KMS-encrypted, versioned bucket", () => {
    const access = one(
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "glue-et-assets-public-access",
    ).inputs;
    expect([
      access.blockPublicAcls,
      access.blockPublicPolicy,
      access.ignorePublicAcls,
      access.restrictPublicBuckets,
    ]).toEqual([true, true, true, true]);
    const sse = one(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "glue-et-assets-encryption",
    ).inputs;
    expect(sse.rules[0].applyServerSideEncryptionByDefault).toEqual({
      sseAlgorithm: "aws:kms",
      kmsMasterKeyId: KEY_ARN,
    });
    expect(
      one("aws:s3/bucketVersioning:BucketVersioning", "glue-et-assets-versioning").inputs
        .versioningConfiguration.status,
    ).toBe("Enabled");
    const [deny] = statementsOf(
      one("aws:s3/bucketPolicy:BucketPolicy", "glue-et-assets-tls-only").inputs.policy,
    );
    expect(deny).toMatchObject({
      Effect: "Deny",
      Principal: "*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(list(deny!.Resource)).toEqual([
      "arn:aws:s3:::bbkyc-et-event-producer-glue-assets-sit-euw1",
      "arn:aws:s3:::bbkyc-et-event-producer-glue-assets-sit-euw1/*",
    ]);
  });
});

describe("GlueJob job", () => {
  it("runs the uploaded script with the helpers zip, Iceberg, metrics and every argument the script needs", () => {
    const job = one("aws:glue/job:Job", "glue-et-job").inputs;
    expect(job.name).toBe(JOB_NAME);
    expect(job.glueVersion).toBe("5.0");
    expect([job.workerType, job.numberOfWorkers, job.timeout, job.maxRetries]).toEqual(["G.1X", 2, 60, 0]);
    expect(job.executionProperty).toEqual({ maxConcurrentRuns: 1 });
    expect(job.command).toMatchObject({
      name: "glueetl",
      pythonVersion: "3",
      scriptLocation: "s3://bbkyc-et-event-producer-glue-assets-sit-euw1/scripts/event_producer_job.py",
    });
    const a = job.defaultArguments as Record<string, string>;
    expect(a).toMatchObject({
      "--extra-py-files": "s3://bbkyc-et-event-producer-glue-assets-sit-euw1/libs/helpers.zip",
      "--datalake-formats": "iceberg",
      "--enable-metrics": "true",
      "--job-bookmark-option": "job-bookmark-disable",
      "--STREAM_NAME": "bbkyc-tt-event-stream-sit",
      "--ICEBERG_TABLE": "glue_catalog.kyc_db.et_events",
      "--METRIC_NAMESPACE": NAMESPACE,
      "--ENVIRONMENT": "sit",
      "--AUDIT_QUEUE_URL": QUEUE_URL,
      "--PARTITION_KEY_PREFIX": "bbkyc-tt-",
      "--AUDIT_COMPONENT": "et-event-producer-glue",
      "--BOOKMARK_TABLE": "bbkyc-audit-trail-sit",
      "--FIRST_RUN": "all",
      "--PUBLISH_PARTITIONS": "0",
      "--REGION": REGION,
    });
    // Glue 5.0 logs in real time; the 4.0 flag is not sent.
    expect(a["--enable-continuous-cloudwatch-log"]).toBeUndefined();
    expect(a["--conf"]!.split(" --conf ")).toEqual([
      "spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
      "spark.sql.catalog.glue_catalog=org.apache.iceberg.spark.SparkCatalog",
      "spark.sql.catalog.glue_catalog.catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog",
      "spark.sql.catalog.glue_catalog.io-impl=org.apache.iceberg.aws.s3.S3FileIO",
      "spark.sql.catalog.glue_catalog.warehouse=s3://bbkyc-datalake-sit/kyc_db/et_events",
    ]);
    // Every argument the Python job requires is set (JOB_NAME is passed by Glue itself).
    const script = readFileSync(join(PROJECT_DIR, "handlers/glue/event_producer_job.py"), "utf8");
    const required = [...script.match(/JOB_ARGUMENTS = \(([^)]*)\)/)![1]!.matchAll(/"([A-Z_]+)"/g)].map(
      (m) => m[1]!,
    );
    expect(
      required.filter((n) => n !== "JOB_NAME").every((n) => a[`--${n}`] !== undefined && a[`--${n}`] !== ""),
    ).toBe(true);
    expect(required.length).toBeGreaterThan(5);
  });

  it("in Lake Formation mode asks Lake Formation for the table's credentials (Glue 5.0 full-table access)", () => {
    const a = one("aws:glue/job:Job", "glue-lake-job").inputs.defaultArguments as Record<string, string>;
    const conf = a["--conf"]!.split(" --conf ");
    expect(conf).toEqual(
      expect.arrayContaining([
        "spark.sql.catalog.glue_catalog.glue.lakeformation-enabled=true",
        // The catalog names its account and region, as every example of AWS's FTA page does.
        `spark.sql.catalog.glue_catalog.glue.account-id=${MOCK_ACCOUNT_ID}`,
        "spark.sql.catalog.glue_catalog.client.region=eu-west-1",
        "spark.hadoop.fs.s3.credentialsResolverClass=com.amazonaws.glue.accesscontrol.AWSLakeFormationCredentialResolver",
      ]),
    );
    expect(conf).not.toContain(
      "spark.sql.catalog.glue_catalog.warehouse=s3://bbkyc-datalake-sit/kyc_db/et_events",
    );
    expect(a).toMatchObject({ "--FIRST_RUN": "from-current", "--PUBLISH_PARTITIONS": "16" });
    // Fine-grained access control is another mode, which would forbid the job's RDD publishing.
    expect(a["--enable-lakeformation-fine-grained-access"]).toBeUndefined();
  });

  it("attaches a security configuration that encrypts S3 output, logs and bookmarks with the platform key", () => {
    const config = one("aws:glue/securityConfiguration:SecurityConfiguration", "glue-et-security").inputs;
    expect(one("aws:glue/job:Job", "glue-et-job").inputs.securityConfiguration).toBe(config.name);
    expect(config.encryptionConfiguration).toEqual({
      s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: KEY_ARN },
      cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn: KEY_ARN },
      jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: KEY_ARN },
    });
  });
});

describe("GlueJob IAM", () => {
  it("grants no wildcard action, and resource * only where AWS allows nothing narrower", () => {
    const policies = [...policiesOf("glue-et"), ...policiesOf("glue-lake")];
    expect(policies).toHaveLength(4);
    for (const policy of policies) {
      for (const s of statementsOf(policy.inputs.policy)) {
        for (const action of list(s.Action)) expect(action, `${policy.name} ${s.Sid}`).not.toContain("*");
        if (list(s.Resource).includes("*"))
          expect(list(s.Action), `${policy.name} ${s.Sid}`).toEqual(
            expect.arrayContaining([
              expect.stringMatching(/^(cloudwatch:PutMetricData|lakeformation:GetDataAccess)$/),
            ]),
          );
      }
    }
  });

  it("scopes the job role to its own script, table, stream, audit queue, namespaces and Glue's log groups", () => {
    const role = one("aws:iam/role:Role", "glue-et-role").inputs;
    expect(role.name).toBe("bbkyc-et-event-producer-glue-sit-euw1");
    expect(JSON.parse(role.assumeRolePolicy).Statement[0].Principal).toEqual({
      Service: "glue.amazonaws.com",
    });
    const bySid = statementsBySid(one("aws:iam/rolePolicy:RolePolicy", "glue-et-policy").inputs.policy);
    const bucket = "arn:aws:s3:::bbkyc-et-event-producer-glue-assets-sit-euw1";
    expect(bySid.ReadOwnScriptAndHelpers!.Resource).toEqual([
      `${bucket}/scripts/event_producer_job.py`,
      `${bucket}/libs/helpers.zip`,
    ]);
    expect(bySid.ReadIcebergTableMetadata).toMatchObject({
      Action: ["glue:GetDatabase", "glue:GetTable"],
      Resource: [
        `arn:aws:glue:${REGION}:${MOCK_ACCOUNT_ID}:catalog`,
        `arn:aws:glue:${REGION}:${MOCK_ACCOUNT_ID}:database/kyc_db`,
        `arn:aws:glue:${REGION}:${MOCK_ACCOUNT_ID}:table/kyc_db/et_events`,
      ],
    });
    expect(bySid.PublishToPipelineStream).toMatchObject({
      Action: "kinesis:PutRecords",
      Resource: STREAM_ARN,
    });
    expect(bySid.SendFailedAuditEvents).toMatchObject({ Action: "sqs:SendMessage", Resource: QUEUE_ARN });
    expect(bySid.PublishOwnAndGlueMetrics!.Condition).toEqual({
      StringEquals: { "cloudwatch:namespace": [NAMESPACE, "Glue"] },
    });
    expect(bySid.WriteGlueLogs!.Resource).toBe(
      `arn:aws:logs:${REGION}:${MOCK_ACCOUNT_ID}:log-group:/aws-glue/*`,
    );
    expect(bySid.UsePlatformKey!.Resource).toBe(KEY_ARN);
  });

  it("reads the table's metadata and data files under its S3 location and decrypts them with the table's key", () => {
    // The AWS review's finding: Iceberg's S3FileIO reads metadata.json with the job role's own rights.
    const bySid = statementsBySid(one("aws:iam/rolePolicy:RolePolicy", "glue-et-policy").inputs.policy);
    expect(bySid.ReadTableThroughLakeFormation).toBeUndefined();
    expect(bySid.ReadTableFiles).toMatchObject({
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::bbkyc-datalake-sit/kyc_db/et_events/*",
    });
    expect(bySid.ListTableFiles).toMatchObject({
      Resource: "arn:aws:s3:::bbkyc-datalake-sit",
      Condition: { StringLike: { "s3:prefix": ["kyc_db/et_events", "kyc_db/et_events/*"] } },
    });
    expect(bySid.DecryptTableFiles).toMatchObject({ Action: "kms:Decrypt", Resource: LAKE_KEY_ARN });
  });

  it("in Lake Formation mode gets GetDataAccess and no S3 rights on the table", () => {
    const bySid = statementsBySid(one("aws:iam/rolePolicy:RolePolicy", "glue-lake-policy").inputs.policy);
    expect(bySid.ReadTableThroughLakeFormation).toMatchObject({
      Action: "lakeformation:GetDataAccess",
      Resource: "*",
    });
    expect([bySid.ReadTableFiles, bySid.ListTableFiles, bySid.DecryptTableFiles]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("may read and advance only its own bookmark item of the audit table", () => {
    const bySid = statementsBySid(one("aws:iam/rolePolicy:RolePolicy", "glue-et-policy").inputs.policy);
    expect(bySid.ReadAndAdvanceOwnBookmark).toEqual({
      Sid: "ReadAndAdvanceOwnBookmark",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:PutItem"],
      Resource: AUDIT_TABLE_ARN,
      Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [`#glue-bookmark:${JOB_NAME}`] } },
    });
    const lakeBookmark = statementsBySid(
      one("aws:iam/rolePolicy:RolePolicy", "glue-lake-policy").inputs.policy,
    ).ReadAndAdvanceOwnBookmark!;
    expect(lakeBookmark.Condition).toEqual({
      "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["#glue-bookmark:bbkyc-lf-producer-sit"] },
    });
  });

  it("names global resources per region so eu-west-1 and eu-west-2 can share an account", () => {
    const globalNames = (prefix: string) =>
      ofInstance(prefix)
        .filter((r) =>
          ["aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:s3/bucket:Bucket"].includes(r.type),
        )
        .map((r) => r.physicalName ?? r.inputs.bucket);
    const ireland = globalNames("glue-et");
    const londonNames = globalNames("glue-london");
    expect(ireland).toHaveLength(5);
    expect(londonNames.every((n) => n.endsWith("-euw2"))).toBe(true);
    expect(ireland.filter((n) => londonNames.includes(n))).toEqual([]);
  });
});

describe("GlueJob schedule and failed runs", () => {
  it("starts the job on the configured schedule through the Scheduler's universal target, with its own narrow role", () => {
    const schedule = one("aws:scheduler/schedule:Schedule", "glue-et-schedule").inputs;
    expect(schedule).toMatchObject({
      name: "bbkyc-et-event-producer-glue-sit",
      scheduleExpression: "cron(0 2 * * ? *)",
      scheduleExpressionTimezone: "UTC",
      kmsKeyArn: KEY_ARN,
    });
    expect(schedule.target.arn).toBe("arn:aws:scheduler:::aws-sdk:glue:startJobRun");
    // A Scheduler group of its own: AWS/Scheduler metrics are per group, not per schedule.
    expect(schedule.groupName).toBe("bbkyc-et-event-producer-glue-group-sit");
    expect(one("aws:scheduler/scheduleGroup:ScheduleGroup", "glue-et-schedule-group").inputs.name).toBe(
      "bbkyc-et-event-producer-glue-group-sit",
    );
    expect(JSON.parse(schedule.target.input)).toEqual({ JobName: JOB_NAME });
    expect(schedule.target.deadLetterConfig.arn).toBe(
      `arn:aws:sqs:${REGION}:${MOCK_ACCOUNT_ID}:bbkyc-et-event-producer-glue-schedule-dlq-sit`,
    );
    const role = one("aws:iam/role:Role", "glue-et-schedule-role").inputs;
    expect(schedule.target.roleArn).toBe(`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${role.name}`);
    expect(JSON.parse(role.assumeRolePolicy).Statement[0]).toMatchObject({
      Principal: { Service: "scheduler.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID } },
    });
    const [start] = statementsOf(
      one("aws:iam/rolePolicy:RolePolicy", "glue-et-schedule-policy").inputs.policy,
    );
    expect(start).toMatchObject({
      Action: "glue:StartJobRun",
      Resource: `arn:aws:glue:${REGION}:${MOCK_ACCOUNT_ID}:job/${JOB_NAME}`,
    });
  });

  it("sends FAILED/TIMEOUT/ERROR state changes of this job only to a KMS-encrypted log group EventBridge may write", () => {
    const rule = one("aws:cloudwatch/eventRule:EventRule", "glue-et-failed-runs-rule").inputs;
    expect(rule.name).toBe(glue.ruleName);
    expect(JSON.parse(rule.eventPattern)).toEqual({
      source: ["aws.glue"],
      "detail-type": ["Glue Job State Change"],
      detail: { jobName: [JOB_NAME], state: ["FAILED", "TIMEOUT", "ERROR"] },
    });
    const logGroup = one("aws:cloudwatch/logGroup:LogGroup", "glue-et-failed-runs-logs").inputs;
    expect(logGroup).toMatchObject({
      name: `/aws/events/${glue.ruleName}`,
      retentionInDays: 90,
      kmsKeyId: KEY_ARN,
    });
    const logGroupArn = `arn:aws:logs:${REGION}:${MOCK_ACCOUNT_ID}:log-group:${logGroup.name}`;
    expect(one("aws:cloudwatch/eventTarget:EventTarget", "glue-et-failed-runs-target").inputs).toMatchObject({
      rule: glue.ruleName,
      arn: logGroupArn,
    });
    const [write] = statementsOf(
      one("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "glue-et-failed-runs-access").inputs
        .policyDocument,
    );
    expect(write).toMatchObject({
      Principal: { Service: expect.arrayContaining(["events.amazonaws.com"]) },
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${logGroupArn}:*`,
      Condition: {
        ArnEquals: { "aws:SourceArn": `arn:aws:events:${REGION}:${MOCK_ACCOUNT_ID}:rule/${glue.ruleName}` },
      },
    });
  });

  it("tells the dashboards its names and metrics", () => {
    expect([glue.jobName, glue.ruleName, glue.scheduleName]).toEqual([
      JOB_NAME,
      "bbkyc-et-event-producer-glue-failed-sit",
      "bbkyc-et-event-producer-glue-sit",
    ]);
    expect(glue.facts).toEqual({
      jobName: JOB_NAME,
      pipelineName: "tt",
      metrics: { component: "glue-publisher", namespace: NAMESPACE },
      ruleName: "bbkyc-et-event-producer-glue-failed-sit",
      scheduleName: "bbkyc-et-event-producer-glue-sit",
      scheduleGroupName: "bbkyc-et-event-producer-glue-group-sit",
      scheduleExpression: "cron(0 2 * * ? *)",
      timeoutMinutes: 60,
      // The schedule's retry policy: a start retried this long is still on schedule (run-missing alarm).
      scheduleMaxEventAgeSeconds: 3600,
      scheduleDlqName: "bbkyc-et-event-producer-glue-schedule-dlq-sit",
    });
  });

  it("refuses a table location that is not an S3 URI, and Lake Formation mode before Glue 5.0", () => {
    const base = args();
    expect(
      () =>
        new GlueJob("glue-bad", {
          ...base,
          job: { ...base.job, tableAccess: { mode: "s3", location: "/mnt/lake/et_events" } },
        }),
    ).toThrow(/tableAccess.location` must be an s3:\/\/bucket\/prefix URI/);
    expect(
      () =>
        new GlueJob("glue-old", {
          ...base,
          glueVersion: "4.0",
          job: { ...base.job, tableAccess: { mode: "lake-formation" } },
        }),
    ).toThrow(/Lake Formation full-table access needs `glueVersion` 5.0 or later, got "4.0"/);
  });
});

describe("Glue publisher Python code", () => {
  const helpersDir = join(PROJECT_DIR, "handlers/glue/helpers");
  const jobScript = readFileSync(join(PROJECT_DIR, "handlers/glue/event_producer_job.py"), "utf8");

  it("uses exactly the catalog's glue-publisher metric names", () => {
    const source = readFileSync(join(helpersDir, "metrics.py"), "utf8");
    const tuple = source.match(/^METRIC_NAMES = \(([^)]*)\)/m);
    expect(tuple, "METRIC_NAMES tuple in helpers/metrics.py").not.toBeNull();
    const names = [...tuple![1]!.matchAll(/"([A-Za-z]+)"/g)].map((m) => m[1]);
    expect(names).toEqual(Object.keys(METRIC_CATALOG["glue-publisher"]));
    // And every name the job adds is one of them: the run's own (.add("…")) and the record counts it sums.
    const counted = jobScript.match(/^RECORD_COUNTS = \(([^)]*)\)/m)![1]!;
    const used = new Set(
      [...jobScript.matchAll(/\.add\("([A-Za-z]+)"/g), ...counted.matchAll(/"([A-Za-z]+)"/g)].map(
        (m) => m[1],
      ),
    );
    expect([...used].sort()).toEqual([...names].sort());
  });

  it("keys the bookmark item the way the role's IAM condition expects", () => {
    const bookmark = readFileSync(join(helpersDir, "bookmark.py"), "utf8");
    const prefix = bookmark.match(/^BOOKMARK_KEY_PREFIX = "([^"]+)"/m)?.[1];
    expect(`${prefix}${JOB_NAME}`).toBe(glueBookmarkKey(JOB_NAME));
  });
});
