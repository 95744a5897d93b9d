/**
 * The platform's security guardrails as a Pulumi policy pack:
 *   pulumi preview --policy-pack policy        (from the project folder, after `npm ci`)
 * The rules live in resource-rules.ts / stack-rules.ts; `npm test` runs the same rules over every
 * stack's offline plan (test/policy-pack.test.ts).
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies.js";

new PolicyPack("kyc-platform-security", { policies: POLICIES });
