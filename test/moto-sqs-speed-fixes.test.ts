/**
 * The launcher's SQS speed fixes (local/moto_fixes/sqs.py: receives that stop at the first visible
 * messages, deletes that look a receipt handle up, the hot path's retention check without the
 * whole attribute map) change no answer. The same sequence — a batch sent, receives, deletes with
 * valid, unknown and already-deleted handles, a visibility change, a redrive to the DLQ,
 * a delete with the handle of a message that moved there, counts, a long poll on an empty queue —
 * gets the same answers from the launcher and from moto's own `moto_server`, once the values moto
 * makes up afresh (message ids, receipt handles, timestamps) are set aside.
 */
import { describe, expect, it } from "vitest";
import { launcherAndPlainMoto } from "./support/launcher-vs-plain-moto.js";

type Json = Record<string, unknown>;

async function call(endpoint: string, action: string, body: Json) {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.0",
      "X-Amz-Target": `AmazonSQS.${action}`,
      Authorization:
        "AWS4-HMAC-SHA256 Credential=testing/20261204/eu-west-1/sqs/aws4_request, SignedHeaders=host, Signature=x",
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

interface Message {
  Body: string;
  ReceiptHandle: string;
  Attributes?: Record<string, string>;
}

/** What a receive answers, without the values made up per call. */
function received(answer: { status: number; body: Json }) {
  const messages = (answer.body.Messages ?? []) as Message[];
  return {
    status: answer.status,
    messages: messages.map((m) => ({ body: m.Body, receives: m.Attributes?.ApproximateReceiveCount })),
  };
}

const COUNTS = [
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesNotVisible",
  "ApproximateNumberOfMessagesDelayed",
];

/** The sequence both servers answer; returns each answer, normalised, in order. */
async function answers(endpoint: string) {
  const out: unknown[] = [];
  const dlq = await call(endpoint, "CreateQueue", { QueueName: "speed-dlq" });
  const dlqUrl = dlq.body.QueueUrl as string;
  const dlqArn = (
    await call(endpoint, "GetQueueAttributes", { QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] })
  ).body.Attributes as Record<string, string>;
  const queue = await call(endpoint, "CreateQueue", {
    QueueName: "speed-audit",
    Attributes: {
      VisibilityTimeout: "30",
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn.QueueArn, maxReceiveCount: 2 }),
    },
  });
  const url = queue.body.QueueUrl as string;
  const receive = (n: number, extra: Json = {}) =>
    call(endpoint, "ReceiveMessage", {
      QueueUrl: url,
      MaxNumberOfMessages: n,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      ...extra,
    });
  const counts = async (queueUrl = url) => {
    const answer = await call(endpoint, "GetQueueAttributes", { QueueUrl: queueUrl, AttributeNames: COUNTS });
    return answer.body.Attributes;
  };
  const deleteBatch = async (handles: string[]) => {
    const answer = await call(endpoint, "DeleteMessageBatch", {
      QueueUrl: url,
      Entries: handles.map((h, i) => ({ Id: `e${i}`, ReceiptHandle: h })),
    });
    const failed = (answer.body.Failed ?? []) as Array<{ Id: string; Code: string; SenderFault: boolean }>;
    return {
      status: answer.status,
      successful: ((answer.body.Successful ?? []) as Array<{ Id: string }>).map((s) => s.Id),
      failed: failed.map((f) => ({ id: f.Id, code: f.Code, senderFault: f.SenderFault })),
    };
  };

  for (let i = 0; i < 25; i += 10) {
    const sent = await call(endpoint, "SendMessageBatch", {
      QueueUrl: url,
      Entries: Array.from({ length: Math.min(10, 25 - i) }, (_, j) => ({
        Id: `m${i + j}`,
        MessageBody: `message ${i + j}`,
      })),
    });
    out.push({
      status: sent.status,
      ids: ((sent.body.Successful ?? []) as Array<{ Id: string }>).map((s) => s.Id),
    });
  }
  const first = await receive(10);
  const second = await receive(10);
  out.push(received(first), received(second));
  const handles = (first.body.Messages as Message[]).map((m) => m.ReceiptHandle);
  // Five valid handles and an unknown one (moto refuses a batch naming one handle twice).
  out.push(await deleteBatch([...handles.slice(0, 5), "not-a-handle"]));
  // Deleting a handle already deleted is accepted again.
  out.push(await deleteBatch([handles[1]!]));
  out.push(await counts());
  // A visibility change makes a received message visible again; it is received a second time.
  const again = await call(endpoint, "ChangeMessageVisibility", {
    QueueUrl: url,
    ReceiptHandle: handles[5],
    VisibilityTimeout: 0,
  });
  out.push({ status: again.status });
  const third = await receive(10, { VisibilityTimeout: 0 });
  out.push(received(third));
  // Received twice (maxReceiveCount 2): the next receive moves it to the DLQ instead of handing it out.
  const fourth = await receive(10, { VisibilityTimeout: 30 });
  out.push(received(fourth));
  out.push(await counts(), await counts(dlqUrl));
  // The moved message's handle no longer names a message of this queue.
  const movedHandle = (third.body.Messages as Message[]).find((m) => m.Body === "message 5")!.ReceiptHandle;
  out.push(await deleteBatch([movedHandle]));
  const fromDlq = await call(endpoint, "ReceiveMessage", { QueueUrl: dlqUrl, MaxNumberOfMessages: 10 });
  out.push(received(fromDlq));
  // Everything still in flight is deleted with its newest handle; a long poll on the empty queue waits.
  const inFlight = [
    ...(second.body.Messages as Message[]),
    ...(fourth.body.Messages as Message[]),
    ...(first.body.Messages as Message[]).slice(6),
  ].map((m) => m.ReceiptHandle);
  for (let i = 0; i < inFlight.length; i += 10) out.push(await deleteBatch(inFlight.slice(i, i + 10)));
  out.push(await counts());
  const startedAt = Date.now();
  const empty = await receive(10, { WaitTimeSeconds: 1 });
  out.push(received(empty), { waitedAtLeastASecond: Date.now() - startedAt >= 900 });
  return out;
}

describe("moto launcher SQS speed fixes", () => {
  const bothAnswer = launcherAndPlainMoto();

  it("answers sends, receives, deletes, redrive and counts exactly as plain moto does", async () => {
    const { fromFixed, fromPlain } = await bothAnswer(answers);
    expect(fromFixed).toEqual(fromPlain);
    // The sequence exercised what it means to: the unknown handle refused, the rest deleted.
    expect(fromFixed[5]).toEqual({
      status: 200,
      successful: ["e0", "e1", "e2", "e3", "e4"],
      failed: [{ id: "e5", code: "ReceiptHandleIsInvalid", senderFault: true }],
    });
    expect(fromFixed[7]).toEqual({
      ApproximateNumberOfMessages: "5",
      ApproximateNumberOfMessagesNotVisible: "15",
      ApproximateNumberOfMessagesDelayed: "0",
    });
    expect(fromFixed[13]).toMatchObject({ failed: [{ code: "ReceiptHandleIsInvalid" }] });
    expect(fromFixed[14]).toEqual({ status: 200, messages: [{ body: "message 5", receives: undefined }] });
    expect(fromFixed.at(-2)).toEqual({ status: 200, messages: [] });
    expect(fromFixed.at(-1)).toEqual({ waitedAtLeastASecond: true });
  });
});
