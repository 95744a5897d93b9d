/**
 * The local Salesforce's REST contract: what the case creator (and the local run) rely on it to
 * answer, in Salesforce's own shapes, over real HTTPS with a throwaway CA.
 */
import got from "got";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  SalesforceCallError,
  SalesforceClient,
  type SalesforceClientOptions,
} from "../handlers/case-creator/salesforce-client.js";
import { createCertificateAuthority, type CertificateAuthority } from "../local/pki.js";
import { startSalesforceStandIn, type SalesforceStandIn } from "../local/salesforce-stand-in.js";

const TOKEN = "00Dstand-in!token-value-under-test";
const PATH = "/services/data/v60.0/composite/sobjects/Case/KYC_Transaction_Id__c";

let ca: CertificateAuthority;
let sf: SalesforceStandIn;
let randomValues: number[] = [];

function caseRecord(id: string, extra: Record<string, unknown> = {}) {
  return {
    attributes: { type: "Case" },
    KYC_Transaction_Id__c: id,
    Subject: `KYC_REVIEW C-${id}`,
    Origin: "KYC Platform",
    ...extra,
  };
}

/** Raw HTTPS call, for the shapes the typed client would hide. */
async function raw(options: {
  method?: "PATCH" | "POST";
  path?: string;
  token?: string | null;
  body?: string | object;
}) {
  const response = await got(`${sf.url}${options.path ?? PATH}`, {
    method: options.method ?? "PATCH",
    headers: options.token === null ? {} : { authorization: `Bearer ${options.token ?? TOKEN}` },
    ...(typeof options.body === "string"
      ? { body: options.body }
      : { json: options.body ?? { allOrNone: false, records: [] } }),
    https: { certificateAuthority: ca.certificate },
    throwHttpErrors: false,
    retry: { limit: 0 },
    responseType: "text",
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    body: JSON.parse(response.body || "null") as any,
    text: response.body,
  };
}

/** The typed client against the stand-in, trusting its CA unless `options` says otherwise. */
function salesforceClient(options: Partial<SalesforceClientOptions> = {}) {
  return new SalesforceClient({
    instanceUrl: sf.url,
    apiVersion: "60.0",
    objectName: "Case",
    externalIdField: "KYC_Transaction_Id__c",
    extraCertificateAuthorities: [ca.certificate],
    ...options,
  });
}

function client(token = TOKEN) {
  const c = salesforceClient();
  return { upsert: (records: object[]) => c.upsert(token, records as any) };
}

beforeAll(async () => {
  ca = createCertificateAuthority();
  sf = await startSalesforceStandIn({
    tls: ca.issue({ commonName: "localhost", usage: "server" }),
    acceptToken: TOKEN,
    random: () => randomValues.shift() ?? 0.99,
  });
});
afterAll(async () => sf.stop());
beforeEach(() => {
  sf.setFaults({});
  sf.cases.clear();
  sf.calls.length = 0;
  randomValues = [];
});

describe("upsert by external id", () => {
  it("creates on the first upsert and updates the same record afterwards", async () => {
    const [first] = await client().upsert([caseRecord("TXN-1", { Priority: "Low" })]);
    expect(first).toMatchObject({ success: true, created: true, errors: [] });
    expect(first!.id).toMatch(/^500[0-9A-Za-z]{15}$/);

    const [second] = await client().upsert([caseRecord("TXN-1", { Priority: "High" })]);
    expect(second).toEqual({ id: first!.id, success: true, created: false, errors: [] });

    const stored = sf.cases.get("TXN-1")!;
    expect(stored).toMatchObject({ id: first!.id, upserts: 2 });
    expect(stored.fields).toEqual({
      KYC_Transaction_Id__c: "TXN-1",
      Subject: "KYC_REVIEW C-TXN-1",
      Origin: "KYC Platform",
      Priority: "High",
    });
    expect(sf.calls.map((c) => [c.method, c.path, c.status, c.authorization])).toEqual([
      ["PATCH", PATH, 200, "valid"],
      ["PATCH", PATH, 200, "valid"],
    ]);
  });

  it("returns one result per record in request order, with per-record errors", async () => {
    sf.setFaults({
      recordErrors: {
        "TXN-B": { statusCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION", message: "Customer is unknown" },
      },
    });
    const results = await client().upsert([
      caseRecord("TXN-A"),
      caseRecord("TXN-B"),
      { ...caseRecord("TXN-C"), Subject: undefined },
      caseRecord(""),
    ]);
    expect(results.map((r) => r.success)).toEqual([true, false, false, false]);
    expect(results[1]!.errors).toEqual([
      { statusCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION", message: "Customer is unknown", fields: [] },
    ]);
    expect(results[2]!.errors).toEqual([
      {
        statusCode: "REQUIRED_FIELD_MISSING",
        message: "Required fields are missing: [Subject]",
        fields: ["Subject"],
      },
    ]);
    expect(results[3]!.errors[0]!.statusCode).toBe("MISSING_ARGUMENT");
    expect([...sf.cases.keys()]).toEqual(["TXN-A"]);
  });

  it("rejects duplicate external ids within one request and over-long text", async () => {
    const results = await client().upsert([
      caseRecord("TXN-D"),
      caseRecord("TXN-D"),
      caseRecord("TXN-E", { Description: "x".repeat(32_001) }),
    ]);
    expect(results.map((r) => r.errors[0]?.statusCode)).toEqual([
      "DUPLICATE_EXTERNAL_ID",
      "DUPLICATE_EXTERNAL_ID",
      "STRING_TOO_LONG",
    ]);
    expect(results[2]!.errors[0]!.message).toContain("max length=32000");
    expect(sf.cases.size).toBe(0);
  });

  it("rolls everything back when allOrNone is true and one record fails", async () => {
    const response = await raw({
      body: { allOrNone: true, records: [caseRecord("TXN-OK"), { ...caseRecord("TXN-BAD"), Subject: "" }] },
    });
    expect(response.status).toBe(200);
    expect(response.body[0].errors[0].statusCode).toBe("ALL_OR_NONE_OPERATION_ROLLED_BACK");
    expect(response.body[1].errors[0].statusCode).toBe("REQUIRED_FIELD_MISSING");
    expect(sf.cases.size).toBe(0);
  });

  it("counts-down per-record faults (a passing row lock) and applies a record error rate", async () => {
    sf.setFaults({ recordErrors: { "TXN-L": { statusCode: "UNABLE_TO_LOCK_ROW", times: 1 } } });
    expect((await client().upsert([caseRecord("TXN-L")]))[0]!.errors[0]!.statusCode).toBe(
      "UNABLE_TO_LOCK_ROW",
    );
    expect((await client().upsert([caseRecord("TXN-L")]))[0]!.success).toBe(true);

    sf.setFaults({ recordErrorRate: 0.5 });
    randomValues = [0.1, 0.9, 0.4, 0.6];
    const results = await client().upsert(["R1", "R2", "R3", "R4"].map((id) => caseRecord(id)));
    expect(results.map((r) => r.success)).toEqual([false, true, false, true]);
  });
});

describe("request checks", () => {
  it("refuses more than 200 records in one call", async () => {
    const response = await raw({
      body: { allOrNone: false, records: Array.from({ length: 201 }, (_, i) => caseRecord(`T${i}`)) },
    });
    expect(response.status).toBe(400);
    expect(response.body[0].errorCode).toBe("EXCEEDED_ID_LIMIT");
  });

  it("answers 404 for an unknown object, external-id field or old API version, 405 for other methods", async () => {
    expect(
      (await raw({ path: "/services/data/v60.0/composite/sobjects/Account/KYC_Transaction_Id__c" })).status,
    ).toBe(404);
    const field = await raw({ path: "/services/data/v60.0/composite/sobjects/Case/Other__c" });
    expect([field.status, field.body[0].errorCode]).toEqual([404, "NOT_FOUND"]);
    expect((await raw({ path: PATH.replace("v60.0", "v45.0") })).status).toBe(404);
    expect((await raw({ method: "POST" })).status).toBe(405);
  });

  it("answers 400 JSON_PARSER_ERROR for a body that is not JSON, and INVALID_TYPE for a wrong type", async () => {
    const parse = await raw({ body: "{not json" });
    expect([parse.status, parse.body[0].errorCode]).toEqual([400, "JSON_PARSER_ERROR"]);
    const type = await raw({ body: { records: [{ ...caseRecord("T"), attributes: { type: "Account" } }] } });
    expect([type.status, type.body[0].errorCode]).toEqual([400, "INVALID_TYPE"]);
  });
});

describe("bearer token", () => {
  it("answers Salesforce's 401 body for a missing or wrong token and never keeps the token", async () => {
    for (const token of [null, "wrong-token"]) {
      const response = await raw({ token });
      expect(response.status).toBe(401);
      expect(response.body).toEqual([
        { errorCode: "INVALID_SESSION_ID", message: "Session expired or invalid" },
      ]);
    }
    expect(sf.calls.map((c) => c.authorization)).toEqual(["missing", "invalid"]);
    expect(JSON.stringify(sf.calls)).not.toContain("wrong-token");
  });

  it("accepts a list of tokens or a predicate", async () => {
    const predicate = await startSalesforceStandIn({
      tls: ca.issue({ commonName: "localhost", usage: "server" }),
      acceptToken: (t) => t.startsWith("ok-"),
    });
    const list = await startSalesforceStandIn({
      tls: ca.issue({ commonName: "localhost", usage: "server" }),
      acceptToken: ["a", "b"],
    });
    try {
      const call = (url: string, token: string) =>
        new SalesforceClient({
          instanceUrl: url,
          apiVersion: "v60.0",
          objectName: "Case",
          externalIdField: "KYC_Transaction_Id__c",
          extraCertificateAuthorities: [ca.certificate],
        })
          .upsert(token, [caseRecord("T1") as any])
          .then(
            () => "ok",
            (e: SalesforceCallError) => e.kind,
          );
      expect(await call(predicate.url, "ok-1")).toBe("ok");
      expect(await call(predicate.url, "nope")).toBe("unauthorized");
      expect(await call(list.url, "b")).toBe("ok");
      expect(await call(list.url, "c")).toBe("unauthorized");
    } finally {
      await predicate.stop();
      await list.stop();
    }
  });
});

describe("injected faults", () => {
  it("serves bursts of 401, then 429 (with Retry-After), then 5xx, then recovers", async () => {
    sf.setFaults({
      unauthorizedNext: 1,
      rateLimitNext: 1,
      serverErrorNext: 2,
      serverErrorStatus: 500,
      retryAfterSeconds: 3,
    });
    const responses = [];
    for (let i = 0; i < 5; i++)
      responses.push(await raw({ body: { allOrNone: false, records: [caseRecord("TXN-F")] } }));
    expect(responses.map((r) => r.status)).toEqual([401, 429, 500, 500, 200]);
    expect(responses[1]!.body).toEqual([
      { errorCode: "REQUEST_LIMIT_EXCEEDED", message: "TotalRequests Limit exceeded." },
    ]);
    expect(responses[1]!.headers["retry-after"]).toBe("3");
    expect(responses[2]!.body[0].errorCode).toBe("UNKNOWN_EXCEPTION");
    expect(sf.cases.get("TXN-F")!.upserts).toBe(1);
  });

  it("answers 503 SERVER_UNAVAILABLE by default and HTML for a 502 from the proxy", async () => {
    sf.setFaults({ serverErrorNext: 1 });
    const unavailable = await raw({});
    expect([unavailable.status, unavailable.body[0].errorCode]).toEqual([503, "SERVER_UNAVAILABLE"]);
    sf.setFaults({ serverErrorNext: 1, serverErrorStatus: 502 });
    const error = await client()
      .upsert([caseRecord("T")])
      .catch((e: SalesforceCallError) => e);
    expect(error).toBeInstanceOf(SalesforceCallError);
    expect(error).toMatchObject({ kind: "transient", status: 502 });
    expect((error as Error).message).toContain("502 Bad Gateway");
  });

  it("fails the given share of calls", async () => {
    sf.setFaults({ failureRate: 0.3, failureStatus: 429 });
    randomValues = [0.1, 0.5, 0.29, 0.31, 0.99, 0.0];
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await raw({})).status);
    expect(statuses).toEqual([429, 200, 429, 200, 200, 429]);
  });

  it("adds latency", async () => {
    sf.setFaults({ latencyMs: 300 });
    const started = Date.now();
    await raw({});
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe("TLS", () => {
  it("is refused by a client that does not trust the throwaway CA (verification stays on)", async () => {
    const untrusting = salesforceClient({ extraCertificateAuthorities: [] });
    const error = await untrusting
      .upsert(TOKEN, [caseRecord("T") as any])
      .catch((e: SalesforceCallError) => e);
    expect(error).toMatchObject({ kind: "transient" });
    expect((error as Error).message).toMatch(/certificate|SELF_SIGNED|UNABLE_TO_VERIFY/i);
    expect(sf.calls).toHaveLength(0);
  });

  it("refuses a plain-http instance URL", () => {
    expect(
      () =>
        new SalesforceClient({
          instanceUrl: "http://127.0.0.1:1",
          apiVersion: "60.0",
          objectName: "Case",
          externalIdField: "X__c",
        }),
    ).toThrow(/https/);
  });
});

describe("Composite: up to five collections in one call (one call toward the API limit)", () => {
  const COMPOSITE = "/services/data/v60.0/composite";
  const collection = (ref: string, ids: string[], url = PATH) => ({
    method: "PATCH",
    url,
    referenceId: ref,
    body: { allOrNone: false, records: ids.map((id) => caseRecord(id)) },
  });

  it("answers each collection under its referenceId with its own status and results", async () => {
    const response = await raw({
      method: "POST",
      path: COMPOSITE,
      body: {
        allOrNone: false,
        compositeRequest: [
          collection("a", ["C1", "C2"]),
          collection("b", ["C3"], "/services/data/v60.0/composite/sobjects/Account/KYC_Transaction_Id__c"),
        ],
      },
    });
    expect(response.status).toBe(200);
    const [a, b] = response.body.compositeResponse;
    expect([a.referenceId, a.httpStatusCode, a.body.map((r: any) => r.success)]).toEqual([
      "a",
      200,
      [true, true],
    ]);
    expect([b.referenceId, b.httpStatusCode, b.body[0].errorCode]).toEqual(["b", 404, "NOT_FOUND"]);
    expect([...sf.cases.keys()]).toEqual(["C1", "C2"]);
    expect(sf.calls).toHaveLength(1);
  });

  it("refuses a sixth collection, duplicate reference ids and the PATCH method", async () => {
    const six = Array.from({ length: 6 }, (_, i) => collection(`r${i}`, [`S${i}`]));
    const tooMany = await raw({ method: "POST", path: COMPOSITE, body: { compositeRequest: six } });
    expect([tooMany.status, tooMany.body[0].message]).toEqual([
      400,
      "A composite request holds at most 5 sObject Collections subrequests, got 6",
    ]);
    const twice = await raw({
      method: "POST",
      path: COMPOSITE,
      body: { compositeRequest: [collection("x", ["D1"]), collection("x", ["D2"])] },
    });
    expect(twice.status).toBe(400);
    expect((await raw({ method: "PATCH", path: COMPOSITE })).status).toBe(405);
    expect(sf.cases.size).toBe(0);
  });

  it("the client sends ≤200 records as one collection and 201–1,000 as one Composite call, results in order", async () => {
    const ids = Array.from({ length: 1_000 }, (_, i) => `K${i}`);
    sf.setFaults({ recordErrors: { K999: { statusCode: "REQUIRED_FIELD_MISSING" } } });
    const results = await client().upsert(ids.map((id) => caseRecord(id)));
    expect(sf.calls.map((c) => [c.method, c.path, c.externalIds.length])).toEqual([
      ["POST", COMPOSITE, 1_000],
    ]);
    expect(results.map((r) => r.success).lastIndexOf(true)).toBe(998);
    expect(results[999]!.errors[0]!.statusCode).toBe("REQUIRED_FIELD_MISSING");
    expect(results[500]!.id).toBe(sf.cases.get("K500")!.id);

    await client().upsert(ids.slice(0, 200).map((id) => caseRecord(id)));
    expect(sf.calls[1]!.path).toBe(PATH);
    await expect(client().upsert([...ids, "K1000"].map((id) => caseRecord(id)))).rejects.toThrow(
      /at most 1000 records/,
    );
  });

  it("a collection that fails for a passing reason marks only its records SUBREQUEST_UNAVAILABLE", async () => {
    sf.setFaults({ subrequestUnavailableNext: 1 });
    const results = await client().upsert(Array.from({ length: 450 }, (_, i) => caseRecord(`U${i}`)));
    expect(results.slice(0, 200).every((r) => r.errors[0]?.statusCode === "SUBREQUEST_UNAVAILABLE")).toBe(
      true,
    );
    expect(results[0]!.errors[0]!.message).toMatch(/503 SERVER_UNAVAILABLE for this record's collection/);
    expect(results.slice(200).every((r) => r.success)).toBe(true);
    expect(sf.cases.size).toBe(250);
  });

  it("gives a Composite call its own, longer timeout than one collection", async () => {
    const timed = salesforceClient({ requestTimeoutMs: 300, compositeRequestTimeoutMs: 5_000 });
    sf.setFaults({ latencyMs: 800 });
    const one = await timed.upsert(TOKEN, [caseRecord("L0") as any]).catch((e: SalesforceCallError) => e);
    expect(one).toMatchObject({ kind: "transient" });
    const many = await timed.upsert(
      TOKEN,
      Array.from({ length: 201 }, (_, i) => caseRecord(`L${i}`) as any),
    );
    expect(many.every((r) => r.success)).toBe(true);
  });
});
