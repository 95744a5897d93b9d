/**
 * The one price table of the capacity planner. Dated: prices change, and an estimate is only as good
 * as the day its prices were read. On-demand list prices in USD, eu-west-1 where it differs from
 * us-east-1 is NOT reflected here: these are the us-east-1 list prices as the team recorded them on
 * `PRICES_RECORDED_ON` (this machine has no internet to re-read them). Check the AWS pricing pages
 * (lambda/pricing, kinesis/data-streams/pricing, sqs/pricing, dynamodb/pricing, cloudwatch/pricing,
 * secrets-manager/pricing) before quoting a figure to anyone; free tiers are ignored on purpose.
 */
export const PRICES_RECORDED_ON = "2026-12-02";
export const PRICES_REGION_NOTE =
  "us-east-1 list prices (eu-west-1 is typically 0–10% higher); free tiers ignored";

export const PRICES = {
  lambda: { perGbSecond: 0.0000166667, perMillionRequests: 0.2 },
  kinesis: {
    /** Provisioned mode. */
    perShardHour: 0.015,
    /** One PUT payload unit = one record up to 25 KB. */
    perMillionPutPayloadUnits: 0.014,
    /** On-demand mode. */
    perStreamHourOnDemand: 0.04,
    perGbWrittenOnDemand: 0.08,
    perGbReadOnDemand: 0.04,
  },
  /** Standard queue; a request carries up to 10 messages and 256 KB (billed per 64 KB chunk). */
  sqs: { perMillionRequests: 0.4 },
  /** On-demand capacity (prices halved in November 2024). */
  dynamodb: { perMillionWriteUnits: 0.625, perMillionReadUnits: 0.125 },
  cloudwatch: { perMetricMonth: 0.3, perGbLogsIngested: 0.5 },
  secretsManager: { perTenThousandCalls: 0.05, perSecretMonth: 0.4 },
} as const;

/**
 * Issue #20: the VPC placement's fixed costs, read on `NETWORK_PRICES_RECORDED_ON` from the
 * PrivateLink and VPC pricing pages (aws.amazon.com/privatelink/pricing, aws.amazon.com/vpc/pricing;
 * the NAT figure is the us-east-2 example there). List prices to confirm for eu-west-1 before
 * quoting. Gateway endpoints (S3, DynamoDB) cost nothing.
 */
export const NETWORK_PRICES_RECORDED_ON = "2026-12-04";
export const NETWORK_PRICES = {
  natGatewayPerHour: 0.045,
  natPerGbProcessed: 0.045,
  /** The NAT gateway's Elastic IP: every public IPv4 address is billed since February 2024. */
  publicIpv4PerHour: 0.005,
  /** Per endpoint and availability zone. */
  interfaceEndpointPerAzHour: 0.01,
  /** First PB a month, all interface endpoints of the region together. */
  interfaceEndpointPerGb: 0.01,
} as const;
