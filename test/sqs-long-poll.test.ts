/**
 * Long polling at the local AWS gateway (local/sqs-long-poll.ts), against the moto server: a receive
 * with WaitTimeSeconds waits in the gateway and is answered as soon as a message is sent, with moto
 * asked only without waiting; a receive on a queue that stays empty returns empty after its wait.
 */
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsGateway } from "../local/aws-gateway.js";
import { emulatorClientConfig } from "../local/emulator.js";
import { emulatorEndpoint, uniqueName } from "./support/emulator.js";

let gateway: AwsGateway;
let sqs: SQSClient;

beforeAll(async () => {
  const moto = emulatorEndpoint();
  gateway = new AwsGateway({ upstreams: { main: moto, dynamodb: moto, sqs: moto } });
  sqs = new SQSClient(emulatorClientConfig(await gateway.start()));
});
afterAll(() => gateway.stop());

describe("SQS long polling at the local gateway", () => {
  it("answers a waiting receive as soon as a message is sent, asking moto only a few times", async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("long-poll") }));
    const started = Date.now();
    const receive = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
    await new Promise((r) => setTimeout(r, 1500));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "hello" }));

    const answer = await receive;

    expect(answer.Messages?.map((m) => m.Body)).toEqual(["hello"]);
    expect(Date.now() - started).toBeLessThan(5_000);
    // One receive at the start, about one a second while parked, one after the send: never a 20 s wait in moto.
    const inMoto = gateway.timings.get("sqs.ReceiveMessage")!;
    expect(inMoto.calls).toBeGreaterThanOrEqual(2);
    expect(inMoto.calls).toBeLessThanOrEqual(5);
    expect(inMoto.upstreamMs / inMoto.calls).toBeLessThan(1_000);
  });

  it("returns an empty answer once the wait is over when nothing arrives", async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("long-poll-empty") }));
    const started = Date.now();

    const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2 }));

    expect(answer.Messages ?? []).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  });
});
