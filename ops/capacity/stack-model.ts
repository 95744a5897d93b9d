/**
 * What the capacity model (and the case-creator bench) needs to know about a stack, read from the
 * program's own offline plan (`planStack`, as `npm run plan` and the preflight do): shard counts,
 * the event source mappings' batch settings, each function's memory and timeout. Never a second
 * copy of the config: a setting changed in `Pulumi.<stack>.yaml` or in a component shows up here.
 */
import { planStack, type OfflinePlan } from "../../stacks/offline/plan.js";
import type { RecordedResource } from "../../stacks/offline/recording-mocks.js";

export interface FunctionModel {
  name: string;
  memoryMb: number;
  timeoutSeconds: number;
}

export interface KinesisMappingModel {
  batchSize: number;
  parallelizationFactor: number;
  batchingWindowSeconds: number;
  maximumRetryAttempts: number;
}

export interface PipelineModel {
  name: string;
  stream: string;
  /** Provisioned shards; `undefined` when the stream is on-demand. */
  shards?: number;
  onDemand: boolean;
  producer?: FunctionModel;
  caseCreator?: FunctionModel & { mapping: KinesisMappingModel };
}

export interface StackModel {
  stack: string;
  region: string;
  env: string;
  /** The stack's end-to-end SLA (`slaSeconds`), the drain time a file should meet. */
  slaSeconds: number;
  pipelines: PipelineModel[];
  auditProcessor: FunctionModel & {
    batchSize: number;
    batchingWindowSeconds: number;
    maximumConcurrency?: number;
  };
}

const ofType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);
const num = (v: unknown, fallback: number) => (v === undefined || v === null ? fallback : Number(v));

export async function stackModelOf(
  stack: string,
  overrides: Record<string, string> = {},
): Promise<StackModel> {
  return stackModelFromPlan(await planStack(stack, overrides));
}

export function stackModelFromPlan(plan: OfflinePlan): StackModel {
  const { resources, config } = plan;
  const functions = ofType(resources, "aws:lambda/function:Function").map(
    (r): FunctionModel => ({
      name: String(r.inputs.name),
      memoryMb: num(r.inputs.memorySize, 128),
      timeoutSeconds: num(r.inputs.timeout, 3),
    }),
  );
  const fn = (ref: unknown) =>
    functions.find((f) => String(ref) === f.name || String(ref).endsWith(`:function:${f.name}`));
  const mappings = ofType(resources, "aws:lambda/eventSourceMapping:EventSourceMapping");
  const byName = (suffix: string) => functions.find((f) => f.name.endsWith(suffix));

  const pipelines = ofType(resources, "aws:kinesis/stream:Stream").map((r): PipelineModel => {
    const stream = String(r.inputs.name);
    const pipeline =
      config.pipelines.find((p) => stream.startsWith(`${config.prefix}-${p.name}-`))?.name ?? stream;
    const onDemand = r.inputs.streamModeDetails?.streamMode === "ON_DEMAND";
    const mapping = mappings.find(
      (m) =>
        String(m.inputs.eventSourceArn).endsWith(`:stream/${stream}`) &&
        fn(m.inputs.functionName)?.name.includes("case-creator"),
    );
    const producer = byName(`-${pipeline}-event-producer-${config.env}`);
    const caseCreator = mapping ? fn(mapping.inputs.functionName) : undefined;
    return {
      name: pipeline,
      stream,
      onDemand,
      ...(onDemand ? {} : { shards: num(r.inputs.shardCount, 1) }),
      ...(producer ? { producer } : {}),
      ...(caseCreator && mapping
        ? {
            caseCreator: {
              ...caseCreator,
              mapping: {
                batchSize: num(mapping.inputs.batchSize, 100),
                parallelizationFactor: num(mapping.inputs.parallelizationFactor, 1),
                batchingWindowSeconds: num(mapping.inputs.maximumBatchingWindowInSeconds, 0),
                maximumRetryAttempts: num(mapping.inputs.maximumRetryAttempts, -1),
              },
            },
          }
        : {}),
    };
  });

  const auditFn = byName(`-audit-processor-${config.env}`);
  const auditMapping = auditFn
    ? mappings.find((m) => fn(m.inputs.functionName)?.name === auditFn.name)
    : undefined;
  if (!auditFn || !auditMapping)
    throw new Error(`the plan of stack ${plan.stack} has no audit processor with an event source mapping`);
  const maximumConcurrency = auditMapping.inputs.scalingConfig?.maximumConcurrency;
  return {
    stack: plan.stack,
    region: config.region,
    env: config.env,
    slaSeconds: config.slaSeconds,
    pipelines,
    auditProcessor: {
      ...auditFn,
      batchSize: num(auditMapping.inputs.batchSize, 10),
      batchingWindowSeconds: num(auditMapping.inputs.maximumBatchingWindowInSeconds, 0),
      ...(maximumConcurrency !== undefined ? { maximumConcurrency: Number(maximumConcurrency) } : {}),
    },
  };
}
