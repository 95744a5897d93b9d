/**
 * The local run's one AWS endpoint: every client — the functions running in their own processes
 * and the local run's event sources alike — talks to this gateway, which forwards each request to
 * the moto process for its service. It exists for three things AWS does and moto does not:
 *
 * - **Safety under concurrency.** moto is not safe under concurrent requests (records lost or
 *   duplicated under overlapping PutRecords, a message handed out twice, two conditional writes to
 *   one item both passing — all seen). AWS is. The gateway sends each moto process one request at a
 *   time, so the functions run with their deployed concurrency (four PutRecords calls in flight, as
 *   many case-creator invocations as shards × parallelization) and moto stays correct.
 * - **Faults at the wire**, where the functions cannot tell them from AWS's: throttled PutRecords
 *   entries (`ProvisionedThroughputExceededException` at their position, never sent, so a retry
 *   cannot duplicate them) and throttled GetRecords calls.
 * - **Witnessing** without changing a function: calls are counted per caller (each function signs
 *   with its own access key id, its name) and operation, e.g. the case creator's GetSecretValue.
 *
 * Lambda Invoke of the CSM tool's function is answered by the CSM stand-in (moto cannot run code).
 * Upstream answers are read whole before they are passed on, so a slow reader (the producer
 * streaming a large object) never holds a moto process while it makes other calls.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

export type Upstream = "main" | "dynamodb" | "sqs";

export interface GatewayOptions {
  /** moto endpoints; services without their own process go to `main`. */
  upstreams: Record<Upstream, string>;
  /** Answers Lambda Invoke for functions moto cannot run (the CSM tool). */
  invokeStandIn?: (
    functionName: string,
    payload: Buffer,
  ) => Promise<{ statusCode: number; functionError?: string; body: Buffer }>;
  random?: () => number;
}

export interface GatewayFaults {
  /** Share of PutRecords entries and of GetRecords calls that are throttled. */
  kinesis?: number;
  /**
   * The next `calls` requests of `operation` (e.g. `sqs.SendMessageBatch`), from `caller` when given
   * (a function name: each signs with its own key), are answered only after `ms`: a caller without a
   * request timeout waits, and Lambda's timeout kills it. `carriedOut`: the request reaches the
   * emulator first (the answer is lost on the way back); otherwise it never arrives (lost on the way
   * there) and is answered with a 500.
   */
  hangs?: Array<{ operation: string; calls: number; ms: number; caller?: string; carriedOut: boolean }>;
}

/** Calls per caller (access key id) and operation, e.g. `secretsmanager.GetSecretValue`. */
export type CallCounts = Map<string, Map<string, number>>;

/** Time spent per operation: waiting for its moto process, and in it. */
export type OperationTimings = Map<string, { calls: number; waitMs: number; upstreamMs: number }>;

export class AwsGateway {
  readonly calls: CallCounts = new Map();
  readonly timings: OperationTimings = new Map();
  private server: Server | undefined;
  private readonly tails = new Map<Upstream, Promise<unknown>>();
  private faults: GatewayFaults = {};
  private readonly random: () => number;
  url = "";

  constructor(private readonly options: GatewayOptions) {
    this.random = options.random ?? Math.random;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    // Many processes keep connections open; none of them may be cut off while idle.
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  setFaults(faults: GatewayFaults): void {
    this.faults = faults;
  }

  /** Calls of `operation` made with `caller`'s credentials (all callers when undefined). */
  count(operation: string, caller?: string): number {
    let n = 0;
    for (const [key, ops] of this.calls)
      if (caller === undefined || key === caller) n += ops.get(operation) ?? 0;
    return n;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = await readAll(req);
      const { caller, service } = signatureOf(req);
      const operation = operationOf(req, service);
      this.record(caller, `${service}.${operation}`);
      if (service === "lambda" && this.options.invokeStandIn) {
        const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? "");
        if (match) return await this.answerInvoke(decodeURIComponent(match[1]!), body, res);
      }
      if (service === "kinesis" && this.faults.kinesis) {
        if (operation === "GetRecords" && this.random() < this.faults.kinesis)
          return kinesisError(
            res,
            "ProvisionedThroughputExceededException",
            "Rate exceeded for shard (injected by the local run)",
          );
        if (operation === "PutRecords")
          return await this.putRecordsWithThrottling(req, body, res, this.faults.kinesis);
      }
      const upstream: Upstream = service === "dynamodb" ? "dynamodb" : service === "sqs" ? "sqs" : "main";
      const hang = this.faults.hangs?.find(
        (h) =>
          h.calls > 0 &&
          h.operation === `${service}.${operation}` &&
          (h.caller === undefined || h.caller === caller),
      );
      if (hang) hang.calls -= 1;
      if (hang && !hang.carriedOut) {
        await new Promise((r) => setTimeout(r, hang.ms));
        if (!res.destroyed)
          res
            .writeHead(500, { "content-type": "text/plain" })
            .end("local AWS gateway: request lost (injected)");
        return;
      }
      const answer = await this.forward(upstream, req, body, undefined, `${service}.${operation}`);
      if (hang) await new Promise((r) => setTimeout(r, hang.ms));
      if (res.destroyed) return;
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    } catch (error) {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`local AWS gateway: ${(error as Error).message}`);
    }
  }

  private record(caller: string, operation: string): void {
    const ops = this.calls.get(caller) ?? new Map<string, number>();
    ops.set(operation, (ops.get(operation) ?? 0) + 1);
    this.calls.set(caller, ops);
  }

  /** One request at a time per moto process; the answer is read whole before the next starts. */
  private forward(
    upstream: Upstream,
    req: IncomingMessage,
    body: Buffer,
    bodyOverride?: Buffer,
    operation = "other",
  ) {
    const queuedAt = Date.now();
    const run = (this.tails.get(upstream) ?? Promise.resolve()).then(async () => {
      const startedAt = Date.now();
      try {
        return await send(this.options.upstreams[upstream], req, bodyOverride ?? body);
      } finally {
        const t = this.timings.get(operation) ?? { calls: 0, waitMs: 0, upstreamMs: 0 };
        t.calls += 1;
        t.waitMs += startedAt - queuedAt;
        t.upstreamMs += Date.now() - startedAt;
        this.timings.set(operation, t);
      }
    });
    this.tails.set(
      upstream,
      run.catch(() => undefined),
    );
    return run;
  }

  /** The operations that took the most time in moto, for a slow run's diagnosis. */
  slowest(limit = 8): string[] {
    return [...this.timings.entries()]
      .sort((a, b) => b[1].upstreamMs - a[1].upstreamMs)
      .slice(0, limit)
      .map(
        ([op, t]) =>
          `${op}: ${t.calls} calls, ${Math.round(t.upstreamMs / t.calls)} ms each in moto, ${Math.round(t.waitMs / t.calls)} ms waiting`,
      );
  }

  private async putRecordsWithThrottling(
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
    rate: number,
  ): Promise<void> {
    const input = JSON.parse(body.toString("utf8")) as { Records: unknown[]; [k: string]: unknown };
    const throttled = input.Records.map(() => this.random() < rate);
    const passed = input.Records.filter((_, i) => !throttled[i]);
    let results: Array<Record<string, unknown>> = [];
    let failed = 0;
    if (passed.length > 0) {
      const answer = await this.forward(
        "main",
        req,
        body,
        Buffer.from(JSON.stringify({ ...input, Records: passed })),
      );
      if (answer.status !== 200) {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
        return;
      }
      const output = JSON.parse(answer.body.toString("utf8")) as {
        FailedRecordCount?: number;
        Records: Array<Record<string, unknown>>;
      };
      results = output.Records;
      failed = output.FailedRecordCount ?? 0;
    }
    let next = 0;
    const records = input.Records.map((_, i) =>
      throttled[i]
        ? {
            ErrorCode: "ProvisionedThroughputExceededException",
            ErrorMessage: "Rate exceeded for shard (injected by the local run)",
          }
        : results[next++],
    );
    res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
    res.end(
      JSON.stringify({ FailedRecordCount: failed + throttled.filter(Boolean).length, Records: records }),
    );
  }

  private async answerInvoke(functionName: string, payload: Buffer, res: ServerResponse): Promise<void> {
    const answer = await this.options.invokeStandIn!(functionName, payload);
    res.writeHead(answer.statusCode, {
      "content-type": "application/json",
      "x-amz-executed-version": "$LATEST",
      ...(answer.functionError ? { "x-amz-function-error": answer.functionError } : {}),
    });
    res.end(answer.body);
  }
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

function send(endpoint: string, req: IncomingMessage, body: Buffer): Promise<Answer> {
  const target = new URL(endpoint);
  const headers = { ...req.headers, host: target.host, "content-length": String(body.length) };
  delete headers["transfer-encoding"];
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (response) => {
        readAll(response).then((data) => {
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(response.headers))
            if (v !== undefined && k !== "transfer-encoding" && k !== "connection") out[k] = v;
          out["content-length"] = String(data.length);
          resolve({ status: response.statusCode ?? 502, headers: out, body: data });
        }, reject);
      },
    );
    upstream.on("error", reject);
    upstream.end(body);
  });
}

/** SigV4 `Credential=<access key>/<date>/<region>/<service>/aws4_request`. */
function signatureOf(req: IncomingMessage): { caller: string; service: string } {
  const match = /Credential=([^/]+)\/\d+\/[^/]+\/([^/]+)\/aws4_request/.exec(
    String(req.headers.authorization ?? ""),
  );
  return { caller: match?.[1] ?? "anonymous", service: match?.[2] ?? "s3" };
}

function operationOf(req: IncomingMessage, service: string): string {
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") return target.split(".").pop() ?? target;
  const rpc = /\/operation\/([A-Za-z]+)/.exec(req.url ?? "");
  if (rpc) return rpc[1]!;
  if (service === "lambda") return /\/invocations/.test(req.url ?? "") ? "Invoke" : "Lambda";
  return `${req.method} ${service === "s3" ? "object" : (req.url ?? "/")}`;
}

function kinesisError(res: ServerResponse, type: string, message: string): void {
  res.writeHead(400, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": type });
  res.end(JSON.stringify({ __type: type, message }));
}
