import { describe, expect, it } from "vitest";
import { Naming, NamingError, checkName, regionCode } from "../components/naming.js";

describe("regionCode", () => {
  it.each([
    ["eu-west-1", "euw1"],
    ["eu-west-2", "euw2"],
    ["us-east-1", "use1"],
    ["ap-southeast-2", "apse2"],
    ["eu-central-1", "euc1"],
    ["us-gov-west-1", "usgovw1"],
  ])("%s → %s", (region, code) => {
    expect(regionCode(region)).toBe(code);
  });

  it("rejects something that is not a region", () => {
    expect(() => regionCode("ireland")).toThrow(/not an AWS region name/);
  });
});

describe("Naming.physicalName", () => {
  const naming = new Naming({ prefix: "bbkyc", env: "sit", region: "eu-west-1" });

  it("makes <prefix>-<component>-<env> for regional resources", () => {
    expect(naming.physicalName("lambda", "cta-case-creator")).toBe("bbkyc-cta-case-creator-sit");
    expect(naming.physicalName("kinesis-stream", "cta-event-stream")).toBe("bbkyc-cta-event-stream-sit");
    expect(naming.physicalName("sqs-queue", "audit-queue")).toBe("bbkyc-audit-queue-sit");
  });

  it("adds the region code to global resources (IAM, S3, dashboards)", () => {
    expect(naming.physicalName("iam-role", "cta-case-creator")).toBe("bbkyc-cta-case-creator-sit-euw1");
    expect(naming.physicalName("s3-bucket", "cta-input")).toBe("bbkyc-cta-input-sit-euw1");
    expect(naming.physicalName("dashboard", "functional")).toBe("bbkyc-functional-sit-euw1");
  });

  it("gives the two regions of one env different global names and equal regional names", () => {
    const london = new Naming({ prefix: "bbkyc", env: "sit", region: "eu-west-2" });
    expect(london.physicalName("iam-role", "token-manager")).not.toBe(
      naming.physicalName("iam-role", "token-manager"),
    );
    expect(london.physicalName("lambda", "token-manager")).toBe(
      naming.physicalName("lambda", "token-manager"),
    );
  });

  it("names the function's log group after the function", () => {
    expect(naming.logGroupForFunction("bbkyc-token-manager-sit")).toBe("/aws/lambda/bbkyc-token-manager-sit");
  });
});

describe("AWS name limits", () => {
  const naming = new Naming({ prefix: "bbkyc", env: "prod", region: "ap-southeast-2" });

  it("rejects an IAM role name over 64 characters and says which keys to change", () => {
    const long = "a-very-long-component-name-that-goes-on-and-on-x";
    expect(() => naming.physicalName("iam-role", long)).toThrow(NamingError);
    expect(() => naming.physicalName("iam-role", long)).toThrow(/at most 64.*prefix/);
  });

  it("rejects an S3 bucket name over 63 characters", () => {
    expect(() => naming.physicalName("s3-bucket", "x".repeat(50))).toThrow(/s3-bucket name .* at most 63/);
  });

  it("rejects upper-case S3 bucket names", () => {
    expect(() =>
      new Naming({ prefix: "BBKYC", env: "sit", region: "eu-west-1" }).physicalName("s3-bucket", "cta-input"),
    ).toThrow(/characters AWS does not accept; allowed: lower-case/);
  });

  it("rejects characters a Lambda name cannot hold", () => {
    expect(() => checkName("lambda", "bbkyc.case.creator")).toThrow(/allowed: letters, digits, '-' and '_'/);
  });

  it("accepts names exactly at the limit", () => {
    expect(() => checkName("lambda", "a".repeat(64))).not.toThrow();
    expect(() => checkName("lambda", "a".repeat(65))).toThrow(/65 characters/);
  });
});
