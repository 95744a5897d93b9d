/**
 * A Lambda execution environment in the local run: a child process running the function's deployed
 * bundle (`runner.mjs`) with the function's own environment. It behaves as Lambda does where that
 * matters for correctness:
 *
 * - **A timeout kills.** When an invocation runs past the function's timeout the process is killed
 *   (SIGKILL): nothing after that point happens — no audit event, no metric flush — and the
 *   invocation fails with Lambda's message. The next invocation starts a new environment (cold).
 * - **A crash is a failed invocation** (an unhandled rejection ends the process, as in Lambda).
 * - **One invocation at a time per environment**, warm between invocations (module-scope clients
 *   and caches survive, as in a warm Lambda container).
 * - Logs go where CloudWatch Logs would take them (`onLog`, line by line); metrics are whatever the
 *   handler writes there as EMF (see `emf-metrics.ts`).
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { FunctionSettings } from "../provision.js";

const RUNNER = fileURLToPath(new URL("./runner.mjs", import.meta.url));

export interface ContainerOptions {
  fn: FunctionSettings;
  bundlePath: string;
  /** The process environment: the function's variables plus the runtime's (`AWS_REGION`, endpoint…). */
  env: Record<string, string>;
  onLog: (functionName: string, line: string) => void;
  /** +1 when an invocation starts running, -1 when it ends (for concurrency figures). */
  onInvocation?: (delta: 1 | -1) => void;
}

/** How an invocation ended, for the event source. */
export class InvocationError extends Error {
  constructor(
    message: string,
    /** `Sandbox.Timedout`, `Runtime.ExitError`, `Runtime.InitError` or the handler's error name. */
    readonly errorType: string,
  ) {
    super(message);
    this.name = errorType;
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class LambdaContainer {
  private child: ChildProcess | undefined;
  private started: Promise<void> | undefined;
  private pending: Pending | undefined;
  private readonly streamName = `local/${randomUUID().slice(0, 8)}`;
  /** Invocations this environment ran. */
  invocations = 0;

  constructor(private readonly options: ContainerOptions) {}

  /** Taken from the moment an invocation is accepted (before the environment has started). */
  private reserved = false;

  get busy(): boolean {
    return this.reserved;
  }

  /** Runs one invocation; rejects with `InvocationError` on a handler error, a crash or a timeout. */
  async invoke(event: unknown, awsRequestId: string = randomUUID()): Promise<unknown> {
    if (this.reserved)
      throw new Error(`${this.options.fn.name}: an execution environment runs one invocation at a time`);
    this.reserved = true;
    try {
      await this.start();
    } catch (error) {
      this.reserved = false;
      throw error;
    }
    const { fn } = this.options;
    const timeoutMs = fn.timeoutSeconds * 1000;
    const deadline = Date.now() + timeoutMs;
    this.invocations++;
    this.options.onInvocation?.(1);
    const startedAt = Date.now();
    this.options.onLog(fn.name, `START RequestId: ${awsRequestId} Version: $LATEST`);
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.options.onLog(
          fn.name,
          `${new Date().toISOString()} ${awsRequestId} Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
        );
        this.kill();
        this.settle(
          new InvocationError(
            `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
            "Sandbox.Timedout",
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.options.onInvocation?.(-1);
        this.options.onLog(fn.name, `END RequestId: ${awsRequestId}`);
        this.options.onLog(
          fn.name,
          `REPORT RequestId: ${awsRequestId}\tDuration: ${Date.now() - startedAt} ms\tMemory Size: ${fn.memorySize} MB`,
        );
      };
      this.pending = {
        resolve: (v) => (done(), resolve(v)),
        reject: (e) => (done(), reject(e)),
      };
      this.child!.send({
        type: "invoke",
        id: awsRequestId,
        event,
        context: {
          awsRequestId,
          functionName: fn.name,
          invokedFunctionArn: fn.arn,
          memoryLimitInMB: fn.memorySize,
          logStreamName: this.streamName,
          deadline,
        },
      });
    });
  }

  /** Ends the environment (Lambda recycling it). */
  async stop(): Promise<void> {
    this.kill();
    this.settle(new InvocationError("the execution environment was stopped", "Runtime.ExitError"));
  }

  private start(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.started!;
    const { fn, bundlePath, env } = this.options;
    const child = fork(RUNNER, [bundlePath], { env, stdio: ["ignore", "pipe", "pipe", "ipc"], execArgv: [] });
    this.child = child;
    for (const stream of [child.stdout!, child.stderr!])
      createInterface({ input: stream }).on("line", (line) => this.options.onLog(fn.name, line));
    this.started = new Promise<void>((resolve, reject) => {
      child.on(
        "message",
        (message: { type: string; value?: unknown; error?: { name: string; message: string } }) => {
          if (message.type === "ready") resolve();
          else if (message.type === "init-error")
            reject(
              new InvocationError(
                `init failed: ${message.error?.name}: ${message.error?.message}`,
                "Runtime.InitError",
              ),
            );
          else if (message.type === "result") {
            if (message.error) this.settle(new InvocationError(message.error.message, message.error.name));
            else this.settle(undefined, message.value);
          }
        },
      );
      child.on("exit", (code, signal) => {
        reject(
          new InvocationError(`the runtime exited during init (${signal ?? code})`, "Runtime.InitError"),
        );
        if (signal !== "SIGKILL")
          this.settle(
            new InvocationError(
              `Runtime exited with error: ${signal ?? `exit status ${code}`}`,
              "Runtime.ExitError",
            ),
          );
      });
    });
    return this.started;
  }

  private settle(error: Error | undefined, value?: unknown): void {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    this.reserved = false;
    if (error) pending.reject(error);
    else pending.resolve(value);
  }

  private kill(): void {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}
