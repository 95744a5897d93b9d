/**
 * Monthly cost of a workload on a stack, from the model's invocations and the dated price table
 * (`prices.ts`). A month is 30 days; every line says what it counts so a reader can redo it.
 */
import type { Prediction, Workload } from "./model.js";
import { PRICES } from "./prices.js";
import type { StackModel } from "./stack-model.js";

export interface CostLine {
  item: string;
  quantity: string;
  usd: number;
}

const DAYS = 30;
const HOURS = DAYS * 24;
/** Long polls of the audit queue while idle: Lambda's pollers, about 5 receives per 20 s each. */
const IDLE_RECEIVES_PER_MONTH = 5 * 3 * 60 * HOURS;
/** Custom metric series the stack's functions emit (names × the Environment dimension), see handlers/lib/metric-catalog.ts. */
const CUSTOM_METRIC_SERIES = 14;
const EMF_BYTES_PER_INVOCATION = 600;

export function monthlyCost(
  stack: StackModel,
  workload: Workload,
  prediction: Prediction,
  pipelineName?: string,
): { lines: CostLine[]; totalUsd: number } {
  const pipeline = stack.pipelines.find((p) =>
    pipelineName ? p.name === pipelineName : p.caseCreator !== undefined,
  )!;
  const files = workload.filesPerDay * DAYS;
  const records = workload.recordsPerFile * files;
  const memory: Record<string, number> = {
    producer: (pipeline.producer?.memoryMb ?? 512) / 1024,
    "case-creator": (pipeline.caseCreator?.memoryMb ?? 512) / 1024,
    "audit-processor": stack.auditProcessor.memoryMb / 1024,
  };
  const gbSeconds =
    prediction.invocations.reduce((s, i) => s + ((i.endMs - i.startMs) / 1000) * memory[i.fn]!, 0) * files;
  const requests = prediction.invocations.length * files;
  const putUnits = records * Math.ceil(workload.recordBytes / 25_600);
  const auditBatches = prediction.invocations.filter((i) => i.fn === "audit-processor").length * files;
  const sqsRequests =
    records / 10 /* SendMessageBatch */ +
    auditBatches * 2 /* receive + delete batch */ +
    IDLE_RECEIVES_PER_MONTH;
  const caseCreatorInvocations = prediction.invocations.filter((i) => i.fn === "case-creator").length * files;
  const lines: CostLine[] = [
    {
      item: "Lambda compute",
      quantity: `${Math.round(gbSeconds).toLocaleString("en-GB")} GB-s`,
      usd: gbSeconds * PRICES.lambda.perGbSecond,
    },
    {
      item: "Lambda requests",
      quantity: `${requests.toLocaleString("en-GB")} invocations`,
      usd: (requests / 1e6) * PRICES.lambda.perMillionRequests,
    },
  ];
  if (pipeline.onDemand) {
    const gb = (records * workload.recordBytes) / 1024 ** 3;
    lines.push(
      {
        item: "Kinesis on-demand stream-hours",
        quantity: `${HOURS} h`,
        usd: HOURS * PRICES.kinesis.perStreamHourOnDemand,
      },
      {
        item: "Kinesis on-demand data",
        quantity: `${gb.toFixed(2)} GB in and out`,
        usd: gb * (PRICES.kinesis.perGbWrittenOnDemand + PRICES.kinesis.perGbReadOnDemand),
      },
    );
  } else {
    lines.push(
      {
        item: "Kinesis shard-hours",
        quantity: `${pipeline.shards} shards × ${HOURS} h`,
        usd: pipeline.shards! * HOURS * PRICES.kinesis.perShardHour,
      },
      {
        item: "Kinesis PUT payload units",
        quantity: `${putUnits.toLocaleString("en-GB")}`,
        usd: (putUnits / 1e6) * PRICES.kinesis.perMillionPutPayloadUnits,
      },
    );
  }
  lines.push(
    {
      item: "SQS requests",
      quantity: `${Math.round(sqsRequests).toLocaleString("en-GB")} (sends, receives, deletes, idle long polls)`,
      usd: (sqsRequests / 1e6) * PRICES.sqs.perMillionRequests,
    },
    // Per record: its item read (1 read unit, in a BatchGetItem of the batch) and one conditional PutItem of an item up to 2 KB with its history (2 write units).
    {
      item: "DynamoDB on-demand",
      quantity: `${records.toLocaleString("en-GB")} reads, ${(2 * records).toLocaleString("en-GB")} write units`,
      usd:
        (records / 1e6) * PRICES.dynamodb.perMillionReadUnits +
        ((2 * records) / 1e6) * PRICES.dynamodb.perMillionWriteUnits,
    },
    {
      item: "CloudWatch custom metrics",
      quantity: `${CUSTOM_METRIC_SERIES} series`,
      usd: CUSTOM_METRIC_SERIES * PRICES.cloudwatch.perMetricMonth,
    },
    {
      item: "CloudWatch Logs (EMF lines)",
      quantity: `${((requests * EMF_BYTES_PER_INVOCATION) / 1024 ** 3).toFixed(3)} GB`,
      usd: ((requests * EMF_BYTES_PER_INVOCATION) / 1024 ** 3) * PRICES.cloudwatch.perGbLogsIngested,
    },
    // One GetSecretValue per cold case-creator container (≤ lanes per file, as measured by bench/case-creator.ts) plus the 55-minute refresh.
    {
      item: "Secrets Manager",
      quantity: `1 secret, ${(Math.min(caseCreatorInvocations, prediction.peakConcurrencyByFunction["case-creator"]! * files) + (HOURS * 60) / 55).toFixed(0)} calls`,
      usd:
        PRICES.secretsManager.perSecretMonth +
        ((prediction.peakConcurrencyByFunction["case-creator"]! * files + (HOURS * 60) / 55) / 10_000) *
          PRICES.secretsManager.perTenThousandCalls,
    },
  );
  return { lines, totalUsd: lines.reduce((s, l) => s + l.usd, 0) };
}
