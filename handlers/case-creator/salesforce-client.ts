/**
 * The Salesforce REST subset the case creator uses, and nothing more: sObject Collections upsert
 * by external id (`PATCH …/composite/sobjects/{object}/{externalIdField}`, ≤200 records a call,
 * per-record results). One call = one HTTP request: retries are the caller's policy, so this client
 * never retries on its own and only classifies what happened.
 *
 * TLS verification is always on. Extra CAs (the local stand-in's throwaway CA) are added to Node's
 * roots, never instead of them; NODE_EXTRA_CA_CERTS works too when nothing is injected.
 */
import { rootCertificates } from "node:tls";
import got, { type Got, type Response } from "got";
import type { SObjectRecord } from "./case-mapping.js";

/** sObject Collections accept at most 200 records per call. */
export const MAX_COLLECTION_SIZE = 200;

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
  /** Whole request, first byte to last. @default `20000` (ms) */
  requestTimeoutMs?: number;
  /** PEM CAs trusted in addition to Node's roots (local stand-in, tests). */
  extraCertificateAuthorities?: string[];
}

const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export class SalesforceClient implements SalesforceCollections {
  readonly url: string;
  private readonly http: Got;

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
    this.url = `${base.origin}/services/data/${version}/composite/sobjects/${options.objectName}/${options.externalIdField}`;
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

  async upsert(token: string, records: SObjectRecord[]): Promise<UpsertResult[]> {
    if (records.length === 0) return [];
    if (records.length > MAX_COLLECTION_SIZE)
      throw new Error(`at most ${MAX_COLLECTION_SIZE} records per call, got ${records.length}`);
    let response: Response<string>;
    try {
      response = await this.http.patch(this.url, {
        headers: { authorization: `Bearer ${token}`, accept: "application/json" },
        json: { allOrNone: false, records },
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
    if (status >= 200 && status < 300) return parseResults(response.body, records.length);
    const { errorCode, message } = describeErrorBody(response.body);
    const text = `Salesforce answered ${status}${errorCode ? ` ${errorCode}` : ""}: ${message}`;
    if (status === 401) throw new SalesforceCallError(text, "unauthorized", status, errorCode);
    const limited = status === 403 && errorCode === "REQUEST_LIMIT_EXCEEDED";
    if (status === 408 || status === 429 || status >= 500 || limited) {
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
