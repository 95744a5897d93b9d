/** The stack's identity and the settings every component shares. */
import { ENVIRONMENTS } from "../../components/naming.js";
import { integer, isNot, oneOf, optionalText, text } from "./fields.js";
import { defineSection } from "./section.js";

/** Retention values CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export const core = defineSection({
  keys: ({ stack }) => ({
    "aws:region": text({
      description: "Region of the stack (e.g. `eu-west-1`).",
      fix: `Set it with \`pulumi config set --stack ${stack} aws:region eu-west-1\`.`,
      pattern: isNot(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "an AWS region name (e.g. eu-west-1)"),
    }),
    env: oneOf(ENVIRONMENTS, {
      description: "`sit`, `uat`, `e2e` or `prod`. Part of every physical name.",
      fix: `Set it with \`pulumi config set --stack ${stack} env <${ENVIRONMENTS.join("|")}>\`.`,
    }),
    prefix: text({
      description: "Naming prefix: `<prefix>-<component>-<env>`.",
      default: "bbkyc",
      fix: "Set a short naming prefix, e.g. `pulumi config set prefix bbkyc`.",
      pattern: {
        regex: /^[a-z][a-z0-9-]{1,11}$/,
        problem: (value) =>
          `is "${value}"; use 2-12 lower-case letters, digits or '-', starting with a letter.`,
      },
    }),
    domain: text({
      description: "Display name of the KYC domain (dashboards, tags).",
      default: "KYC",
      fix: "Set the domain's display name, e.g. KYC.",
    }),
    logRetentionDays: integer(1, 3653, {
      description: "Log retention of every function (a value CloudWatch accepts).",
      default: 90,
      allowed: {
        values: LOG_RETENTION_DAYS,
        problem: (value) => `is ${value}; CloudWatch accepts ${LOG_RETENTION_DAYS.join(", ")}.`,
      },
    }),
    alarmEmail: optionalText({
      description: "E-mail subscribed to the alarm topic.",
      pattern: isNot(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, "an e-mail address"),
    }),
    slaSeconds: integer(1, 86400, {
      description: "End-to-end SLA drawn on the latency widgets.",
      default: 300,
    }),
  }),
  build: (fields) => ({
    env: fields.env,
    prefix: fields.prefix,
    domain: fields.domain,
    region: fields["aws:region"],
    logRetentionDays: fields.logRetentionDays,
    alarmEmail: fields.alarmEmail,
    slaSeconds: fields.slaSeconds,
  }),
});
