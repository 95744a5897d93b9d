/**
 * Issue #10, finding 2, over every stack's whole plan: nothing that can run code or be invoked exists
 * before the rights it runs with, as the engine would be told (dependencies read from the mock
 * monitor's registration requests: explicit `dependsOn` and the resources inputs come from).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planStack, type OfflinePlan } from "../stacks/offline/plan.js";

const PROD_URL = { tokenUrl: "https://tiaa-auth.prod.kyc-bank.example/oauth2/token" };

describe("deployment order in every stack", () => {
  const plans: OfflinePlan[] = [];

  beforeAll(async () => {
    plans.push(await planStack("sit"), await planStack("sit-london"), await planStack("prod", PROD_URL));
  });

  it("every function waits for its own role policy", () => {
    for (const plan of plans) {
      const functions = plan.resources.filter((r) => r.type === "aws:lambda/function:Function");
      expect(functions.length, plan.stack).toBeGreaterThanOrEqual(4);
      for (const fn of functions) {
        const policy = `${fn.name.replace(/-function$/, "")}-policy`;
        expect(
          plan.resources.some((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === policy),
          `${plan.stack}: ${policy}`,
        ).toBe(true);
        expect(fn.dependsOn, `${plan.stack}: ${fn.name}`).toContain(
          `aws:iam/rolePolicy:RolePolicy::${policy}`,
        );
      }
    }
  });

  it("the token schedule waits for the scheduler's policy and the function's, and the first refresh runs during the deployment", () => {
    for (const plan of plans) {
      const schedule = plan.resources.find(
        (r) => r.type === "aws:scheduler/schedule:Schedule" && r.name === "token-manager-schedule",
      )!;
      expect(schedule.dependsOn).toEqual(
        expect.arrayContaining([
          "aws:iam/rolePolicy:RolePolicy::token-manager-scheduler-policy",
          "aws:iam/rolePolicy:RolePolicy::token-manager-policy",
        ]),
      );
      const first = plan.resources.filter((r) => r.type === "aws:lambda/invocation:Invocation");
      expect(first.map((r) => r.inputs.functionName)).toEqual([plan.outputs.tokenManagerFunction]);
    }
  });
});
