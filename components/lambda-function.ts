/**
 * One Lambda function the way every component here wants it: an esbuild bundle, its own
 * least-privilege role (or an existing role from config), a pre-created KMS-encrypted log group
 * with retention, and environment variables encrypted with the platform key.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { BUNDLE_HANDLER, LAMBDA_RUNTIME, bundleHandler } from "./bundle.js";
import { assumeRolePolicy, logWriteStatement, policyDocument, type PolicyStatement } from "./iam.js";
import type { Naming } from "./naming.js";
import type { NetworkNeed } from "./network-config.js";

/** Where a VPC-placed function runs, and the ENI rights its role needs for that (issue #20). */
export interface FunctionPlacement {
  subnetIds: pulumi.Input<string[]>;
  securityGroupIds: pulumi.Input<string[]>;
  /** Added to the created role's policy; an existing role must already carry them. */
  statements: pulumi.Input<PolicyStatement>[];
  /**
   * What must exist before the function can reach anything from its subnets (a created VPC's NAT
   * route, its interface endpoints): the function waits for them, so the token manager's first
   * refresh during `pulumi up` never runs into a network that is still being built.
   */
  readyWhen?: pulumi.Resource[];
}

/** What a component asks of the stack's network: the placement for one function, or none (outside any VPC). */
export interface FunctionNetwork {
  placementFor(need: NetworkNeed): FunctionPlacement | undefined;
}

export interface BundledFunctionArgs {
  /** Instance name, e.g. `cta-case-creator`: the function is `<prefix>-<component>-<env>`. */
  component: string;
  naming: Naming;
  /** Handler entry relative to the project, e.g. `handlers/case-creator/handler.ts`. */
  entry: string;
  description: string;
  /** @default `256` (MB) */
  memorySize?: number;
  /** @default `60` (seconds) */
  timeoutSeconds?: number;
  environment: Record<string, pulumi.Input<string>>;
  /** What the function may do besides writing its own logs. Never use `*` actions. */
  statements: pulumi.Input<PolicyStatement>[];
  logRetentionDays: number;
  /** Platform key: encrypts the log group and the environment variables. */
  kmsKeyArn: pulumi.Input<string>;
  /** Use this role instead of creating one (the bank's IAM team may own it). */
  existingRoleArn?: string;
  /** Reserved concurrency; unset leaves the account pool. */
  reservedConcurrency?: number;
  /** VPC placement; unset runs the function outside any VPC (no `vpcConfig`, no EC2 rights). */
  placement?: FunctionPlacement;
}

export interface BundledFunction {
  function: aws.lambda.Function;
  functionName: string;
  logGroup: aws.cloudwatch.LogGroup;
  logGroupName: string;
  /** Undefined when an existing role is used. */
  role?: aws.iam.Role;
  /** The inline policy attached to the created role (for review and tests). */
  policy?: pulumi.Output<string>;
  /**
   * The resource attaching that policy; the function already waits for it. Event source mappings and
   * on-failure destinations should `dependsOn` it too: AWS checks the role's rights when they are saved.
   */
  rolePolicy?: aws.iam.RolePolicy;
}

/**
 * Handler entry of every function declared in this process, by physical name. The local run plans
 * the stack in-process and runs each function from the same entry (bundled the same way), so it
 * never keeps a second list of which code a function runs.
 */
const entries = new Map<string, string>();

/** The handler entry the program bundles for `functionName` (after the stack was planned in this process). */
export function bundledEntryOf(functionName: string): string | undefined {
  return entries.get(functionName);
}

/** Declares the function's resources as children of `parent`; logical names start with `logicalPrefix`. */
export function createBundledFunction(
  logicalPrefix: string,
  args: BundledFunctionArgs,
  parent: pulumi.Resource,
): BundledFunction {
  const functionName = args.naming.physicalName("lambda", args.component);
  entries.set(functionName, args.entry);
  const logGroupName = args.naming.logGroupForFunction(functionName);

  const logGroup = new aws.cloudwatch.LogGroup(
    `${logicalPrefix}-logs`,
    { name: logGroupName, retentionInDays: args.logRetentionDays, kmsKeyId: args.kmsKeyArn },
    { parent },
  );

  let role: aws.iam.Role | undefined;
  let policy: pulumi.Output<string> | undefined;
  let rolePolicy: aws.iam.RolePolicy | undefined;
  if (args.existingRoleArn === undefined) {
    role = new aws.iam.Role(
      `${logicalPrefix}-role`,
      {
        name: args.naming.physicalName("iam-role", args.component),
        description: `Runs ${functionName} (least privilege)`,
        assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"),
      },
      { parent },
    );
    policy = policyDocument([
      logWriteStatement(logGroup.arn),
      ...args.statements,
      ...(args.placement?.statements ?? []),
    ]);
    rolePolicy = new aws.iam.RolePolicy(
      `${logicalPrefix}-policy`,
      { name: args.naming.physicalName("iam-policy", args.component), role: role.id, policy },
      { parent },
    );
  }

  const fn = new aws.lambda.Function(
    `${logicalPrefix}-function`,
    {
      name: functionName,
      description: args.description,
      runtime: LAMBDA_RUNTIME,
      architectures: ["arm64"],
      handler: BUNDLE_HANDLER,
      code: bundleHandler(args.entry),
      role: role ? role.arn : args.existingRoleArn!,
      memorySize: args.memorySize ?? 256,
      timeout: args.timeoutSeconds ?? 60,
      kmsKeyArn: args.kmsKeyArn,
      reservedConcurrentExecutions: args.reservedConcurrency,
      loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
      environment: { variables: { NODE_OPTIONS: "--enable-source-maps", ...args.environment } },
      ...(args.placement
        ? {
            vpcConfig: {
              subnetIds: args.placement.subnetIds,
              securityGroupIds: args.placement.securityGroupIds,
            },
          }
        : {}),
    },
    // Issue #10: the function can be invoked as soon as it exists (a schedule, the first refresh, an
    // event source), so it waits until its own rights are attached, not just its role.
    {
      parent,
      dependsOn: functionDependencies([logGroup, ...(rolePolicy ? [rolePolicy] : [])], args.placement),
    },
  );

  return { function: fn, functionName, logGroup, logGroupName, role, policy, rolePolicy };
}

/** The function's own dependencies, and its network's readiness when it is placed in a VPC. */
function functionDependencies(own: pulumi.Resource[], placement: FunctionPlacement | undefined) {
  return [...own, ...(placement?.readyWhen ?? [])];
}
