/**
 * The preflight's verdicts on answers moto cannot give (Lambda's account concurrency) or that are
 * awkward to plant (a public certificate without export, conditional resource policies): pure
 * functions, tested on every branch.
 */
import { describe, expect, it } from "vitest";
import { judgeConcurrency } from "../ops/preflight/account-checks.js";
import { invokePermission, judgeCertificate } from "../ops/preflight/token-checks.js";
import { lambdaConcurrency } from "../stacks/lambda-concurrency.js";
import { configFromMap } from "../stacks/read-stack-config.js";
import { pulumiConfigForStack } from "../stacks/stack-files.js";

const prod = (extra: Record<string, string> = {}) =>
  configFromMap(
    "prod",
    pulumiConfigForStack("prod", {
      tokenUrl: "https://tiaa-auth.prod.kyc-bank.example/oauth2/token",
      ...extra,
    }),
  );

describe("Lambda concurrency a stack needs (stacks/lambda-concurrency.ts)", () => {
  it("adds shards × parallelization of every case creator, a producer, the audit processor's pollers and the token manager", () => {
    const need = lambdaConcurrency(prod());
    expect(need.needs.map((n) => [n.what, n.executions])).toEqual([
      ["cta event producer", 1],
      ["cta case creator", 16],
      ["audit processor", 5],
      ["token manager", 1],
    ]);
    expect(need).toMatchObject({ peak: 23, reserved: 0, requiredAccountQuota: 23 });
    // A reservation needs Lambda's 10 unreserved beside it.
    expect(lambdaConcurrency(prod({ tokenReservedConcurrency: "1" }))).toMatchObject({
      reserved: 1,
      requiredAccountQuota: 23,
    });
    const small = prod({
      tokenReservedConcurrency: "2",
      pipelines: JSON.stringify([
        {
          name: "cta",
          label: "CTA",
          shardCount: 1,
          source: "s3",
          caseCreator: true,
          parallelizationFactor: 1,
        },
      ]),
      glueJobs: "[]",
    });
    expect(lambdaConcurrency(small)).toMatchObject({ peak: 8, reserved: 2, requiredAccountQuota: 12 });
    const onDemand = prod({
      pipelines: JSON.stringify([
        { name: "cta", label: "CTA", onDemand: true, source: "s3", caseCreator: true },
      ]),
      glueJobs: "[]",
    });
    expect(lambdaConcurrency(onDemand).needs[1]).toEqual({
      what: "cta case creator",
      executions: 8,
      basis: "~4 shards (on-demand, estimated) × parallelization 2",
    });
  });
});

describe("judgeConcurrency", () => {
  it("fails prod in a new account with a quota of 10: its case creators alone want 16", () => {
    const verdict = judgeConcurrency(
      { quota: 10, unreserved: 10, existingReservation: 0 },
      lambdaConcurrency(prod()),
      "eu-west-1",
    );
    expect(verdict).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("the stack needs 23 at peak"),
    });
    expect(verdict.fix).toContain("of at least 23 in Service Quotas for eu-west-1");
  });

  it("fails a reservation Lambda would refuse (the error that stopped pulumi up), with setting it to 0 as the fix", () => {
    const verdict = judgeConcurrency(
      { quota: 10, unreserved: 10, existingReservation: 0 },
      lambdaConcurrency(prod({ tokenReservedConcurrency: "1" })),
      "eu-west-1",
    );
    expect(verdict.status).toBe("fail");
    expect(verdict.detail).toContain("would leave 9 unreserved; Lambda refuses any reservation below 10");
    expect(verdict.fix).toMatch(/^Set tokenReservedConcurrency to 0/);
  });

  it("passes an account with room, counting the token manager's existing reservation back (a re-deploy)", () => {
    expect(
      judgeConcurrency(
        { quota: 1000, unreserved: 1000, existingReservation: 0 },
        lambdaConcurrency(prod()),
        "eu-west-1",
      ),
    ).toMatchObject({
      status: "pass",
      detail: expect.stringContaining("quota 1000, unreserved 1000; the stack needs 23 at peak"),
    });
    expect(
      judgeConcurrency(
        { quota: 34, unreserved: 33, existingReservation: 1 },
        lambdaConcurrency(prod({ tokenReservedConcurrency: "1" })),
        "eu-west-1",
      ).status,
    ).toBe("pass");
    expect(
      judgeConcurrency(
        { quota: 33, unreserved: 32, existingReservation: 0 },
        lambdaConcurrency(prod({ tokenReservedConcurrency: "1" })),
        "eu-west-1",
      ).status,
    ).toBe("pass");
    expect(
      judgeConcurrency(
        { quota: 22, unreserved: 22, existingReservation: 0 },
        lambdaConcurrency(prod()),
        "eu-west-1",
      ).status,
    ).toBe("fail");
  });
});

describe("judgeCertificate", () => {
  const now = new Date("2026-12-01T00:00:00Z");
  const valid = new Date("2027-06-01T00:00:00Z");

  it("passes an issued private certificate, and a public one only with export enabled", () => {
    expect(judgeCertificate({ Type: "PRIVATE", Status: "ISSUED", NotAfter: valid }, now)).toMatchObject({
      status: "pass",
      detail: "PRIVATE, ISSUED, exportable, valid until 2027-06-01",
    });
    expect(
      judgeCertificate(
        { Type: "AMAZON_ISSUED", Status: "ISSUED", NotAfter: valid, Options: { Export: "ENABLED" } },
        now,
      ).status,
    ).toBe("pass");
    expect(
      judgeCertificate(
        { Type: "AMAZON_ISSUED", Status: "ISSUED", NotAfter: valid, Options: { Export: "DISABLED" } },
        now,
      ),
    ).toMatchObject({
      status: "fail",
      detail: "AMAZON_ISSUED certificates without export enabled cannot be exported",
    });
  });

  it("says cannot-check when ACM does not say whether a public certificate is exportable", () => {
    expect(judgeCertificate({ Type: "AMAZON_ISSUED", Status: "ISSUED", NotAfter: valid }, now)).toMatchObject(
      { status: "cannot-check", detail: expect.stringContaining("ACM did not say whether it is exportable") },
    );
  });

  it("fails one that is not issued or expires within 30 days, listing every problem", () => {
    const verdict = judgeCertificate(
      { Type: "PRIVATE", Status: "PENDING_VALIDATION", NotAfter: new Date("2026-12-20T00:00:00Z") },
      now,
    );
    expect(verdict).toMatchObject({
      status: "fail",
      detail: "status is PENDING_VALIDATION, not ISSUED; expires 2026-12-20, within 30 days",
    });
    expect(verdict.fix).toBe(
      "use an issued certificate; renew or replace it before deploying (docs/certificates.md).",
    );
  });
});

describe("invokePermission (the CSM Lambda's resource policy, when it lives in another account)", () => {
  const role = "arn:aws:iam::123456789012:role/bbkyc-token-manager-sit-euw1";
  const policy = (statement: object) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });

  it("allows the role, its account or its account root; conditions make it unknowable; anything else is not allowed", () => {
    expect(
      invokePermission(
        policy({ Effect: "Allow", Principal: { AWS: role }, Action: "lambda:InvokeFunction" }),
        role,
        "123456789012",
      ),
    ).toBe("allowed");
    expect(
      invokePermission(
        policy({
          Effect: "Allow",
          Principal: { AWS: ["arn:aws:iam::123456789012:root"] },
          Action: ["lambda:*"],
        }),
        role,
        "123456789012",
      ),
    ).toBe("allowed");
    expect(
      invokePermission(
        policy({
          Effect: "Allow",
          Principal: "*",
          Action: "lambda:InvokeFunction",
          Condition: { StringEquals: { "aws:PrincipalOrgID": "o-1" } },
        }),
        role,
        "123456789012",
      ),
    ).toBe("conditional");
    expect(
      invokePermission(
        policy({
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::999999999999:root" },
          Action: "lambda:InvokeFunction",
        }),
        role,
        "123456789012",
      ),
    ).toBe("not-allowed");
    expect(
      invokePermission(
        policy({ Effect: "Allow", Principal: { AWS: role }, Action: "lambda:GetFunction" }),
        role,
        "123456789012",
      ),
    ).toBe("not-allowed");
    expect(invokePermission("not json", role, "123456789012")).toBe("not-allowed");
  });
});
