/**
 * Issue #10, finding 3: a pipeline's stream read from another account and its bucket written from
 * other accounts. Both grants (the resource's policy and the platform key's) come from the same
 * pipeline config, name exactly the configured principals, and are absent by default.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../stacks/config-reader.js";
import { planStack, type OfflinePlan } from "../stacks/offline/plan.js";
import { MOCK_ACCOUNT_ID } from "../stacks/offline/recording-mocks.js";
import { statementsOf } from "./support/iam.js";

const TMS = "arn:aws:iam::210987654321:role/tms-consumer";
const PROVIDER_A = "arn:aws:iam::333344445555:role/kyc-data-provider";
const PROVIDER_B = "arn:aws:iam::666677778888:root";
const pipelines = (extra: { tt?: Record<string, unknown>; cta?: Record<string, unknown> }) =>
  JSON.stringify([
    { name: "cta", label: "CTA case events", shardCount: 4, source: "s3", caseCreator: true, ...extra.cta },
    {
      name: "tt",
      label: "TT events to TMS",
      onDemand: true,
      source: "glue",
      caseCreator: false,
      ...extra.tt,
    },
  ]);

const one = (plan: OfflinePlan, type: string, name?: string) => {
  const found = plan.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  expect(found, `${type} ${name ?? ""}`).toHaveLength(1);
  return found[0]!;
};

describe("cross-account readers and uploaders", () => {
  let plain: OfflinePlan;
  let shared: OfflinePlan;

  beforeAll(async () => {
    plain = await planStack("sit");
    shared = await planStack("sit", {
      pipelines: pipelines({
        tt: { readerPrincipals: [TMS] },
        cta: { uploaderPrincipals: [PROVIDER_A, PROVIDER_B] },
      }),
    });
  });

  it("grant nothing to other accounts by default", () => {
    expect(statementsOf(one(plain, "aws:kms/key:Key").inputs.policy).map((s) => s.Sid)).toEqual([
      "AccountAdministersThroughIam",
      "CloudWatchLogsEncryptsLogGroups",
      "CloudWatchAlarmsPublishToEncryptedTopic",
    ]);
    expect(plain.resources.filter((r) => r.type === "aws:kinesis/resourcePolicy:ResourcePolicy")).toEqual([]);
    expect(
      statementsOf(
        one(plain, "aws:s3/bucketPolicy:BucketPolicy", "cta-pipeline-input-policy").inputs.policy,
      ).map((s) => s.Sid),
    ).toEqual(["DenyInsecureTransport"]);
  });

  it("let the stream's readers decrypt with the platform key only through Kinesis, for that stream", () => {
    const streamArn = `arn:aws:kinesis:eu-west-1:${MOCK_ACCOUNT_ID}:stream/bbkyc-tt-event-stream-sit`;
    const statement = statementsOf(one(shared, "aws:kms/key:Key").inputs.policy).find(
      (s) => s.Sid === "TtStreamReadersDecryptViaKinesis",
    )!;
    expect(statement).toEqual({
      Sid: "TtStreamReadersDecryptViaKinesis",
      Effect: "Allow",
      Principal: { AWS: [TMS] },
      Action: ["kms:Decrypt"],
      Resource: "*",
      Condition: {
        StringEquals: {
          "kms:ViaService": "kinesis.eu-west-1.amazonaws.com",
          "kms:EncryptionContext:aws:kinesis:arn": streamArn,
        },
      },
    });
    const policy = one(shared, "aws:kinesis/resourcePolicy:ResourcePolicy", "tt-pipeline-stream-policy");
    expect(policy.inputs.resourceArn).toBe(streamArn);
    expect(statementsOf(policy.inputs.policy)).toEqual([
      {
        Sid: "TtCrossAccountReaders",
        Effect: "Allow",
        Principal: { AWS: [TMS] },
        Action: [
          "kinesis:DescribeStream",
          "kinesis:DescribeStreamSummary",
          "kinesis:GetRecords",
          "kinesis:GetShardIterator",
          "kinesis:ListShards",
        ],
        Resource: streamArn,
      },
    ]);
  });

  it("let uploaders put objects (nothing else) and use the key only through S3, for that bucket", () => {
    const bucketArn = "arn:aws:s3:::bbkyc-cta-input-sit-euw1";
    const key = statementsOf(one(shared, "aws:kms/key:Key").inputs.policy).find(
      (s) => s.Sid === "CtaUploadersEncryptViaS3",
    )!;
    expect(key).toMatchObject({
      Principal: { AWS: [PROVIDER_A, PROVIDER_B] },
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: "*",
    });
    expect(key.Condition).toEqual({
      StringEquals: {
        "kms:ViaService": "s3.eu-west-1.amazonaws.com",
        "kms:EncryptionContext:aws:s3:arn": bucketArn,
      },
    });
    const bucketPolicy = one(shared, "aws:s3/bucketPolicy:BucketPolicy", "cta-pipeline-input-policy");
    const uploaders = statementsOf(bucketPolicy.inputs.policy).find((s) => s.Sid === "CrossAccountUploaders");
    expect(uploaders).toEqual({
      Sid: "CrossAccountUploaders",
      Effect: "Allow",
      Principal: { AWS: [PROVIDER_A, PROVIDER_B] },
      Action: ["s3:PutObject"],
      Resource: `${bucketArn}/*`,
    });
    // TLS-only still applies to them, and the bucket owns what they upload so the producer can read it.
    expect(statementsOf(bucketPolicy.inputs.policy).map((s) => s.Sid)).toContain("DenyInsecureTransport");
    expect(
      one(shared, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "cta-pipeline-input-ownership")
        .inputs.rule,
    ).toEqual({ objectOwnership: "BucketOwnerEnforced" });
    expect(bucketPolicy.dependsOn).toContain(
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls::cta-pipeline-input-ownership",
    );
  });

  it("refuse principals the policies would reject, and uploaders of a pipeline without a bucket", async () => {
    const bad = await planStack("sit", {
      pipelines: pipelines({
        tt: { readerPrincipals: ["*"], uploaderPrincipals: [PROVIDER_A] },
        cta: { uploaderPrincipals: ["111122223333"] },
      }),
    }).catch((e) => e);
    expect(bad).toBeInstanceOf(ConfigError);
    const problems = (bad as ConfigError).problems.join("\n");
    expect(problems).toContain('kyc-platform:pipelines[1].readerPrincipals has "*"');
    expect(problems).toContain('kyc-platform:pipelines[0].uploaderPrincipals has "111122223333"');
    expect(problems).toContain(
      "kyc-platform:pipelines[1].uploaderPrincipals is set, but only pipelines with source s3 have an input bucket",
    );
  });
});
