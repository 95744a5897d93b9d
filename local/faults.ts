/**
 * Injected faults for the local run (`--faults salesforce=0.1,token=down,kinesis=0.05`):
 *
 * - `salesforce=RATE[:STATUS]`: that share of Salesforce calls answer 503 (or 429/500/502); `down`: all.
 * - `salesforce-records=RATE`: that share of records get a per-record validation error (FAILED for good).
 * - `token=down`: the TIAA endpoint resets every connection for the whole run (no token is ever
 *   stored, so cases cannot be created and records end FAILED); `token=expire`: the first refresh
 *   succeeds and every later one fails, so the token runs past its expiry (Salesforce then refuses
 *   it; pair with `--time-scale` and `--upload-delay`); `token=RATE`: that share of scheduled
 *   refreshes meet a TIAA that answers 500 (the previous token stays current).
 * - `salesforce-hang=N`: the next N Salesforce calls are applied but answered only after 30 s (the
 *   case creator's own 20 s request timeout gives up first: Salesforce looks unavailable).
 * - `audit-hang=N`: the next N SendMessageBatch calls to SQS are carried out but answered only after
 *   60 s (the SDK has no request timeout: the caller waits until Lambda's timeout kills it).
 * - `audit-write-hang=N`: the audit processor's next N writes to the audit table are lost on the way
 *   and answered only after 60 s: it is killed at its timeout with the other writes of its batch
 *   done, and SQS delivers the whole batch again.
 * - `kinesis=RATE`: that share of PutRecords entries are throttled (ProvisionedThroughputExceeded,
 *   the producer retries them) and that share of GetRecords calls are throttled (the poller retries);
 *   injected at the local AWS gateway, where the functions cannot tell them from AWS's.
 * - `duplicates=RATE`: at-least-once delivery: that share of S3 notifications, Kinesis batches and
 *   SQS messages are delivered a second time, as AWS may do.
 */
import type { LocalEnvironment } from "./local-environment.js";

export interface Faults {
  salesforce?: { rate: number; status: 429 | 500 | 502 | 503 };
  salesforceRecords?: number;
  salesforceHang?: number;
  auditHang?: number;
  auditWriteHang?: number;
  token?: "down" | "expire" | number;
  kinesis?: number;
  duplicates?: number;
}

export class FaultSpecError extends Error {
  override name = "FaultSpecError";
}

const SF_STATUSES = [429, 500, 502, 503] as const;

export function parseFaults(spec: string | undefined): Faults {
  const faults: Faults = {};
  if (!spec) return faults;
  for (const part of spec
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, raw = ""] = part.split("=", 2) as [string, string | undefined];
    const value = raw.trim();
    switch (name.trim()) {
      case "salesforce": {
        const [rate, status] = value.split(":");
        const parsedStatus = status === undefined ? 503 : Number(status);
        if (!(SF_STATUSES as readonly number[]).includes(parsedStatus))
          throw new FaultSpecError(
            `salesforce fault status must be one of ${SF_STATUSES.join(", ")}, got ${status}`,
          );
        faults.salesforce = {
          rate: rate === "down" ? 1 : share(name, rate ?? ""),
          status: parsedStatus as 429 | 500 | 502 | 503,
        };
        break;
      }
      case "salesforce-records":
        faults.salesforceRecords = share(name, value);
        break;
      case "token":
        faults.token = value === "down" || value === "expire" ? value : share(name, value);
        break;
      case "salesforce-hang":
        faults.salesforceHang = calls(name, value);
        break;
      case "audit-hang":
        faults.auditHang = calls(name, value);
        break;
      case "audit-write-hang":
        faults.auditWriteHang = calls(name, value);
        break;
      case "kinesis":
        faults.kinesis = share(name, value);
        break;
      case "duplicates":
        faults.duplicates = share(name, value);
        break;
      default:
        throw new FaultSpecError(
          `unknown fault "${name}"; use salesforce, salesforce-records, salesforce-hang, audit-hang, audit-write-hang, token, kinesis or duplicates (e.g. salesforce=0.1,token=down,kinesis=0.05,duplicates=0.05)`,
        );
    }
  }
  return faults;
}

function calls(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new FaultSpecError(`fault ${name} needs a number of calls (at least 1), got "${value}"`);
  return n;
}

function share(name: string, value: string): number {
  const n = Number(value);
  if (value === "" || !Number.isFinite(n) || n < 0 || n > 1)
    throw new FaultSpecError(`fault ${name} needs a share from 0 to 1 (or "down"), got "${value}"`);
  return n;
}

/** A human line per active fault, for the summary. */
export function describeFaults(faults: Faults): string[] {
  const lines: string[] = [];
  if (faults.salesforce)
    lines.push(`Salesforce answers ${faults.salesforce.status} to ${pct(faults.salesforce.rate)} of calls`);
  if (faults.salesforceRecords) lines.push(`Salesforce rejects ${pct(faults.salesforceRecords)} of records`);
  if (faults.salesforceHang)
    lines.push(
      `Salesforce answers the next ${faults.salesforceHang} call(s) only after 30 s (after applying them)`,
    );
  if (faults.auditHang)
    lines.push(
      `the next ${faults.auditHang} SendMessageBatch call(s) to SQS answered only after 60 s (after being carried out)`,
    );
  if (faults.auditWriteHang)
    lines.push(
      `the audit processor's next ${faults.auditWriteHang} audit-table write(s) lost on the way and answered only after 60 s`,
    );
  if (faults.token === "down") lines.push("TIAA token endpoint down for the whole run");
  else if (faults.token === "expire")
    lines.push("TIAA down after the first refresh: the token runs past its expiry");
  else if (faults.token) lines.push(`TIAA answers 500 to ${pct(faults.token)} of scheduled refreshes`);
  if (faults.kinesis) lines.push(`Kinesis throttles ${pct(faults.kinesis)} of writes and reads`);
  if (faults.duplicates)
    lines.push(
      `${pct(faults.duplicates)} of S3 notifications, Kinesis batches and SQS messages delivered twice`,
    );
  return lines;
}

const pct = (n: number) => `${Math.round(n * 1000) / 10}%`;

/**
 * Sets the run's faults on the stand-ins and the local AWS gateway before anything runs: Salesforce's
 * failures and hangs, TIAA down, Kinesis throttling at the wire, and the audit path's hung calls.
 */
export function applyFaults(environment: LocalEnvironment, faults: Faults): void {
  const { stack, tiaa, salesforce, gateway } = environment;
  if (faults.salesforce || faults.salesforceRecords || faults.salesforceHang) {
    salesforce.setFaults({
      ...(faults.salesforce
        ? { failureRate: faults.salesforce.rate, failureStatus: faults.salesforce.status }
        : {}),
      ...(faults.salesforceRecords ? { recordErrorRate: faults.salesforceRecords } : {}),
      ...(faults.salesforceHang ? { hangAfterUpsertNext: faults.salesforceHang, hangMs: 30_000 } : {}),
    });
  }
  if (faults.token === "down") tiaa.setFault("down");
  gateway.setFaults({
    ...(faults.kinesis ? { kinesis: faults.kinesis } : {}),
    hangs: [
      ...(faults.auditHang
        ? [{ operation: "sqs.SendMessageBatch", calls: faults.auditHang, ms: 60_000, carriedOut: true }]
        : []),
      ...(faults.auditWriteHang
        ? [
            {
              operation: "dynamodb.PutItem",
              calls: faults.auditWriteHang,
              ms: 60_000,
              carriedOut: false,
              caller: stack.functions.find((f) => f.name.includes("audit-processor"))!.name,
            },
          ]
        : []),
    ],
  });
}
