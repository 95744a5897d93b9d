/**
 * The stack's network (issue #20): in `create` mode a small VPC (awsx) with private subnets in two
 * zones, one NAT gateway or none, interface endpoints with private DNS, S3/DynamoDB gateway endpoints
 * and the security groups; in `existing` mode nothing is created: the bank's subnets and security
 * groups are used as given and its endpoints are looked up (a missing one fails `pulumi preview`).
 *
 * @example
 * const network = new Network("network", { naming, config: { mode: "create", cidrBlock: "10.42.0.0/16",
 *   availabilityZones: ["eu-west-1a", "eu-west-1b"], egress: true }, glue: true }, opts);
 * createBundledFunction("fn", { ...args, placement: network.placementFor("aws-only") }, parent);
 */
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import type { GlueNetworkPlacement } from "./glue-job-connection.js";
import type { FunctionNetwork, FunctionPlacement } from "./lambda-function.js";
import type { Naming } from "./naming.js";
import { glueVpcAccessStatements, lambdaVpcAccessStatements, type VpcScope } from "./network-access.js";
import {
  GATEWAY_ENDPOINT_SERVICES,
  interfaceServices,
  type NetworkConfig,
  type NetworkNeed,
} from "./network-config.js";

export type PlacedNetworkConfig = Exclude<NetworkConfig, { mode: "none" }>;

export interface NetworkArgs {
  naming: Naming;
  /** `existing` or `create` (a stack with `mode: none` declares no Network). */
  config: PlacedNetworkConfig;
  /**
   * Whether the stack has Glue jobs: `create` mode then adds the Glue interface endpoint (the job
   * reads its Iceberg table through the Data Catalog API) and the Glue security group.
   * @default `false`
   */
  glue?: boolean;
  /** Whether a Glue job reads its table through Lake Formation: adds its endpoint. @default `false` */
  lakeFormation?: boolean;
}

/** HTTPS: every AWS API and both external services (TIAA, Salesforce) are reached on 443. */
const HTTPS = { protocol: "tcp", fromPort: 443, toPort: 443 } as const;
const ANYWHERE = ["0.0.0.0/0"];
/**
 * Lambda releases a deleted function's network interfaces on its own schedule (up to tens of
 * minutes), and a security group in use cannot be deleted: give its deletion that long.
 */
const ENI_RELEASE = { delete: "45m" };

export class Network extends pulumi.ComponentResource implements FunctionNetwork {
  public readonly mode: PlacedNetworkConfig["mode"];
  public readonly vpcId: pulumi.Output<string>;
  public readonly subnetIds: pulumi.Output<string[]>;
  /** Security groups of the VPC-placed functions. */
  public readonly securityGroupIds: pulumi.Output<string[]>;
  /** Whether placed functions can reach the internet (NAT or the bank's proxies). */
  public readonly egress: boolean;
  /** Interface and gateway endpoint ids, by service suffix (created or looked up). */
  public readonly endpointIds: Record<string, pulumi.Output<string>> = {};
  public readonly glue: GlueNetworkPlacement;

  private readonly lambdaStatements: ReturnType<typeof lambdaVpcAccessStatements>;
  /** Created mode: the VPC with its NAT gateways and routes, and the interface endpoints. */
  private readonly ready: pulumi.Resource[] = [];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kyc:platform:Network", name, {}, opts);
    const { config, naming } = args;
    this.mode = config.mode;
    this.egress = config.egress;
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;

    let glueSecurityGroupIds: pulumi.Output<string[]>;
    let zones: string[];
    if (config.mode === "create") {
      const vpc = this.createVpc(name, naming, config);
      this.vpcId = vpc.vpcId;
      this.subnetIds = config.egress ? vpc.privateSubnetIds : vpc.isolatedSubnetIds;
      const groups = this.createSecurityGroups(name, naming, args.glue ?? false);
      this.securityGroupIds = pulumi.output([groups.functions.id]);
      glueSecurityGroupIds = pulumi.output(groups.glue ? [groups.glue.id] : []);
      const services = interfaceServices(args.glue ?? false, args.lakeFormation ?? false);
      const endpoints = this.createInterfaceEndpoints(name, naming, services, groups.endpoints);
      // The subnet ids already wait for all of awsx's children (NAT, routes: a remote component's
      // outputs resolve when its construct has finished); the endpoints are this component's own.
      this.ready = [vpc, ...endpoints];
      zones = [...config.availabilityZones];
    } else {
      this.vpcId = pulumi.output(config.vpcId);
      this.subnetIds = pulumi.output(config.subnets.map((s) => s.id));
      this.securityGroupIds = pulumi.output(config.securityGroupIds);
      glueSecurityGroupIds = this.securityGroupIds;
      this.lookUpEndpoints(
        naming,
        config.vpcId,
        interfaceServices(args.glue ?? false, args.lakeFormation ?? false),
      );
      zones = config.subnets.map((s) => s.availabilityZone);
    }

    const scope = (groups: pulumi.Input<string[]>): VpcScope => ({
      region: naming.region,
      account,
      partition,
      subnetIds: this.subnetIds,
      securityGroupIds: groups,
    });
    this.lambdaStatements = lambdaVpcAccessStatements(scope(this.securityGroupIds));
    this.glue = {
      // Glue runs a job in one subnet; its zone must be the subnet's.
      subnetId: this.subnetIds.apply((ids) => ids[0]!),
      availabilityZone: zones[0]!,
      securityGroupIds: glueSecurityGroupIds,
      statements: glueVpcAccessStatements(scope(glueSecurityGroupIds)),
    };

    this.registerOutputs({
      vpcId: this.vpcId,
      subnetIds: this.subnetIds,
      securityGroupIds: this.securityGroupIds,
      endpointIds: this.endpointIds,
    });
  }

  /**
   * The placement rule: AWS-only functions always run in the VPC; functions that call TIAA or
   * Salesforce run in it only when it has egress, and otherwise stay outside (inside, without a
   * route to the internet, they could not work at all).
   */
  placementFor(need: NetworkNeed): FunctionPlacement | undefined {
    if (need === "egress" && !this.egress) return undefined;
    return {
      subnetIds: this.subnetIds,
      securityGroupIds: this.securityGroupIds,
      statements: this.lambdaStatements,
      readyWhen: this.ready,
    };
  }

  /**
   * awsx builds the subnets, route tables, NAT and gateway endpoints. It is a remote component: under
   * the offline plan's mocks its children are not declared, so every choice is an explicit input.
   */
  private createVpc(
    name: string,
    naming: Naming,
    config: Extract<NetworkConfig, { mode: "create" }>,
  ): awsx.ec2.Vpc {
    const prefix = Number(config.cidrBlock.split("/")[1]);
    const subnetSpecs: awsx.types.input.ec2.SubnetSpecArgs[] = config.egress
      ? [
          // Private subnets take a quarter of the VPC per zone; the NAT's public subnets stay small.
          { type: awsx.ec2.SubnetType.Private, cidrMask: prefix + 2 },
          { type: awsx.ec2.SubnetType.Public, cidrMask: Math.min(prefix + 6, 28) },
        ]
      : // No egress: isolated subnets (no internet gateway, no NAT, no route out of the VPC).
        [{ type: awsx.ec2.SubnetType.Isolated, cidrMask: prefix + 2 }];
    return new awsx.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: config.cidrBlock,
        availabilityZoneNames: [...config.availabilityZones],
        subnetStrategy: awsx.ec2.SubnetAllocationStrategy.Auto,
        subnetSpecs,
        natGateways: {
          strategy: config.egress ? awsx.ec2.NatGatewayStrategy.Single : awsx.ec2.NatGatewayStrategy.None,
        },
        // Private DNS of interface endpoints needs both (VPC user guide, "DNS attributes for your VPC").
        enableDnsHostnames: true,
        enableDnsSupport: true,
        // Gateway endpoints are free and go on the VPC's route tables, which awsx fills in (Auto).
        vpcEndpointStrategy: awsx.ec2.VpcEndpointStrategy.Auto,
        vpcEndpointSpecs: GATEWAY_ENDPOINT_SERVICES.map((service) => ({
          serviceName: `com.amazonaws.${naming.region}.${service}`,
          vpcEndpointType: "Gateway",
        })),
        tags: { Name: naming.physicalName("vpc", "vpc") },
      },
      { parent: this },
    );
  }

  /**
   * Functions: no inbound at all, HTTPS out. Endpoints: HTTPS in from the functions (and Glue) only,
   * nothing out. Glue: all TCP from itself (Spark driver ↔ executors, as Glue requires of a
   * connection's group), all TCP to itself and HTTPS out.
   */
  private createSecurityGroups(name: string, naming: Naming, glue: boolean) {
    const vpcId = this.vpcId;
    const functions = new aws.ec2.SecurityGroup(
      `${name}-functions-sg`,
      {
        name: naming.physicalName("security-group", "functions"),
        description: "KYC platform functions: no inbound, HTTPS out",
        vpcId,
        ingress: [],
        egress: [{ ...HTTPS, cidrBlocks: ANYWHERE, description: "AWS endpoints, TIAA, Salesforce" }],
      },
      { parent: this, customTimeouts: ENI_RELEASE },
    );
    const glueGroup = glue
      ? new aws.ec2.SecurityGroup(
          `${name}-glue-sg`,
          {
            name: naming.physicalName("security-group", "glue"),
            description: "KYC platform Glue jobs: Spark traffic within the group, HTTPS out",
            vpcId,
            ingress: [
              {
                protocol: "tcp",
                fromPort: 0,
                toPort: 65535,
                self: true,
                description: "Glue: from itself only",
              },
            ],
            egress: [
              { protocol: "tcp", fromPort: 0, toPort: 65535, self: true, description: "Glue: to itself" },
              { ...HTTPS, cidrBlocks: ANYWHERE, description: "AWS endpoints and S3" },
            ],
          },
          { parent: this, customTimeouts: ENI_RELEASE },
        )
      : undefined;
    const endpoints = new aws.ec2.SecurityGroup(
      `${name}-endpoints-sg`,
      {
        name: naming.physicalName("security-group", "endpoints"),
        description: "KYC platform interface endpoints: HTTPS from the platform groups only",
        vpcId,
        ingress: [
          {
            ...HTTPS,
            securityGroups: [functions.id, ...(glueGroup ? [glueGroup.id] : [])],
            description: "HTTPS from functions and Glue",
          },
        ],
        egress: [],
      },
      { parent: this },
    );
    return { functions, glue: glueGroup, endpoints };
  }

  private createInterfaceEndpoints(
    name: string,
    naming: Naming,
    services: string[],
    group: aws.ec2.SecurityGroup,
  ): aws.ec2.VpcEndpoint[] {
    return services.map((service) => {
      const endpoint = new aws.ec2.VpcEndpoint(
        `${name}-endpoint-${service}`,
        {
          vpcId: this.vpcId,
          serviceName: `com.amazonaws.${naming.region}.${service}`,
          vpcEndpointType: "Interface",
          // Handlers keep the SDK's default endpoint names; private DNS resolves them to these.
          privateDnsEnabled: true,
          subnetIds: this.subnetIds,
          securityGroupIds: [group.id],
        },
        { parent: this },
      );
      this.endpointIds[service] = endpoint.id;
      return endpoint;
    });
  }

  /** Existing mode references the bank's endpoints: a missing or unavailable one fails the preview. */
  private lookUpEndpoints(naming: Naming, vpcId: string, interfaces: string[]): void {
    // The type is part of the filter: a VPC often has both an S3 gateway and an S3 interface endpoint,
    // and the look-up must match exactly one.
    const wanted = [
      ...interfaces.map((service) => ({ service, type: "Interface" })),
      ...GATEWAY_ENDPOINT_SERVICES.map((service) => ({ service, type: "Gateway" })),
    ];
    for (const { service, type } of wanted) {
      this.endpointIds[service] = aws.ec2
        .getVpcEndpointOutput(
          {
            vpcId,
            serviceName: `com.amazonaws.${naming.region}.${service}`,
            vpcEndpointType: type,
            state: "available",
          },
          { parent: this },
        )
        .apply((endpoint) => endpoint.id);
    }
  }
}
