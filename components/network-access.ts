/**
 * The EC2 rights a function role (or the Glue job role) needs to be placed in a VPC, scoped as far as
 * IAM allows. Granted only with VPC placement (issue #20).
 *
 * What AWS documents:
 * - Lambda uses the function's execution role to create and manage its network interfaces; the
 *   managed policy AWSLambdaVPCAccessExecutionRole (v3) grants ec2:CreateNetworkInterface,
 *   DescribeNetworkInterfaces, DescribeSubnets, DeleteNetworkInterface, AssignPrivateIpAddresses and
 *   UnassignPrivateIpAddresses on "*" (plus logs:*, which every role here already has, scoped).
 *   https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html
 * - Lambda developer guide, "Giving Lambda functions access to resources in an Amazon VPC"
 *   (configuration-vpc): "ec2:DescribeNetworkInterfaces – This action only works if it's allowed on
 *   all resources ("Resource": "*")"; "ec2:DeleteNetworkInterface – If you don't specify a resource ID
 *   … your function may not be able to access the VPC. Either specify a unique resource ID, or include
 *   all resource IDs" — so delete/assign/unassign get every network interface of the account and
 *   region, not one id (Lambda's ENIs are made at run time, their ids are unknown here).
 * - CreateNetworkInterface is authorised on the new interface, the subnet and the security groups, so
 *   the subnets and groups are named: the role cannot place interfaces anywhere else.
 * - The lambda:VpcIds / lambda:SubnetIds / lambda:SecurityGroupIds condition keys restrict who may
 *   *configure* a function's VPC (CreateFunction/UpdateFunctionConfiguration), not the execution
 *   role, so they do not belong here.
 * - Glue: AWSGlueServiceRole grants the job role ec2:DescribeVpcEndpoints, DescribeRouteTables,
 *   CreateNetworkInterface, DeleteNetworkInterface, DescribeNetworkInterfaces, DescribeSecurityGroups,
 *   DescribeSubnets, DescribeVpcAttribute, and CreateTags/DeleteTags limited to the tag key
 *   aws-glue-service-resource on network interfaces and security groups.
 *   https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSGlueServiceRole.html
 */
import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "./iam.js";

export interface VpcScope {
  region: string;
  account: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  subnetIds: pulumi.Input<string[]>;
  securityGroupIds: pulumi.Input<string[]>;
}

function ec2Arn(scope: VpcScope, resource: string): pulumi.Output<string> {
  return pulumi.interpolate`arn:${scope.partition}:ec2:${scope.region}:${scope.account}:${resource}`;
}

/**
 * The named subnets and groups in any account: in a shared VPC (RAM) the subnets belong to the bank's
 * network account, and their ARNs carry its id, not this stack's. The ids still pin them.
 */
function arnsOf(scope: VpcScope, kind: "subnet" | "security-group", ids: pulumi.Input<string[]>) {
  return pulumi
    .all([scope.partition, ids])
    .apply(([partition, list]) => list.map((id) => `arn:${partition}:ec2:${scope.region}:*:${kind}/${id}`));
}

/** Create interfaces only in the placement's subnets with its security groups. */
function createInterfaceStatement(sid: string, scope: VpcScope): pulumi.Output<PolicyStatement> {
  return pulumi
    .all([
      ec2Arn(scope, "network-interface/*"),
      arnsOf(scope, "subnet", scope.subnetIds),
      arnsOf(scope, "security-group", scope.securityGroupIds),
    ])
    .apply(([interfaces, subnets, groups]) => ({
      Sid: sid,
      Effect: "Allow" as const,
      Action: "ec2:CreateNetworkInterface",
      Resource: [interfaces, ...subnets, ...groups],
    }));
}

/** The rights Lambda needs on a VPC-placed function's execution role. */
export function lambdaVpcAccessStatements(scope: VpcScope): pulumi.Input<PolicyStatement>[] {
  return [
    {
      Sid: "LambdaVpcDescribe",
      Effect: "Allow",
      Action: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
      Resource: "*",
    },
    createInterfaceStatement("LambdaVpcCreateInterfaces", scope),
    {
      Sid: "LambdaVpcManageInterfaces",
      Effect: "Allow",
      Action: [
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ],
      Resource: ec2Arn(scope, "network-interface/*"),
    },
  ];
}

/** The rights Glue needs on the job role to run the job through a NETWORK connection. */
export function glueVpcAccessStatements(scope: VpcScope): pulumi.Input<PolicyStatement>[] {
  return [
    {
      Sid: "GlueVpcDescribe",
      Effect: "Allow",
      Action: [
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeRouteTables",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcAttribute",
      ],
      Resource: "*",
    },
    createInterfaceStatement("GlueVpcCreateInterfaces", scope),
    {
      Sid: "GlueVpcDeleteInterfaces",
      Effect: "Allow",
      Action: "ec2:DeleteNetworkInterface",
      Resource: ec2Arn(scope, "network-interface/*"),
    },
    {
      Sid: "GlueVpcTagInterfaces",
      Effect: "Allow",
      Action: ["ec2:CreateTags", "ec2:DeleteTags"],
      Resource: ec2Arn(scope, "network-interface/*"),
      Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["aws-glue-service-resource"] } },
    },
  ];
}
