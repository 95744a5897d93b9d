/**
 * What `pulumi up` of one stack needs from its account and region, checked read-only (issue #10).
 * Each check passes, fails with the fix, or says honestly that it cannot be checked from here (the
 * API is not answering, access is denied, or the answer does not say). Reused by other commands:
 * the region migration runs exactly `runPreflightChecks` for its target stack.
 */
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { StackInventory } from "../lib/stack-inventory.js";
import type { CheckResult } from "../lib/verdict.js";
import { alarmEmailCheck, concurrencyCheck, glueTableChecks } from "./account-checks.js";
import type { PreflightClients } from "./clients.js";
import { globalNameChecks } from "./name-checks.js";
import { certificateCheck, credentialsCheck } from "./token-checks.js";

export type { PreflightClients } from "./clients.js";

/** What every check may need beyond the inventory. */
export interface PreflightContext {
  inventory: StackInventory;
  clients: PreflightClients;
  /** The account the credentials belong to, when STS answered. */
  accountId?: string;
  partition: string;
  /** ARN of the role the token manager will run with (known once the account is). */
  tokenManagerRoleArn?: string;
  now: Date;
}

export interface PreflightOptions {
  /** @default the current time */
  now?: Date;
  /** Called after each check (progress). */
  onCheck?: (check: CheckResult) => void;
}

export async function runPreflightChecks(
  inventory: StackInventory,
  clients: PreflightClients,
  options: PreflightOptions = {},
): Promise<CheckResult[]> {
  const context: PreflightContext = {
    inventory,
    clients,
    partition: partitionOf(inventory.region),
    now: options.now ?? new Date(),
  };
  const results: CheckResult[] = [];
  const add = (...checks: CheckResult[]) => {
    for (const check of checks) {
      results.push(check);
      options.onCheck?.(check);
    }
  };

  add(await identityCheck(context));
  add(await concurrencyCheck(context));
  add(...(await certificateCheck(context)));
  add(...(await credentialsCheck(context)));
  add(...(await glueTableChecks(context)));
  add(alarmEmailCheck(context));
  add(...(await globalNameChecks(context)));
  return results;
}

/** Whose account this is; the token manager's role ARN follows from it. */
async function identityCheck(context: PreflightContext): Promise<CheckResult> {
  try {
    const identity = await context.clients.sts.send(new GetCallerIdentityCommand({}));
    context.accountId = identity.Account;
    const role = context.inventory.tokenManagerRole;
    context.tokenManagerRoleArn =
      role.configuredArn ?? `arn:${context.partition}:iam::${identity.Account}:role/${role.name}`;
    return {
      name: "AWS account",
      status: "pass",
      detail: `account ${identity.Account} as ${identity.Arn}, region ${context.inventory.region}`,
    };
  } catch (error) {
    return {
      name: "AWS account",
      status: "fail",
      detail: `no identity: ${describeError(error)}`,
      fix: "Set AWS credentials for the target account (AWS_PROFILE or the usual variables) and run again.",
    };
  }
}

export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** `Name: message`, without request ids or stack traces. */
export function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return `${e.name ?? "Error"}${status ? ` (HTTP ${status})` : ""}: ${(e.message ?? String(error)).split("\n")[0]}`;
}

export function errorName(error: unknown): string {
  return (error as { name?: string }).name ?? "";
}

/** Access denied or an API the endpoint does not serve: the honest answer is "cannot check". */
export function isUnanswerable(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return (
    /AccessDenied|UnauthorizedOperation|NotImplemented|UnknownOperation|InvalidAction/i.test(
      errorName(error),
    ) ||
    status === 403 ||
    status === 404 ||
    status === 501
  );
}
