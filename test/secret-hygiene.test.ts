/**
 * Secret hygiene across every handler: the token manager, case creator, event producer, audit
 * processor and discard auditor each run their success and failure paths on the test emulator, with
 * every log line and every metric payload (the EMF documents the deployed sink writes) captured in
 * one place. None may hold an issued TIAA token, the TIAA password (right or wrong) or a line of the
 * client's private key. Reuses the token manager's bench (CA, TIAA stand-in, secrets) and the
 * producer's and audit processor's benches.
 */
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import type { SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processAuditBatch } from "../handlers/audit-processor/process-audit-batch.js";
import { createCases } from "../handlers/case-creator/create-cases.js";
import { SalesforceClient } from "../handlers/case-creator/salesforce-client.js";
import { auditDiscardedBatches } from "../handlers/discard-auditor/audit-discarded.js";
import { produceEvents, recordMetrics } from "../handlers/event-producer/produce-events.js";
import { AuditSender } from "../handlers/lib/audit-sender.js";
import { Logger } from "../handlers/lib/logger.js";
import { EmfSink, Metrics } from "../handlers/lib/metrics.js";
import { SecretTokenClient } from "../handlers/lib/token-client.js";
import { refreshToken } from "../handlers/token-manager/refresh-token.js";
import { startSalesforceStandIn, type SalesforceStandIn } from "../local/salesforce-stand-in.js";
import { auditEvent, eventRecord, sqsEvent, sqsRecord } from "./support/audit-fixtures.js";
import { createTable, harness, outcomeMetrics } from "./support/audit-processor-bench.js";
import { testClientConfig, uniqueName } from "./support/emulator.js";
import { kinesisEvent } from "./support/kinesis-events.js";
import {
  createQueue,
  createStream,
  deps as producerDeps,
  drainQueue,
  putFile,
  record,
  useInputBucket,
  bucket,
} from "./support/producer-bench.js";
import {
  ca,
  client,
  config,
  PASSWORD,
  secrets,
  tiaa,
  tokenSecret,
  useTokenRefreshFixture,
} from "./support/token-refresh-fixture.js";

useTokenRefreshFixture();
useInputBucket();

const WRONG_PASSWORD = `wrong-${Math.random().toString(36).slice(2)}-Kx4`;
/** Every log line and metric document any handler below wrote, by handler and path. */
const captured: Array<{ handler: string; path: string; line: string }> = [];
let salesforce: SalesforceStandIn;
let acceptTokens = true;
const sqs = new SQSClient(testClientConfig());

/** A logger and the deployed metrics sink (EMF lines), both writing into `captured`. */
function capture(handler: string, path: string) {
  const write = (line: string) => void captured.push({ handler, path, line });
  return { logger: new Logger({ service: handler, level: "DEBUG", write }), sink: new EmfSink(write) };
}

beforeAll(async () => {
  salesforce = await startSalesforceStandIn({
    tls: ca.issue({ commonName: "localhost", usage: "server" }),
    acceptToken: (t) => acceptTokens && tiaa.isCurrent(t),
  });
});
afterAll(async () => salesforce?.stop());

describe("no handler logs or publishes a token, password or private key — success and failure paths", () => {
  it("token manager: a refresh, a wrong password, TIAA failing with 500 and with a body that is not a token", async () => {
    const wrongCredentials = uniqueName("tiaa-wrong-credentials");
    await secrets.send(
      new CreateSecretCommand({
        Name: wrongCredentials,
        SecretString: JSON.stringify({ username: "svc-kyc-tiaa", password: WRONG_PASSWORD }),
      }),
    );
    const paths: Array<[string, () => void, Parameters<typeof config>[0]]> = [
      ["success", () => undefined, {}],
      ["wrong password", () => undefined, { credentials: { source: "secret", secretId: wrongCredentials } }],
      ["TIAA 500", () => tiaa.setFault("http500", 10), {}],
      ["TIAA malformed", () => tiaa.setFault("malformed-json", 10), {}],
    ];
    const outcomes: string[] = [];
    for (const [path, arrange, overrides] of paths) {
      arrange();
      const { logger, sink } = capture("token-manager", path);
      const metrics = new Metrics({
        component: "token-manager",
        namespace: "bbkyc/token-manager/sit",
        environment: "sit",
        sink,
      });
      const outcome = await refreshToken(
        {
          secretsManager: secrets,
          metrics,
          logger,
          sleep: async () => undefined,
          random: () => 0.5,
          ca: ca.certificate,
        },
        config(overrides),
      ).then(
        () => "ok",
        (error: { reason?: string }) => `failed:${error.reason}`,
      );
      await metrics.flush().catch(() => undefined);
      tiaa.setFault("none");
      outcomes.push(`${path}=${outcome}`);
    }
    expect(outcomes[0]).toBe("success=ok");
    expect(outcomes.slice(1).every((o) => o.includes("=failed:"))).toBe(true);
    // The token stored by the successful refresh is the one the case creator reads below.
    expect(tiaa.issuedTokens.length).toBeGreaterThanOrEqual(1);
  });

  it("case creator: cases created with the stored token, then Salesforce refusing the token (401) and a record that is not JSON", async () => {
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("hygiene-cc-audit") })))
      .QueueUrl!;
    const now = Date.now();
    const items = [0, 1].map((i) => ({
      transactionId: `TXN-H${i}`,
      customerId: `C${i}`,
      eventType: "KYC_REVIEW",
      producedAt: new Date(now - 5000).toISOString(),
    }));
    for (const [path, accept, batch] of [
      ["success", true, items],
      ["token refused", false, [...items, { raw: Buffer.from("not json").toString("base64") }]],
    ] as const) {
      acceptTokens = accept;
      const { logger, sink } = capture("case-creator", path);
      const metrics = new Metrics({
        component: "case-creator",
        namespace: "bbkyc/cta-case-creator/sit",
        environment: "sit",
        sink,
      });
      const response = await createCases(
        {
          salesforce: new SalesforceClient({
            instanceUrl: salesforce.url,
            apiVersion: "v60.0",
            objectName: "Case",
            externalIdField: "KYC_Transaction_Id__c",
            extraCertificateAuthorities: [ca.certificate],
          }),
          tokenProvider: new SecretTokenClient({ secretsManager: secrets, secretId: tokenSecret }),
          audit: new AuditSender({ sqs, queueUrl, logger, sleep: async () => undefined }),
          metrics,
          logger,
          now: () => new Date(now),
          config: {
            component: "cta-case-creator",
            mapping: { objectName: "Case", externalIdField: "KYC_Transaction_Id__c" } as never,
            giveUpAfterSeconds: 900,
            retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, attemptBudgetMs: 2000 },
          },
          sleep: async () => undefined,
          random: () => 0.5,
        },
        kinesisEvent(batch as unknown as object[], {
          firstSequence: 49_000_000_000_000_000_000n,
          arrivedAtMs: now - 10_000,
        }),
      );
      await metrics.flush().catch(() => undefined);
      if (accept) expect(response.batchItemFailures).toEqual([]);
    }
    acceptTokens = true;
    // Salesforce saw the token in its Authorization header: the secret was really in play.
    expect(salesforce.cases.size).toBe(2);
  });

  it("event producer: a good file, a file with bad records, and a file that is not there", async () => {
    const stream = await createStream(1);
    const queueUrl = await createQueue();
    const good = await putFile([0, 1, 2].map((i) => JSON.stringify(record(i))).join("\n"));
    const bad = await putFile(
      ['{"transactionId": 7}', "{not json", JSON.stringify(record(9, { customerId: "" }))].join("\n"),
    );
    for (const [path, key] of [
      ["success", good],
      ["bad records", bad],
      ["missing object", "no-such-file.json"],
    ] as const) {
      const { logger, sink } = capture("event-producer", path);
      const bench = producerDeps({ stream, queueUrl });
      const metrics = new Metrics({
        component: "event-producer",
        namespace: "bbkyc/cta-event-producer/sit",
        environment: "sit",
        sink,
      });
      const summary = await produceEvents({ ...bench.deps, logger }, { bucket, key }).catch(() => undefined);
      if (summary) recordMetrics(metrics, summary);
      await metrics.flush().catch(() => undefined);
      for (const line of bench.lines) captured.push({ handler: "event-producer", path, line });
    }
    expect((await drainQueue(queueUrl)).some((e) => e.status === "FAILED")).toBe(true);
  });

  it("audit processor: good audit events, a redelivery and malformed messages", async () => {
    const tableName = await createTable();
    const { logger, sink } = capture("audit-processor", "all");
    const { deps } = harness(tableName, { logger, outcomes: outcomeMetrics(sink, logger) });
    const processed = eventRecord(auditEvent("TXN-H0", "PROCESSED", "2026-11-26T08:00:00Z"), "m-ok");
    await processAuditBatch(
      deps,
      sqsEvent(
        processed,
        sqsRecord("{not json", "m-bad"),
        eventRecord(
          auditEvent("TXN-H1", "FAILED", "2026-11-26T08:00:01Z", { reason: "Salesforce rejected the token" }),
          "m-failed",
        ),
      ),
    );
    await processAuditBatch(deps, sqsEvent(processed));
  });

  it("discard auditor: a range that is gone from the stream and a body that is not an on-failure record", async () => {
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("hygiene-discard") })))
      .QueueUrl!;
    const { logger } = capture("discard-auditor", "all");
    const kinesis = new KinesisClient({ ...testClientConfig(), requestHandler: new NodeHttpHandler() });
    const deps = {
      kinesis,
      audit: new AuditSender({ sqs, queueUrl, logger, sleep: async () => undefined }),
      logger,
      now: () => new Date(),
      config: { component: "cta-discard-auditor", caseCreatorFunction: "bbkyc-cta-case-creator-sit" },
    };
    const gone = {
      requestContext: {
        requestId: "r-1",
        functionArn: "arn:aws:lambda:eu-west-1:123456789012:function:bbkyc-cta-case-creator-sit",
        condition: "RecordAgeExceeded",
        approximateInvokeCount: 1,
      },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      version: "1.0",
      timestamp: new Date().toISOString(),
      KinesisBatchInfo: {
        shardId: "shardId-000000000000",
        startSequenceNumber: "4959",
        endSequenceNumber: "4960",
        approximateArrivalOfFirstRecord: new Date().toISOString(),
        approximateArrivalOfLastRecord: new Date().toISOString(),
        batchSize: 2,
        streamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/deleted-stream",
      },
    };
    await auditDiscardedBatches(deps, {
      Records: [
        { messageId: "m-1", body: JSON.stringify(gone) } as SQSRecord,
        { messageId: "m-2", body: "{not a record" } as SQSRecord,
      ],
    });
  });

  it("and none of what they wrote holds the token, a password or the private key", () => {
    // The capture really ran: every handler, its errors, and metric documents.
    const handlers = new Set(captured.map((c) => c.handler));
    expect([...handlers].sort()).toEqual([
      "audit-processor",
      "case-creator",
      "discard-auditor",
      "event-producer",
      "token-manager",
    ]);
    expect(
      captured.filter((c) => c.line.includes('"level":"ERROR"') || c.line.includes('"level":"WARN"')).length,
    ).toBeGreaterThan(5);
    expect(captured.filter((c) => c.line.includes('"_aws"')).length).toBeGreaterThan(3);

    const keyLines = client.privateKey.split(/\r?\n/).filter((l) => l.length > 20 && !l.startsWith("-----"));
    const forbidden = [
      ...tiaa.issuedTokens.map((t) => ["issued token", t] as const),
      ["TIAA password", PASSWORD] as const,
      ["wrong TIAA password", WRONG_PASSWORD] as const,
      ...keyLines.map((l) => ["private key line", l] as const),
    ];
    const leaks = captured.flatMap((c) =>
      forbidden
        .filter(([, secret]) => c.line.includes(secret))
        .map(([what]) => `${c.handler} (${c.path}): ${what}`),
    );
    const pemHeaders = captured
      .filter((c) => /PRIVATE KEY/.test(c.line))
      .map((c) => `${c.handler} (${c.path}): a PEM key header`);
    expect([...leaks, ...pemHeaders]).toEqual([]);
    console.log(
      `secret hygiene: ${captured.length} log lines and metric documents from 5 handlers scanned for ${forbidden.length} secret values`,
    );
  });
});
