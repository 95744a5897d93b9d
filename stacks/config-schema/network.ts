/**
 * The `network` key (issue #20): where the stack's functions run — outside any VPC (`none`, the
 * default), in subnets the bank's network team provides (`existing`), or in a VPC this program builds
 * (`create`). Every field's rule and message lives here; the Network component takes the result.
 *
 * @example Pulumi.<stack>.yaml
 * kyc-platform:network:
 *   mode: existing
 *   vpcId: vpc-0a1b2c3d4e5f60718
 *   subnets:
 *     - { id: subnet-0aaa1111bbbb2222c, availabilityZone: eu-west-1a }
 *     - { id: subnet-0ddd3333eeee4444f, availabilityZone: eu-west-1b }
 *   securityGroupIds: [sg-0123456789abcdef0]
 *   egress: true
 */
import { z } from "zod";
import { NETWORK_MODES, type NetworkConfig } from "../../components/network-config.js";
import { structured } from "./fields.js";
import { type Assert, type Conforms, type Problem, defineSection } from "./section.js";

const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const AVAILABILITY_ZONE = /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(1[6-9]|2[0-4])$/;

/** EC2 refuses a VPC CIDR whose address has host bits set (10.42.1.0/16) or a part above 255. */
function isNetworkAddress(cidr: string): boolean {
  const [address, prefix] = cidr.split("/");
  const parts = address!.split(".").map(Number);
  if (parts.some((p) => p > 255)) return false;
  const value = parts.reduce((n, p) => n * 256 + p, 0);
  return value % 2 ** (32 - Number(prefix)) === 0;
}

/** A map that refuses fields it does not know, saying which and where to look. */
function strict<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `has unknown field(s) ${issue.keys.join(", ")}; remove them (see README, Configuration reference: network).`
        : undefined,
  });
}

const TWO_ZONES_FIX =
  "give at least two in distinct availability zones, so Lambda and Glue keep running when one zone fails";

const availabilityZone = z
  .string({ error: "must be an availability zone name such as eu-west-1a." })
  .regex(AVAILABILITY_ZONE, { error: "must be an availability zone name such as eu-west-1a." });

const existingSubnet = strict({
  id: z.string({ error: "is missing; give the subnet id, e.g. subnet-0a1b2c3d4e5f60718." }).regex(SUBNET_ID, {
    error: "is not a subnet id (subnet-<8 or 17 hex digits>).",
  }),
  availabilityZone,
});

const existing = strict({
  mode: z.literal("existing"),
  vpcId: z
    .string({ error: "is missing; give the VPC of the subnets, e.g. vpc-0a1b2c3d4e5f60718." })
    .regex(VPC_ID, { error: "is not a VPC id (vpc-<8 or 17 hex digits>)." }),
  subnets: z
    .array(existingSubnet, {
      error:
        "is missing; give at least two subnets as {id, availabilityZone} in distinct availability zones.",
    })
    // Checked here, not only in the refinement below, so it is reported even when other fields are wrong.
    .min(2, {
      error: (issue) =>
        `has ${(issue.input as unknown[]).length} subnet${(issue.input as unknown[]).length === 1 ? "" : "s"}; ${TWO_ZONES_FIX}.`,
    }),
  securityGroupIds: z
    .array(z.string().regex(SECURITY_GROUP_ID, { error: "is not a security group id (sg-<hex digits>)." }), {
      error: "is missing; give the security group id(s) the network team made for the functions.",
    })
    .min(1, { error: "is empty; give at least one security group id (sg-…) from the network team." })
    .max(5, { error: "has more than 5 security groups; Lambda accepts at most 5." }),
  egress: z.boolean({ error: "must be true or false." }).default(true),
}).superRefine((value, ctx) => {
  const zones = new Set(value.subnets.map((s) => s.availabilityZone));
  if (value.subnets.length >= 2 && zones.size < 2) {
    ctx.addIssue({
      code: "custom",
      path: ["subnets"],
      message: `has ${value.subnets.length} subnets in 1 availability zone (${[...zones].join("")}); ${TWO_ZONES_FIX}.`,
    });
  }
  const ids = value.subnets.map((s) => s.id);
  if (new Set(ids).size !== ids.length)
    ctx.addIssue({ code: "custom", path: ["subnets"], message: "lists a subnet twice; list each once." });
});

const create = strict({
  mode: z.literal("create"),
  cidrBlock: z
    .string()
    .regex(CIDR, { error: "must be an IPv4 CIDR between /16 and /24, e.g. 10.42.0.0/16." })
    .refine(isNetworkAddress, {
      error: "is not a network address: each part 0-255, no bits set past the prefix (e.g. 10.42.0.0/16).",
    })
    .default("10.42.0.0/16"),
  availabilityZones: z
    .tuple([availabilityZone, availabilityZone], {
      error: "must list exactly two availability zones, e.g. [eu-west-1a, eu-west-1b].",
    })
    .optional(),
  egress: z.boolean({ error: "must be true or false." }).default(true),
}).refine((v) => !v.availabilityZones || v.availabilityZones[0] !== v.availabilityZones[1], {
  path: ["availabilityZones"],
  error: "names one zone twice; give two distinct availability zones.",
});

export const networkConfigSchema = z.discriminatedUnion(
  "mode",
  [strict({ mode: z.literal("none") }), existing, create],
  { error: `must be one of: ${NETWORK_MODES.join(", ")} (none keeps functions outside any VPC).` },
);

/** Unset (or empty) is `none`: today's behaviour, functions outside any VPC. */
const networkValue = z.preprocess((value) => value ?? { mode: "none" }, networkConfigSchema);

/** `create` without zones gets the region's `a` and `b`; the section's type is the component's. */
function resolve(value: z.output<typeof networkConfigSchema>, region: string): NetworkConfig {
  if (value.mode !== "create") return value;
  return {
    mode: "create",
    cidrBlock: value.cidrBlock,
    availabilityZones: value.availabilityZones ?? [`${region}a`, `${region}b`],
    egress: value.egress,
  };
}

export type NetworkMatches = Assert<Conforms<ReturnType<typeof resolve>, NetworkConfig>>;

export const network = defineSection({
  keys: () => ({
    network: structured(networkValue, {
      type: "map",
      shownDefault: "`mode: none`",
      description:
        "Where the functions run (see *Network placement*): `mode` `none` (outside any VPC), `existing` (`vpcId`, `subnets` as `{id, availabilityZone}`, at least two in distinct zones, `securityGroupIds` (1-5), `egress` (`true`)) or `create` (`cidrBlock` (`10.42.0.0/16`, /16 to /24), `availabilityZones` (`[<region>a, <region>b]`), `egress` (`true`: one NAT gateway; `false`: none)).",
    }),
  }),
  rules: (valid, others): Problem[] => {
    const region = others["aws:region"];
    const value = valid.network;
    if (typeof region !== "string" || !value || value.mode === "none") return [];
    const zones =
      value.mode === "create"
        ? (value.availabilityZones ?? [])
        : value.subnets.map((s) => s.availabilityZone);
    const foreign = zones.filter((zone) => !zone.startsWith(region));
    return foreign.length === 0
      ? []
      : [
          {
            path: ["network"],
            message: `names availability zone(s) ${foreign.join(", ")} outside the stack's region ${region}; use zones of ${region}.`,
          },
        ];
  },
  build: (fields, naming) => ({ network: resolve(fields.network, naming.region) }),
});
