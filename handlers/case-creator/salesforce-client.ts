/**
 * The Salesforce REST subset the case creator uses, and nothing more: sObject Collections upsert
 * by external id (`PATCH …/composite/sobjects/{object}/{externalIdField}`, ≤200 records, per-record
 * results), and up to five such collections in one Composite call (`POST …/composite`, ≤1,000
 * records) — Salesforce counts a Composite call as one call toward the org's daily API limit, so a
 * full 1,000-record batch costs one call instead of five (issue #13). One call = one HTTP request:
 * retries are the caller's policy, so this client never retries on its own and only classifies
 * what happened.
 *
 * TLS verification is always on. Extra CAs (the local stand-in's throwaway CA) are added to Node's
 * roots, never instead of them; NODE_EXTRA_CA_CERTS works too when nothing is injected.
 */
import { rootCertificates } from "node:tls";
import got, { type Got, type Response } from "got";
import type { SObjectRecord } from "./case-mapping.js";
import {
  type CompositeSubresponse,
  compositeSubresponses,
  compositeUpsertBody,
} from "./salesforce-composite.js";

/** sObject Collections accept at most 200 records per collection. */
export const MAX_COLLECTION_SIZE = 200;
/**
 * A Composite call takes up to 25 subrequests, of which at most 5 may be sObject Collections
 * ("Send Multiple Requests Using Composite", Salesforce REST API Developer Guide, API 43.0+).
 */
export const MAX_COLLECTIONS_PER_CALL = 5;
/** Records one `upsert` call carries: one collection, or five in a Composite call. */
export const MAX_RECORDS_PER_CALL = MAX_COLLECTION_SIZE * MAX_COLLECTIONS_PER_CALL;

export interface SalesforceRecordError {
  statusCode: string;
  message: string;
  fields?: string[];
}

/** One UpsertResult; same order as the request's records. */
export interface UpsertResult {
  /** Absent (or null) when the record failed. */
  id?: string | null;
  success: boolean;
  created?: boolean;
  errors: SalesforceRecordError[];
}

/** What the case creator depends on (the stand-in tests and the local run use the same client). */
export interface SalesforceCollections {
  upsert(token: string, records: SObjectRecord[]): Promise<UpsertResult[]>;
}

/**
 * `unauthorized`: 401, re-read the token once. `transient`: 429, 5xx, a 403 API-limit answer,
 * network or TLS failure, or an unreadable 2xx body: try again later. `rejected`: any other 4xx,
 * the request itself is wrong and will not succeed by repeating it.
 */
export type SalesforceFailureKind = "unauthorized" | "transient" | "rejected";

export class SalesforceCallError extends Error {
  override name = "SalesforceCallError";
  constructor(
    message: string,
    readonly kind: SalesforceFailureKind,
    readonly status?: number,
    readonly errorCode?: string,
    /** From a Retry-After header, when the server sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface SalesforceClientOptions {
  /** `https://…my.salesforce.com`; plain http is refused. */
  instanceUrl: string;
  /** `60.0` or `v60.0`; sObject Collections upsert needs 46.0 or later. */
  apiVersion: string;
  objectName: string;
  externalIdField: string;
  /** @default `5000` (ms) */
  connectTimeoutMs?: number;
  /** Whole request of one collection (≤200 records), first byte to last. @default `20000` (ms) */
  requestTimeoutMs?: number;
  /**
   * Whole request of a Composite call (up to five collections, which Salesforce works through one
   * after another, so it may take up to five times as long). Keep it below the retry policy's
   * `compositeAttemptBudgetMs` so a call never outlives the invocation. @default `60000` (ms)
   */
  compositeRequestTimeoutMs?: number;
  /** PEM CAs trusted in addition to Node's roots (local stand-in, tests). */
  extraCertificateAuthorities?: string[];
}

const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export class SalesforceClient implements SalesforceCollections {
  /** The sObject Collections upsert URL (≤200 records). */
  readonly url: string;
  /** The Composite URL (up to five collections in one call). */
  readonly compositeUrl: string;
  /** `/services/data/vNN.0/composite/sobjects/{object}/{field}`: a Composite subrequest's `url`. */
  private readonly collectionsPath: string;
  private readonly http: Got;
  private readonly compositeTimeoutMs: number;

  constructor(options: SalesforceClientOptions) {
    const base = new URL(options.instanceUrl);
    if (base.protocol !== "https:")
      throw new Error(`Salesforce instance URL must use https, got ${base.protocol}//${base.host}`);
    const version = normaliseApiVersion(options.apiVersion);
    for (const [what, value] of [
      ["object name", options.objectName],
      ["external id field", options.externalIdField],
    ]) {
      if (!API_NAME.test(value!))
        throw new Error(`Salesforce ${what} ${JSON.stringify(value)} is not an API name`);
    }
    this.collectionsPath = `/services/data/${version}/composite/sobjects/${options.objectName}/${options.externalIdField}`;
    this.url = `${base.origin}${this.collectionsPath}`;
    this.compositeUrl = `${base.origin}/services/data/${version}/composite`;
    this.compositeTimeoutMs = options.compositeRequestTimeoutMs ?? 60_000;
    const extra = options.extraCertificateAuthorities ?? [];
    this.http = got.extend({
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      timeout: {
        connect: options.connectTimeoutMs ?? 5_000,
        secureConnect: options.connectTimeoutMs ?? 5_000,
        request: options.requestTimeoutMs ?? 20_000,
      },
      https: {
        rejectUnauthorized: true,
        // Setting `ca` replaces Node's roots, so only set it when there is something to add.
        ...(extra.length > 0 ? { certificateAuthority: [...rootCertificates, ...extra] } : {}),
      },
    });
  }

  /**
   * Upserts ≤1,000 records in one HTTP call: one collection when ≤200, else a Composite call of
   * ≤200-record collections. Results come back one per record, in the request's order.
   */
  async upsert(token: string, records: SObjectRecord[]): Promise<UpsertResult[]> {
    if (records.length === 0) return [];
    if (records.length > MAX_RECORDS_PER_CALL)
      throw new Error(`at most ${MAX_RECORDS_PER_CALL} records per call, got ${records.length}`);
    if (records.length <= MAX_COLLECTION_SIZE) {
      const body = await this.call(token, "patch", this.url, { allOrNone: false, records });
      return parseResults(body, records.length);
    }
    const chunks: SObjectRecord[][] = [];
    for (let i = 0; i < records.length; i += MAX_COLLECTION_SIZE)
      chunks.push(records.slice(i, i + MAX_COLLECTION_SIZE));
    const body = await this.call(
      token,
      "post",
      this.compositeUrl,
      compositeUpsertBody(this.collectionsPath, chunks),
      this.compositeTimeoutMs,
    );
    const parts = compositeSubresponses(body, chunks.length);
    if (!parts)
      throw new SalesforceCallError(
        `Salesforce answered 2xx to a Composite call without a subresponse for each of its ${chunks.length} collections`,
        "transient",
      );
    return parts.flatMap((part, i) => subresponseResults(part, chunks[i]!.length));
  }

  /** One HTTP request; a 2xx body is returned as text, anything else is classified and thrown. */
  private async call(
    token: string,
    method: "patch" | "post",
    url: string,
    json: object,
    requestTimeoutMs?: number,
  ): Promise<string> {
    let response: Response<string>;
    try {
      response = await this.http(url, {
        method,
        ...(requestTimeoutMs !== undefined ? { timeout: { request: requestTimeoutMs } } : {}),
        headers: { authorization: `Bearer ${token}`, accept: "application/json" },
        json,
        responseType: "text",
      });
    } catch (error) {
      // got's messages name the host and the failure, never request headers.
      const code = (error as { code?: string }).code;
      throw new SalesforceCallError(
        `Salesforce call failed: ${code ? `${code} ` : ""}${(error as Error).message}`,
        "transient",
      );
    }
    const status = response.statusCode;
    if (status >= 200 && status < 300) return response.body;
    const { errorCode, message } = describeErrorBody(response.body);
    const text = `Salesforce answered ${status}${errorCode ? ` ${errorCode}` : ""}: ${message}`;
    if (status === 401) throw new SalesforceCallError(text, "unauthorized", status, errorCode);
    if (isTransientStatus(status, errorCode)) {
      throw new SalesforceCallError(
        text,
        "transient",
        status,
        errorCode,
        retryAfterMs(response.headers["retry-after"]),
      );
    }
    throw new SalesforceCallError(text, "rejected", status, errorCode);
  }
}

/** 408, 429, 5xx and the API-limit 403 pass with time; any other 4xx will fail the same way again. */
export function isTransientStatus(status: number, errorCode?: string): boolean {
  const limited = status === 403 && errorCode === "REQUEST_LIMIT_EXCEEDED";
  return status === 408 || status === 429 || status >= 500 || limited;
}

export function normaliseApiVersion(version: string): string {
  const match = /^v?(\d+)\.(\d)$/.exec(version.trim());
  if (!match)
    throw new Error(`Salesforce API version must look like 60.0 or v60.0, got ${JSON.stringify(version)}`);
  if (Number(match[1]) < 46)
    throw new Error(`sObject Collections upsert needs API version 46.0 or later, got ${version}`);
  return `v${match[1]}.${match[2]}`;
}

/** A 2xx whose body is not one result per record cannot be trusted; the caller retries (upsert is idempotent). */
function parseResults(body: string, expected: number): UpsertResult[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new SalesforceCallError("Salesforce answered 2xx with a body that is not JSON", "transient");
  }
  return toUpsertResults(parsed, expected);
}

/**
 * A subrequest that did not succeed as a whole fails each of its records with Salesforce's words;
 * when it failed for a passing reason (429/5xx, an unreadable result) the records carry
 * `SUBREQUEST_UNAVAILABLE`, which the retry policy treats like a locked row: those records alone are
 * tried again. The other collections of the call keep their results.
 */
function subresponseResults(part: CompositeSubresponse, expected: number): UpsertResult[] {
  const failAll = (error: SalesforceRecordError): UpsertResult[] =>
    Array.from({ length: expected }, () => ({ id: null, success: false, errors: [error] }));
  if (part.status >= 200 && part.status < 300) {
    try {
      return toUpsertResults(part.body, expected);
    } catch (error) {
      return failAll({ statusCode: SUBREQUEST_UNAVAILABLE, message: (error as Error).message });
    }
  }
  const { errorCode, message } = describeErrorBody(JSON.stringify(part.body ?? ""));
  const text = `Salesforce answered ${part.status}${errorCode ? ` ${errorCode}` : ""} for this record's collection: ${message}`;
  return failAll({
    statusCode: isTransientStatus(part.status, errorCode)
      ? SUBREQUEST_UNAVAILABLE
      : (errorCode ?? `HTTP_${part.status}`),
    message: text,
  });
}

/** Not a Salesforce code: this client's mark for a record whose collection failed for a passing reason. */
export const SUBREQUEST_UNAVAILABLE = "SUBREQUEST_UNAVAILABLE";

function toUpsertResults(parsed: unknown, expected: number): UpsertResult[] {
  if (!Array.isArray(parsed) || parsed.length !== expected) {
    throw new SalesforceCallError(
      `Salesforce answered 2xx with ${Array.isArray(parsed) ? parsed.length : "no"} results for ${expected} records`,
      "transient",
    );
  }
  return parsed.map((item): UpsertResult => {
    const r = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    const errors = Array.isArray(r.errors) ? r.errors.map(toRecordError) : [];
    return {
      id: typeof r.id === "string" ? r.id : null,
      success: r.success === true,
      ...(typeof r.created === "boolean" ? { created: r.created } : {}),
      errors:
        r.success === true || errors.length > 0
          ? errors
          : [{ statusCode: "UNKNOWN", message: "Salesforce reported no success and no error" }],
    };
  });
}

function toRecordError(value: unknown): SalesforceRecordError {
  const e = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  return {
    statusCode: typeof e.statusCode === "string" ? e.statusCode : "UNKNOWN",
    message: typeof e.message === "string" ? e.message : "no message",
    ...(Array.isArray(e.fields)
      ? { fields: e.fields.filter((f): f is string => typeof f === "string") }
      : {}),
  };
}

/** Salesforce error bodies are `[{message, errorCode}]`; proxies in front of it may answer HTML. */
function describeErrorBody(body: string): { errorCode?: string; message: string } {
  try {
    const parsed = JSON.parse(body) as unknown;
    const first = (Array.isArray(parsed) ? parsed[0] : parsed) as Record<string, unknown> | undefined;
    if (first && typeof first.message === "string") {
      return {
        message: first.message,
        ...(typeof first.errorCode === "string" ? { errorCode: first.errorCode } : {}),
      };
    }
  } catch {
    // not JSON: fall through
  }
  const text = body
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return { message: text === "" ? "empty body" : text.slice(0, 200) };
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
