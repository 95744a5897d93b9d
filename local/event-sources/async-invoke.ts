/**
 * Lambda's asynchronous invocation, the way S3 notifications and EventBridge Scheduler invoke a
 * function: a failed invocation is retried `maximumRetryAttempts` times (Lambda waits about one and
 * then two minutes, compressed only by the run's time scale) with the same request id, and then the
 * invocation record — the event included — goes to the function's on-failure destination, if it has one. The settings come from
 * the function's recorded `FunctionEventInvokeConfig`; without one, Lambda's defaults apply.
 */
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { randomUUID } from "node:crypto";
import { sleep } from "./source-stats.js";

export interface AsyncInvokeSettings {
  /** @default `2` (Lambda's default and maximum) */
  maximumRetryAttempts: number;
  /** Queue that receives invocation records of events that failed every attempt. */
  onFailure?: { queueUrl: string; queueName: string };
}

export interface AsyncOutcome {
  attempts: number;
  result?: unknown;
  /** Set when every attempt failed. */
  error?: string;
  /** Set when the invocation record went to the on-failure destination. */
  sentTo?: string;
}

export interface AsyncInvokerOptions {
  sqs: Pick<SQSClient, "send">;
  region: string;
  settingsFor: (functionName: string) => AsyncInvokeSettings;
  /** Pause before retry n (Lambda: about 60 s × n). @default `(n) => 60_000 * n` */
  retryDelayMs?: (retry: number) => number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export class AsyncInvoker {
  /** Invocation records sent to on-failure destinations. */
  destinationRecords = 0;

  constructor(private readonly options: AsyncInvokerOptions) {}

  /** `run` gets the event and the request id, which Lambda keeps for the retries of one event. */
  async invoke(
    functionName: string,
    event: unknown,
    run: (event: any, requestId: string) => Promise<unknown>,
  ): Promise<AsyncOutcome> {
    const settings = this.options.settingsFor(functionName);
    const requestId = randomUUID();
    let error = "";
    let errorType = "Error";
    const attempts = settings.maximumRetryAttempts + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        return { attempts: attempt, result: await run(event, requestId) };
      } catch (caught) {
        error = (caught as Error).message;
        errorType = (caught as Error).name;
        this.options.log?.("asynchronous invocation failed", { functionName, attempt, error });
        if (attempt < attempts)
          await sleep((this.options.retryDelayMs ?? ((n: number) => 60_000 * n))(attempt));
      }
    }
    if (!settings.onFailure) return { attempts, error };
    const record = {
      version: "1.0",
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId,
        functionArn: `arn:aws:lambda:${this.options.region}:123456789012:function:${functionName}:$LATEST`,
        condition: "RetriesExhausted",
        approximateInvokeCount: attempts,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      responsePayload: { errorType, errorMessage: error },
    };
    await this.options.sqs.send(
      new SendMessageCommand({ QueueUrl: settings.onFailure.queueUrl, MessageBody: JSON.stringify(record) }),
    );
    this.destinationRecords += 1;
    return { attempts, error, sentTo: settings.onFailure.queueName };
  }
}
