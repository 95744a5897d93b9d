/**
 * The local emulator as the capacity model sees it, for validating the model against local runs only
 * (AWS mode never uses it): each emulator process serves one request at a time (the local gateway
 * sends them one by one), so calls of every operation routed to one process queue behind each other
 * whichever function makes them. A process with `concurrency` > 1 (an engine that serves requests
 * concurrently, e.g. ElasticMQ or DynamoDB Local) is that many servers.
 *
 * To re-validate against another engine, change only the description (which operations each process
 * serves and their service times, "ms each in moto" from the run's *where the emulator spent its time*).
 */

/** The emulator calls the model makes; the names are those the local run's profile prints. */
export const EMULATOR_OPERATIONS = [
  "kinesis.PutRecords",
  "sqs.SendMessageBatch",
  "sqs.ReceiveMessage",
  "sqs.DeleteMessageBatch",
  "dynamodb.BatchGetItem",
  "dynamodb.PutItem",
] as const;
export type EmulatorOperation = (typeof EMULATOR_OPERATIONS)[number];

export interface EmulatorProcess {
  /** e.g. `sqs`, `dynamodb`, `moto` */
  name: string;
  /** Requests it serves at once. @default `1` */
  concurrency?: number;
  /** Service time (ms) of each operation it serves. */
  serviceMs: Partial<Record<EmulatorOperation, number>>;
}

/** A server that does one call at a time: a call starts at the first gap long enough after it is made. */
export class SerialServer {
  /** Busy intervals, sorted by start and not overlapping. */
  private readonly busy: Array<[number, number]> = [];

  /** When a call made at `atMs` lasting `durationMs` would end, without booking it. */
  probe(atMs: number, durationMs: number): number {
    return this.fit(atMs, durationMs).start + durationMs;
  }

  /** Books a call made at `atMs` lasting `durationMs`; returns when it ends. */
  book(atMs: number, durationMs: number): number {
    const { start, index } = this.fit(atMs, durationMs);
    this.busy.splice(index, 0, [start, start + durationMs]);
    return start + durationMs;
  }

  private fit(atMs: number, durationMs: number): { start: number; index: number } {
    let start = atMs;
    // The first interval that ends after the call could start (ends are sorted too), then the first gap that fits.
    let index = 0;
    let high = this.busy.length;
    while (index < high) {
      const mid = (index + high) >> 1;
      if (this.busy[mid]![1] <= start) index = mid + 1;
      else high = mid;
    }
    while (index < this.busy.length && this.busy[index]![0] < start + durationMs) {
      start = Math.max(start, this.busy[index]![1]);
      index++;
    }
    return { start, index };
  }

  get busyMs(): number {
    return this.busy.reduce((s, [a, b]) => s + b - a, 0);
  }
}

/** Routes each operation to its process's servers; operations no process serves cost their AWS time. */
export class EmulatorServers {
  private readonly routes = new Map<EmulatorOperation, { servers: SerialServer[]; ms: number }>();

  constructor(processes: readonly EmulatorProcess[]) {
    for (const p of processes) {
      const concurrency = p.concurrency ?? 1;
      if (!Number.isInteger(concurrency) || concurrency < 1)
        throw new Error(`emulator process ${p.name}: concurrency must be a whole number ≥ 1`);
      const servers = Array.from({ length: concurrency }, () => new SerialServer());
      for (const [op, ms] of Object.entries(p.serviceMs) as Array<[EmulatorOperation, number]>) {
        if (!EMULATOR_OPERATIONS.includes(op))
          throw new Error(
            `emulator process ${p.name}: unknown operation ${op}; use ${EMULATOR_OPERATIONS.join(", ")}`,
          );
        if (this.routes.has(op)) throw new Error(`operation ${op} is served by two emulator processes`);
        this.routes.set(op, { servers, ms });
      }
    }
  }

  /** When a call of `op` made at `atMs` returns (`awsMs` later when no process serves it). */
  call(op: EmulatorOperation, atMs: number, awsMs: number): number {
    const route = this.routes.get(op);
    if (!route) return atMs + awsMs;
    let best = Number.POSITIVE_INFINITY;
    let chosen = route.servers[0]!;
    for (const s of route.servers) {
      const probe = s.probe(atMs, route.ms);
      if (probe < best) [best, chosen] = [probe, s];
    }
    return chosen.book(atMs, route.ms);
  }
}
