/**
 * Where the stack's functions run (issue #20): outside any VPC (`none`, the default), in subnets the
 * bank's network team provides (`existing`), or in a small VPC this program builds (`create`, for
 * sit/e2e). Validated by `stacks/config-schema/network.ts`.
 */

/** A subnet the network team provides, with its availability zone (config cannot look it up offline). */
export interface ExistingSubnet {
  /** e.g. `subnet-0a1b2c3d4e5f60718` */
  id: string;
  /** e.g. `eu-west-1a` */
  availabilityZone: string;
}

export type NetworkConfig =
  | { mode: "none" }
  | {
      mode: "existing";
      /** The VPC of the subnets: endpoints are looked up in it, never created. */
      vpcId: string;
      /** At least two, in distinct availability zones. */
      subnets: ExistingSubnet[];
      /** Security groups of the functions and the Glue connection (see README for the rules they need). */
      securityGroupIds: string[];
      /** Whether the subnets route to the internet (the bank's NAT/proxies): TIAA and Salesforce callers are placed only then. */
      egress: boolean;
    }
  | {
      mode: "create";
      /** CIDR of the new VPC. */
      cidrBlock: string;
      /** The two availability zones of the private subnets. */
      availabilityZones: [string, string];
      /** One NAT gateway (true) or none (false): TIAA and Salesforce callers are placed only with egress. */
      egress: boolean;
    };

export type NetworkMode = NetworkConfig["mode"];
export const NETWORK_MODES = ["none", "existing", "create"] as const satisfies readonly NetworkMode[];

/**
 * What a function talks to: `egress` functions call TIAA or Salesforce (internet, through NAT or the
 * bank's proxies); `aws-only` functions call AWS services only (through the VPC endpoints).
 */
export type NetworkNeed = "egress" | "aws-only";

/**
 * AWS services the functions and the Glue job call, reached through interface endpoints with private
 * DNS, so the SDK's normal endpoint resolution (`<service>.<region>.amazonaws.com`) lands on them.
 * Service names are `com.amazonaws.<region>.<suffix>`.
 */
export const INTERFACE_ENDPOINT_SERVICES = [
  "secretsmanager",
  "kinesis-streams",
  "sqs",
  "monitoring",
  "logs",
  "kms",
  "sts",
] as const;

/** Only when the stack has Glue jobs: the job reads its Iceberg table through the Glue Data Catalog API. */
export const GLUE_ENDPOINT_SERVICE = "glue";
/** Only when a Glue job reads its table through Lake Formation (`lakeformation:GetDataAccess`). */
export const LAKE_FORMATION_ENDPOINT_SERVICE = "lakeformation";

/** S3 and DynamoDB are reached through (free) gateway endpoints on the private route tables. */
export const GATEWAY_ENDPOINT_SERVICES = ["s3", "dynamodb"] as const;

/** Interface endpoint services of a stack (Glue's only with Glue jobs, Lake Formation's only when one uses it). */
export function interfaceServices(glue: boolean, lakeFormation = false): string[] {
  return [
    ...INTERFACE_ENDPOINT_SERVICES,
    ...(glue ? [GLUE_ENDPOINT_SERVICE] : []),
    ...(glue && lakeFormation ? [LAKE_FORMATION_ENDPOINT_SERVICE] : []),
  ];
}
