/**
 * The one place where physical AWS names are made and checked.
 *
 * Every name is `<prefix>-<component>-<env>`; resources whose names are global to an account or to
 * AWS (IAM roles and policies, S3 buckets, CloudWatch dashboards) also carry a short region code so
 * that the eu-west-1 and eu-west-2 stacks of one environment can live side by side in one account.
 *
 * @example
 * const naming = new Naming({ prefix: "bbkyc", env: "sit", region: "eu-west-1" });
 * naming.physicalName("lambda", "cta-case-creator");   // "bbkyc-cta-case-creator-sit"
 * naming.physicalName("iam-role", "cta-case-creator"); // "bbkyc-cta-case-creator-sit-euw1"
 */

export const ENVIRONMENTS = ["sit", "uat", "e2e", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** AWS's own limits for the kinds of name this program makes. */
interface NameRule {
  maxLength: number;
  minLength?: number;
  /** Characters AWS accepts, as a whole-name pattern. */
  pattern: RegExp;
  /** Said in the error, in words a person can act on. */
  allowed: string;
  /** Global names get a region code so two regions of one env never collide. */
  global: boolean;
}

const NAME_RULES = {
  lambda: {
    maxLength: 64,
    pattern: /^[A-Za-z0-9_-]+$/,
    allowed: "letters, digits, '-' and '_'",
    global: false,
  },
  "iam-role": {
    maxLength: 64,
    pattern: /^[\w+=,.@-]+$/,
    allowed: "letters, digits and +=,.@_-",
    global: true,
  },
  "iam-policy": {
    maxLength: 128,
    pattern: /^[\w+=,.@-]+$/,
    allowed: "letters, digits and +=,.@_-",
    global: true,
  },
  "s3-bucket": {
    maxLength: 63,
    minLength: 3,
    pattern: /^[a-z0-9][a-z0-9-]*[a-z0-9]$/,
    allowed: "lower-case letters, digits and '-' (starting and ending with a letter or digit)",
    global: true,
  },
  "kinesis-stream": {
    maxLength: 128,
    pattern: /^[A-Za-z0-9_.-]+$/,
    allowed: "letters, digits and _.-",
    global: false,
  },
  "sqs-queue": {
    maxLength: 80,
    pattern: /^[A-Za-z0-9_-]+$/,
    allowed: "letters, digits, '-' and '_'",
    global: false,
  },
  "dynamodb-table": {
    maxLength: 255,
    minLength: 3,
    pattern: /^[A-Za-z0-9_.-]+$/,
    allowed: "letters, digits and _.-",
    global: false,
  },
  secret: {
    maxLength: 512,
    pattern: /^[A-Za-z0-9/_+=.@-]+$/,
    allowed: "letters, digits and /_+=.@-",
    global: false,
  },
  "log-group": {
    maxLength: 512,
    pattern: /^[A-Za-z0-9_./#-]+$/,
    allowed: "letters, digits and _./#-",
    global: false,
  },
  dashboard: {
    maxLength: 255,
    pattern: /^[A-Za-z0-9_-]+$/,
    allowed: "letters, digits, '-' and '_'",
    global: true,
  },
  alarm: {
    maxLength: 255,
    pattern: /^[A-Za-z0-9_. :()/-]+$/,
    allowed: "letters, digits, spaces and _.:()/-",
    global: false,
  },
  "sns-topic": {
    maxLength: 256,
    pattern: /^[A-Za-z0-9_-]+$/,
    allowed: "letters, digits, '-' and '_'",
    global: false,
  },
  schedule: {
    maxLength: 64,
    pattern: /^[A-Za-z0-9_.-]+$/,
    allowed: "letters, digits and _.-",
    global: false,
  },
  "event-rule": {
    maxLength: 64,
    pattern: /^[A-Za-z0-9_.-]+$/,
    allowed: "letters, digits and _.-",
    global: false,
  },
  "glue-job": {
    maxLength: 255,
    pattern: /^[A-Za-z0-9_.-]+$/,
    allowed: "letters, digits and _.-",
    global: false,
  },
  // Security group names: up to 255 characters; "sg-" is reserved as a prefix. Issue #20.
  "security-group": {
    maxLength: 255,
    pattern: /^(?!sg-)[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]+$/,
    allowed: "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*, not starting with sg-",
    global: false,
  },
  /** The `Name` tag of a VPC (tag values: up to 256 characters). */
  vpc: {
    maxLength: 256,
    pattern: /^[A-Za-z0-9_.-]+$/,
    allowed: "letters, digits and _.-",
    global: false,
  },
  "glue-connection": {
    maxLength: 255,
    pattern: /^[A-Za-z0-9_.-]+$/,
    allowed: "letters, digits and _.-",
    global: false,
  },
  "kms-alias": {
    maxLength: 250,
    pattern: /^[A-Za-z0-9/_-]+$/,
    allowed: "letters, digits and /_-",
    global: false,
  },
} satisfies Record<string, NameRule>;

export type NameKind = keyof typeof NAME_RULES;

/** Thrown when a name breaks an AWS rule; the message says which config key to change. */
export class NamingError extends Error {
  override name = "NamingError";
}

const REGION_WORDS: Record<string, string> = {
  north: "n",
  south: "s",
  east: "e",
  west: "w",
  central: "c",
  northeast: "ne",
  northwest: "nw",
  southeast: "se",
  southwest: "sw",
};

/** `eu-west-1` → `euw1`, `ap-southeast-2` → `apse2`, `us-gov-west-1` → `usgovw1`. */
export function regionCode(region: string): string {
  const parts = region.split("-");
  if (parts.length < 3 || !/^\d+$/.test(parts[parts.length - 1] ?? "")) {
    throw new NamingError(`"${region}" is not an AWS region name (expected e.g. eu-west-1)`);
  }
  return parts
    .map((part, i) => (i === 0 || /^\d+$/.test(part) ? part : (REGION_WORDS[part] ?? part)))
    .join("");
}

export interface NamingArgs {
  /** Naming prefix of the domain, e.g. `bbkyc`. */
  prefix: string;
  env: Environment;
  /** AWS region of the stack, e.g. `eu-west-1`. */
  region: string;
}

export class Naming {
  readonly prefix: string;
  readonly env: Environment;
  readonly region: string;
  readonly regionCode: string;

  constructor(args: NamingArgs) {
    this.prefix = args.prefix;
    this.env = args.env;
    this.region = args.region;
    this.regionCode = regionCode(args.region);
  }

  /** Whether names of this kind carry the region code. */
  static isGlobal(kind: NameKind): boolean {
    return NAME_RULES[kind].global;
  }

  /**
   * The deterministic physical name of one resource.
   * @param component what the resource is for, e.g. `cta-event-stream` (lower-case words and '-').
   */
  physicalName(kind: NameKind, component: string): string {
    const rule: NameRule = NAME_RULES[kind];
    const parts = [this.prefix, component, this.env];
    if (rule.global) parts.push(this.regionCode);
    const name = parts.join("-");
    checkName(kind, name, component);
    return name;
  }

  /** Names inside a path-like namespace (log groups, secrets): `/aws/lambda/<function name>`. */
  logGroupForFunction(functionName: string): string {
    const name = `/aws/lambda/${functionName}`;
    checkName("log-group", name, functionName);
    return name;
  }
}

/** Checks a complete name against AWS's rule for its kind. */
export function checkName(kind: NameKind, name: string, component = name): void {
  const rule: NameRule = NAME_RULES[kind];
  const fix = `Shorten config key "prefix" or the component name "${component}".`;
  if (name.length > rule.maxLength) {
    throw new NamingError(
      `${kind} name "${name}" is ${name.length} characters; AWS allows at most ${rule.maxLength}. ${fix}`,
    );
  }
  if (rule.minLength !== undefined && name.length < rule.minLength) {
    throw new NamingError(
      `${kind} name "${name}" is shorter than AWS's minimum of ${rule.minLength} characters.`,
    );
  }
  if (!rule.pattern.test(name)) {
    throw new NamingError(
      `${kind} name "${name}" has characters AWS does not accept; allowed: ${rule.allowed}. ` +
        `Check config keys "prefix" and "env" and the component name "${component}".`,
    );
  }
}
