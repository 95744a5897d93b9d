import { describe, expect, it } from "vitest";
import { ConfigError } from "../stacks/config-reader.js";
import { configFromMap } from "../stacks/read-stack-config.js";
import { projectConfigDeclarations, pulumiConfigForStack, stackNames } from "../stacks/stack-files.js";
import { PROJECT_NAME, validateConfig } from "../stacks/validate-config.js";

/** The sit stack's config with some keys replaced (undefined deletes a key). */
function sitWith(changes: Record<string, string | undefined>, stack = "sit") {
  const map = pulumiConfigForStack(stack);
  for (const [key, value] of Object.entries(changes)) {
    const qualified = key.includes(":") ? key : `${PROJECT_NAME}:${key}`;
    if (value === undefined) delete map[qualified];
    else map[qualified] = value;
  }
  return map;
}

function problemsOf(changes: Record<string, string | undefined>, stack = "sit"): string[] {
  try {
    configFromMap(stack, sitWith(changes, stack));
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("a valid stack file", () => {
  it("gives the typed config, with defaults from Pulumi.yaml", () => {
    const config = configFromMap("sit", pulumiConfigForStack("sit"));
    expect(config).toMatchObject({
      env: "sit",
      prefix: "bbkyc",
      region: "eu-west-1",
      tokenManager: {
        schedule: "rate(55 minutes)",
        secretName: "bbkyc-tiaa-token-sit",
        credentials: { source: "csm-lambda" },
        certificate: { source: "acm" },
      },
      salesforce: { apiVersion: "v60.0", objectName: "Case", externalIdField: "KYC_Transaction_Id__c" },
    });
    expect(config.pipelines.map((p) => [p.name, p.shardCount, p.onDemand, p.caseCreator])).toEqual([
      ["cta", 4, false, true],
      ["tt", undefined, true, false],
    ]);
    expect(config.pipelines[0]!.batchSize).toBe(1000);
    expect(config.external.lambdaFunctions).toEqual(["bbkyc-cnc-bdp-creator"]);
  });

  it("takes structured values from stack files over the project default", () => {
    const prod = configFromMap(
      "prod",
      pulumiConfigForStack("prod", { tokenUrl: "https://tiaa.prod.example/token" }),
    );
    expect(prod.pipelines[0]!.shardCount).toBe(8);
    expect(prod.logRetentionDays).toBe(365);
  });
});

describe("every invalid or missing value fails with the key and the fix", () => {
  it("prod without a token URL gives the exact pulumi config set command", () => {
    expect(problemsOf({}, "prod")).toEqual([
      "kyc-platform:tokenUrl is missing. The production TIAA URL is never kept in code; set it with: pulumi config set --stack prod tokenUrl https://<production TIAA auth URL>",
    ]);
  });

  it.each<[string, Record<string, string | undefined>, RegExp]>([
    [
      "missing region",
      { "aws:region": undefined },
      /aws:region is missing.*pulumi config set --stack sit aws:region eu-west-1/,
    ],
    ["bad region", { "aws:region": "ireland" }, /aws:region is "ireland", which is not an AWS region name/],
    [
      "missing env",
      { env: undefined },
      /kyc-platform:env is missing. Set it with `pulumi config set --stack sit env <sit\|uat\|e2e\|prod>`/,
    ],
    ["unknown env", { env: "dev" }, /kyc-platform:env is "dev"; it must be one of: sit, uat, e2e, prod/],
    ["bad prefix", { prefix: "BB_KYC" }, /kyc-platform:prefix is "BB_KYC"; use 2-12 lower-case/],
    [
      "log retention CloudWatch rejects",
      { logRetentionDays: "45" },
      /logRetentionDays is 45; CloudWatch accepts 1, 3, 5/,
    ],
    ["log retention not a number", { logRetentionDays: "ninety" }, /logRetentionDays must be a whole number/],
    [
      "missing sit token URL",
      { tokenUrl: undefined },
      /tokenUrl is missing. Set it with: pulumi config set --stack sit tokenUrl/,
    ],
    ["plain-http token URL", { tokenUrl: "http://tiaa.example/token" }, /tokenUrl must use https:\/\//],
    ["token URL not a URL", { tokenUrl: "tiaa token" }, /tokenUrl is not a URL/],
    [
      "bad schedule",
      { tokenSchedule: "every hour" },
      /tokenSchedule is "every hour"; use rate\(55 minutes\)/,
    ],
    [
      "schedule slower than token lifetime",
      { tokenSchedule: "rate(2 hours)" },
      /refreshes every 120 minutes but tokens live 60 minutes/,
    ],
    [
      "timeout out of range",
      { tokenRequestTimeoutMs: "10" },
      /tokenRequestTimeoutMs is 10; it must be between 500 and 120000/,
    ],
    ["retries out of range", { tokenRetries: "9" }, /tokenRetries is 9; it must be between 0 and 5/],
    [
      "auth role not a role ARN",
      { tokenAuthRoleArn: "token-role" },
      /tokenAuthRoleArn is "token-role", which is not an IAM role ARN/,
    ],
    [
      "unknown credential source",
      { credentialSource: "vault" },
      /credentialSource is "vault"; it must be one of: csm-lambda, secret/,
    ],
    [
      "CSM without a Lambda",
      { csmLambdaName: undefined },
      /csmLambdaName is missing. It is required when credentialSource is csm-lambda/,
    ],
    ["CSM without a safe", { csmSafe: "" }, /csmSafe is missing/],
    ["CSM without an object", { csmObject: "" }, /csmObject is missing/],
    ["CSM payload not JSON", { csmPayloadTemplate: "{safe}" }, /csmPayloadTemplate is not valid JSON/],
    [
      "CSM field path",
      { csmUsernameField: "data..user" },
      /csmUsernameField is "data..user"; write dot paths separated by commas/,
    ],
    [
      "secret credentials without ARN",
      { credentialSource: "secret" },
      /credentialSecretArn is missing. It is required when credentialSource is secret/,
    ],
    [
      "secret credentials with a bad ARN",
      { credentialSource: "secret", credentialSecretArn: "my-secret" },
      /credentialSecretArn is "my-secret", which is not a Secrets Manager secret ARN/,
    ],
    [
      "unknown certificate source",
      { certificateSource: "disk" },
      /certificateSource is "disk"; it must be one of: acm, secret, file/,
    ],
    [
      "ACM without ARN",
      { certificateArn: "" },
      /certificateArn is missing. It is required when certificateSource is acm/,
    ],
    [
      "ACM with a bad ARN",
      { certificateArn: "arn:aws:iam::1:cert" },
      /certificateArn is "arn:aws:iam::1:cert", which is not an ACM certificate ARN/,
    ],
    ["secret certificate without ARN", { certificateSource: "secret" }, /certificateSecretArn is missing/],
    [
      "file certificate without path",
      { certificateSource: "file" },
      /certificatePath is missing. It is required when certificateSource is file/,
    ],
    [
      "missing Salesforce URL",
      { salesforceInstanceUrl: undefined },
      /salesforceInstanceUrl is missing. Set it with `pulumi config set --stack sit salesforceInstanceUrl/,
    ],
    [
      "Salesforce API version",
      { salesforceApiVersion: "60" },
      /salesforceApiVersion is "60"; write it as Salesforce does, e.g. v60.0/,
    ],
    ["alarm e-mail", { alarmEmail: "oncall" }, /alarmEmail is "oncall", which is not an e-mail address/],
    [
      "audit retention",
      { auditRetentionDays: "0" },
      /auditRetentionDays is 0; it must be between 1 and 36500/,
    ],
    ["SLA", { slaSeconds: "-5" }, /slaSeconds is -5/],
    ["pipelines empty", { pipelines: "[]" }, /pipelines must be a non-empty list/],
    ["pipelines not YAML", { pipelines: "{not json" }, /pipelines is not valid structured config/],
    [
      "pipeline with shards and on-demand",
      { pipelines: '[{"name":"cta","label":"x","source":"s3","shardCount":2,"onDemand":true}]' },
      /pipelines\[0\] must set exactly one of shardCount \(provisioned\) or onDemand: true/,
    ],
    [
      "pipeline with neither",
      { pipelines: '[{"name":"cta","label":"x","source":"s3"}]' },
      /must set exactly one of shardCount/,
    ],
    [
      "pipeline name",
      { pipelines: '[{"name":"CTA!","label":"x","source":"s3","shardCount":1}]' },
      /pipelines\[0\].name is "CTA!"; use 1-20 lower-case/,
    ],
    [
      "pipeline source",
      { pipelines: '[{"name":"cta","label":"x","source":"ftp","shardCount":1}]' },
      /pipelines\[0\].source is "ftp"; it must be s3 or glue/,
    ],
    [
      "pipeline shard count",
      { pipelines: '[{"name":"cta","label":"x","source":"s3","shardCount":0}]' },
      /pipelines\[0\].shardCount must be a whole number between 1 and 500/,
    ],
    [
      "pipeline without label",
      { pipelines: '[{"name":"cta","source":"s3","shardCount":1}]' },
      /pipelines\[0\].label is missing/,
    ],
    [
      "duplicate pipelines",
      {
        pipelines:
          '[{"name":"cta","label":"a","source":"s3","shardCount":1},{"name":"cta","label":"b","source":"s3","shardCount":1}]',
      },
      /pipelines has "cta" twice/,
    ],
    [
      "Glue job for an unknown pipeline",
      { glueJobs: '[{"name":"et","pipeline":"zz","icebergTable":"db.t","schedule":"rate(1 day)"}]' },
      /glueJobs\[0\].pipeline is "zz", but no pipeline has that name \(have: cta, tt\)/,
    ],
    [
      "Glue job table",
      { glueJobs: '[{"name":"et","pipeline":"tt","icebergTable":"events","schedule":"rate(1 day)"}]' },
      /icebergTable is "events"; write it as database.table/,
    ],
    ["external not a map", { external: '["x"]' }, /external must be a map with lambdaFunctions/],
    [
      "external list of non-strings",
      { external: '{"lambdaFunctions":[1]}' },
      /external.lambdaFunctions must be a list of names/,
    ],
  ])("%s", (_title, changes, message) => {
    const problems = problemsOf(changes);
    expect(
      problems.some((p) => message.test(p)),
      `problems were:\n${problems.join("\n")}`,
    ).toBe(true);
  });

  it("lists every problem at once rather than stopping at the first", () => {
    const problems = problemsOf({ env: "dev", tokenUrl: undefined, salesforceInstanceUrl: "http://x" });
    expect(problems).toHaveLength(3);
  });

  it("fails as ConfigError whose message lists the problems", () => {
    expect(() => configFromMap("sit", sitWith({ env: "dev" }))).toThrow(
      /Invalid stack configuration:\n {2}- kyc-platform:env is "dev"/,
    );
  });
});

describe("Pulumi.yaml declares every key the program reads", () => {
  it("every key read by validation is declared, scalars with type and description", () => {
    const read = new Set<string>();
    const values = Object.fromEntries(
      Object.entries(pulumiConfigForStack("sit"))
        .filter(([k]) => k.startsWith(`${PROJECT_NAME}:`))
        .map(([k, v]) => [k.slice(PROJECT_NAME.length + 1), v]),
    );
    // Read every branch: credentials from CSM and from a secret, each certificate source.
    for (const extra of [
      {},
      { credentialSource: "secret" },
      { certificateSource: "secret" },
      { certificateSource: "file" },
    ]) {
      const tracked = new Proxy(
        { ...values, ...extra },
        { get: (target, key: string) => (read.add(key), target[key as keyof typeof target]) },
      );
      try {
        validateConfig({ stack: "sit", region: "eu-west-1", values: tracked });
      } catch {
        // missing branch-specific values are expected here; only which keys were read matters
      }
    }
    const declarations = projectConfigDeclarations();
    const undeclared = [...read].filter((key) => !(key in declarations));
    expect(undeclared).toEqual([]);
    for (const [key, declaration] of Object.entries(declarations)) {
      if (declaration.value !== undefined) continue; // structured: documented in a comment
      expect(["string", "integer", "boolean", "array"], key).toContain(declaration.type);
      expect(declaration.description?.length ?? 0, key).toBeGreaterThan(10);
    }
  });

  it("the stack files are sit, prod and the legacy London stack", () => {
    expect(stackNames()).toEqual(["prod", "sit", "sit-london"]);
  });
});
