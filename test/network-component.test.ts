/**
 * Issue #20 unit tests: the `network` key's validation (each message names the key and the fix), the
 * Network component alone under mocks (what it creates per mode, its placement rule) and the monthly
 * cost the README quotes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { Naming } from "../components/naming.js";
import { Network, type PlacedNetworkConfig } from "../components/network.js";
import { networkMonthlyCost } from "../ops/capacity/network-cost.js";
import { ConfigError } from "../stacks/config-reader.js";
import { configFromMap } from "../stacks/read-stack-config.js";
import { PROJECT_DIR, pulumiConfigForStack } from "../stacks/stack-files.js";
import { outputOf, renderComponent } from "./support/pulumi-harness.js";

const KEY = "kyc-platform:network";
const naming = new Naming({ prefix: "bbkyc", env: "sit", region: "eu-west-1" });
const A = { id: "subnet-0aaa1111bbbb2222c", availabilityZone: "eu-west-1a" };
const B = { id: "subnet-0ddd3333eeee4444f", availabilityZone: "eu-west-1b" };
const EXISTING = {
  mode: "existing",
  vpcId: "vpc-0a1b2c3d4e5f60718",
  subnets: [A, B],
  securityGroupIds: ["sg-0123456789abcdef0"],
};

/** sit's config with `network` set (and `aws:region`), through the stack's whole config check. */
function checked(raw: unknown, region = "eu-west-1") {
  const overrides: Record<string, string> = { "aws:region": region };
  if (raw !== undefined) overrides.network = JSON.stringify(raw);
  return configFromMap("sit", pulumiConfigForStack("sit", overrides));
}

/** The network key's problems, as `validateConfig` lists them among any others. */
function problemsOf(raw: unknown, region = "eu-west-1"): string[] {
  try {
    checked(raw, region);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.filter((p) => p.startsWith(KEY));
  }
}

describe("network config validation", () => {
  it("defaults to none, and fills create's defaults from the region", () => {
    expect(problemsOf(undefined)).toEqual([]);
    expect(checked(undefined).network).toEqual({ mode: "none" });
    expect(checked({ mode: "none" }).network).toEqual({ mode: "none" });
    expect(checked({ mode: "create" }, "eu-west-2").network).toEqual({
      mode: "create",
      cidrBlock: "10.42.0.0/16",
      availabilityZones: ["eu-west-2a", "eu-west-2b"],
      egress: true,
    });
    expect(checked(EXISTING).network).toEqual({
      ...EXISTING,
      egress: true,
    });
  });

  it("refuses one subnet, or two in one zone, naming the key and the fix", () => {
    expect(problemsOf({ ...EXISTING, subnets: [A] })).toEqual([
      `${KEY}.subnets has 1 subnet; give at least two in distinct availability zones, so Lambda and Glue keep running when one zone fails.`,
    ]);
    expect(problemsOf({ ...EXISTING, subnets: [A, { ...B, availabilityZone: "eu-west-1a" }] })).toEqual([
      `${KEY}.subnets has 2 subnets in 1 availability zone (eu-west-1a); give at least two in distinct availability zones, so Lambda and Glue keep running when one zone fails.`,
    ]);
    // Reported with the other problems, even when the rest of the value is incomplete.
    expect(problemsOf({ mode: "existing", subnets: [A] })).toEqual([
      `${KEY}.vpcId is missing; give the VPC of the subnets, e.g. vpc-0a1b2c3d4e5f60718.`,
      `${KEY}.subnets has 1 subnet; give at least two in distinct availability zones, so Lambda and Glue keep running when one zone fails.`,
      `${KEY}.securityGroupIds is missing; give the security group id(s) the network team made for the functions.`,
    ]);
  });

  it("refuses an unknown mode, listing the modes", () => {
    expect(problemsOf({ mode: "private" })).toEqual([
      `${KEY}.mode must be one of: none, existing, create (none keeps functions outside any VPC).`,
    ]);
  });

  it("names the exact field of a malformed id, a missing list, an unknown field and a foreign zone", () => {
    expect(problemsOf({ ...EXISTING, subnets: [A, { ...B, id: "sub-1" }] })).toEqual([
      `${KEY}.subnets[1].id is not a subnet id (subnet-<8 or 17 hex digits>).`,
    ]);
    expect(problemsOf({ ...EXISTING, securityGroupIds: [] })).toEqual([
      `${KEY}.securityGroupIds is empty; give at least one security group id (sg-…) from the network team.`,
    ]);
    expect(problemsOf({ mode: "create", nat: 1 })).toEqual([
      `${KEY} has unknown field(s) nat; remove them (see README, Configuration reference: network).`,
    ]);
    expect(problemsOf({ mode: "create", availabilityZones: ["eu-west-2a", "eu-west-2b"] })).toEqual([
      `${KEY} names availability zone(s) eu-west-2a, eu-west-2b outside the stack's region eu-west-1; use zones of eu-west-1.`,
    ]);
  });

  it("refuses a CIDR that EC2 would: host bits set past the prefix, or a part above 255", () => {
    expect(problemsOf({ mode: "create", cidrBlock: "10.42.1.0/16" })).toEqual([
      `${KEY}.cidrBlock is not a network address: each part 0-255, no bits set past the prefix (e.g. 10.42.0.0/16).`,
    ]);
    expect(problemsOf({ mode: "create", cidrBlock: "10.300.0.0/16" })).toHaveLength(1);
    expect(problemsOf({ mode: "create", cidrBlock: "10.42.16.0/20" })).toEqual([]);
  });

  it("reaches the stack's config check with the other problems (one section in config-schema/)", () => {
    const map = pulumiConfigForStack("sit", { network: JSON.stringify({ ...EXISTING, subnets: [A] }) });
    expect(() => configFromMap("sit", map)).toThrow(ConfigError);
    expect(() => configFromMap("sit", map)).toThrow(/kyc-platform:network\.subnets has 1 subnet/);
  });
});

async function renderNetwork(config: PlacedNetworkConfig, glue = true) {
  return renderComponent("network", () => new Network("network", { naming, config, glue }), {
    outputs: (network) => [
      network.subnetIds,
      network.securityGroupIds,
      ...Object.values(network.endpointIds),
    ],
  });
}

const CREATE: PlacedNetworkConfig = {
  mode: "create",
  cidrBlock: "10.42.0.0/16",
  availabilityZones: ["eu-west-1a", "eu-west-1b"],
  egress: true,
};

describe("Network component", () => {
  it("create: one awsx VPC, 7 interface endpoints without Glue, and groups without inbound from ranges", async () => {
    const { byType, component } = await renderNetwork(CREATE, false);
    expect(byType("awsx:ec2:Vpc")).toHaveLength(1);
    expect(byType("aws:ec2/vpcEndpoint:VpcEndpoint")).toHaveLength(7);
    const groups = byType("aws:ec2/securityGroup:SecurityGroup");
    expect(groups.map((g) => g.name).sort()).toEqual(["network-endpoints-sg", "network-functions-sg"]);
    expect(groups.find((g) => g.name === "network-functions-sg")!.inputs.ingress ?? []).toEqual([]);
    expect(groups.flatMap((g) => g.inputs.ingress ?? []).flatMap((r) => r.cidrBlocks ?? [])).toEqual([]);
    expect(await outputOf(component.subnetIds)).toHaveLength(2);
  });

  it("places AWS-only functions always, egress functions only when the VPC has egress", async () => {
    const withEgress = (await renderNetwork(CREATE)).component;
    for (const need of ["egress", "aws-only"] as const) {
      const placement = withEgress.placementFor(need);
      expect(await outputOf(pulumi.output(placement?.subnetIds))).toEqual(
        await outputOf(withEgress.subnetIds),
      );
      expect(placement?.statements.length).toBeGreaterThan(0);
    }
    const isolated = (await renderNetwork({ ...CREATE, egress: false })).component;
    expect(isolated.placementFor("egress")).toBeUndefined();
    const placement = isolated.placementFor("aws-only")!;
    expect(await outputOf(isolated.subnetIds)).toEqual(await outputOf(pulumi.output(placement.subnetIds)));
  });

  it("existing: creates nothing, uses the given ids and looks up every endpoint in the given VPC", async () => {
    const { resources, component } = await renderNetwork(
      {
        mode: "existing",
        vpcId: EXISTING.vpcId,
        subnets: [A, B],
        securityGroupIds: EXISTING.securityGroupIds,
        egress: true,
      },
      true,
    );
    expect(resources.map((r) => r.type)).toEqual(["kyc:platform:Network"]);
    expect(await outputOf(component.subnetIds)).toEqual([A.id, B.id]);
    expect(await outputOf(component.securityGroupIds)).toEqual(EXISTING.securityGroupIds);
    expect(Object.keys(component.endpointIds).sort()).toEqual([
      "dynamodb",
      "glue",
      "kinesis-streams",
      "kms",
      "logs",
      "monitoring",
      "s3",
      "secretsmanager",
      "sqs",
      "sts",
    ]);
    expect(component.glue.availabilityZone).toBe("eu-west-1a");
  });
});

describe("network cost", () => {
  it("is what the README quotes", () => {
    const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
    const cost = (egress: boolean, glue: boolean) => networkMonthlyCost({ ...CREATE, egress }, glue).totalUsd;
    expect([cost(true, true), cost(true, false), cost(false, true)]).toEqual([151.2, 136.8, 115.2]);
    for (const total of ["$151.20", "$136.80", "$115.20"]) expect(readme).toContain(`**${total}**`);
    expect(networkMonthlyCost(EXISTING as PlacedNetworkConfig, true).totalUsd).toBe(0);
  });
});
