/**
 * `status`: one screen per stack for the on-call engineer — queue depths (the audit queue and every
 * dead-letter queue), each stream's iterator age, the last token refresh and its expiry, the last
 * producer invocation, the last Glue run, and every alarm in ALARM. Read-only. Exit 0 when nothing
 * needs a person (no DLQ message, no alarm in ALARM, a current token), 1 otherwise.
 */
import { DescribeAlarmsCommand, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { GetJobRunsCommand } from "@aws-sdk/client-glue";
import { DescribeSecretCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import type { RegionClients } from "../lib/aws-clients.js";
import {
  announce,
  EXIT_OK,
  EXIT_VERDICT_BAD,
  type CliIo,
  type CommandSpec,
  type ParsedArgs,
} from "../lib/cli.js";
import { withRetry, type RetryPolicy } from "../lib/retry.js";
import type { StackInventory } from "../lib/stack-inventory.js";
import { formatChecks, type CheckResult } from "../lib/verdict.js";
import { latestIteratorAge } from "../migrate/drain-streams.js";
import { CONFIG_OPTION, STACK_OPTION, stackOf, type OperateContext } from "./context.js";
import { depthOf } from "./redrive-command.js";

export const statusSpec: CommandSpec = {
  usage: "npm run ops -- status --stack STACK",
  summary:
    "One screen: queues and DLQs, iterator ages, the token, the last producer and Glue runs, alarms in ALARM (read-only).",
  options: { stack: STACK_OPTION, config: CONFIG_OPTION },
};

export async function statusMain(context: OperateContext, args: ParsedArgs, io: CliIo): Promise<number> {
  const { inventory, clients } = await stackOf(
    context,
    args.options.stack as string,
    args.options.config as Record<string, string>,
  );
  announce(io, [
    `status of stack ${inventory.stack} in ${inventory.region} at ${context.now().toISOString()}`,
  ]);
  const rows = await statusRows(inventory, clients, context.retry, context.now());
  const bad = rows.filter((r) => r.status === "fail");
  io.out(
    `${formatChecks(rows)}\n\n${bad.length === 0 ? "OK: nothing needs a person" : `NEEDS ATTENTION: ${bad.length} item(s) — ${bad.map((r) => r.name).join("; ")}`}`,
  );
  return bad.length === 0 ? EXIT_OK : EXIT_VERDICT_BAD;
}

export async function statusRows(
  inventory: StackInventory,
  clients: RegionClients,
  retry: RetryPolicy,
  now: Date,
): Promise<CheckResult[]> {
  const rows: CheckResult[] = [];
  const row = async (name: string, read: () => Promise<Omit<CheckResult, "name">>) => {
    try {
      rows.push({ name, ...(await read()) });
    } catch (error) {
      rows.push({ name, status: "cannot-check", detail: `could not read it: ${(error as Error).message}` });
    }
  };
  for (const queue of [inventory.auditQueueName, ...inventory.deadLetterQueueNames]) {
    await row(`queue ${queue}`, async () => {
      const { QueueUrl } = await withRetry(retry, `GetQueueUrl ${queue}`, () =>
        clients.sqs.send(new GetQueueUrlCommand({ QueueName: queue })),
      );
      const d = await depthOf(clients.sqs, QueueUrl!, retry);
      const detail = `${d.visible} visible, ${d.inFlight} in flight`;
      const isDlq = queue !== inventory.auditQueueName;
      if (isDlq && d.visible + d.inFlight > 0)
        return {
          status: "fail",
          detail,
          fix: inventory.redriveSources[queue]
            ? `fix the cause, then: npm run ops -- redrive ${queue} --stack ${inventory.stack}`
            : "see docs/operations.md, 'A queue that should be empty is not'",
        };
      return { status: "pass", detail };
    });
  }
  for (const [pipeline, p] of Object.entries(inventory.pipelines)) {
    await row(`${pipeline} stream ${p.stream}`, async () => {
      const age = await latestIteratorAge(clients.cloudwatch, p.stream, now, retry);
      if (!age)
        return {
          status: p.caseCreator ? "cannot-check" : "pass",
          detail: "no iterator-age datapoints in the last 15 min (no reader polled, or nothing to read)",
        };
      const seconds = Math.round(age.milliseconds / 1000);
      return seconds > 300
        ? {
            status: "fail",
            detail: `iterator age ${seconds} s`,
            fix: "the reader is behind: see the technical dashboard's stream section",
          }
        : { status: "pass", detail: `iterator age ${seconds} s` };
    });
  }
  await row(`token ${inventory.tokenSecretName}`, () => tokenRow(clients, inventory, retry, now));
  for (const [pipeline, p] of Object.entries(inventory.pipelines)) {
    if (p.producer)
      await row(`${pipeline} producer ${p.producer}`, () =>
        lastInvocationRow(clients, p.producer!, retry, now),
      );
  }
  for (const job of inventory.glueJobNames) {
    await row(`Glue job ${job}`, async () => {
      const { JobRuns = [] } = await withRetry(retry, `GetJobRuns ${job}`, () =>
        clients.glue.send(new GetJobRunsCommand({ JobName: job, MaxResults: 1 })),
      );
      const run = JobRuns[0];
      if (!run) return { status: "pass", detail: "no run yet" };
      const detail = `last run ${run.JobRunState} (started ${run.StartedOn?.toISOString() ?? "?"}${run.CompletedOn ? `, ended ${run.CompletedOn.toISOString()}` : ""})`;
      return ["FAILED", "ERROR", "TIMEOUT"].includes(run.JobRunState ?? "")
        ? {
            status: "fail",
            detail: `${detail}: ${run.ErrorMessage ?? ""}`,
            fix: "read the run's error in the Glue console; the next scheduled run resumes from the last good bookmark",
          }
        : { status: "pass", detail };
    });
  }
  await row("alarms", async () => {
    const inAlarm: string[] = [];
    for (let i = 0; i < inventory.alarmNames.length; i += 100) {
      const { MetricAlarms = [], CompositeAlarms = [] } = await withRetry(retry, "DescribeAlarms", () =>
        clients.cloudwatch.send(
          new DescribeAlarmsCommand({
            AlarmNames: inventory.alarmNames.slice(i, i + 100),
            StateValue: "ALARM",
          }),
        ),
      );
      inAlarm.push(...MetricAlarms.map((a) => a.AlarmName!), ...CompositeAlarms.map((a) => a.AlarmName!));
    }
    return inAlarm.length === 0
      ? { status: "pass", detail: `none of ${inventory.alarmNames.length} in ALARM` }
      : {
          status: "fail",
          detail: `in ALARM: ${inAlarm.join(", ")}`,
          fix: "each alarm's description says what broke and where to look",
        };
  });
  return rows;
}

/** When the token was last refreshed and when it expires — never the token itself. */
async function tokenRow(
  clients: RegionClients,
  inventory: StackInventory,
  retry: RetryPolicy,
  now: Date,
): Promise<Omit<CheckResult, "name">> {
  const described = await withRetry(retry, "DescribeSecret", () =>
    clients.secretsManager.send(new DescribeSecretCommand({ SecretId: inventory.tokenSecretName })),
  );
  const changed = described.LastChangedDate?.toISOString() ?? "never";
  let expiresAt: string | undefined;
  try {
    const { SecretString } = await clients.secretsManager.send(
      new GetSecretValueCommand({ SecretId: inventory.tokenSecretName }),
    );
    const parsed = JSON.parse(SecretString ?? "{}") as { expires_at?: unknown };
    if (typeof parsed.expires_at === "string") expiresAt = parsed.expires_at;
  } catch (error) {
    return {
      status: "cannot-check",
      detail: `last refreshed ${changed}; expiry not readable (${(error as { name?: string }).name ?? "error"}: these credentials may not read the secret)`,
    };
  }
  if (!expiresAt)
    return {
      status: "fail",
      detail: `last changed ${changed}; no token stored yet`,
      fix: `run a refresh: aws lambda invoke --function-name ${inventory.tokenManagerFunction} /dev/stdout`,
    };
  const msLeft = Date.parse(expiresAt) - now.getTime();
  const minutes = Math.round(Math.abs(msLeft) / 60_000);
  const detail = `last refreshed ${changed}; expires ${expiresAt} (${msLeft > 0 ? `in ${minutes} min` : `${minutes} min ago`})`;
  return msLeft > 0
    ? { status: "pass", detail }
    : {
        status: "fail",
        detail,
        fix: "refreshes are failing: see docs/operations.md, 'The token expired or refreshes fail'",
      };
}

/** The producer's last invocation and errors in the last 24 h, from AWS/Lambda's metrics. */
async function lastInvocationRow(
  clients: RegionClients,
  functionName: string,
  retry: RetryPolicy,
  now: Date,
): Promise<Omit<CheckResult, "name">> {
  const stats = async (metric: string) =>
    (
      await withRetry(retry, `GetMetricStatistics ${metric}`, () =>
        clients.cloudwatch.send(
          new GetMetricStatisticsCommand({
            Namespace: "AWS/Lambda",
            MetricName: metric,
            Dimensions: [{ Name: "FunctionName", Value: functionName }],
            StartTime: new Date(now.getTime() - 86_400_000),
            EndTime: now,
            Period: 300,
            Statistics: ["Sum"],
          }),
        ),
      )
    ).Datapoints ?? [];
  const invocations = (await stats("Invocations")).filter((d) => (d.Sum ?? 0) > 0);
  const errors = (await stats("Errors")).reduce((n, d) => n + (d.Sum ?? 0), 0);
  if (invocations.length === 0)
    return { status: "pass", detail: "no invocation in the last 24 h (no file uploaded)" };
  const last = invocations.map((d) => d.Timestamp!).sort((a, b) => b.getTime() - a.getTime())[0]!;
  const detail = `last invoked in the 5 min from ${last.toISOString()}; ${errors} error(s) in 24 h`;
  return errors > 0
    ? { status: "fail", detail, fix: "see the producer's log group and the producer-failures queue" }
    : { status: "pass", detail };
}
