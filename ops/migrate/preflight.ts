/**
 * `preflight --from --to`: what the migration itself needs, offline — both stacks plan, the target
 * takes no name the source holds, the target serves every pipeline the source does — plus a table
 * of what changes for the outside world, and the target's account/region prerequisites from the
 * deploy preflight (injected: `TargetPrerequisites`).
 */
import type { StackInventory } from "../lib/stack-inventory.js";
import type { CheckResult } from "../lib/verdict.js";
import { GLOBAL_RESOURCE_TYPES } from "../../stacks/offline/plan.js";
import { runPreflightChecks } from "../preflight/checks.js";
import { preflightClients } from "../preflight/clients.js";

/** The deploy preflight's checks of one stack's account and region. */
export type TargetPrerequisites = (target: StackInventory) => Promise<CheckResult[]>;

/**
 * The target's prerequisites are exactly what `npm run preflight -- <target>` checks: the same
 * function (`runPreflightChecks`), against the target's region, never a second list of checks.
 */
export const deployPreflightOf: TargetPrerequisites = (target) =>
  runPreflightChecks(target, preflightClients(target.region));

const MAX_LISTED = 10;

/** The namespace a name lives in: the account for global types, the region for the rest. */
function nameKey(type: string, name: string, region: string | undefined): string {
  return GLOBAL_RESOURCE_TYPES.includes(type) ? `${type} ${name}` : `${region} ${type} ${name}`;
}

/** The migration's own checks of two planned stacks. */
export function migrationChecks(source: StackInventory, target: StackInventory): CheckResult[] {
  const checks: CheckResult[] = [];

  checks.push(
    source.region !== target.region
      ? {
          name: "regions",
          status: "pass",
          detail: `${source.stack} is in ${source.region}, ${target.stack} in ${target.region}`,
        }
      : {
          name: "regions",
          status: "fail",
          detail: `both stacks are in ${target.region}: that is not a move, and every regional name would collide`,
          fix: `pulumi config set --stack ${target.stack} aws:region <target region>`,
        },
  );

  const taken = new Set(
    source.resources
      .filter((r) => r.physicalName !== undefined)
      .map((r) => nameKey(r.type, r.physicalName!, r.region)),
  );
  const isGlobal = (type: string) => (GLOBAL_RESOURCE_TYPES.includes(type) ? 0 : 1);
  const collisions = target.resources
    .filter((r) => r.physicalName !== undefined && taken.has(nameKey(r.type, r.physicalName, r.region)))
    .sort((a, b) => isGlobal(a.type) - isGlobal(b.type)); // account-global names first: they block even across regions
  const globalCount = target.resources.filter(
    (r) => r.physicalName !== undefined && GLOBAL_RESOURCE_TYPES.includes(r.type),
  ).length;
  checks.push(
    collisions.length === 0
      ? {
          name: "names free of the source",
          status: "pass",
          detail: `none of the target's ${globalCount} account-global names (IAM, S3, dashboards) nor its regional names is the source's`,
        }
      : {
          name: "names free of the source",
          status: "fail",
          detail: `${collisions.length} name(s) of ${target.stack} are also ${source.stack}'s: ${collisions
            .slice(0, MAX_LISTED)
            .map((r) => `${r.type} ${r.physicalName}`)
            .join(", ")}${collisions.length > MAX_LISTED ? ", …" : ""}`,
          fix: "give the target its own region (global names carry the region code) or its own prefix: pulumi config set prefix <new prefix>",
        },
  );

  const missingPipelines = Object.keys(source.pipelines).filter((p) => !(p in target.pipelines));
  checks.push(
    missingPipelines.length === 0
      ? {
          name: "pipelines",
          status: "pass",
          detail: `the target has every pipeline of the source (${Object.keys(source.pipelines).join(", ")})`,
        }
      : {
          name: "pipelines",
          status: "fail",
          detail: `the target has no pipeline ${missingPipelines.join(", ")}: its producers would have nowhere to send files`,
          fix: `add them to the target's pipelines config (Pulumi.${target.stack}.yaml)`,
        },
  );

  const targetJobs = new Set(target.config.glueJobs.map((j) => j.name));
  const missingJobs = source.config.glueJobs.map((j) => j.name).filter((j) => !targetJobs.has(j));
  checks.push(
    missingJobs.length === 0
      ? {
          name: "Glue jobs",
          status: "pass",
          detail: `the target runs every Glue job of the source (${source.config.glueJobs.map((j) => j.name).join(", ") || "none"})`,
        }
      : {
          name: "Glue jobs",
          status: "fail",
          detail: `the target has no job for ${missingJobs.join(", ")}`,
          fix: `add them to the target's glueJobs config (Pulumi.${target.stack}.yaml)`,
        },
  );
  return checks;
}

export interface OutsideChange {
  what: string;
  /** Who has to change something. */
  who: string;
  from: string;
  to: string;
}

const where = (name: string | undefined, region: string) => (name ? `${name} (${region})` : "—");

/** Every name someone outside the platform uses, before and after. */
export function outsideWorldChanges(source: StackInventory, target: StackInventory): OutsideChange[] {
  const rows: OutsideChange[] = [];
  const pipelines = [...new Set([...Object.keys(source.pipelines), ...Object.keys(target.pipelines)])];
  for (const name of pipelines) {
    const s = source.pipelines[name];
    const t = target.pipelines[name];
    if (s?.bucket || t?.bucket) {
      rows.push({
        what: `${name} input bucket`,
        who: "producers: upload files here (bucket names are global, so the name changes)",
        from: where(s?.bucket, source.region),
        to: where(t?.bucket, target.region),
      });
    }
    if ((s && !s.caseCreator) || (t && !t.caseCreator)) {
      rows.push({
        what: `${name} stream`,
        who: "external consumer (TMS): read from the new region's stream (its ARN changes)",
        from: where(s?.stream, source.region),
        to: where(t?.stream, target.region),
      });
    }
  }
  rows.push({
    what: "TIAA token secret",
    who: "anything else that reads the token: new region, new ARN suffix",
    from: where(source.tokenSecretName, source.region),
    to: where(target.tokenSecretName, target.region),
  });
  source.dashboardNames.forEach((dashboard, i) => {
    rows.push({
      what: i === 0 ? "functional dashboard" : "technical dashboard",
      who: "people: bookmarks and wall screens",
      from: dashboard,
      to: target.dashboardNames[i] ?? "—",
    });
  });
  rows.push({
    what: "alarm topic",
    who: "on-call: e-mail subscriptions are per topic and must be confirmed again",
    from: where(source.alarmTopicName, source.region),
    to: where(target.alarmTopicName, target.region),
  });
  rows.push({
    what: "audit table",
    who: "auditors and operators (docs/operations.md queries): read the new region",
    from: where(source.auditTableName, source.region),
    to: where(target.auditTableName, target.region),
  });
  return rows;
}

/** A plain-text table, one row per change. */
export function formatChanges(rows: readonly OutsideChange[]): string {
  const header: OutsideChange = { what: "what", who: "who must change", from: "from", to: "to" };
  const all = [header, ...rows];
  const width = (key: keyof OutsideChange) => Math.max(...all.map((r) => r[key].length));
  const [w1, w2, w3] = [width("what"), width("from"), width("to")];
  return all
    .map((r) => `${r.what.padEnd(w1)}  ${r.from.padEnd(w2)}  →  ${r.to.padEnd(w3)}  ${r.who}`)
    .join("\n");
}
