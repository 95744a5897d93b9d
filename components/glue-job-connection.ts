/**
 * The Glue job's NETWORK connection (issue #20): when the stack is in a VPC, the job runs in one of
 * its subnets with the network's Glue security group(s) and reaches AWS through the VPC endpoints.
 *
 * AWS Glue, "Setting up network access to data stores": a job that runs in a VPC subnet gets elastic
 * network interfaces with private IPs only, the connection's security groups are applied to them,
 * "to access Amazon S3 from within your VPC, a VPC endpoint is required", and a job that needs the
 * internet needs a NAT gateway. Glue requires a security group with a self-referencing inbound rule
 * for all TCP (Spark driver and executors talk to each other). The connection's availability zone
 * must be its subnet's. https://docs.aws.amazon.com/glue/latest/dg/start-connecting.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "./iam.js";
import type { Naming } from "./naming.js";

/** What a Glue job needs for its NETWORK connection (one subnet, its zone, the security groups). */
export interface GlueNetworkPlacement {
  subnetId: pulumi.Input<string>;
  /** The subnet's availability zone, e.g. `eu-west-1a`. */
  availabilityZone: string;
  /** Must include a group with the self-referencing all-TCP inbound rule Glue requires. */
  securityGroupIds: pulumi.Input<string[]>;
  /** The EC2 (ENI) rights of the job role for this placement. */
  statements: pulumi.Input<PolicyStatement>[];
}

/** `<prefix>-<job>-glue-network-<env>`: made here so the connection and the role's grant agree. */
export function glueConnectionName(naming: Naming, jobConfigName: string): string {
  return naming.physicalName("glue-connection", `${jobConfigName}-glue-network`);
}

interface ConnectionArgs {
  naming: Naming;
  job: { name: string };
  network?: GlueNetworkPlacement;
}

/** The job's NETWORK connection, or none when the stack is not in a VPC. */
export function createGlueConnection(
  name: string,
  args: ConnectionArgs,
  parent: pulumi.Resource,
): aws.glue.Connection | undefined {
  if (!args.network) return undefined;
  return new aws.glue.Connection(
    `${name}-connection`,
    {
      name: glueConnectionName(args.naming, args.job.name),
      description: `Runs the ${args.job.name} Glue job in the stack's VPC subnets`,
      connectionType: "NETWORK",
      physicalConnectionRequirements: {
        subnetId: args.network.subnetId,
        availabilityZone: args.network.availabilityZone,
        securityGroupIdLists: args.network.securityGroupIds,
      },
    },
    { parent },
  );
}

/** The job role's rights for the connection: the network's ENI rights and reading the connection. */
export function glueNetworkStatements(
  args: ConnectionArgs,
  context: { account: pulumi.Input<string>; partition: pulumi.Input<string> },
): pulumi.Input<PolicyStatement>[] {
  if (!args.network) return [];
  const arn = (resource: string) =>
    pulumi.interpolate`arn:${context.partition}:glue:${args.naming.region}:${context.account}:${resource}`;
  return [
    ...args.network.statements,
    {
      // The job reads its connection when a run starts.
      Sid: "ReadOwnConnection",
      Effect: "Allow",
      Action: "glue:GetConnection",
      Resource: [arn("catalog"), arn(`connection/${glueConnectionName(args.naming, args.job.name)}`)],
    },
  ];
}
