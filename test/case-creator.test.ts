/**
 * The case creator's core against the real stand-in over HTTPS, the moto server's SQS as the audit
 * queue, and a fake token provider that counts reads. Sleeps are recorded, not waited.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { KinesisStreamEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DESCRIPTION_MAX_LENGTH, toSObject } from "../handlers/case-creator/case-mapping.js";
import { latencyMs } from "../handlers/audit-processor/outcome-metrics.js";
import {
  createCases,
  sortSequenceNumbers,
  type CreateCasesDeps,
} from "../handlers/case-creator/create-cases.js";
import { validateKycRecord } from "../handlers/case-creator/kinesis-record.js";
import { SalesforceClient } from "../handlers/case-creator/salesforce-client.js";
import type { AuditEvent } from "../handlers/lib/audit-event.js";
import { AuditSender } from "../handlers/lib/audit-sender.js";
import { Logger } from "../handlers/lib/logger.js";
import { MemorySink, Metrics } from "../handlers/lib/metrics.js";
import type { TokenProvider } from "../handlers/lib/token-provider.js";
import { createCertificateAuthority, type CertificateAuthority } from "../local/pki.js";
import { startSalesforceStandIn, type SalesforceStandIn } from "../local/salesforce-stand-in.js";
import { testClientConfig, uniqueName } from "./support/emulator.js";
import { kinesisEvent as kinesisEventOf } from "./support/kinesis-events.js";

const NOW = Date.parse("2026-11-26T09:00:00Z");
const STALE_TOKEN = "00Dstale!token-from-before-rotation";
const FRESH_TOKEN = "00Dfresh!token-after-rotation";
const MAPPING = { objectName: "Case", externalIdField: "KYC_Transaction_Id__c" };
/** Above 2^53, so only BigInt ordering gets them right. */
const FIRST_SEQUENCE = 49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_898n;

let ca: CertificateAuthority;
let sf: SalesforceStandIn;
let sqs: SQSClient;
let validTokens: Set<string>;
let logLines: string[];

class FakeTokenProvider implements TokenProvider {
  reads = 0;
  refreshes = 0;
  constructor(
    private current: string,
    private readonly afterRefresh: string = current,
  ) {}
  async getToken() {
    this.reads += 1;
    return this.current;
  }
  async refreshAfterUnauthorized() {
    this.refreshes += 1;
    this.current = this.afterRefresh;
    return this.current;
  }
}

function kycRecord(i: number | string, extra: Record<string, unknown> = {}) {
  return {
    transactionId: `TXN-${i}`,
    customerId: `C${i}`,
    eventType: "KYC_REVIEW",
    producedAt: new Date(NOW - 5_000).toISOString(),
    riskRating: "HIGH",
    payload: { country: "GB" },
    ...extra,
  };
}

/** Arrival defaults to 10 s before NOW; sequence numbers start above 2^53. */
const kinesisEvent = (items: Array<object>, arrivalSecondsAgo = 10): KinesisStreamEvent =>
  kinesisEventOf(items, {
    stream: "bbkyc-cta-events-sit",
    firstSequence: FIRST_SEQUENCE,
    arrivedAtMs: NOW - arrivalSecondsAgo * 1000,
  });

async function setup(
  options: {
    tokens?: FakeTokenProvider;
    queueUrl?: string;
    giveUpAfterSeconds?: number;
    deps?: Partial<CreateCasesDeps>;
  } = {},
) {
  const queueUrl =
    options.queueUrl ??
    (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("cc-audit") }))).QueueUrl!;
  const logger = new Logger({
    service: "cta-case-creator",
    level: "DEBUG",
    write: (line) => logLines.push(line),
  });
  const sink = new MemorySink();
  const sleeps: number[] = [];
  const tokens = options.tokens ?? new FakeTokenProvider(FRESH_TOKEN);
  const sender = new AuditSender({ sqs, queueUrl, logger, maxAttempts: 2, sleep: async () => undefined });
  const delivered: AuditEvent[] = [];
  const deps: CreateCasesDeps = {
    salesforce: new SalesforceClient({
      instanceUrl: sf.url,
      apiVersion: "v60.0",
      ...MAPPING,
      extraCertificateAuthorities: [ca.certificate],
    }),
    tokenProvider: tokens,
    // The outcomes the audit processor will count (once each) are the events the queue accepted.
    audit: {
      send: async (events) => {
        const result = await sender.send(events);
        const failed = new Set(result.failed.map((f) => f.event.transactionId));
        delivered.push(...events.filter((e) => !failed.has(e.transactionId)));
        return result;
      },
    },
    metrics: new Metrics({
      component: "case-creator",
      namespace: "bbkyc/cta-case-creator/sit",
      environment: "sit",
      sink,
    }),
    logger,
    now: () => new Date(NOW),
    config: {
      component: "cta-case-creator",
      mapping: MAPPING,
      giveUpAfterSeconds: options.giveUpAfterSeconds ?? 900,
    },
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    ...options.deps,
  };
  /** Receives audit events (moto answers a receive slowly, so big tests read a sample and count the rest). */
  const audit = async (limit = Infinity): Promise<AuditEvent[]> => {
    const events: AuditEvent[] = [];
    while (events.length < limit) {
      const r = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 600,
          WaitTimeSeconds: 0,
        }),
      );
      if (!r.Messages?.length) return events;
      events.push(...r.Messages.map((m) => JSON.parse(m.Body!) as AuditEvent));
    }
    return events;
  };
  const auditCount = async (): Promise<number> => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages);
  };
  /** Audit events of `status` the queue accepted. */
  const sent = (status: AuditEvent["status"]) => delivered.filter((e) => e.status === status).length;
  return { deps, sink, sleeps, tokens, audit, auditCount, sent, delivered };
}

const seq = (i: number) => String(FIRST_SEQUENCE + BigInt(i) * 1000n);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

beforeAll(async () => {
  ca = createCertificateAuthority();
  validTokens = new Set([FRESH_TOKEN]);
  sf = await startSalesforceStandIn({
    tls: ca.issue({ commonName: "localhost", usage: "server" }),
    acceptToken: (t) => validTokens.has(t),
  });
  sqs = new SQSClient(testClientConfig());
});
afterAll(async () => sf.stop());
beforeEach(() => {
  sf.setFaults({});
  sf.cases.clear();
  sf.calls.length = 0;
  logLines = [];
});
afterEach(() => {
  // Whatever happened in the test, no bearer token reached a log line.
  const all = logLines.join("\n");
  expect(all).not.toContain(FRESH_TOKEN);
  expect(all).not.toContain(STALE_TOKEN);
});

describe("happy path", () => {
  it("upserts 200 records in exactly one call and audits each PROCESSED with its Salesforce id", async () => {
    const { deps, audit, auditCount, sent, delivered } = await setup();
    const response = await createCases(deps, kinesisEvent(range(200).map((i) => kycRecord(i))));

    expect(response.batchItemFailures).toEqual([]);
    expect(sf.calls).toHaveLength(1);
    expect(sf.cases.size).toBe(200);
    expect(sf.cases.get("TXN-7")!.fields).toMatchObject({
      Subject: "KYC_REVIEW C7",
      Priority: "High",
      Origin: "KYC Platform",
      Description: '{"country":"GB"}',
    });
    expect(await auditCount()).toBe(200);
    const sample = await audit(20);
    expect(sample.length).toBeGreaterThanOrEqual(20);
    for (const event of sample) {
      expect(event).toMatchObject({
        status: "PROCESSED",
        component: "cta-case-creator",
        attributes: { salesforceId: sf.cases.get(event.transactionId)!.id, created: true },
      });
    }
    expect(sent("PROCESSED")).toBe(200);
    expect(sent("FAILED")).toBe(0);
    // Every PROCESSED carries producedAt, from which the audit processor counts the latency once.
    expect(new Set(delivered.map((e) => latencyMs(e)))).toEqual(new Set([5_000]));
  });

  it("upserts 1,000 records in one Composite call of five collections, 1,001 in two calls", async () => {
    const { deps, auditCount, sent } = await setup();
    const response = await createCases(deps, kinesisEvent(range(1_001).map((i) => kycRecord(i))));
    expect(response.batchItemFailures).toEqual([]);
    expect(sf.calls.map((c) => [c.path.split("/").pop(), c.externalIds.length])).toEqual([
      ["composite", 1_000],
      ["KYC_Transaction_Id__c", 1],
    ]);
    expect(sf.cases.size).toBe(1_001);
    expect(await auditCount()).toBe(1_001);
    expect(sent("PROCESSED")).toBe(1_001);
  });

  it("retries only the records of a collection that failed for a passing reason, and counts the retry", async () => {
    sf.setFaults({ subrequestUnavailableNext: 1 });
    const { deps, sink, sent, sleeps } = await setup();
    const response = await createCases(deps, kinesisEvent(range(450).map((i) => kycRecord(i))));
    expect(response.batchItemFailures).toEqual([]);
    // First call: 200 + 200 + 50 in one Composite call, the first collection answered 503; the second
    // call carries only those 200 records, after a backoff.
    expect(sf.calls.map((c) => c.externalIds.length)).toEqual([450, 200]);
    expect(sf.calls[1]!.externalIds[0]).toBe("TXN-0");
    expect(sleeps).toHaveLength(1);
    expect([...sf.cases.values()].every((c) => c.upserts === 1)).toBe(true);
    expect(sent("PROCESSED")).toBe(450);
    expect(sink.total("RetrySuccess")).toBe(1);
  });

  it("creates no duplicate case when a batch is delivered twice, or a transaction id repeats in one batch", async () => {
    const { deps, audit } = await setup();
    const event = kinesisEvent([kycRecord(1), kycRecord(2), kycRecord(1, { eventType: "KYC_RENEWAL" })]);
    await createCases(deps, event);
    const firstIds = new Map([...sf.cases].map(([k, v]) => [k, v.id]));
    await createCases(deps, event);

    expect(sf.calls.map((c) => c.externalIds)).toEqual([
      ["TXN-1", "TXN-2"],
      ["TXN-1", "TXN-2"],
    ]);
    expect(sf.cases.size).toBe(2);
    expect(sf.cases.get("TXN-1")!.fields.Subject).toBe("KYC_RENEWAL C1"); // the later delivery wins
    const events = await audit();
    expect(events.map((e) => [e.transactionId, e.attributes?.created, e.attributes?.deliveries])).toEqual([
      ["TXN-1", true, 2],
      ["TXN-2", true, 1],
      ["TXN-1", false, 2],
      ["TXN-2", false, 1],
    ]);
    expect(events.every((e) => e.attributes?.salesforceId === firstIds.get(e.transactionId))).toBe(true);
  });
});

describe("token and transient failures", () => {
  it("re-reads the token once after a 401 and succeeds", async () => {
    validTokens = new Set([FRESH_TOKEN]);
    const tokens = new FakeTokenProvider(STALE_TOKEN, FRESH_TOKEN);
    const { deps, sink, sent } = await setup({ tokens });
    const response = await createCases(deps, kinesisEvent(range(3).map((i) => kycRecord(i))));

    expect(response.batchItemFailures).toEqual([]);
    expect([tokens.reads, tokens.refreshes]).toEqual([1, 1]);
    expect(sf.calls.map((c) => [c.status, c.authorization])).toEqual([
      [401, "invalid"],
      [200, "valid"],
    ]);
    expect(sink.total("RetrySuccess")).toBe(1);
    expect(sent("PROCESSED")).toBe(3);
  });

  it("does not loop on a token Salesforce keeps rejecting: one re-read, then redelivery", async () => {
    const tokens = new FakeTokenProvider(STALE_TOKEN, STALE_TOKEN);
    const { deps, audit } = await setup({ tokens });
    const response = await createCases(deps, kinesisEvent([kycRecord(1)]));
    expect(tokens.refreshes).toBe(1);
    expect(sf.calls).toHaveLength(2);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(0) }]);
    expect(await audit()).toEqual([]);
  });

  it.each([
    ["429", { rateLimitNext: 2 }],
    ["503", { serverErrorNext: 2 }],
    ["500", { serverErrorNext: 1, serverErrorStatus: 500 as const }],
    ["502 (HTML)", { serverErrorNext: 2, serverErrorStatus: 502 as const }],
  ])("retries a %s burst with backoff and counts RetrySuccess", async (_name, faults) => {
    sf.setFaults({ ...faults, retryAfterSeconds: 0 });
    const { deps, sink, sleeps, sent } = await setup();
    const response = await createCases(deps, kinesisEvent(range(5).map((i) => kycRecord(i))));
    const burst = Object.values(faults).find((v) => typeof v === "number" && v < 10) as number;

    expect(response.batchItemFailures).toEqual([]);
    expect(sf.calls.map((c) => c.status)).toEqual([...Array(burst).fill(sf.calls[0]!.status), 200]);
    expect(sleeps).toEqual([125, 250].slice(0, burst)); // full jitter at random 0.5: base 250 ms, doubling
    expect(sink.total("RetrySuccess")).toBe(1);
    expect(sink.total("RetryExhausted")).toBe(0);
    expect(sent("PROCESSED")).toBe(5);
  });

  it("waits at least a 429's Retry-After (capped by the largest backoff)", async () => {
    sf.setFaults({ rateLimitNext: 1, retryAfterSeconds: 2 });
    const { deps, sleeps } = await setup();
    await createCases(deps, kinesisEvent([kycRecord(1)]));
    expect(sleeps).toEqual([2_000]);
  });

  it("on persistent 5xx returns batch item failures from the lowest failed sequence number and audits nothing for them", async () => {
    sf.setFaults({ serverErrorNext: 1_000 });
    const { deps, audit, sink, sleeps, sent } = await setup();
    const response = await createCases(
      deps,
      kinesisEvent([{ raw: "bm90IGpzb24=" }, kycRecord(1), kycRecord(2), kycRecord(1)]),
    );

    expect(sf.calls).toHaveLength(4); // the default bounded attempts
    expect(sleeps).toHaveLength(3);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([seq(1), seq(2), seq(3)]);
    const events = await audit();
    expect(events.map((e) => e.status)).toEqual(["FAILED"]); // only the undecodable record
    expect(sent("PROCESSED") + sink.total("RetrySuccess")).toBe(0);
    // One call (the chunk) gave up after its retries: the retry tile's denominator, in calls.
    expect(sink.total("RetryExhausted")).toBe(1);
  });

  it("stops calling Salesforce for later chunks once it is unavailable", async () => {
    sf.setFaults({ serverErrorNext: 1_000 });
    const { deps } = await setup();
    // Two chunks (1,000 + 450): the first exhausts its 4 attempts, the second is never tried.
    const response = await createCases(deps, kinesisEvent(range(1_450).map((i) => kycRecord(i))));
    expect(sf.calls).toHaveLength(4);
    expect(response.batchItemFailures).toHaveLength(1_450);
    expect(response.batchItemFailures[0]!.itemIdentifier).toBe(seq(0));
  });

  it("does not start a retry the invocation has no time left for", async () => {
    sf.setFaults({ serverErrorNext: 1_000 });
    const { deps } = await setup({ deps: { remainingTimeMs: () => 8_050 } });
    deps.config.retry = { attemptBudgetMs: 8_000 };
    const response = await createCases(deps, kinesisEvent([kycRecord(1)]));
    expect(sf.calls).toHaveLength(1);
    expect(response.batchItemFailures).toHaveLength(1);
  });

  it("audits FAILED instead of redelivering records older than the give-up age", async () => {
    sf.setFaults({ serverErrorNext: 1_000 });
    const { deps, audit, sent } = await setup({ giveUpAfterSeconds: 900 });
    const old = kinesisEvent([kycRecord(1), kycRecord(2)], 7_200);
    const fresh = kinesisEvent([kycRecord(3)], 60);
    fresh.Records[0]!.kinesis.sequenceNumber = seq(2);
    const response = await createCases(deps, { Records: [...old.Records, ...fresh.Records] });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(2) }]);
    const events = await audit();
    expect(events.map((e) => [e.transactionId, e.status])).toEqual([
      ["TXN-1", "FAILED"],
      ["TXN-2", "FAILED"],
    ]);
    expect(events[0]!.reason).toMatch(
      /^Salesforce unavailable: Salesforce answered 503 SERVER_UNAVAILABLE: .*\(gave up after 7200 s\)$/,
    );
    expect(sent("FAILED")).toBe(2);
  });
});

describe("per-record and request errors", () => {
  it("fails only the records Salesforce rejected, with Salesforce's message as the reason", async () => {
    sf.setFaults({
      recordErrors: {
        "TXN-2": { statusCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION", message: "Customer C2 is not onboarded" },
        "TXN-4": {
          statusCode: "REQUIRED_FIELD_MISSING",
          message: "Required fields are missing: [AccountId]",
          fields: ["AccountId"],
        },
      },
    });
    const { deps, audit, sent } = await setup();
    const response = await createCases(deps, kinesisEvent(range(6).map((i) => kycRecord(i))));

    expect(response.batchItemFailures).toEqual([]);
    const failed = (await audit()).filter((e) => e.status === "FAILED");
    expect(failed.map((e) => [e.transactionId, e.reason])).toEqual([
      ["TXN-2", "FIELD_CUSTOM_VALIDATION_EXCEPTION: Customer C2 is not onboarded"],
      ["TXN-4", "REQUIRED_FIELD_MISSING: Required fields are missing: [AccountId] (fields: AccountId)"],
    ]);
    expect([sent("PROCESSED"), sent("FAILED")]).toEqual([4, 2]);
    expect(sf.calls).toHaveLength(1);
  });

  it("retries only a record Salesforce reported as locked", async () => {
    sf.setFaults({ recordErrors: { "TXN-1": { statusCode: "UNABLE_TO_LOCK_ROW", times: 1 } } });
    const { deps, sink, audit } = await setup();
    await createCases(deps, kinesisEvent(range(3).map((i) => kycRecord(i))));
    expect(sf.calls.map((c) => c.externalIds)).toEqual([["TXN-0", "TXN-1", "TXN-2"], ["TXN-1"]]);
    expect(sink.total("RetrySuccess")).toBe(1);
    expect((await audit()).every((e) => e.status === "PROCESSED")).toBe(true);
  });

  it("fails a whole call Salesforce rejects as wrong (4xx) without retrying it", async () => {
    const { deps, audit } = await setup();
    deps.salesforce = new SalesforceClient({
      instanceUrl: sf.url,
      apiVersion: "60.0",
      objectName: "Case",
      externalIdField: "Wrong__c",
      extraCertificateAuthorities: [ca.certificate],
    });
    const response = await createCases(deps, kinesisEvent([kycRecord(1)]));
    expect(sf.calls).toHaveLength(1);
    expect(response.batchItemFailures).toEqual([]);
    expect((await audit())[0]!.reason).toBe(
      "Salesforce rejected the request: Salesforce answered 404 NOT_FOUND: Provided external ID field does not exist or is not accessible: Wrong__c",
    );
  });

  it("audits undecodable and invalid records FAILED with the reason and never retries them", async () => {
    const { deps, audit, sent } = await setup();
    const response = await createCases(
      deps,
      kinesisEvent([
        { raw: Buffer.from("{not json").toString("base64") },
        { raw: Buffer.from([0xff, 0xfe, 0x00]).toString("base64") },
        { customerId: "C1", eventType: "KYC_REVIEW" },
        kycRecord(9, { customerId: 42 }),
        kycRecord(10),
      ]),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(sf.calls.map((c) => c.externalIds)).toEqual([["TXN-10"]]);
    const events = await audit();
    // Records without a usable id are keyed in the reserved namespace no real id can take.
    expect(events.map((e) => [e.transactionId, e.status, e.reason])).toEqual([
      [
        `#kinesis:bbkyc-cta-events-sit#${seq(0)}`,
        "FAILED",
        "invalid record: record data is not valid JSON: expected a member name in double quotes (at character 2)",
      ],
      [`#kinesis:bbkyc-cta-events-sit#${seq(1)}`, "FAILED", "invalid record: record data is not UTF-8 text"],
      [`#kinesis:bbkyc-cta-events-sit#${seq(2)}`, "FAILED", "invalid record: transactionId is missing"],
      ["TXN-9", "FAILED", "invalid record: customerId must be a non-empty string, got a number"],
      ["TXN-10", "PROCESSED", undefined],
    ]);
    expect(sent("FAILED")).toBe(4);
  });

  it("returns records whose audit event the queue would not take as batch item failures", async () => {
    const { deps, sent } = await setup({
      queueUrl: `${testClientConfig().endpoint}/123456789012/${uniqueName("missing-queue")}`,
    });
    const response = await createCases(deps, kinesisEvent([{ raw: "e30=" }, kycRecord(1)]));
    expect(sf.cases.has("TXN-1")).toBe(true);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([seq(0), seq(1)]);
    expect(sent("PROCESSED") + sent("FAILED")).toBe(0);
  });
});

describe("mapping and decoding", () => {
  it("maps a record to the default Case fields", () => {
    expect(toSObject(kycRecord(5, { riskRating: "MEDIUM" }) as any, MAPPING)).toEqual({
      attributes: { type: "Case" },
      KYC_Transaction_Id__c: "TXN-5",
      Subject: "KYC_REVIEW C5",
      Origin: "KYC Platform",
      Priority: "Medium",
      Description: '{"country":"GB"}',
    });
    const bare = toSObject({ transactionId: "T", customerId: "C", eventType: "E" }, MAPPING);
    expect(Object.keys(bare)).toEqual(["attributes", "KYC_Transaction_Id__c", "Subject", "Origin"]);
  });

  it("truncates the description to Salesforce's limit without splitting a character, and Salesforce accepts it", async () => {
    const long = toSObject(
      {
        transactionId: "T-LONG",
        customerId: "C",
        eventType: "E",
        payload: { text: `${"a".repeat(31_989)}😀😀😀` },
      },
      MAPPING,
    );
    const description = long.Description as string;
    expect(description.length).toBeLessThanOrEqual(DESCRIPTION_MAX_LENGTH);
    expect(description.endsWith("…")).toBe(true);
    expect(description).not.toMatch(/[\uD800-\uDBFF]…$/);
    const { deps } = await setup();
    const [result] = await deps.salesforce.upsert(FRESH_TOKEN, [long]);
    expect(result!.success).toBe(true);
  });

  it.each([
    [
      { transactionId: 7, customerId: "C", eventType: "E" },
      "transactionId must be a non-empty string, got a number",
    ],
    [{ transactionId: "  ", customerId: "C", eventType: "E" }, "transactionId is blank"],
    [
      { transactionId: "x".repeat(129), customerId: "C", eventType: "E" },
      "transactionId is 129 characters; at most 128 are allowed",
    ],
    [{ transactionId: "T", eventType: "E" }, "customerId is missing"],
    [
      { transactionId: "T", customerId: "C", eventType: "E", riskRating: "SEVERE" },
      'riskRating "SEVERE" is not one of LOW, MEDIUM, HIGH',
    ],
    [
      { transactionId: "T", customerId: "C", eventType: "E", producedAt: "yesterday" },
      'producedAt "yesterday" is not an ISO-8601 timestamp with a time zone (e.g. 2026-11-26T08:00:00Z)',
    ],
    [
      { transactionId: "T", customerId: "C", eventType: "E", payload: [1] },
      "payload must be a JSON object, got an array",
    ],
    [[], "record must be a JSON object, got an array"],
  ])("rejects %j", (input, reason) => {
    expect(validateKycRecord(input)).toMatchObject({ ok: false, reason });
  });

  it("orders sequence numbers numerically beyond double precision", () => {
    expect(
      sortSequenceNumbers([
        "100000000000000000000000000002",
        "99999999999999999999999999999",
        "100000000000000000000000000001",
      ]),
    ).toEqual([
      "99999999999999999999999999999",
      "100000000000000000000000000001",
      "100000000000000000000000000002",
    ]);
  });
});
