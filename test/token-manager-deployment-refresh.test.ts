/**
 * The first refresh of a deployment waits for IAM (review finding on issue #10): it runs seconds
 * after the function's policy is attached, when AWS can still refuse what the policy allows. Only
 * access-denied refusals are tried again, only while a whole attempt still fits, and any other
 * failure ends the invocation at once.
 */
import { describe, expect, it } from "vitest";
import {
  isAccessDenied,
  isDeploymentTrigger,
  retryWhileIamPropagates,
} from "../handlers/token-manager/deployment-refresh.js";
import { FIRST_REFRESH_INPUT } from "../components/token-manager-first-refresh.js";
import { TokenRefreshError } from "../handlers/token-manager/errors.js";
import { Logger } from "../handlers/lib/logger.js";

const logger = new Logger({ service: "token-manager", level: "ERROR", write: () => undefined });
const denied = () =>
  new TokenRefreshError(
    "credentials",
    "Could not invoke the CSM Lambda: AccessDeniedException: User: arn:aws:sts::1:assumed-role/r is not authorized to perform: lambda:InvokeFunction",
  );

function harness(remainingMs: number) {
  const sleeps: number[] = [];
  let clock = remainingMs;
  return {
    sleeps,
    options: {
      logger,
      attemptBudgetMs: 10_000,
      remainingTimeMs: () => clock,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        clock -= ms;
      },
    },
  };
}

describe("first refresh during pulumi up", () => {
  it("is recognised by the payload the deployment sends, and nothing else", () => {
    expect(isDeploymentTrigger(JSON.parse(FIRST_REFRESH_INPUT))).toBe(true);
    expect(isDeploymentTrigger({ source: "aws.scheduler" })).toBe(false);
    expect(isDeploymentTrigger(undefined)).toBe(false);
  });

  it("tries again after an access-denied refusal until IAM has caught up", async () => {
    const { sleeps, options } = harness(80_000);
    let calls = 0;
    const result = await retryWhileIamPropagates(async () => {
      calls += 1;
      if (calls < 3) throw denied();
      return "stored";
    }, options);
    expect(result).toBe("stored");
    expect(sleeps).toEqual([2_000, 4_000]);
  });

  it("fails at once for any other reason (TIAA, certificate, configuration)", async () => {
    const { sleeps, options } = harness(80_000);
    await expect(
      retryWhileIamPropagates(async () => {
        throw new TokenRefreshError("tls-rejected", "TIAA refused the client certificate");
      }, options),
    ).rejects.toThrow("TIAA refused");
    expect(sleeps).toEqual([]);
  });

  it("stops waiting when a whole attempt would no longer fit in the invocation", async () => {
    const { sleeps, options } = harness(17_000);
    await expect(
      retryWhileIamPropagates(async () => {
        throw denied();
      }, options),
    ).rejects.toThrow("is not authorized");
    // 17 s left: a 2 s wait and a 10 s attempt fit; 15 s: 4 + 10 fit; 11 s: 8 + 10 do not.
    expect(sleeps).toEqual([2_000, 4_000]);
  });

  it("knows AWS's refusals from other failures", () => {
    expect(isAccessDenied(denied())).toBe(true);
    expect(
      isAccessDenied(
        new Error("KMSAccessDeniedException: The ciphertext refers to a key you have no access to"),
      ),
    ).toBe(true);
    expect(isAccessDenied(new TokenRefreshError("endpoint-unreachable", "connect ECONNREFUSED"))).toBe(false);
  });
});
