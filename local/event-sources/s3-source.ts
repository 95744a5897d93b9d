/**
 * S3 ObjectCreated notifications: an upload to a bucket whose notification names a function
 * (matching event type, prefix and suffix) invokes it asynchronously with the S3 event S3 would
 * send — so a failure is retried and then kept in the function's on-failure destination, as Lambda
 * does (see `async-invoke.ts`). S3 delivers notifications at least once: with `duplicateRate`, an
 * event is delivered a second time (a separate invocation, a moment later) as S3 may do.
 */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { S3Event } from "aws-lambda";
import type { S3NotificationSettings } from "../provision.js";
import type { AsyncInvoker, AsyncOutcome } from "./async-invoke.js";

export type S3Invoke = (event: S3Event, requestId: string) => Promise<unknown>;

export interface S3SourceOptions {
  notifications: S3NotificationSettings[];
  s3: Pick<S3Client, "send">;
  region: string;
  invoker: AsyncInvoker;
  /** The function each notification targets, by name. */
  functionFor: (functionName: string) => S3Invoke;
  /** Share of notifications delivered twice. @default `0` */
  duplicateRate?: number;
  random?: () => number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface InvocationOutcome extends AsyncOutcome {
  functionName: string;
  /** Set for the second delivery of a duplicated notification. */
  duplicate?: boolean;
}

export class S3EventSource {
  private readonly running = new Set<Promise<InvocationOutcome>>();

  constructor(private readonly options: S3SourceOptions) {}

  /** True while no triggered invocation is still running. */
  idle(): boolean {
    return this.running.size === 0;
  }

  /**
   * Uploads an object the way a user would (PutObject), then delivers the notification(s) it
   * triggers. Resolves with the outcome of every triggered invocation.
   */
  /** @param onStored called once the object is in the bucket (before any notification is delivered) */
  async upload(
    bucket: string,
    key: string,
    body: string | Uint8Array,
    onStored?: () => void,
  ): Promise<InvocationOutcome[]> {
    const put = await this.options.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    onStored?.();
    const size = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
    const targets = this.options.notifications.filter((n) => n.bucket === bucket && matches(n, key));
    if (targets.length === 0) {
      this.options.log?.("upload triggers no function", { bucket, key });
      return [];
    }
    const event = s3Event(this.options.region, bucket, key, size, put.ETag ?? "", put.VersionId);
    const random = this.options.random ?? Math.random;
    const deliveries = targets.flatMap((t) => {
      const deliver = (duplicate: boolean, delayMs = 0) =>
        this.track(
          new Promise((r) => setTimeout(r, delayMs))
            .then(() =>
              this.options.invoker.invoke(t.functionName, event, this.options.functionFor(t.functionName)),
            )
            .then((outcome) => ({
              functionName: t.functionName,
              ...outcome,
              ...(duplicate ? { duplicate } : {}),
            })),
        );
      const copies = [deliver(false)];
      if (random() < (this.options.duplicateRate ?? 0))
        copies.push(deliver(true, Math.floor(random() * 1000)));
      return copies;
    });
    return Promise.all(deliveries);
  }

  private track(invocation: Promise<InvocationOutcome>): Promise<InvocationOutcome> {
    this.running.add(invocation);
    const done = () => void this.running.delete(invocation);
    invocation.then(done, done);
    return invocation;
  }
}

function matches(n: S3NotificationSettings, key: string): boolean {
  const created = n.events.some((e) => e === "s3:ObjectCreated:*" || e === "s3:ObjectCreated:Put");
  return (
    created &&
    (!n.filterPrefix || key.startsWith(n.filterPrefix)) &&
    (!n.filterSuffix || key.endsWith(n.filterSuffix))
  );
}

/** The event S3 sends for a PutObject (object keys are URL-encoded in it, spaces as `+`). */
export function s3Event(
  region: string,
  bucket: string,
  key: string,
  size: number,
  eTag: string,
  versionId?: string,
): S3Event {
  return {
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: region,
        eventTime: new Date().toISOString(),
        eventName: "ObjectCreated:Put",
        userIdentity: { principalId: "LOCAL" },
        requestParameters: { sourceIPAddress: "127.0.0.1" },
        responseElements: { "x-amz-request-id": "LOCAL", "x-amz-id-2": "LOCAL" },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "local-run",
          bucket: { name: bucket, ownerIdentity: { principalId: "LOCAL" }, arn: `arn:aws:s3:::${bucket}` },
          object: {
            key: encodeURIComponent(key).replace(/%20/g, "+").replace(/%2F/g, "/"),
            size,
            eTag: eTag.replace(/"/g, ""),
            ...(versionId ? { versionId } : {}),
            sequencer: Date.now().toString(16).toUpperCase(),
          },
        },
      },
    ],
  };
}
