/**
 * The stack's account-global names are free (issue #10): no IAM role, S3 bucket or dashboard of
 * that name exists unless it is this stack's own (a re-deploy). An existing role or bucket makes
 * `pulumi up` fail (EntityAlreadyExists, BucketAlreadyExists); an existing dashboard would be
 * overwritten silently. Ownership is read from the tags every resource gets from the provider
 * (`Project`, `Stack`: stacks/provider.ts); dashboards cannot carry tags, so a dashboard is taken as
 * this stack's when its body shows this stack's token manager.
 */
import { GetDashboardCommand } from "@aws-sdk/client-cloudwatch";
import { GetRoleCommand } from "@aws-sdk/client-iam";
import { GetBucketTaggingCommand, HeadBucketCommand } from "@aws-sdk/client-s3";
import type { CheckResult } from "../lib/verdict.js";
import { describeError, errorName, type PreflightContext } from "./checks.js";

type Verdict = { name: string; state: "free" | "ours" | "taken" | "unknown"; why?: string };

const KINDS = [
  { type: "aws:iam/role:Role", label: "IAM role names" },
  { type: "aws:s3/bucket:Bucket", label: "S3 bucket names" },
  { type: "aws:cloudwatch/dashboard:Dashboard", label: "Dashboard names" },
] as const;

export async function globalNameChecks(context: PreflightContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const kind of KINDS) {
    // Inline role policies are named per role, not per account: the role's check covers them.
    const names = context.inventory.globalNames.filter((g) => g.type === kind.type).map((g) => g.name);
    if (names.length === 0) continue;
    const verdicts: Verdict[] = [];
    for (const name of names) verdicts.push(await inspect(context, kind.type, name));
    results.push(summarise(kind.label, verdicts, context.inventory.stack));
  }
  return results;
}

function summarise(label: string, verdicts: Verdict[], stack: string): CheckResult {
  const of = (state: Verdict["state"]) => verdicts.filter((v) => v.state === state);
  const taken = of("taken");
  const unknown = of("unknown");
  const counts = `${of("free").length} free, ${of("ours").length} already this stack's`;
  if (taken.length > 0) {
    return {
      name: label,
      status: "fail",
      detail: `${taken.map((v) => `${v.name} (${v.why})`).join("; ")} — ${counts}`,
      fix: `Delete or rename what holds those names, or give stack ${stack} another prefix (pulumi config set prefix …).`,
    };
  }
  if (unknown.length > 0) {
    return {
      name: label,
      status: "cannot-check",
      detail: `${unknown.map((v) => `${v.name} (${v.why})`).join("; ")} — ${counts}`,
      fix: "Check those names by hand.",
    };
  }
  return { name: label, status: "pass", detail: `${verdicts.length} names: ${counts}` };
}

async function inspect(context: PreflightContext, type: string, name: string): Promise<Verdict> {
  try {
    if (type === "aws:iam/role:Role") return await inspectRole(context, name);
    if (type === "aws:s3/bucket:Bucket") return await inspectBucket(context, name);
    return await inspectDashboard(context, name);
  } catch (error) {
    return { name, state: "unknown", why: describeError(error) };
  }
}

function ownedByStack(tags: Array<{ Key?: string; Value?: string }> | undefined, stack: string): boolean {
  const value = (key: string) => tags?.find((t) => t.Key === key)?.Value;
  return value("Project") === "kyc-platform" && value("Stack") === stack;
}

async function inspectRole(context: PreflightContext, name: string): Promise<Verdict> {
  try {
    const role = await context.clients.iam.send(new GetRoleCommand({ RoleName: name }));
    return ownedByStack(role.Role?.Tags, context.inventory.stack)
      ? { name, state: "ours" }
      : { name, state: "taken", why: "exists, not tagged as this stack's" };
  } catch (error) {
    if (errorName(error) === "NoSuchEntityException" || errorName(error) === "NoSuchEntity")
      return { name, state: "free" };
    throw error;
  }
}

async function inspectBucket(context: PreflightContext, name: string): Promise<Verdict> {
  try {
    await context.clients.s3.send(new HeadBucketCommand({ Bucket: name }));
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || errorName(error) === "NotFound" || errorName(error) === "NoSuchBucket")
      return { name, state: "free" };
    // Bucket names are global across all accounts: 403 means another account owns it, 301 another region.
    if (status === 403) return { name, state: "taken", why: "owned by another AWS account" };
    if (status === 301) return { name, state: "taken", why: "exists in another region" };
    throw error;
  }
  try {
    const tagging = await context.clients.s3.send(new GetBucketTaggingCommand({ Bucket: name }));
    return ownedByStack(tagging.TagSet, context.inventory.stack)
      ? { name, state: "ours" }
      : { name, state: "taken", why: "exists in this account, not tagged as this stack's" };
  } catch (error) {
    if (errorName(error) === "NoSuchTagSet")
      return { name, state: "taken", why: "exists in this account without tags" };
    throw error;
  }
}

async function inspectDashboard(context: PreflightContext, name: string): Promise<Verdict> {
  try {
    const dashboard = await context.clients.cloudWatch.send(new GetDashboardCommand({ DashboardName: name }));
    return (dashboard.DashboardBody ?? "").includes(context.inventory.tokenManagerFunction)
      ? { name, state: "ours" }
      : { name, state: "taken", why: "exists and does not show this stack; pulumi up would overwrite it" };
  } catch (error) {
    if (/ResourceNotFound/.test(errorName(error))) return { name, state: "free" };
    throw error;
  }
}
