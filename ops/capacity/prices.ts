/**
 * The one price table of the capacity planner. Dated: prices change, and an estimate is only as good
 * as the day its prices were read. On-demand list prices in USD; free tiers ignored on purpose.
 *
 * Checked on PRICES_CHECKED_ON against the stored copies of public pages this machine can search (it
 * has no internet): each price says where its figure comes from in `PRICE_SOURCES`. None of the stored
 * pages gives an eu-west-1 figure for these services: every value below is the **us-east-1** list
 * price, and where only a third-party page states it, the source says so. Re-read
 * aws.amazon.com/<service>/pricing for eu-west-1 before quoting a figure to anyone.
 */
export const PRICES_RECORDED_ON = "2026-12-02";
export const PRICES_CHECKED_ON = "2026-12-04";
export const PRICES_REGION_NOTE =
  "us-east-1 list prices (eu-west-1 not given by the pages checked; typically 0–10% higher); free tiers ignored";

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
  /** The optional VPC's fixed costs (issue #20, `network-cost.ts`); gateway endpoints are free. */
  vpc: {
    natGatewayPerHour: 0.045,
    natGatewayPerGbProcessed: 0.045,
    /** The NAT gateway's Elastic IP: public IPv4 addresses are billed (since February 2024). */
    publicIpv4PerHour: 0.005,
    /** Interface endpoint (PrivateLink), per endpoint per Availability Zone. */
    interfaceEndpointPerAzHour: 0.01,
    /** First 1 PB a month in the Region (then $0.006, then $0.004). */
    interfaceEndpointPerGbProcessed: 0.01,
  },
} as const;

type Service = keyof typeof PRICES;
export interface PriceSource {
  /** Region the figure is for, as the source states it. */
  region: string;
  /** Page title and address; "AWS" when it is AWS's own page. */
  source: string;
  confirmed: "AWS page" | "third-party page only" | "not found";
  note?: string;
}

/** Where each price was checked (PRICES_CHECKED_ON), service by service. */
/** Every price has its source: a price added without one does not type-check. */
export const PRICE_SOURCES: { [S in Service]: { [K in keyof (typeof PRICES)[S]]: PriceSource } } = {
  lambda: {
    perGbSecond: {
      region: "us-east-1",
      source:
        "AWS, 'AWS Lambda Pricing', https://aws.amazon.com/lambda/pricing/ (example: $0.00001667 per GB-s)",
      confirmed: "AWS page",
      note: "x86, first 6 billion GB-s a month; Arm is $0.0000133334 (cloudchipr.com, 'AWS Lambda Pricing Breakdown')",
    },
    perMillionRequests: {
      region: "us-east-1",
      source:
        "AWS, 'AWS Lambda Pricing' (same page) and 'How AWS Pricing Works — Lambda', https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html",
      confirmed: "AWS page",
    },
  },
  kinesis: {
    perShardHour: {
      region: "us-east-1",
      source:
        "https://aws.amazon.com/kinesis/data-streams/pricing/ (stored copy: units and terms, no figure)",
      confirmed: "not found",
      note: "AWS's page defines shard hours and 25 KB PUT payload units; the stored copy shows no price",
    },
    perMillionPutPayloadUnits: {
      region: "us-east-1",
      source: "https://aws.amazon.com/kinesis/pricing/ (stored copy: the 25 KB unit, no figure)",
      confirmed: "not found",
    },
    perStreamHourOnDemand: {
      region: "us-east-1",
      source: "https://aws.amazon.com/kinesis/data-streams/pricing/ (on-demand terms, no figure)",
      confirmed: "not found",
      note: "data-in is billed per GB with each record rounded up to 1 KB (AWS page)",
    },
    perGbWrittenOnDemand: { region: "us-east-1", source: "as perStreamHourOnDemand", confirmed: "not found" },
    perGbReadOnDemand: { region: "us-east-1", source: "as perStreamHourOnDemand", confirmed: "not found" },
  },
  sqs: {
    perMillionRequests: {
      region: "us-east-1",
      source:
        "cloudburn.io, 'Amazon SQS Pricing: Complete Guide + Calculator (2026)', https://cloudburn.io/blog/amazon-sqs-pricing (March 2026)",
      confirmed: "third-party page only",
      note: "standard queue, first 100 billion requests a month; FIFO $0.50",
    },
  },
  dynamodb: {
    perMillionWriteUnits: {
      region: "us-east-1",
      source:
        "Airbyte, 'Amazon DynamoDB Pricing: On-Demand & Provisioned Plans', https://airbyte.com/data-engineering-resources/dynamodb-pricing (July 2025)",
      confirmed: "third-party page only",
      note: "after the November 2024 50% cut; a page quoting $1.25/$0.25 is the price before it",
    },
    perMillionReadUnits: {
      region: "us-east-1",
      source: "as perMillionWriteUnits",
      confirmed: "third-party page only",
    },
  },
  cloudwatch: {
    perMetricMonth: {
      region: "us-east-1",
      source:
        "AWS, 'Amazon CloudWatch Pricing', https://aws.amazon.com/cloudwatch/pricing/ (stored copy: free tier only)",
      confirmed: "not found",
      note: "the stored page says 'Pricing varies by Region' and lists the free tier (10 custom metrics, 5 GB logs) but no paid figure",
    },
    perGbLogsIngested: { region: "us-east-1", source: "as perMetricMonth", confirmed: "not found" },
  },
  secretsManager: {
    perTenThousandCalls: {
      region: "not stated",
      source:
        "hivebook.wiki, 'AWS Secrets Manager', https://hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms",
      confirmed: "third-party page only",
    },
    perSecretMonth: {
      region: "not stated",
      source: "as perTenThousandCalls",
      confirmed: "third-party page only",
    },
  },
  vpc: {
    natGatewayPerHour: {
      region: "us-east-1",
      source:
        "basavytix.com, 'AWS NAT Gateway Pricing', https://basavytix.com/blog/aws-nat-gateway-pricing; cloudburn.io, 'AWS NAT Gateway Pricing' (February 2026)",
      confirmed: "third-party page only",
      note: "eu-west-1 NOT found on an AWS page: cloudpipelines.pages.dev ('AWS NAT Gateway Pricing 2026') gives ~$0.048–$0.052 for Europe (Ireland, Frankfurt, London); re-read aws.amazon.com/vpc/pricing",
    },
    natGatewayPerGbProcessed: {
      region: "us-east-1",
      source: "as natGatewayPerHour",
      confirmed: "third-party page only",
    },
    publicIpv4PerHour: {
      region: "all regions (as remembered)",
      source: "none found in the stored pages; AWS announced the charge in 2023 (from memory)",
      confirmed: "not found",
      note: "re-read aws.amazon.com/vpc/pricing (Public IPv4 Address tab)",
    },
    interfaceEndpointPerAzHour: {
      region: "not stated",
      source:
        "awsnegotiations.com, 'AWS PrivateLink Cost Analysis' (May 2026); AWS's https://aws.amazon.com/privatelink/pricing/ (stored copy) states the per-AZ-hour billing but no figure",
      confirmed: "third-party page only",
      note: "eu-west-1 figure not found",
    },
    interfaceEndpointPerGbProcessed: {
      region: "not stated",
      source:
        "a copy of AWS's 'AWS PrivateLink Pricing' page (https://968880.n0h2l.group/privatelink/pricing): first 1 PB $0.01, next 4 PB $0.006, over 5 PB $0.004",
      confirmed: "third-party page only",
      note: "the tiers are AWS's text on a mirror, not aws.amazon.com; eu-west-1 figure not found",
    },
  },
};
