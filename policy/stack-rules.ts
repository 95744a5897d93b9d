/**
 * Guardrails that need more than one resource to judge (a bucket and its guards; a function and the
 * sources that invoke it asynchronously). Pure functions of the stack's resources (type + inputs);
 * the policy pack's `validateStack` and `npm test` call these same functions.
 */
import { listOf, type PlannedResource } from "./planned-resource.js";

export interface StackViolation {
  /** Logical name of the resource at fault. */
  resource: string;
  message: string;
}

export interface StackRule {
  name: string;
  description: string;
  check(resources: readonly PlannedResource[]): StackViolation[];
}

const BUCKET_TYPES = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
const ofType = (resources: readonly PlannedResource[], type: string) =>
  resources.filter((r) => r.type === type);

export const bucketsGuarded: StackRule = {
  name: "s3-buckets-guarded",
  description:
    "Every bucket has a public access block, a bucket policy and a default-encryption configuration of its own.",
  check(resources) {
    const guards: Array<[string, string]> = [
      [
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "public access block (BucketPublicAccessBlock)",
      ],
      ["aws:s3/bucketPolicy:BucketPolicy", "TLS-only bucket policy (BucketPolicy)"],
      [
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "default KMS encryption (BucketServerSideEncryptionConfiguration)",
      ],
    ];
    const violations: StackViolation[] = [];
    for (const bucket of resources.filter((r) => BUCKET_TYPES.has(r.type))) {
      const name = bucket.inputs.bucket;
      for (const [type, what] of guards) {
        if (!ofType(resources, type).some((g) => g.inputs.bucket === name))
          violations.push({
            resource: bucket.name,
            message: `bucket ${bucket.name} (${String(name)}) has no ${what}.`,
          });
      }
    }
    return violations;
  },
};

/** `arn:aws:lambda:region:acct:function:name[:qualifier]` or a bare name → the function's name. */
function functionNameOf(reference: unknown): string | undefined {
  if (typeof reference !== "string" || reference === "") return undefined;
  const match = /:function:([^:]+)/.exec(reference);
  return match ? match[1] : reference.includes(":") ? undefined : reference;
}

/** Principals that invoke Lambda asynchronously (AWS's list of async invokers). */
const ASYNC_PRINCIPALS = new Set([
  "s3.amazonaws.com",
  "sns.amazonaws.com",
  "events.amazonaws.com",
  "scheduler.amazonaws.com",
  "ses.amazonaws.com",
  "logs.amazonaws.com",
]);

/** Every function some source of the stack invokes asynchronously, with what invokes it. */
export function asynchronouslyInvokedFunctions(resources: readonly PlannedResource[]): Map<string, string> {
  const invoked = new Map<string, string>();
  const add = (fn: string | undefined, by: string) => fn && !invoked.has(fn) && invoked.set(fn, by);
  for (const r of resources) {
    if (r.type === "aws:lambda/permission:Permission" && ASYNC_PRINCIPALS.has(String(r.inputs.principal)))
      add(functionNameOf(r.inputs.function), `${r.inputs.principal} (${r.name})`);
    if (r.type === "aws:s3/bucketNotification:BucketNotification")
      for (const f of listOf(r.inputs.lambdaFunctions as any[]))
        add(functionNameOf(f?.lambdaFunctionArn), `S3 notification ${r.name}`);
    if (r.type === "aws:scheduler/schedule:Schedule")
      add(functionNameOf(r.inputs.target?.arn), `schedule ${r.name}`);
    if (r.type === "aws:cloudwatch/eventTarget:EventTarget")
      add(functionNameOf(r.inputs.arn), `EventBridge rule target ${r.name}`);
    if (r.type === "aws:sns/topicSubscription:TopicSubscription" && r.inputs.protocol === "lambda")
      add(functionNameOf(r.inputs.endpoint), `SNS subscription ${r.name}`);
  }
  return invoked;
}

export const asyncFunctionsKeepFailures: StackRule = {
  name: "async-functions-have-failure-destination",
  description:
    "A function invoked asynchronously (S3, Scheduler, EventBridge, SNS) has an on-failure destination or a DLQ; a schedule's target has a DLQ.",
  check(resources) {
    const violations: StackViolation[] = [];
    const functions = ofType(resources, "aws:lambda/function:Function");
    const invokeConfigs = ofType(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
    for (const [fnName, by] of asynchronouslyInvokedFunctions(resources)) {
      const fn = functions.find((f) => f.inputs.name === fnName);
      if (!fn) continue; // a function of another stack: its own stack's policy judges it
      const destination = invokeConfigs.some(
        (c) =>
          functionNameOf(c.inputs.functionName) === fnName &&
          typeof c.inputs.destinationConfig?.onFailure?.destination === "string",
      );
      const deadLetter = typeof fn.inputs.deadLetterConfig?.targetArn === "string";
      if (!destination && !deadLetter) {
        violations.push({
          resource: fn.name,
          message: `function ${fn.name} is invoked asynchronously by ${by} but keeps no failed event: add a FunctionEventInvokeConfig with destinationConfig.onFailure (or a deadLetterConfig).`,
        });
      }
    }
    for (const schedule of ofType(resources, "aws:scheduler/schedule:Schedule")) {
      if (typeof schedule.inputs.target?.deadLetterConfig?.arn !== "string")
        violations.push({
          resource: schedule.name,
          message: `schedule ${schedule.name} has no dead-letter queue for undelivered invocations: set target.deadLetterConfig.`,
        });
    }
    return violations;
  },
};

export const STACK_RULES: readonly StackRule[] = [bucketsGuarded, asyncFunctionsKeepFailures];
