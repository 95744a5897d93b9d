/**
 * Pulumi mocks that record every resource the program declares (type, logical name, inputs) and
 * answer with realistic ids and ARNs, so outputs that are built from ARNs render as they would in AWS.
 */
import type * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT_ID = "123456789012";

export interface RecordedResource {
  type: string;
  name: string;
  urn: string;
  physicalName?: string;
  /** The id the mocks answered with (what other resources receive as `.id`). */
  id?: string;
  region?: string;
  inputs: Record<string, any>;
  /** URN of the provider that manages it, when one was passed or inherited. */
  provider?: string;
  /**
   * What the engine would be told this resource waits for (explicit `dependsOn` and the resources
   * its inputs come from), as `type::logicalName`; set once `watchDependencies` is attached.
   */
  dependsOn?: string[];
}

/** The part of Pulumi's mock monitor that sees each registration request. */
interface RegistrationMonitor {
  registerResource(
    req: { getType(): string; getName(): string; getDependenciesList(): string[] },
    callback: unknown,
  ): unknown;
}

/** `urn:pulumi:stack::project::parent$type::name` → `type::name`. */
function dependencyOf(urn: string): string {
  const parts = urn.split("::");
  return `${parts[2]?.split("$").pop()}::${parts.slice(3).join("::")}`;
}

/** Input that holds the physical name, per type; `name` for everything else. */
const NAME_INPUT: Record<string, string> = {
  "aws:s3/bucket:Bucket": "bucket",
  "aws:s3/bucketV2:BucketV2": "bucket",
  "aws:cloudwatch/dashboard:Dashboard": "dashboardName",
  "aws:cloudwatch/metricAlarm:MetricAlarm": "name",
  "aws:cloudwatch/compositeAlarm:CompositeAlarm": "alarmName",
};

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  private readonly providerRegions = new Map<string, string>();

  private readonly pendingDependencies = new Map<string, string[]>();

  constructor(private readonly defaultRegion: string) {}

  /**
   * Records every resource's dependencies as the engine would receive them, by reading the mock
   * monitor's registration requests (`pulumi.runtime.getMonitor()` after `setMocks`).
   */
  watchDependencies(monitor: unknown): void {
    const watched = monitor as RegistrationMonitor;
    const register = watched.registerResource.bind(watched);
    watched.registerResource = (req, callback) => {
      this.pendingDependencies.set(
        `${req.getType()}::${req.getName()}`,
        req.getDependenciesList().map(dependencyOf),
      );
      return register(req, callback);
    };
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
    const inputs = args.inputs as Record<string, any>;
    const urn = `urn:pulumi:mock::kyc-platform::${args.type}::${args.name}`;
    if (args.type === "pulumi:providers:aws")
      this.providerRegions.set(args.name, String(inputs.region ?? this.defaultRegion));
    const providerName = args.provider?.split("::")[3];
    const region = (providerName && this.providerRegions.get(providerName)) ?? this.defaultRegion;
    const physicalName = physicalNameOf(args.type, inputs);
    const dependsOn = this.pendingDependencies.get(`${args.type}::${args.name}`);
    const id = idOf(args.type, args.name, physicalName, region);
    this.resources.push({
      type: args.type,
      name: args.name,
      urn,
      physicalName,
      id,
      region,
      inputs,
      provider: args.provider,
      ...(dependsOn ? { dependsOn } : {}),
    });
    return {
      id,
      state: { ...inputs, ...computedState(args.type, id, physicalName ?? args.name, region, inputs) },
    };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    switch (args.token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return {
          accountId: MOCK_ACCOUNT_ID,
          arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/plan`,
          userId: "PLAN",
          id: MOCK_ACCOUNT_ID,
        };
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
      case "aws:index/getRegion:getRegion":
        return { name: this.defaultRegion, region: this.defaultRegion, id: this.defaultRegion };
      // Existing network mode (issue #20) looks up the bank's endpoints; the plan assumes they exist.
      case "aws:ec2/getVpcEndpoint:getVpcEndpoint": {
        const service = String(args.inputs.serviceName ?? "")
          .split(".")
          .pop();
        // A bank's VPC commonly has an S3 gateway and an S3 interface endpoint: a look-up must say
        // which, or AWS answers more than one and the provider fails (it must match exactly one).
        if (service === "s3" && args.inputs.vpcEndpointType === undefined)
          throw new Error(
            "multiple VPC Endpoints matched; use additional constraints to reduce matches to a single VPC Endpoint",
          );
        return {
          id: `vpce-${mockHex(service ?? "endpoint")}`,
          vpcId: args.inputs.vpcId,
          serviceName: args.inputs.serviceName,
          vpcEndpointType: args.inputs.vpcEndpointType,
          state: "available",
        };
      }
      default:
        throw new Error(
          `The offline plan has no answer for the provider call ${args.token}; build the value in code instead.`,
        );
    }
  }
}

function physicalNameOf(type: string, inputs: Record<string, any>): string | undefined {
  const value = inputs[NAME_INPUT[type] ?? "name"];
  return typeof value === "string" ? value : undefined;
}

function idOf(type: string, logicalName: string, physicalName: string | undefined, region: string): string {
  const name = physicalName ?? logicalName;
  if (type === "aws:sqs/queue:Queue") return `https://sqs.${region}.amazonaws.com/${MOCK_ACCOUNT_ID}/${name}`;
  if (type === "aws:kms/key:Key") return `mock-key-${logicalName}`;
  if (type === "aws:ec2/securityGroup:SecurityGroup") return `sg-${mockHex(name)}`;
  if (type === "aws:ec2/vpcEndpoint:VpcEndpoint") return `vpce-${mockHex(logicalName)}`;
  if (type === "awsx:ec2:Vpc") return `vpc-${mockHex(logicalName)}`;
  return name;
}

/** ARNs and the other attributes AWS computes, for the types this program uses. */
function computedState(
  type: string,
  id: string,
  name: string,
  region: string,
  inputs: Record<string, any>,
): Record<string, any> {
  const acct = MOCK_ACCOUNT_ID;
  const arn = (service: string, resource: string, regional = true) =>
    `arn:aws:${service}:${regional ? region : ""}:${regional ? acct : ""}:${resource}`;
  switch (type) {
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::${acct}:role/${name}`, uniqueId: `AROA${name.length}MOCK` };
    case "aws:iam/policy:Policy":
      return { arn: `arn:aws:iam::${acct}:policy/${name}` };
    case "aws:lambda/function:Function":
      return {
        arn: arn("lambda", `function:${name}`),
        invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn("lambda", `function:${name}`)}/invocations`,
        qualifiedArn: `${arn("lambda", `function:${name}`)}:$LATEST`,
        version: "$LATEST",
      };
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2":
      return { arn: `arn:aws:s3:::${name}`, bucketDomainName: `${name}.s3.amazonaws.com`, region };
    case "aws:kinesis/stream:Stream":
      return { arn: arn("kinesis", `stream/${name}`) };
    case "aws:sqs/queue:Queue":
      return { arn: arn("sqs", name), url: id };
    case "aws:dynamodb/table:Table":
      return {
        arn: arn("dynamodb", `table/${name}`),
        streamArn: arn("dynamodb", `table/${name}/stream/2026-01-01T00:00:00.000`),
      };
    case "aws:secretsmanager/secret:Secret":
      return { arn: arn("secretsmanager", `secret:${name}-AbCdEf`) };
    case "aws:kms/key:Key":
      return { arn: arn("kms", `key/${id}`), keyId: id };
    case "aws:kms/alias:Alias":
      return { arn: arn("kms", String(inputs.name ?? name)) };
    case "aws:sns/topic:Topic":
      return { arn: arn("sns", name) };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { arn: arn("logs", `log-group:${name}`) };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { arn: arn("cloudwatch", `alarm:${name}`) };
    case "aws:cloudwatch/dashboard:Dashboard":
      return { dashboardArn: `arn:aws:cloudwatch::${acct}:dashboard/${name}` };
    case "aws:cloudwatch/eventRule:EventRule":
      return { arn: arn("events", `rule/${name}`) };
    case "aws:scheduler/schedule:Schedule":
      return { arn: arn("scheduler", `schedule/${inputs.groupName ?? "default"}/${name}`) };
    case "aws:glue/job:Job":
      return { arn: arn("glue", `job/${name}`) };
    case "awsx:ec2:Vpc":
      return awsxVpcOutputs(id, inputs);
    case "aws:glue/connection:Connection":
      return { arn: arn("glue", `connection/${name}`) };
    case "aws:lambda/eventSourceMapping:EventSourceMapping":
      return { uuid: `esm-${name}`, functionArn: arn("lambda", `function:${name}`) };
    default:
      return { arn: arn(type.split(":")[1]?.split("/")[0] ?? "mock", name) };
  }
}

/** 17 hex digits derived from a name, for plausible and stable EC2 ids (`sg-…`, `subnet-…`). */
function mockHex(name: string): string {
  let hash = 0n;
  for (const char of name) hash = (hash * 31n + BigInt(char.codePointAt(0)!)) % 16n ** 17n;
  return hash.toString(16).padStart(17, "0");
}

/**
 * awsx's Vpc is a remote component: under mocks its children (subnets, NAT, route tables) are not
 * declared, so its outputs are made here from its inputs: one subnet id per zone and subnet type.
 */
function awsxVpcOutputs(vpcId: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const zones = (inputs.availabilityZoneNames ?? []) as string[];
  const types = new Set(((inputs.subnetSpecs ?? []) as { type: string }[]).map((spec) => spec.type));
  const subnets = (type: string) =>
    types.has(type) ? zones.map((zone) => `subnet-${mockHex(`${vpcId}-${type}-${zone}`)}`) : [];
  return {
    vpcId,
    privateSubnetIds: subnets("Private"),
    publicSubnetIds: subnets("Public"),
    isolatedSubnetIds: subnets("Isolated"),
  };
}
