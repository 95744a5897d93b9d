/**
 * `npm run capacity -- <stack> [--records N] [--file-size MB] [--files-per-day N] …`
 *
 * Reads the stack's real settings from its offline plan (shards or on-demand, batch size,
 * parallelization, batching window, memory, timeouts: `stack-model.ts`), runs the discrete-event
 * model (`model.ts`) for the workload and prints the predicted drain time, the binding limit, peak
 * Lambda concurrency against the account quota, Salesforce calls against the daily limit and a
 * monthly cost (`cost.ts`, prices dated in `prices.ts`). Writes nothing. Exit 1 when the workload
 * does not fit (Salesforce limit, concurrency quota, or the SLA), 2 on a wrong command line.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../../stacks/config-reader.js";
import { stackNames } from "../../stacks/stack-files.js";
import {
  announce,
  runCommand,
  UsageError,
  type CliIo,
  type CommandSpec,
  type ParsedArgs,
} from "../lib/cli.js";
import { ProgressReporter } from "../lib/progress.js";
import { reportChecks } from "../lib/verdict.js";
import { monthlyCost } from "./cost.js";
import type { EmulatorProcess } from "./emulator-servers.js";
import { AWS_SERVICE_TIMES, predict, type Prediction, type ServiceTimes, type Workload } from "./model.js";
import { PRICES_RECORDED_ON, PRICES_REGION_NOTE } from "./prices.js";
import { stackModelOf, type StackModel } from "./stack-model.js";

export const CAPACITY_SPEC: CommandSpec = {
  usage:
    "npm run capacity -- <stack> [--records N] [--file-size MB] [--files-per-day N] [--salesforce-ms MS] [--sweep-shards 2,4,8]",
  summary:
    "Predicts drain time, binding limit, peak concurrency, Salesforce API use and monthly cost of a workload on a stack (writes nothing).",
  positionals: ["stack"],
  options: {
    records: { kind: "integer", min: 1, default: 50_000, help: "records per file", placeholder: "N" },
    "file-size": {
      kind: "number",
      min: 0,
      help: "file size in MB (sets the record size: size / records); default from --record-bytes",
      placeholder: "MB",
    },
    "record-bytes": {
      kind: "integer",
      min: 1,
      default: 500,
      help: "bytes per record as published",
      placeholder: "BYTES",
    },
    "files-per-day": {
      kind: "number",
      min: 0,
      default: 4,
      help: "files uploaded per day (for the daily Salesforce use and the monthly cost)",
      placeholder: "N",
    },
    "salesforce-ms": {
      kind: "integer",
      min: 1,
      default: 800,
      help: "time of one sObject Collections upsert of ≤200 records",
      placeholder: "MS",
    },
    "salesforce-daily-limit": {
      kind: "integer",
      min: 1,
      default: 100_000,
      help: "the org's daily API request limit",
      placeholder: "N",
    },
    "concurrency-quota": {
      kind: "integer",
      min: 1,
      default: 1_000,
      help: "the account's Lambda concurrency quota in the region",
      placeholder: "N",
    },
    sla: {
      kind: "integer",
      min: 1,
      help: "seconds a file must be drained within (default: the stack's slaSeconds)",
      placeholder: "SECONDS",
    },
    pipeline: {
      kind: "string",
      help: "the pipeline to model (default: the first one with a case creator)",
      placeholder: "NAME",
    },
    "sweep-shards": {
      kind: "list",
      help: "also predict the drain time with these shard counts",
      placeholder: "N,N",
    },
    "service-time": {
      kind: "pairs",
      help: "override a service time of the model, e.g. auditPerRecordMs=197 (see model.ts)",
      placeholder: "NAME=MS",
    },
    "audit-concurrency": {
      kind: "integer",
      min: 1,
      help: "cap the audit processor's concurrency (1 models the emulator's one-request-at-a-time DynamoDB)",
      placeholder: "N",
    },
    emulator: {
      kind: "string",
      help: "validation against a local run only: JSON file of the emulator's processes and their service times (e.g. ops/capacity/emulator-moto.json)",
      placeholder: "FILE",
    },
    config: {
      kind: "pairs",
      help: "config as `pulumi config set` would add it, e.g. tokenUrl=https://… (prod needs it)",
      placeholder: "KEY=VALUE",
    },
    json: { kind: "boolean", help: "print the prediction as JSON on stdout" },
  },
};

export async function capacityMain(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand(CAPACITY_SPEC, argv, capacity, io);
}

export function serviceTimesFrom(overrides: Record<string, string>): ServiceTimes {
  const times: ServiceTimes = { ...AWS_SERVICE_TIMES };
  for (const [name, value] of Object.entries(overrides)) {
    if (!(name in AWS_SERVICE_TIMES) && name !== "auditConcurrencyCap")
      throw new UsageError(
        `unknown service time "${name}"; use one of ${Object.keys(AWS_SERVICE_TIMES).join(", ")}`,
      );
    const ms = Number(value);
    if (!Number.isFinite(ms) || ms < 0)
      throw new UsageError(`--service-time ${name} needs a number of ms, got "${value}"`);
    (times as unknown as Record<string, number>)[name] = ms;
  }
  return times;
}

function readEmulatorProcesses(file: string): EmulatorProcess[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`--emulator ${file}: ${(error as Error).message}`);
  }
  const processes = (parsed as { processes?: unknown }).processes;
  if (!Array.isArray(processes)) throw new UsageError(`--emulator ${file}: needs a "processes" array`);
  return processes as EmulatorProcess[];
}

async function capacity(args: ParsedArgs, io: CliIo): Promise<number> {
  const stack = args.positionals.stack!;
  if (!stackNames().includes(stack))
    throw new UsageError(`no stack "${stack}"; use one of ${stackNames().join(", ")}`);
  const o = args.options;
  const records = o.records as number;
  const recordBytes =
    o["file-size"] !== undefined
      ? Math.max(1, Math.round(((o["file-size"] as number) * 1024 * 1024) / records))
      : (o["record-bytes"] as number);
  const workload: Workload = {
    recordsPerFile: records,
    filesPerDay: o["files-per-day"] as number,
    recordBytes,
    salesforceCallMs: o["salesforce-ms"] as number,
    salesforceDailyLimit: o["salesforce-daily-limit"] as number,
    accountConcurrencyQuota: o["concurrency-quota"] as number,
  };
  const times = serviceTimesFrom((o["service-time"] as Record<string, string> | undefined) ?? {});
  if (o.emulator !== undefined) times.emulator = readEmulatorProcesses(o.emulator as string);
  announce(io, [
    `capacity ${stack}: ${records.toLocaleString("en-GB")} records a file (${recordBytes} bytes each), ${workload.filesPerDay} files a day; reads the stack's offline plan, writes nothing`,
    `Salesforce ${workload.salesforceCallMs} ms a call, limit ${workload.salesforceDailyLimit.toLocaleString("en-GB")} a day; Lambda quota ${workload.accountConcurrencyQuota}`,
  ]);
  const progress = new ProgressReporter({ io, unit: "steps", total: 2 });
  let model: StackModel;
  try {
    model = await stackModelOf(stack, (o.config as Record<string, string> | undefined) ?? {});
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`${error.message}\n\ncapacity ${stack}: CANNOT PREDICT — the stack's configuration is invalid`);
      return 1;
    }
    throw error;
  }
  progress.add(1, "planned");
  if (o["audit-concurrency"] !== undefined)
    model = {
      ...model,
      auditProcessor: { ...model.auditProcessor, maximumConcurrency: o["audit-concurrency"] as number },
    };
  const pipelineName = o.pipeline as string | undefined;
  const prediction = predict(model, workload, times, pipelineName);
  const cost = monthlyCost(model, workload, prediction, pipelineName);
  const sweep = ((o["sweep-shards"] as string[] | undefined) ?? []).map((s) => {
    const shards = Number(s);
    if (!Number.isInteger(shards) || shards < 1)
      throw new UsageError(`--sweep-shards takes whole shard counts, got "${s}"`);
    const swept = {
      ...model,
      pipelines: model.pipelines.map((p) =>
        p.caseCreator && (!pipelineName || p.name === pipelineName) ? { ...p, shards, onDemand: false } : p,
      ),
    };
    const r = predict(swept, workload, times, pipelineName);
    return {
      shards,
      drainSeconds: Math.round(r.drainSeconds),
      bindingLimit: r.bindingLimit,
      peakConcurrency: r.peakConcurrency,
      salesforceCallsPerFile: r.salesforceCallsPerFile,
    };
  });
  progress.add(1, "modelled");
  progress.finish();

  if (o.json) {
    const { invocations, ...rest } = prediction;
    io.out(
      JSON.stringify(
        {
          stack,
          workload,
          serviceTimes: times,
          prediction: { ...rest, invocations: invocations.length },
          cost,
          sweep,
          pricesRecordedOn: PRICES_RECORDED_ON,
        },
        null,
        2,
      ),
    );
  } else {
    io.out(report(model, workload, prediction, cost, sweep, pipelineName));
  }
  const sla = (o.sla as number | undefined) ?? model.slaSeconds;
  return reportChecks(
    io,
    `capacity ${stack}`,
    [
      {
        name: "Drain time",
        status: prediction.drainSeconds <= sla ? "pass" : "fail",
        detail: `${Math.round(prediction.drainSeconds)} s predicted, SLA ${sla} s`,
        fix: `relieve the binding limit: ${prediction.bindingLimit}`,
      },
      {
        name: "Lambda concurrency",
        status: prediction.peakConcurrency <= workload.accountConcurrencyQuota ? "pass" : "fail",
        detail: `peak ${prediction.peakConcurrency} of ${workload.accountConcurrencyQuota}`,
        fix: "ask for a higher quota or cap the audit processor's concurrency",
      },
      {
        name: "Salesforce daily API limit",
        status: prediction.salesforceCallsPerDay <= workload.salesforceDailyLimit ? "pass" : "fail",
        detail: `${prediction.salesforceCallsPerDay.toLocaleString("en-GB")} calls a day of ${workload.salesforceDailyLimit.toLocaleString("en-GB")}`,
        fix: "fewer, fuller batches (batch size, batching window) or a higher org limit",
      },
    ],
    { good: "FITS", bad: "DOES NOT FIT" },
  );
}

function report(
  model: StackModel,
  workload: Workload,
  p: Prediction,
  cost: ReturnType<typeof monthlyCost>,
  sweep: Array<Record<string, unknown>>,
  pipelineName?: string,
): string {
  const pipeline = model.pipelines.find((x) =>
    pipelineName ? x.name === pipelineName : x.caseCreator !== undefined,
  )!;
  const m = pipeline.caseCreator!.mapping;
  const lines = [
    `stack ${model.stack} (${model.region}), pipeline ${pipeline.name}: ${pipeline.onDemand ? "on-demand stream" : `${pipeline.shards} shards`} × parallelization ${m.parallelizationFactor}, batch ${m.batchSize}, window ${m.batchingWindowSeconds} s; audit batch ${model.auditProcessor.batchSize}, window ${model.auditProcessor.batchingWindowSeconds} s, concurrency ${model.auditProcessor.maximumConcurrency ?? "unreserved"}`,
    "",
    `predicted time to drain one file: ${Math.round(p.drainSeconds)} s (producer done ${Math.round(p.stageSeconds.producer)} s, cases ${Math.round(p.stageSeconds.caseCreator)} s, audited ${Math.round(p.stageSeconds.audit)} s)`,
    `binding limit: ${p.bindingLimit}`,
    ...p.capacities.map(
      (c) => `  ${c.stage}: ${Math.round(c.recordsPerSecond).toLocaleString("en-GB")} records/s`,
    ),
    `peak Lambda concurrency: ${p.peakConcurrency} (${Object.entries(p.peakConcurrencyByFunction)
      .map(([f, n]) => `${f} ${n}`)
      .join(", ")}) of the quota ${workload.accountConcurrencyQuota}`,
    `Salesforce calls: ${p.salesforceCallsPerFile.toLocaleString("en-GB")} a file (${((p.salesforceCallsPerFile / workload.recordsPerFile) * 1000).toFixed(2)} per 1,000 records), ${p.salesforceCallsPerDay.toLocaleString("en-GB")} a day of ${workload.salesforceDailyLimit.toLocaleString("en-GB")}`,
    "",
    `monthly cost estimate (30 days, prices of ${PRICES_RECORDED_ON}, ${PRICES_REGION_NOTE}):`,
    ...cost.lines.map((l) => `  ${l.item.padEnd(32)} ${`$${l.usd.toFixed(2)}`.padStart(10)}  ${l.quantity}`),
    `  ${"total".padEnd(32)} ${`$${cost.totalUsd.toFixed(2)}`.padStart(10)}`,
  ];
  if (sweep.length > 0) {
    lines.push(
      "",
      "with other shard counts:",
      ...sweep.map(
        (s) =>
          `  ${String(s.shards).padStart(3)} shards: ${s.drainSeconds} s, peak concurrency ${s.peakConcurrency}, ${s.salesforceCallsPerFile} Salesforce calls; binding: ${s.bindingLimit}`,
      ),
    );
  }
  return lines.join("\n");
}
