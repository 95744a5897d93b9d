/**
 * Preflight checks of what the token manager's first refresh needs (it runs during `pulumi up`):
 * the client certificate (ACM: exists here, exportable, not expiring soon; or its secret) and the
 * credentials (the CSM Lambda exists and will let this stack's role invoke it; or the secret).
 */
import { DescribeCertificateCommand, type CertificateDetail } from "@aws-sdk/client-acm";
import { GetFunctionConfigurationCommand, GetPolicyCommand } from "@aws-sdk/client-lambda";
import { DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import type { CheckResult } from "../lib/verdict.js";
import { describeError, errorName, type PreflightContext } from "./checks.js";

/** A certificate must stay valid this long after the preflight. */
export const CERTIFICATE_MIN_DAYS_LEFT = 30;
const DAY_MS = 86_400_000;

export async function certificateCheck(context: PreflightContext): Promise<CheckResult[]> {
  const certificate = context.inventory.config.tokenManager.certificate;
  if (certificate.source === "secret")
    return [await secretCheck(context, "Certificate secret", certificate.secretArn, "certificateSecretArn")];
  if (certificate.source === "file") {
    return [
      {
        name: "Client certificate (file)",
        status: "cannot-check",
        detail: `${certificate.path} is read inside the function package at run time`,
        fix: "Make sure the bundle ships it, or move the certificate to ACM or a secret (docs/certificates.md).",
      },
    ];
  }
  const name = "Client certificate (ACM)";
  const arnRegion = certificate.certificateArn.split(":")[3];
  if (arnRegion !== context.inventory.region) {
    return [
      {
        name,
        status: "fail",
        detail: `${certificate.certificateArn} is in ${arnRegion}; ACM certificates are regional and this stack is in ${context.inventory.region}`,
        fix: `Issue (or export and re-import elsewhere) a private certificate in ${context.inventory.region} and set certificateArn to it.`,
      },
    ];
  }
  const arnAccount = certificate.certificateArn.split(":")[4];
  if (context.accountId !== undefined && arnAccount !== context.accountId) {
    return [
      {
        name,
        status: "fail",
        detail: `${certificate.certificateArn} belongs to account ${arnAccount}; the function can export only certificates of its own account (${context.accountId})`,
        fix: `Issue the private certificate in account ${context.accountId}, or keep it in a secret (certificateSource secret).`,
      },
    ];
  }
  try {
    const described = await context.clients.acm.send(
      new DescribeCertificateCommand({ CertificateArn: certificate.certificateArn }),
    );
    return [judgeCertificate(described.Certificate ?? {}, context.now)];
  } catch (error) {
    if (errorName(error) === "ResourceNotFoundException") {
      return [
        {
          name,
          status: "fail",
          detail: `${certificate.certificateArn} does not exist in ${context.inventory.region}`,
          fix: "Set certificateArn to the private certificate TIAA trusts (pulumi config set certificateArn …).",
        },
      ];
    }
    return [
      {
        name,
        status: "cannot-check",
        detail: describeError(error),
        fix: `Check acm:DescribeCertificate on ${certificate.certificateArn} by hand.`,
      },
    ];
  }
}

/** Issued, exportable and valid for 30 more days (pure: tested on every branch without ACM). */
export function judgeCertificate(certificate: CertificateDetail, now: Date): CheckResult {
  const name = "Client certificate (ACM)";
  const problems: string[] = [];
  const fixes: string[] = [];
  if (certificate.Status !== "ISSUED") {
    problems.push(`status is ${certificate.Status ?? "unknown"}, not ISSUED`);
    fixes.push("use an issued certificate");
  }
  // Exportable: private certificates (issued by AWS Private CA) always; public ones only when
  // requested with export enabled; imported ones never
  // (https://docs.aws.amazon.com/acm/latest/APIReference/API_ExportCertificate.html).
  const exportable =
    certificate.Type === "PRIVATE" ||
    (certificate.Type === "AMAZON_ISSUED" && certificate.Options?.Export === "ENABLED");
  const exportUnknown = certificate.Type === "AMAZON_ISSUED" && certificate.Options?.Export === undefined;
  if (exportUnknown) {
    problems.push("ACM did not say whether it is exportable");
  } else if (!exportable) {
    problems.push(
      `${certificate.Type ?? "unknown"} certificates${certificate.Type === "AMAZON_ISSUED" ? " without export enabled" : ""} cannot be exported`,
    );
    fixes.push(
      "issue a private certificate from AWS Private CA (or keep it in a secret: certificateSource secret)",
    );
  }
  const notAfter = certificate.NotAfter;
  if (notAfter === undefined) {
    problems.push("no expiry date given");
  } else if (notAfter.getTime() - now.getTime() < CERTIFICATE_MIN_DAYS_LEFT * DAY_MS) {
    problems.push(`expires ${notAfter.toISOString().slice(0, 10)}, within ${CERTIFICATE_MIN_DAYS_LEFT} days`);
    fixes.push("renew or replace it before deploying (docs/certificates.md)");
  }
  if (problems.length === 0) {
    return {
      name,
      status: "pass",
      detail: `${certificate.Type}, ISSUED, exportable, valid until ${notAfter!.toISOString().slice(0, 10)}`,
    };
  }
  if (fixes.length === 0) {
    return {
      name,
      status: "cannot-check",
      detail: problems.join("; "),
      fix: "Check in the ACM console that the certificate is exportable and not expiring.",
    };
  }
  return { name, status: "fail", detail: problems.join("; "), fix: `${fixes.join("; ")}.` };
}

export async function credentialsCheck(context: PreflightContext): Promise<CheckResult[]> {
  const credentials = context.inventory.config.tokenManager.credentials;
  if (credentials.source === "secret")
    return [await secretCheck(context, "Credentials secret", credentials.secretArn, "credentialSecretArn")];
  return [await csmCheck(context, credentials.lambdaName)];
}

/** A secret the function reads: it exists here, has a current value, and what key encrypts it. */
async function secretCheck(
  context: PreflightContext,
  name: string,
  arn: string,
  key: string,
): Promise<CheckResult> {
  const region = arn.split(":")[3];
  if (region !== context.inventory.region) {
    return {
      name,
      status: "fail",
      detail: `${arn} is in ${region}, the stack in ${context.inventory.region}`,
      fix: `Replicate the secret to ${context.inventory.region} and set ${key} to the replica's ARN.`,
    };
  }
  try {
    const secret = await context.clients.secretsManager.send(new DescribeSecretCommand({ SecretId: arn }));
    const hasValue = Object.values(secret.VersionIdsToStages ?? {}).some((stages) =>
      stages.includes("AWSCURRENT"),
    );
    if (!hasValue)
      return {
        name,
        status: "fail",
        detail: `${secret.Name} exists but has no current value`,
        fix: `Put the value into ${secret.Name} (aws secretsmanager put-secret-value).`,
      };
    const keyId = secret.KmsKeyId;
    if (keyId && keyId !== "alias/aws/secretsmanager") {
      // The function's role is granted only the platform key; another customer key must grant it itself.
      return {
        name,
        status: "cannot-check",
        detail: `${secret.Name} exists with a value, encrypted with customer key ${keyId}`,
        fix: `Make sure key ${keyId}'s policy lets ${context.tokenManagerRoleArn ?? "the token manager's role"} use kms:Decrypt via Secrets Manager.`,
      };
    }
    return { name, status: "pass", detail: `${secret.Name} exists with a current value` };
  } catch (error) {
    if (errorName(error) === "ResourceNotFoundException") {
      return {
        name,
        status: "fail",
        detail: `${arn} does not exist in ${context.inventory.region}`,
        fix: `Create it, or set ${key} to the right ARN (pulumi config set ${key} …).`,
      };
    }
    return {
      name,
      status: "cannot-check",
      detail: describeError(error),
      fix: `Check secretsmanager:DescribeSecret on ${arn} by hand.`,
    };
  }
}

async function csmCheck(context: PreflightContext, lambdaName: string): Promise<CheckResult> {
  const name = "CSM Lambda";
  let functionArn: string;
  try {
    const fn = await context.clients.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: lambdaName }),
    );
    functionArn = fn.FunctionArn ?? lambdaName;
  } catch (error) {
    if (errorName(error) === "ResourceNotFoundException") {
      return {
        name,
        status: "fail",
        detail: `${lambdaName} does not exist in ${context.inventory.region}`,
        fix: "Set csmLambdaName to the CSM tool's function name or ARN (ask the CSM owners, docs/csm-integration.md).",
      };
    }
    return {
      name,
      status: "cannot-check",
      detail: `${lambdaName}: ${describeError(error)}`,
      fix: "Ask the CSM owners to confirm the function and that it allows this stack's role to invoke it.",
    };
  }
  const owner = functionArn.split(":")[4];
  const role = context.tokenManagerRoleArn;
  if (owner === context.accountId) {
    // Same account: the role's own policy (InvokeCsmLambda) is enough unless the IAM team supplied the role.
    return context.inventory.tokenManagerRole.createdByStack
      ? {
          name,
          status: "pass",
          detail: `${functionArn} exists in this account; the stack's role policy grants lambda:InvokeFunction on it`,
        }
      : {
          name,
          status: "cannot-check",
          detail: `${functionArn} exists; the token manager runs with the supplied role ${role}`,
          fix: `Make sure ${role} may lambda:InvokeFunction ${functionArn}.`,
        };
  }
  try {
    const policy = await context.clients.lambda.send(new GetPolicyCommand({ FunctionName: functionArn }));
    const verdict = invokePermission(policy.Policy ?? "", role ?? "", context.accountId ?? "");
    if (verdict === "allowed")
      return {
        name,
        status: "pass",
        detail: `${functionArn} (account ${owner}) allows ${role} to invoke it`,
      };
    if (verdict === "conditional") {
      return {
        name,
        status: "cannot-check",
        detail: `${functionArn} (account ${owner}) allows ${role} only under conditions this check cannot evaluate`,
        fix: `Ask the CSM owners to confirm the conditions hold for ${role}.`,
      };
    }
    return {
      name,
      status: "fail",
      detail: `${functionArn} (account ${owner}) has a resource policy that does not allow ${role}`,
      fix: addPermissionFix(functionArn, role),
    };
  } catch (error) {
    if (errorName(error) === "ResourceNotFoundException") {
      return {
        name,
        status: "fail",
        detail: `${functionArn} (account ${owner}) has no resource policy, so no other account may invoke it`,
        fix: addPermissionFix(functionArn, role),
      };
    }
    return {
      name,
      status: "cannot-check",
      detail: `${functionArn} is in account ${owner}: ${describeError(error)}`,
      fix: addPermissionFix(functionArn, role),
    };
  }
}

function addPermissionFix(functionArn: string, role: string | undefined): string {
  return `Ask the CSM owners to run: aws lambda add-permission --function-name ${functionArn} --statement-id kyc-token-manager --action lambda:InvokeFunction --principal ${role ?? "<token manager role ARN>"}`;
}

/**
 * What a Lambda resource policy says about `roleArn` (or its account) invoking the function:
 * `allowed` by a statement without conditions, `conditional` when only statements with conditions
 * match (they cannot be evaluated from here), `not-allowed` otherwise.
 */
export function invokePermission(
  policyJson: string,
  roleArn: string,
  accountId: string,
): "allowed" | "conditional" | "not-allowed" {
  type Statement = {
    Effect?: string;
    Action?: string | string[];
    Principal?: string | { AWS?: string | string[] };
    Condition?: unknown;
  };
  let statements: Statement[];
  try {
    const parsed = JSON.parse(policyJson) as { Statement?: Statement | Statement[] };
    statements = [parsed.Statement ?? []].flat();
  } catch {
    return "not-allowed";
  }
  const principals = new Set([roleArn, accountId, `arn:aws:iam::${accountId}:root`, "*"]);
  const matching = statements.filter((s) => {
    const actions = [s.Action ?? []].flat();
    const who = typeof s.Principal === "string" ? [s.Principal] : [s.Principal?.AWS ?? []].flat();
    return (
      s.Effect === "Allow" &&
      actions.some((a) => a === "lambda:InvokeFunction" || a === "lambda:*") &&
      who.some((p) => principals.has(p))
    );
  });
  if (matching.some((s) => s.Condition === undefined)) return "allowed";
  return matching.length > 0 ? "conditional" : "not-allowed";
}
