/**
 * The first token refresh of a stack, as part of `pulumi up` (issue #10, finding 2): without it a
 * new stack's case creators find no token until the schedule's first successful run.
 *
 * Why `aws.lambda.Invocation` (https://www.pulumi.com/registry/packages/aws/api-docs/lambda/invocation/):
 * - It invokes the function synchronously (RequestResponse) when the resource is created, and again
 *   only when it is replaced: when `input` or `triggers` change (lifecycle scope CREATE_ONLY, the
 *   default). Here `triggers` are the settings a refresh depends on (token URL, credential and
 *   certificate source), so changing them is verified by a fresh token during the same `pulumi up`.
 * - A refresh that fails returns a function error, and the provider fails the resource with the
 *   function's error payload (reason and message, never a secret): `pulumi up` ends with an error
 *   naming the cause (certificate, credentials, TIAA unreachable), nothing is recorded in state, and
 *   the next `pulumi up` invokes again. On a first deploy that is what an operator needs to see; the
 *   preflight (`npm run preflight`) checks the causes it can before anyone runs `pulumi up`.
 * - Its `result` (the function's return value) is kept in the stack state: the handler returns only
 *   `RefreshResult` (expiry, fetch time, version id), never the token.
 * The alternative, a one-time `at(...)` schedule, would not fail the deployment but needs a
 * timestamp that changes on every preview; the recurring schedule alone would rely on its first run
 * succeeding while IAM changes are still propagating, with nobody watching.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { TokenManagerConfig } from "./token-manager-config.js";
import type { BundledFunction } from "./lambda-function.js";

/** What the function receives from the deployment (the handler does the same refresh for any event). */
export const FIRST_REFRESH_INPUT = JSON.stringify({ trigger: "pulumi-deployment" });

export function createFirstRefresh(
  name: string,
  config: TokenManagerConfig,
  fn: BundledFunction,
  dependsOn: pulumi.Resource[],
  parent: pulumi.Resource,
): aws.lambda.Invocation {
  return new aws.lambda.Invocation(
    `${name}-first-refresh`,
    {
      functionName: fn.function.name,
      input: FIRST_REFRESH_INPUT,
      triggers: refreshTriggers(config),
    },
    // After the function's own policy (its rights) and whatever else the caller names.
    { parent, dependsOn: [fn.function, ...(fn.rolePolicy ? [fn.rolePolicy] : []), ...dependsOn] },
  );
}

/** The settings whose change must be proven by a fresh token at deploy time. */
export function refreshTriggers(config: TokenManagerConfig): Record<string, string> {
  const credentials = config.credentials;
  const certificate = config.certificate;
  return {
    tokenUrl: config.tokenUrl,
    credentials:
      credentials.source === "csm-lambda"
        ? `csm-lambda:${credentials.lambdaName}:${credentials.safe}/${credentials.object}`
        : `secret:${credentials.secretArn}`,
    certificate:
      certificate.source === "acm"
        ? `acm:${certificate.certificateArn}`
        : certificate.source === "secret"
          ? `secret:${certificate.secretArn}`
          : `file:${certificate.path}`,
    role: config.authRoleArn ?? "created by the component",
  };
}
