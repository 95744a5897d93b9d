/**
 * The only actions an identity policy may grant on `Resource: "*"`: each one supports no resource
 * narrower than `*` in IAM (the Service Authorization Reference lists no resource type for it), and
 * the entry says what narrows it instead. Anything else on `*` breaks `resource-star-only-where-required`.
 */
export interface ResourceStarEntry {
  action: string;
  /** Why AWS allows nothing narrower, and what the program narrows it with instead. */
  reason: string;
  /** Where AWS says so. */
  source: string;
  /** A condition key the statement must use so the grant is narrowed all the same (checked), if any. */
  requiredConditionKey?: string;
}

/** Issue #20: what Lambda and Glue need to place network interfaces in a VPC. */
const EC2_DESCRIBE_REASON =
  "EC2 Describe* actions support no resource-level permissions; Lambda's guide says ec2:DescribeNetworkInterfaces \"only works if it's allowed on all resources\". Granted only to roles of VPC-placed functions and jobs.";
const EC2_DESCRIBE_SOURCE =
  "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html ; https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html ; https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSGlueServiceRole.html";

export const RESOURCE_STAR_ALLOWLIST: readonly ResourceStarEntry[] = [
  {
    action: "cloudwatch:PutMetricData",
    reason:
      "PutMetricData has no resource type (metrics are not resources with ARNs); the only narrowing IAM offers is the cloudwatch:namespace condition key, which every statement must use.",
    source:
      "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html ; https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html",
    requiredConditionKey: "cloudwatch:namespace",
  },
  {
    action: "lakeformation:GetDataAccess",
    reason:
      "GetDataAccess (temporary credentials for a Lake Formation–governed table) has no resource type in IAM; what the role may read is decided by Lake Formation grants on the table, not by the IAM statement.",
    source:
      "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslakeformation.html ; https://docs.aws.amazon.com/lake-formation/latest/dg/permissions-reference.html",
  },
  {
    action: "ec2:DescribeNetworkInterfaces",
    reason: EC2_DESCRIBE_REASON,
    source: EC2_DESCRIBE_SOURCE,
  },
  {
    action: "ec2:DescribeSubnets",
    reason: EC2_DESCRIBE_REASON,
    source: EC2_DESCRIBE_SOURCE,
  },
  {
    action: "ec2:DescribeSecurityGroups",
    reason: EC2_DESCRIBE_REASON,
    source: EC2_DESCRIBE_SOURCE,
  },
  {
    action: "ec2:DescribeVpcEndpoints",
    reason: EC2_DESCRIBE_REASON,
    source: EC2_DESCRIBE_SOURCE,
  },
  {
    action: "ec2:DescribeRouteTables",
    reason: EC2_DESCRIBE_REASON,
    source: EC2_DESCRIBE_SOURCE,
  },
  {
    action: "ec2:DescribeVpcAttribute",
    reason: EC2_DESCRIBE_REASON,
    source: EC2_DESCRIBE_SOURCE,
  },
];

export function allowlistEntry(action: string): ResourceStarEntry | undefined {
  return RESOURCE_STAR_ALLOWLIST.find((entry) => entry.action.toLowerCase() === action.toLowerCase());
}
