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

export interface GlueConnectionContext {
  naming: Naming;
  /** The job's config name (`et-event-producer`): the connection is `<prefix>-<name>-glue-network-<env>`. */
  jobConfigName: string;
  /** The job's physical name. */
  jobName: string;
  account: pulumi.Input<string>;
  partition: pulumi.Input<string>;
}

export function createGlueConnection(
  name: string,
  placement: GlueNetworkPlacement,
  context: GlueConnectionContext,
  parent: pulumi.Resource,
): { connection: aws.glue.Connection; statements: pulumi.Input<PolicyStatement>[] } {
  const connectionName = context.naming.physicalName(
    "glue-connection",
    `${context.jobConfigName}-glue-network`,
  );
  const connection = new aws.glue.Connection(
    `${name}-connection`,
    {
      name: connectionName,
      description: `Runs ${context.jobName} in the stack's VPC subnets`,
      connectionType: "NETWORK",
      physicalConnectionRequirements: {
        subnetId: placement.subnetId,
        availabilityZone: placement.availabilityZone,
        securityGroupIdLists: placement.securityGroupIds,
      },
    },
    { parent },
  );
  const region = context.naming.region;
  const statements: pulumi.Input<PolicyStatement>[] = [
    ...placement.statements,
    {
      // The job reads its connection when a run starts.
      Sid: "ReadOwnConnection",
      Effect: "Allow",
      Action: "glue:GetConnection",
      Resource: [
        pulumi.interpolate`arn:${context.partition}:glue:${region}:${context.account}:catalog`,
        pulumi.interpolate`arn:${context.partition}:glue:${region}:${context.account}:connection/${connectionName}`,
      ],
    },
  ];
  return { connection, statements };
}
