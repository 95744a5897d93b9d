/**
 * A local Salesforce for the local run and the tests: HTTPS on 127.0.0.1, implementing exactly the
 * REST subset the case creator uses — sObject Collections upsert by external id, alone or up to five
 * in a Composite call — with Salesforce's
 * own response shapes, a bearer-token check, upsert semantics (same id, `created` only the first
 * time) and injectable faults (401/429/5xx bursts or rates, per-record errors, latency).
 *
 * @example
 * const ca = createCertificateAuthority();
 * const sf = await startSalesforceStandIn({ tls: ca.issue({ commonName: "localhost", usage: "server" }), acceptToken: "tok" });
 * sf.setFaults({ serverErrorNext: 2 });
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { PemPair } from "./pki.js";
import { answerComposite } from "./salesforce-composite-route.js";
import { applyUpsert, type ErrorBody, type UpsertRules } from "./salesforce-upsert.js";

export interface SalesforceStandInOptions {
  /** Server certificate and key (from `local/pki.ts`); clients must trust its CA. */
  tls: PemPair;
  /** The valid token(s), or a predicate deciding whether a bearer token is valid. */
  acceptToken: string | string[] | ((token: string) => boolean);
  /** The one sObject served. @default `"Case"` */
  objectName?: string;
  /** Its external-id field. @default `"KYC_Transaction_Id__c"` */
  externalIdField?: string;
  /** Fields a record must carry (REQUIRED_FIELD_MISSING otherwise). @default `["Subject"]` */
  requiredFields?: string[];
  /** Text limits (STRING_TOO_LONG beyond them). @default Case's: Subject 255, Description 32000, Origin/Priority 40 */
  fieldLengths?: Record<string, number>;
  /** Randomness for fault rates; injectable so tests are exact. @default `Math.random` */
  random?: () => number;
}

/** A per-record error the stand-in answers for one external id. */
export interface RecordErrorSpec {
  /** @default `"REQUIRED_FIELD_MISSING"` */
  statusCode?: string;
  /** @default Salesforce's message for the status code */
  message?: string;
  fields?: string[];
  /** Upserts of this id that fail before it succeeds (e.g. 1 for a passing UNABLE_TO_LOCK_ROW). @default every one */
  times?: number;
}

export interface StoredRecord {
  id: string;
  externalId: string;
  /** Fields as last written (merged over earlier upserts), without `attributes`. */
  fields: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  /** Successful upserts of this external id. */
  upserts: number;
}

export interface SalesforceFaults {
  /** The next N calls answer 401 INVALID_SESSION_ID whatever the token. */
  unauthorizedNext?: number;
  /** The next N calls answer 429 REQUEST_LIMIT_EXCEEDED. */
  rateLimitNext?: number;
  /** The next N calls answer `serverErrorStatus`. */
  serverErrorNext?: number;
  /** @default `503` */
  serverErrorStatus?: 500 | 502 | 503;
  /** Share (0..1) of calls that fail with `failureStatus`. */
  failureRate?: number;
  /** @default `503` */
  failureStatus?: 429 | 500 | 502 | 503;
  /** Per-record errors by external id. */
  recordErrors?: Record<string, RecordErrorSpec>;
  /** Share (0..1) of records that fail with a FIELD_CUSTOM_VALIDATION_EXCEPTION (a validation rule). */
  recordErrorRate?: number;
  /** Added to every answer (ms). */
  latencyMs?: number;
  /**
   * The next N upserts are applied, then answered only after `hangMs` (a Salesforce that is slow to
   * answer a call it did process): a caller whose timeout is shorter never hears that it succeeded.
   */
  hangAfterUpsertNext?: number;
  /** @default `30000` */
  hangMs?: number;
  /** Seconds sent in Retry-After with a 429. @default `1` */
  retryAfterSeconds?: number;
  /** The next N collections inside Composite calls answer 503 SERVER_UNAVAILABLE (the call itself 200). */
  subrequestUnavailableNext?: number;
}

export interface StandInCall {
  at: Date;
  method: string;
  path: string;
  status: number;
  /** `valid`, `invalid` or `missing`; the token itself is never kept. */
  authorization: "valid" | "invalid" | "missing";
  /** External ids in the request body, in order (empty when not parsed). */
  externalIds: string[];
  errorCode?: string;
}

export interface SalesforceStandIn {
  /** Instance URL, e.g. `https://127.0.0.1:40123`. */
  url: string;
  calls: StandInCall[];
  /** Stored records by external id. */
  cases: Map<string, StoredRecord>;
  /** Replaces the current faults (pass `{}` to clear them). */
  setFaults(faults: SalesforceFaults): void;
  stop(): Promise<void>;
}

const ERROR_BODIES = {
  401: { errorCode: "INVALID_SESSION_ID", message: "Session expired or invalid" },
  429: { errorCode: "REQUEST_LIMIT_EXCEEDED", message: "TotalRequests Limit exceeded." },
  500: {
    errorCode: "UNKNOWN_EXCEPTION",
    message:
      "An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)",
  },
  503: {
    errorCode: "SERVER_UNAVAILABLE",
    message: "Server temporarily unavailable. Please try again later.",
  },
} as const;
const PATH = /^\/services\/data\/v(\d+)\.(\d)\/composite\/sobjects\/([^/]+)\/([^/?]+)$/;
const COMPOSITE_PATH = /^\/services\/data\/v(\d+)\.(\d)\/composite$/;

/** A collections URL for another object or external-id field than the one served: Salesforce's 404. */
function collectionTargetError(match: RegExpExecArray, rules: UpsertRules): ErrorBody | undefined {
  if (match[3] !== rules.objectName)
    return { errorCode: "NOT_FOUND", message: "The requested resource does not exist" };
  if (match[4] !== rules.externalIdField)
    return {
      errorCode: "NOT_FOUND",
      message: `Provided external ID field does not exist or is not accessible: ${match[4]}`,
    };
  return undefined;
}

export async function startSalesforceStandIn(options: SalesforceStandInOptions): Promise<SalesforceStandIn> {
  const calls: StandInCall[] = [];
  const cases = new Map<string, StoredRecord>();
  const random = options.random ?? Math.random;
  let faults: SalesforceFaults = {};
  const rules: UpsertRules = {
    objectName: options.objectName ?? "Case",
    externalIdField: options.externalIdField ?? "KYC_Transaction_Id__c",
    requiredFields: options.requiredFields ?? ["Subject"],
    fieldLengths: options.fieldLengths ?? { Subject: 255, Description: 32_000, Origin: 40, Priority: 40 },
    newId: () => salesforceId(rules.objectName === "Case" ? "500" : "a00"),
  };

  const server = createServer({ cert: options.tls.certificate, key: options.tls.privateKey }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      answer(res, 500, [{ ...ERROR_BODIES[500], message: `stand-in error: ${(error as Error).message}` }]);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const path = (req.url ?? "/").split("?")[0]!;
    const call: StandInCall = {
      at: new Date(),
      method: req.method ?? "?",
      path,
      status: 0,
      authorization: authorization(req.headers.authorization),
      externalIds: [],
    };
    calls.push(call);
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      const first = Array.isArray(payload) ? (payload[0] as { errorCode?: string } | undefined) : undefined;
      if (status >= 400 && first?.errorCode) call.errorCode = first.errorCode;
      answer(res, status, payload, headers);
    };

    const collections = PATH.exec(path);
    const composite = COMPOSITE_PATH.exec(path);
    const version = Number((collections ?? composite)?.[1] ?? 0);
    if (version < 46)
      return reply(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]);
    const allowed = collections ? "PATCH" : "POST";
    if (req.method !== allowed)
      return reply(405, [
        {
          errorCode: "METHOD_NOT_ALLOWED",
          message: `HTTP Method '${req.method}' not allowed. Allowed are ${allowed}`,
        },
      ]);
    if (call.authorization !== "valid") return reply(401, [ERROR_BODIES[401]]);
    const injected = takeInjectedFailure();
    if (injected === 502) {
      // What a proxy in front of Salesforce answers: not Salesforce's JSON at all.
      call.status = 502;
      res
        .writeHead(502, { "content-type": "text/html" })
        .end("<html><body><h1>502 Bad Gateway</h1></body></html>");
      return;
    }
    if (injected !== undefined) {
      const headers: Record<string, string> =
        injected === 429 ? { "retry-after": String(faults.retryAfterSeconds ?? 1) } : {};
      return reply(injected, [ERROR_BODIES[injected]], headers);
    }
    const wrongTarget = collections ? collectionTargetError(collections, rules) : undefined;
    if (wrongTarget) return reply(404, [wrongTarget]);

    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      return reply(400, [
        { errorCode: "JSON_PARSER_ERROR", message: `Unexpected character: ${(error as Error).message}` },
      ]);
    }
    const recordFaults = {
      recordErrors: faults.recordErrors ?? {},
      recordErrorRate: faults.recordErrorRate ?? 0,
      random,
    };
    let status = 200;
    let payload: unknown;
    if (collections) {
      const outcome = applyUpsert(parsed, rules, cases, recordFaults);
      call.externalIds = outcome.externalIds;
      if (!outcome.ok) return reply(400, [outcome.error]);
      payload = outcome.results;
    } else {
      const outcome = answerComposite(parsed, (subrequest) => {
        const records = (subrequest.body as { records?: unknown } | null)?.records;
        if (Array.isArray(records))
          call.externalIds.push(...records.map((r) => String(r?.[rules.externalIdField] ?? "")));
        if ((faults.subrequestUnavailableNext ?? 0) > 0) {
          faults.subrequestUnavailableNext! -= 1;
          return { status: 503, body: [ERROR_BODIES[503]] };
        }
        const target = PATH.exec(subrequest.url);
        if (!target || Number(target[1]) < 46)
          return {
            status: 404,
            body: [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }],
          };
        if (subrequest.method !== "PATCH")
          return {
            status: 405,
            body: [
              {
                errorCode: "METHOD_NOT_ALLOWED",
                message: `HTTP Method '${subrequest.method}' not allowed. Allowed are PATCH`,
              },
            ],
          };
        const wrong = collectionTargetError(target, rules);
        if (wrong) return { status: 404, body: [wrong] };
        const upserted = applyUpsert(subrequest.body, rules, cases, recordFaults);
        return upserted.ok
          ? { status: 200, body: upserted.results }
          : { status: 400, body: [upserted.error] };
      });
      if (!outcome.ok) return reply(400, [outcome.error]);
      status = 200;
      payload = outcome.response;
    }
    if ((faults.hangAfterUpsertNext ?? 0) > 0) {
      faults.hangAfterUpsertNext! -= 1;
      await new Promise((r) => setTimeout(r, faults.hangMs ?? 30_000));
    }
    return reply(status, payload);
  }

  /** Bursts first (401, then 429, then 5xx), then the random rate. */
  function takeInjectedFailure(): 401 | 429 | 500 | 502 | 503 | undefined {
    if ((faults.unauthorizedNext ?? 0) > 0) {
      faults.unauthorizedNext! -= 1;
      return 401;
    }
    if ((faults.rateLimitNext ?? 0) > 0) {
      faults.rateLimitNext! -= 1;
      return 429;
    }
    if ((faults.serverErrorNext ?? 0) > 0) {
      faults.serverErrorNext! -= 1;
      return faults.serverErrorStatus ?? 503;
    }
    if ((faults.failureRate ?? 0) > 0 && random() < faults.failureRate!) return faults.failureStatus ?? 503;
    return undefined;
  }

  function authorization(header: string | undefined): StandInCall["authorization"] {
    const token = /^Bearer (\S+)$/.exec(header ?? "")?.[1];
    if (token === undefined) return "missing";
    const accept = options.acceptToken;
    const valid =
      typeof accept === "function"
        ? accept(token)
        : (Array.isArray(accept) ? accept : [accept]).includes(token);
    return valid ? "valid" : "invalid";
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    calls,
    cases,
    setFaults(next) {
      faults = {
        ...next,
        ...(next.recordErrors ? { recordErrors: structuredClone(next.recordErrors) } : {}),
      };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { "content-type": "application/json;charset=UTF-8", ...headers })
    .end(JSON.stringify(payload));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * An 18-character Salesforce id: key prefix, pod-ish digits, a random base-62 tail, and the
 * case-safe checksum suffix Salesforce derives from the 15-character form.
 */
export function salesforceId(keyPrefix: string): string {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const tail = [...randomBytes(12)].map((b) => alphabet[b % 62]).join("");
  const id15 = `${keyPrefix}${tail}`.slice(0, 15);
  let suffix = "";
  for (let block = 0; block < 3; block++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15[block * 5 + i]!;
      if (c >= "A" && c <= "Z") bits |= 1 << i;
    }
    suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits];
  }
  return id15 + suffix;
}
