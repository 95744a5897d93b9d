/**
 * Preflight checks of the account as a whole: Lambda concurrency for what the stack's config asks
 * (stacks/lambda-concurrency.ts), the Glue jobs' Iceberg tables, and the alarm e-mail of prod.
 */
import { GetTableCommand } from "@aws-sdk/client-glue";
import {
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  type GetAccountSettingsCommandOutput,
} from "@aws-sdk/client-lambda";
import {
  lambdaConcurrency,
  MIN_UNRESERVED_CONCURRENCY,
  type StackConcurrency,
} from "../../stacks/lambda-concurrency.js";
import type { CheckResult } from "../lib/verdict.js";
import { describeError, errorName, type PreflightContext } from "./checks.js";

const CONCURRENCY = "Lambda concurrency quota";
/** Service Quotas code of "Concurrent executions", for the fix text. */
const CONCURRENCY_QUOTA_CODE = "L-B99A9384";

export interface AccountConcurrency {
  /** ConcurrentExecutions: the account's quota in this region. */
  quota: number;
  /** UnreservedConcurrentExecutions: what no function has reserved. */
  unreserved: number;
  /** What the token manager already reserves (a re-deploy), counted back into the pool. */
  existingReservation: number;
}

export async function concurrencyCheck(context: PreflightContext): Promise<CheckResult> {
  const need = lambdaConcurrency(context.inventory.config);
  let settings: GetAccountSettingsCommandOutput;
  try {
    settings = await context.clients.lambda.send(new GetAccountSettingsCommand({}));
  } catch (error) {
    return {
      name: CONCURRENCY,
      status: "cannot-check",
      detail: `GetAccountSettings did not answer (${describeError(error)}); the stack needs ${need.requiredAccountQuota} concurrent executions (${needText(need)})`,
      fix: `Read "Concurrent executions" (${CONCURRENCY_QUOTA_CODE}) in Service Quotas for ${context.inventory.region} and make sure it is at least ${need.requiredAccountQuota}.`,
    };
  }
  const quota = settings.AccountLimit?.ConcurrentExecutions;
  const unreserved = settings.AccountLimit?.UnreservedConcurrentExecutions;
  if (quota === undefined || unreserved === undefined) {
    return {
      name: CONCURRENCY,
      status: "cannot-check",
      detail: "GetAccountSettings returned no concurrency limits",
      fix: `Read ${CONCURRENCY_QUOTA_CODE} in Service Quotas by hand.`,
    };
  }
  const existingReservation = need.reserved > 0 ? await currentReservation(context) : 0;
  return judgeConcurrency({ quota, unreserved, existingReservation }, need, context.inventory.region);
}

/** The verdict on the numbers alone (pure, so every branch is tested without an account). */
export function judgeConcurrency(
  account: AccountConcurrency,
  need: StackConcurrency,
  region: string,
): CheckResult {
  const pool = account.unreserved + account.existingReservation;
  const have = `quota ${account.quota}, unreserved ${account.unreserved}`;
  const raise = `Request "Concurrent executions" (${CONCURRENCY_QUOTA_CODE}) of at least ${need.requiredAccountQuota} in Service Quotas for ${region}`;
  if (need.reserved > 0 && pool - need.reserved < MIN_UNRESERVED_CONCURRENCY) {
    return {
      name: CONCURRENCY,
      status: "fail",
      detail: `${have}: reserving ${need.reserved} for the token manager would leave ${pool - need.reserved} unreserved; Lambda refuses any reservation below ${MIN_UNRESERVED_CONCURRENCY} (InvalidParameterValueException), so pulumi up stops`,
      fix: `Set tokenReservedConcurrency to 0 (refreshes do not need it), or ${raise.charAt(0).toLowerCase()}${raise.slice(1)}.`,
    };
  }
  const unreservedNeed = need.peak - (need.reserved > 0 ? 1 : 0);
  if (pool - need.reserved < unreservedNeed) {
    return {
      name: CONCURRENCY,
      status: "fail",
      detail: `${have}: the stack needs ${need.peak} at peak (${needText(need)}); the functions would be throttled (case creators fall behind, iterator age alarms)`,
      fix: `${raise}, or lower the pipelines' shardCount × parallelizationFactor.`,
    };
  }
  return {
    name: CONCURRENCY,
    status: "pass",
    detail: `${have}; the stack needs ${need.peak} at peak (${needText(need)})`,
  };
}

async function currentReservation(context: PreflightContext): Promise<number> {
  try {
    const current = await context.clients.lambda.send(
      new GetFunctionConcurrencyCommand({ FunctionName: context.inventory.tokenManagerFunction }),
    );
    return current.ReservedConcurrentExecutions ?? 0;
  } catch {
    return 0; // no such function yet: nothing reserved
  }
}

function needText(need: StackConcurrency): string {
  return need.needs.map((n) => `${n.what} ${n.executions}`).join(", ");
}

/** Each Glue job's source table exists in this region's Data Catalog and is an Iceberg table. */
export async function glueTableChecks(context: PreflightContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const job of context.inventory.config.glueJobs) {
    const [database, table] = job.icebergTable.split(".") as [string, string];
    const name = `Glue table ${job.icebergTable}`;
    try {
      const found = await context.clients.glue.send(
        new GetTableCommand({ DatabaseName: database, Name: table }),
      );
      const type = found.Table?.Parameters?.table_type ?? "(none)";
      results.push(
        type.toUpperCase() === "ICEBERG"
          ? { name, status: "pass", detail: `exists, table_type ICEBERG (read by Glue job ${job.name})` }
          : {
              name,
              status: "fail",
              detail: `exists but table_type is ${type}; the job reads it as an Iceberg table`,
              fix: `Point glueJobs[].icebergTable of ${job.name} at an Iceberg table, or convert ${job.icebergTable}.`,
            },
      );
    } catch (error) {
      results.push(
        errorName(error) === "EntityNotFoundException"
          ? {
              name,
              status: "fail",
              detail: `not in the Glue Data Catalog of ${context.inventory.region}`,
              fix: `Create ${job.icebergTable} (the data team's Iceberg table) in ${context.inventory.region}, or fix glueJobs[].icebergTable of ${job.name}.`,
            }
          : {
              name,
              status: "cannot-check",
              detail: describeError(error),
              fix: `Check glue:GetTable on ${job.icebergTable} by hand.`,
            },
      );
    }
  }
  return results;
}

/** Prod alarms must reach a person; elsewhere the topic alone is acceptable. */
export function alarmEmailCheck(context: PreflightContext): CheckResult {
  const { env, alarmEmail, stack } = { ...context.inventory.config, stack: context.inventory.stack };
  if (alarmEmail)
    return {
      name: "Alarm e-mail",
      status: "pass",
      detail: `${alarmEmail} will be subscribed (it must confirm AWS's e-mail)`,
    };
  if (env === "prod") {
    return {
      name: "Alarm e-mail",
      status: "fail",
      detail: "not set: prod alarms would reach nobody",
      fix: `pulumi config set --stack ${stack} alarmEmail <on-call address>`,
    };
  }
  return {
    name: "Alarm e-mail",
    status: "pass",
    detail: `not set (optional for ${env}; subscribe an endpoint to the alarm topic)`,
  };
}
