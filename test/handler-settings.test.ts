import { beforeAll, describe, expect, it } from "vitest";
import { readAuditProcessorSettings } from "../handlers/audit-processor/settings.js";
import { readCaseCreatorSettings } from "../handlers/case-creator/settings.js";
import { decodeS3Key, readProducerSettings } from "../handlers/event-producer/settings.js";
import { planStack, type OfflinePlan } from "../stacks/offline/plan.js";

/** The environment the sit plan gives one function: what the Lambda shell and the local run both read. */
function environmentOf(plan: OfflinePlan, functionName: string): Record<string, string> {
  const fn = plan.resources.find(
    (r) => r.type === "aws:lambda/function:Function" && r.physicalName === functionName,
  );
  expect(fn?.physicalName).toBe(functionName);
  return fn!.inputs.environment.variables as Record<string, string>;
}

describe("every handler's settings come from the environment its component sets", () => {
  let plan: OfflinePlan;
  beforeAll(async () => {
    plan = await planStack("sit");
  });

  it("event producer", () => {
    const settings = readProducerSettings(environmentOf(plan, "bbkyc-cta-event-producer-sit"));
    expect(settings).toMatchObject({
      environment: "sit",
      namespace: "bbkyc/cta-event-producer/sit",
      config: {
        streamName: "bbkyc-cta-event-stream-sit",
        partitionKeyPrefix: "bbkyc-cta-",
        pipelineName: "cta",
        auditPublished: false,
      },
    });
    expect(settings.auditQueueUrl).toMatch(/bbkyc-audit-queue-sit$/);
    // The ledger lives in the audit table the audit processor writes, with the same retention.
    const auditProcessor = readAuditProcessorSettings(environmentOf(plan, "bbkyc-audit-processor-sit"));
    expect(settings.ledger).toEqual({
      tableName: auditProcessor.tableName,
      retentionDays: auditProcessor.retentionDays,
    });
    expect(settings.ledger.tableName).toBe("bbkyc-audit-trail-sit");
    expect(settings.config.maxInFlight).toBeUndefined();
  });

  it("case creator", () => {
    const settings = readCaseCreatorSettings(environmentOf(plan, "bbkyc-cta-case-creator-sit"));
    expect(settings).toMatchObject({
      namespace: "bbkyc/cta-case-creator/sit",
      salesforce: {
        instanceUrl: "https://kyc-bank--sit.sandbox.my.salesforce.com",
        apiVersion: "v60.0",
        objectName: "Case",
        externalIdField: "KYC_Transaction_Id__c",
      },
      config: { component: "cta-case-creator", giveUpAfterSeconds: 3300 },
    });
    expect(settings.tokenSecretId).toMatch(/:secret:bbkyc-tiaa-token-sit-/);
  });

  it("audit processor", () => {
    expect(readAuditProcessorSettings(environmentOf(plan, "bbkyc-audit-processor-sit"))).toEqual({
      environment: "sit",
      namespace: "bbkyc/audit-processor/sit",
      tableName: "bbkyc-audit-trail-sit",
      retentionDays: 2555,
      // The cta pipeline's case outcomes are counted where its dashboards read them; tt has no case creator.
      caseOutcomeNamespaces: {
        "cta-case-creator": "bbkyc/cta-case-creator/sit",
        "cta-discard-auditor": "bbkyc/cta-case-creator/sit",
      },
    });
  });

  it("a missing or invalid variable fails with its name", () => {
    expect(() =>
      readAuditProcessorSettings({ ENVIRONMENT: "sit", METRIC_NAMESPACE: "n", AUDIT_TABLE_NAME: "t" }),
    ).toThrow(/AUDIT_RETENTION_DAYS is not set/);
    expect(() =>
      readAuditProcessorSettings({
        ENVIRONMENT: "sit",
        METRIC_NAMESPACE: "n",
        AUDIT_TABLE_NAME: "t",
        AUDIT_RETENTION_DAYS: "0",
      }),
    ).toThrow(/at least 1/);
    expect(() =>
      readAuditProcessorSettings({
        ENVIRONMENT: "sit",
        METRIC_NAMESPACE: "n",
        AUDIT_TABLE_NAME: "t",
        AUDIT_RETENTION_DAYS: "1",
        CASE_OUTCOME_NAMESPACES: "[1]",
      }),
    ).toThrow(/CASE_OUTCOME_NAMESPACES/);
    const caseCreator = environmentOf(plan, "bbkyc-cta-case-creator-sit");
    expect(() => readCaseCreatorSettings({ ...caseCreator, GIVE_UP_AFTER_SECONDS: "soon" })).toThrow(
      /GIVE_UP_AFTER_SECONDS must be a positive number/,
    );
  });

  it("decodes S3 notification keys (URL-encoded, '+' for spaces)", () => {
    expect(decodeS3Key("incoming/KYC+batch%2312.ndjson")).toBe("incoming/KYC batch#12.ndjson");
  });
});
