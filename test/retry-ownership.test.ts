/**
 * One owner per retry (handlers/lib/aws-config.ts): under an outage, the HTTP calls a batch costs are
 * exactly the loop's attempts — not the loop's attempts times the SDK's. A local HTTP server answers
 * every request with 503, and counts them. Clients are built the way the handlers build theirs.
 */
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KinesisPublisher } from "../handlers/event-producer/kinesis-publisher.js";
import { AuditSender } from "../handlers/lib/audit-sender.js";
import { awsClientConfig, loopRetriedClientConfig } from "../handlers/lib/aws-config.js";
import { Logger } from "../handlers/lib/logger.js";
import { auditEvent } from "./support/audit-fixtures.js";

const requests: string[] = [];
let server: Server;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      requests.push(String(req.headers["x-amz-target"] ?? req.url));
      res.writeHead(503, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ __type: "ServiceUnavailable", message: "outage" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  env = {
    AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    AWS_REGION: "eu-west-1",
  };
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const noSleep = async () => undefined;
const logger = new Logger({ service: "test", write: () => undefined });

describe("retry ownership under a failing endpoint", () => {
  it("PutRecords: 6 HTTP calls for one batch (the publisher's 6 attempts, one SDK attempt each)", async () => {
    requests.length = 0;
    const kinesis = new KinesisClient({
      ...loopRetriedClientConfig(undefined, env),
      credentials,
      requestHandler: new NodeHttpHandler(),
    });
    const failed: Array<{ attempts: number; errorCode: string }> = [];
    const publisher = new KinesisPublisher({
      kinesis,
      streamName: "s",
      sleep: noSleep,
      onFailed: (entries) => void failed.push(...entries),
    });
    await publisher.add({
      transactionId: "TXN-1",
      partitionKey: "TXN-1",
      data: new TextEncoder().encode("{}"),
    });
    await publisher.close();

    expect(requests).toEqual(Array(6).fill("Kinesis_20131202.PutRecords"));
    expect(failed).toEqual([
      expect.objectContaining({ transactionId: "TXN-1", attempts: 6, errorCode: "ServiceUnavailable" }),
    ]);
  });

  it("SendMessageBatch: 4 HTTP calls for one batch (the audit sender's 4 attempts, one SDK attempt each)", async () => {
    requests.length = 0;
    const sqs = new SQSClient({ ...loopRetriedClientConfig(undefined, env), credentials });
    const result = await new AuditSender({
      sqs,
      queueUrl: `${env.AWS_ENDPOINT_URL}/123456789012/audit`,
      logger,
      sleep: noSleep,
    }).send([auditEvent("TXN-1", "PROCESSED", "2026-11-26T08:00:00.000Z")]);

    expect(requests).toEqual(Array(4).fill("AmazonSQS.SendMessageBatch"));
    expect(result).toEqual(
      expect.objectContaining({
        sent: 0,
        calls: 4,
        failed: [expect.objectContaining({ reason: expect.stringContaining("outage") })],
      }),
    );
  });

  it("any other call: the SDK owns the retry (its standard 3 attempts)", async () => {
    requests.length = 0;
    const sqs = new SQSClient({ ...awsClientConfig(undefined, env), credentials });
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: "audit" }))).rejects.toThrow("outage");
    expect(requests).toEqual(Array(3).fill("AmazonSQS.GetQueueUrl"));
  });
});
