/**
 * Injected faults for the local run (`--faults salesforce=0.1,token=down,kinesis=0.05`):
 *
 * - `salesforce=RATE[:STATUS]`: that share of Salesforce calls answer 503 (or 429/500/502); `down`: all.
 * - `salesforce-records=RATE`: that share of records get a per-record validation error (FAILED for good).
 * - `token=down`: the TIAA endpoint resets every connection for the whole run (no token is ever
 *   stored, so cases cannot be created and records end FAILED); `token=RATE`: that share of scheduled
 *   refreshes meet a TIAA that answers 500 (the previous token stays current).
 * - `kinesis=RATE`: that share of PutRecords entries are throttled (ProvisionedThroughputExceeded,
 *   the producer retries them) and that share of GetRecords calls are throttled (the poller retries).
 */
import {
  GetRecordsCommand,
  ProvisionedThroughputExceededException,
  PutRecordsCommand,
  type PutRecordsCommandOutput,
  type PutRecordsResultEntry,
} from "@aws-sdk/client-kinesis";

export interface Faults {
  salesforce?: { rate: number; status: 429 | 500 | 502 | 503 };
  salesforceRecords?: number;
  token?: "down" | number;
  kinesis?: number;
}

export class FaultSpecError extends Error {
  override name = "FaultSpecError";
}

const SF_STATUSES = [429, 500, 502, 503] as const;

export function parseFaults(spec: string | undefined): Faults {
  const faults: Faults = {};
  if (!spec) return faults;
  for (const part of spec.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [name, raw = ""] = part.split("=", 2) as [string, string | undefined];
    const value = raw.trim();
    switch (name.trim()) {
      case "salesforce": {
        const [rate, status] = value.split(":");
        const parsedStatus = status === undefined ? 503 : Number(status);
        if (!(SF_STATUSES as readonly number[]).includes(parsedStatus)) throw new FaultSpecError(`salesforce fault status must be one of ${SF_STATUSES.join(", ")}, got ${status}`);
        faults.salesforce = { rate: rate === "down" ? 1 : share(name, rate ?? ""), status: parsedStatus as 429 | 500 | 502 | 503 };
        break;
      }
      case "salesforce-records":
        faults.salesforceRecords = share(name, value);
        break;
      case "token":
        faults.token = value === "down" ? "down" : share(name, value);
        break;
      case "kinesis":
        faults.kinesis = share(name, value);
        break;
      default:
        throw new FaultSpecError(`unknown fault "${name}"; use salesforce, salesforce-records, token or kinesis (e.g. salesforce=0.1,token=down,kinesis=0.05)`);
    }
  }
  return faults;
}

function share(name: string, value: string): number {
  const n = Number(value);
  if (value === "" || !Number.isFinite(n) || n < 0 || n > 1) throw new FaultSpecError(`fault ${name} needs a share from 0 to 1 (or "down"), got "${value}"`);
  return n;
}

/** A human line per active fault, for the summary. */
export function describeFaults(faults: Faults): string[] {
  const lines: string[] = [];
  if (faults.salesforce) lines.push(`Salesforce answers ${faults.salesforce.status} to ${pct(faults.salesforce.rate)} of calls`);
  if (faults.salesforceRecords) lines.push(`Salesforce rejects ${pct(faults.salesforceRecords)} of records`);
  if (faults.token === "down") lines.push("TIAA token endpoint down for the whole run");
  else if (faults.token) lines.push(`TIAA answers 500 to ${pct(faults.token)} of scheduled refreshes`);
  if (faults.kinesis) lines.push(`Kinesis throttles ${pct(faults.kinesis)} of writes and reads`);
  return lines;
}

const pct = (n: number) => `${Math.round(n * 1000) / 10}%`;

type Sender = { send(command: any): Promise<any> };

/**
 * Wraps a Kinesis client: throttled PutRecords entries are never sent (so a retry cannot duplicate
 * them) and come back with Kinesis's own error code at their position; throttled GetRecords calls
 * throw Kinesis's own exception.
 */
export function throttlingKinesis<T extends Sender>(inner: T, rate: number, random: () => number): T {
  if (rate <= 0) return inner;
  const send = async (command: any): Promise<any> => {
    if (command instanceof GetRecordsCommand && random() < rate) {
      throw new ProvisionedThroughputExceededException({ message: "Rate exceeded for shard (injected by the local run)", $metadata: { httpStatusCode: 400 } });
    }
    if (!(command instanceof PutRecordsCommand)) return inner.send(command);
    const entries = command.input.Records ?? [];
    const throttled = entries.map(() => random() < rate);
    const passed = entries.filter((_, i) => !throttled[i]);
    let sent: PutRecordsResultEntry[] = [];
    let failedCount = 0;
    if (passed.length > 0) {
      const output = (await inner.send(new PutRecordsCommand({ ...command.input, Records: passed }))) as PutRecordsCommandOutput;
      sent = output.Records ?? [];
      failedCount = output.FailedRecordCount ?? 0;
    }
    let next = 0;
    const records = entries.map((_, i): PutRecordsResultEntry =>
      throttled[i]
        ? { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded for shard (injected by the local run)" }
        : sent[next++]!,
    );
    return { $metadata: {}, FailedRecordCount: failedCount + throttled.filter(Boolean).length, Records: records } satisfies PutRecordsCommandOutput;
  };
  return new Proxy(inner, { get: (target, prop, receiver) => (prop === "send" ? send : Reflect.get(target, prop, receiver)) });
}
