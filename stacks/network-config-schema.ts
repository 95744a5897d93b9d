/**
 * The `network` key (issue #20) as a zod schema, and the one function `validate-config.ts` calls:
 * it parses the raw value, turns every zod issue into this project's message style (the full key,
 * what is wrong, how to fix it) and returns the typed `NetworkConfig`.
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
import { NETWORK_MODES, type NetworkConfig } from "../components/network-config.js";

const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const AVAILABILITY_ZONE = /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(1[6-9]|2[0-4])$/;

const TWO_ZONES_FIX =
  "give at least two in distinct availability zones, so Lambda and Glue keep running when one zone fails";

const availabilityZone = z
  .string({ error: "must be an availability zone name such as eu-west-1a" })
  .regex(AVAILABILITY_ZONE, { error: "must be an availability zone name such as eu-west-1a" });

const existingSubnet = z.strictObject({
  id: z.string({ error: "is missing; give the subnet id, e.g. subnet-0a1b2c3d4e5f60718" }).regex(SUBNET_ID, {
    error: "is not a subnet id (subnet-<8 or 17 hex digits>)",
  }),
  availabilityZone,
});

const existing = z
  .strictObject({
    mode: z.literal("existing"),
    vpcId: z
      .string({ error: "is missing; give the VPC of the subnets, e.g. vpc-0a1b2c3d4e5f60718" })
      .regex(VPC_ID, { error: "is not a VPC id (vpc-<8 or 17 hex digits>)" }),
    subnets: z
      .array(existingSubnet, {
        error:
          "is missing; give at least two subnets as {id, availabilityZone} in distinct availability zones",
      })
      // Checked here, not only in the refinement below, so it is reported even when other fields are wrong.
      .min(2, {
        error: (issue) =>
          `has ${(issue.input as unknown[]).length} subnet${(issue.input as unknown[]).length === 1 ? "" : "s"}; ${TWO_ZONES_FIX}`,
      }),
    securityGroupIds: z
      .array(z.string().regex(SECURITY_GROUP_ID, { error: "is not a security group id (sg-<hex digits>)" }), {
        error: "is missing; give the security group id(s) the network team made for the functions",
      })
      .min(1, { error: "is empty; give at least one security group id (sg-…) from the network team" })
      .max(5, { error: "has more than 5 security groups; Lambda accepts at most 5" }),
    egress: z.boolean({ error: "must be true or false" }).default(true),
  })
  .superRefine((value, ctx) => {
    const zones = new Set(value.subnets.map((s) => s.availabilityZone));
    if (value.subnets.length >= 2 && zones.size < 2) {
      ctx.addIssue({
        code: "custom",
        path: ["subnets"],
        message: `has ${value.subnets.length} subnets in 1 availability zone (${[...zones].join("")}); ${TWO_ZONES_FIX}`,
      });
    }
    const ids = value.subnets.map((s) => s.id);
    if (new Set(ids).size !== ids.length)
      ctx.addIssue({ code: "custom", path: ["subnets"], message: "lists a subnet twice; list each once" });
  });

const create = z
  .strictObject({
    mode: z.literal("create"),
    cidrBlock: z
      .string()
      .regex(CIDR, { error: "must be an IPv4 CIDR between /16 and /24, e.g. 10.42.0.0/16" })
      .default("10.42.0.0/16"),
    availabilityZones: z
      .tuple([availabilityZone, availabilityZone], {
        error: "must list exactly two availability zones, e.g. [eu-west-1a, eu-west-1b]",
      })
      .optional(),
    egress: z.boolean({ error: "must be true or false" }).default(true),
  })
  .refine((v) => !v.availabilityZones || v.availabilityZones[0] !== v.availabilityZones[1], {
    path: ["availabilityZones"],
    error: "names one zone twice; give two distinct availability zones",
  });

export const networkConfigSchema = z.discriminatedUnion(
  "mode",
  [z.strictObject({ mode: z.literal("none") }), existing, create],
  { error: `must be one of: ${NETWORK_MODES.join(", ")}` },
);

/** `["subnets", 0, "id"]` → `.subnets[0].id` */
function pathOf(path: readonly PropertyKey[]): string {
  return path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("");
}

/** One zod issue in this project's style: `kyc-platform:network.subnets has 1 subnet; give …`. */
export function networkIssueMessage(key: string, issue: z.core.$ZodIssue): string {
  const where = `${key}${pathOf(issue.path)}`;
  if (issue.code === "unrecognized_keys") {
    return `${where} has unknown field(s) ${issue.keys.join(", ")}; remove them (see README, Configuration reference: network).`;
  }
  if (issue.code === "invalid_union" && issue.path.at(-1) === "mode") {
    return `${where} must be one of: ${NETWORK_MODES.join(", ")} (none keeps functions outside any VPC).`;
  }
  return `${where} ${issue.message}.`;
}

/**
 * Reads the raw `network` value (already JSON-parsed; `undefined` means unset) for a stack in
 * `region`. Reports each problem through `problem` and returns `{mode: "none"}` when invalid, so the
 * caller can go on collecting problems.
 */
export function readNetworkConfig(
  raw: unknown,
  region: string,
  key: string,
  problem: (message: string) => void,
): NetworkConfig {
  if (raw === undefined || raw === null || raw === "") return { mode: "none" };
  const parsed = networkConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problem(networkIssueMessage(key, issue));
    return { mode: "none" };
  }
  const value = parsed.data;
  if (value.mode === "none") return value;
  const zones =
    value.mode === "create" ? (value.availabilityZones ?? []) : value.subnets.map((s) => s.availabilityZone);
  const foreign = zones.filter((zone) => region !== "" && !zone.startsWith(region));
  if (foreign.length > 0) {
    problem(
      `${key} names availability zone(s) ${foreign.join(", ")} outside the stack's region ${region}; use zones of ${region}.`,
    );
  }
  if (value.mode === "existing") return value;
  return {
    mode: "create",
    cidrBlock: value.cidrBlock,
    availabilityZones: value.availabilityZones ?? [`${region}a`, `${region}b`],
    egress: value.egress,
  };
}
