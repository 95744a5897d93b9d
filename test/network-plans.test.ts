/**
 * Issue #20: plans of the sit stack in each network mode, under the offline plan's mocks, and the
 * proof that `network` unset leaves sit's plan exactly as it was before the change.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkResources, formatViolation, plannedResources } from "../policy/check-plan.js";
import { ConfigError } from "../stacks/config-reader.js";
import { type OfflinePlan, planStack } from "../stacks/offline/plan.js";
import { PROJECT_DIR } from "../stacks/stack-files.js";
import { planDigest, type ResourceDigest } from "./support/plan-digest.js";

const EXISTING = {
  mode: "existing",
  vpcId: "vpc-0a1b2c3d4e5f60718",
  subnets: [
    { id: "subnet-0aaa1111bbbb2222c", availabilityZone: "eu-west-1a" },
    { id: "subnet-0ddd3333eeee4444f", availabilityZone: "eu-west-1b" },
  ],
  securityGroupIds: ["sg-0123456789abcdef0"],
};

const withNetwork = (network: unknown) => planStack("sit", { network: JSON.stringify(network) });
const ofType = (plan: OfflinePlan, type: string) => plan.resources.filter((r) => r.type === type);
const functions = (plan: OfflinePlan) => ofType(plan, "aws:lambda/function:Function");
const policyOf = (
  plan: OfflinePlan,
  logicalName: string,
): { Statement: { Sid?: string; Action: unknown }[] } =>
  JSON.parse(plan.resources.find((r) => r.name === logicalName)!.inputs.policy as string);
const ec2Actions = (plan: OfflinePlan): string[] =>
  ofType(plan, "aws:iam/rolePolicy:RolePolicy").flatMap((p) =>
    (JSON.parse(p.inputs.policy as string).Statement as { Action: string | string[] }[])
      .flatMap((s) => [s.Action].flat())
      .filter((a) => a.startsWith("ec2:")),
  );

const EGRESS_FUNCTIONS = ["token-manager-function", "cta-pipeline-case-creator-function"];

describe("network unset (sit as committed)", () => {
  let sit: OfflinePlan;
  beforeAll(async () => {
    sit = await planStack("sit");
  });

  it("plans exactly the resources and inputs it planned before issue #20", () => {
    // Digest taken from main just before the network work merged (406de2f, with the Composite batch of
    // 1,000 and the config schema; identical to the merged plan), then retaken when the audit processor
    // gained dynamodb:BatchGetItem (its role policy is the only resource that changed); see
    // test/support/plan-digest.ts. An intended change to sit's plan retakes it the same way.
    const before = JSON.parse(
      readFileSync(join(PROJECT_DIR, "test/fixtures/sit-plan-digest.json"), "utf8"),
    ) as ResourceDigest[];
    const now = planDigest(sit);
    const key = (r: ResourceDigest) => `${r.type}::${r.name}`;
    const changed = now.filter((r) => {
      const old = before.find((b) => key(b) === key(r));
      return !old || JSON.stringify(old) !== JSON.stringify(r);
    });
    expect(changed.map(key)).toEqual([]);
    expect(now.map(key)).toEqual(before.map(key));
  });

  it("has no network resources, no vpcConfig and no EC2 rights", () => {
    expect(sit.config.network).toEqual({ mode: "none" });
    expect(sit.resources.filter((r) => /ec2|awsx|glue\/connection/.test(r.type))).toEqual([]);
    expect(functions(sit).filter((f) => f.inputs.vpcConfig !== undefined)).toEqual([]);
    expect(ec2Actions(sit)).toEqual([]);
  });
});

describe("network create with egress", () => {
  let plan: OfflinePlan;
  beforeAll(async () => {
    plan = await withNetwork({ mode: "create" });
  });

  it("builds a two-zone awsx VPC with one NAT gateway and the S3/DynamoDB gateway endpoints", () => {
    const [vpc] = ofType(plan, "awsx:ec2:Vpc");
    expect(ofType(plan, "awsx:ec2:Vpc")).toHaveLength(1);
    expect(vpc!.inputs).toMatchObject({
      cidrBlock: "10.42.0.0/16",
      availabilityZoneNames: ["eu-west-1a", "eu-west-1b"],
      natGateways: { strategy: "Single" },
      subnetStrategy: "Auto",
      subnetSpecs: [
        { type: "Private", cidrMask: 18 },
        { type: "Public", cidrMask: 22 },
      ],
      enableDnsHostnames: true,
      enableDnsSupport: true,
      vpcEndpointStrategy: "Auto",
    });
    expect(vpc!.inputs.vpcEndpointSpecs).toEqual([
      { serviceName: "com.amazonaws.eu-west-1.s3", vpcEndpointType: "Gateway" },
      { serviceName: "com.amazonaws.eu-west-1.dynamodb", vpcEndpointType: "Gateway" },
    ]);
  });

  it("creates the seven interface endpoints (+ Glue, the stack has a Glue job) with private DNS", () => {
    const endpoints = ofType(plan, "aws:ec2/vpcEndpoint:VpcEndpoint");
    expect(endpoints.map((e) => e.inputs.serviceName.split(".").pop()).sort()).toEqual(
      ["glue", "kinesis-streams", "kms", "logs", "monitoring", "secretsmanager", "sqs", "sts"].sort(),
    );
    for (const endpoint of endpoints) {
      expect(endpoint.inputs).toMatchObject({ vpcEndpointType: "Interface", privateDnsEnabled: true });
      expect(endpoint.inputs.subnetIds).toHaveLength(2);
    }
  });

  it("writes only the characters EC2 accepts in security group and rule descriptions", () => {
    // CreateSecurityGroup / AuthorizeSecurityGroup*: a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*
    const allowed = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;
    const groups = ofType(plan, "aws:ec2/securityGroup:SecurityGroup");
    const descriptions = groups.flatMap((g) => [
      g.inputs.description as string,
      ...[...(g.inputs.ingress ?? []), ...(g.inputs.egress ?? [])].map(
        (r: { description: string }) => r.description,
      ),
    ]);
    expect(descriptions.length).toBeGreaterThan(groups.length);
    expect(descriptions.filter((d) => !allowed.test(d))).toEqual([]);
  });

  it("every placed function waits for the VPC and each interface endpoint (the first refresh runs during pulumi up)", () => {
    const endpoints = ofType(plan, "aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => `${e.type}::${e.name}`);
    expect(endpoints).toHaveLength(8);
    for (const fn of functions(plan)) {
      expect(fn.dependsOn).toEqual(expect.arrayContaining(["awsx:ec2:Vpc::network-vpc", ...endpoints]));
    }
  });

  it("places every function, with the functions' security group and the private subnets", () => {
    const placed = functions(plan);
    expect(placed).toHaveLength(5);
    for (const fn of placed) {
      expect(fn.inputs.vpcConfig.subnetIds).toHaveLength(2);
      expect(fn.inputs.vpcConfig.securityGroupIds).toEqual([sgIdOf(plan, "network-functions-sg")]);
    }
  });

  it("lets no security group take inbound traffic from an address range; functions take none at all", () => {
    const groups = ofType(plan, "aws:ec2/securityGroup:SecurityGroup");
    expect(groups.map((g) => g.name).sort()).toEqual([
      "network-endpoints-sg",
      "network-functions-sg",
      "network-glue-sg",
    ]);
    for (const group of groups) {
      for (const rule of group.inputs.ingress ?? []) {
        expect(rule.cidrBlocks ?? [], group.name).toEqual([]);
        expect(rule.ipv6CidrBlocks ?? [], group.name).toEqual([]);
      }
    }
    expect(groups.find((g) => g.name === "network-functions-sg")!.inputs.ingress ?? []).toEqual([]);
    // Endpoints: HTTPS from the platform's own groups only. Glue: from itself only (Spark).
    const endpointsIngress = groups.find((g) => g.name === "network-endpoints-sg")!.inputs.ingress;
    expect(endpointsIngress).toEqual([
      expect.objectContaining({
        fromPort: 443,
        toPort: 443,
        protocol: "tcp",
        securityGroups: [sgIdOf(plan, "network-functions-sg"), sgIdOf(plan, "network-glue-sg")],
      }),
    ]);
    const glueIngress = groups.find((g) => g.name === "network-glue-sg")!.inputs.ingress;
    expect(glueIngress).toEqual([expect.objectContaining({ self: true, fromPort: 0, toPort: 65535 })]);
  });

  it("gives each placed function's role the ENI rights, creation scoped to the subnets and group", () => {
    const statements = policyOf(plan, "audit-processor-policy").Statement;
    const create = statements.find((s) => s.Sid === "LambdaVpcCreateInterfaces") as unknown as {
      Resource: string[];
    };
    expect(create.Resource).toEqual([
      "arn:aws:ec2:eu-west-1:123456789012:network-interface/*",
      ...plan.resources
        .find((r) => r.name === "audit-processor-function")!
        .inputs.vpcConfig.subnetIds.map((id: string) => `arn:aws:ec2:eu-west-1:*:subnet/${id}`),
      `arn:aws:ec2:eu-west-1:*:security-group/${sgIdOf(plan, "network-functions-sg")}`,
    ]);
    expect(statements.map((s) => s.Sid)).toEqual(
      expect.arrayContaining(["LambdaVpcDescribe", "LambdaVpcCreateInterfaces", "LambdaVpcManageInterfaces"]),
    );
  });

  it("runs the Glue job through a NETWORK connection in the first subnet and zone", () => {
    const [connection] = ofType(plan, "aws:glue/connection:Connection");
    expect(connection!.inputs).toMatchObject({
      connectionType: "NETWORK",
      name: "bbkyc-et-event-producer-glue-network-sit",
      physicalConnectionRequirements: {
        availabilityZone: "eu-west-1a",
        securityGroupIdLists: [sgIdOf(plan, "network-glue-sg")],
      },
    });
    expect(ofType(plan, "aws:glue/job:Job")[0]!.inputs.connections).toEqual([connection!.inputs.name]);
    const sids = policyOf(plan, "et-event-producer-glue-policy").Statement.map((s) => s.Sid);
    expect(sids).toEqual(expect.arrayContaining(["GlueVpcCreateInterfaces", "ReadOwnConnection"]));
  });

  it("passes the policy pack", () => {
    expect(checkResources(plannedResources(plan.resources)).map(formatViolation)).toEqual([]);
  });
});

describe("network create without egress", () => {
  let plan: OfflinePlan;
  beforeAll(async () => {
    plan = await withNetwork({ mode: "create", egress: false });
  });

  it("has isolated subnets and no NAT gateway", () => {
    expect(ofType(plan, "awsx:ec2:Vpc")[0]!.inputs).toMatchObject({
      natGateways: { strategy: "None" },
      subnetSpecs: [{ type: "Isolated", cidrMask: 18 }],
    });
    expect(ofType(plan, "aws:ec2/vpcEndpoint:VpcEndpoint")).toHaveLength(8);
  });

  it("places only the AWS-only functions; TIAA and Salesforce callers stay outside, without EC2 rights", () => {
    const placed = functions(plan).filter((f) => f.inputs.vpcConfig !== undefined);
    expect(placed.map((f) => f.name).sort()).toEqual([
      "audit-processor-function",
      "cta-pipeline-discard-auditor-function",
      "cta-pipeline-producer-function",
    ]);
    for (const name of ["token-manager-policy", "cta-pipeline-case-creator-policy"]) {
      expect(JSON.stringify(policyOf(plan, name))).not.toContain("ec2:");
    }
    expect(functions(plan).filter((f) => EGRESS_FUNCTIONS.includes(f.name) && f.inputs.vpcConfig)).toEqual(
      [],
    );
  });
});

describe("network existing", () => {
  let plan: OfflinePlan;
  beforeAll(async () => {
    plan = await withNetwork(EXISTING);
  });

  it("creates no VPC, subnet, security group or endpoint: it only uses the given ids", () => {
    expect(plan.resources.filter((r) => /awsx|aws:ec2\//.test(r.type))).toEqual([]);
    for (const fn of functions(plan)) {
      expect(fn.inputs.vpcConfig).toEqual({
        subnetIds: EXISTING.subnets.map((s) => s.id),
        securityGroupIds: EXISTING.securityGroupIds,
      });
    }
    expect(ofType(plan, "aws:glue/connection:Connection")[0]!.inputs.physicalConnectionRequirements).toEqual({
      subnetId: "subnet-0aaa1111bbbb2222c",
      availabilityZone: "eu-west-1a",
      securityGroupIdLists: ["sg-0123456789abcdef0"],
    });
  });

  it("looks each endpoint up by service and type, so an S3 interface endpoint beside the gateway is no ambiguity", () => {
    // The plan's mocks refuse an S3 look-up without a type, as AWS answers two endpoints for it.
    expect(functions(plan)).toHaveLength(5);
  });

  it("adds the Lake Formation endpoint when a Glue job reads its table through Lake Formation", async () => {
    const glueJobs = JSON.stringify([
      {
        name: "et-event-producer",
        pipeline: "tt",
        icebergTable: "kyc_db.et_events",
        schedule: "cron(0 2 * * ? *)",
        tableAccess: "lake-formation",
      },
    ]);
    const created = await planStack("sit", { network: JSON.stringify({ mode: "create" }), glueJobs });
    const services = ofType(created, "aws:ec2/vpcEndpoint:VpcEndpoint").map((e) =>
      e.inputs.serviceName.split(".").pop(),
    );
    expect(services).toContain("lakeformation");
    expect(services).toHaveLength(9);
  });

  it("rejects one subnet and an unknown mode with the key and the fix, before declaring anything", async () => {
    await expect(withNetwork({ ...EXISTING, subnets: EXISTING.subnets.slice(0, 1) })).rejects.toThrow(
      /kyc-platform:network\.subnets has 1 subnet; give at least two in distinct availability zones/,
    );
    await expect(withNetwork({ mode: "private" })).rejects.toThrow(ConfigError);
    await expect(withNetwork({ mode: "private" })).rejects.toThrow(
      /kyc-platform:network\.mode must be one of: none, existing, create/,
    );
  });
});

function sgIdOf(plan: OfflinePlan, logicalName: string): string {
  return plan.resources.find((r) => r.name === logicalName)!.id!;
}
