/**
 * The Composite wire format for up to five sObject Collections upserts in one call
 * (`POST /services/data/vNN.0/composite`; Salesforce REST API Developer Guide, "Send Multiple Requests
 * Using Composite": ≤25 subrequests, ≤5 of them sObject Collections, the whole series one call toward
 * the API limits). Only the shapes live here; `salesforce-client.ts` turns each subresponse into
 * per-record results.
 */
import type { SObjectRecord } from "./case-mapping.js";

/** Each collection is its own subrequest; `allOrNone: false` twice so one bad record or part fails alone. */
export function compositeUpsertBody(collectionsPath: string, chunks: SObjectRecord[][]): object {
  return {
    allOrNone: false,
    compositeRequest: chunks.map((records, i) => ({
      method: "PATCH",
      url: collectionsPath,
      referenceId: referenceId(i),
      body: { allOrNone: false, records },
    })),
  };
}

/** One subrequest's answer: its HTTP status and its body (a result array on 2xx, an error list otherwise). */
export interface CompositeSubresponse {
  status: number;
  body: unknown;
}

/**
 * The subresponses in the order of the request's chunks, matched by `referenceId` (Salesforce may
 * collate subrequests). Undefined when the body is not a Composite response naming every chunk: the
 * caller cannot tell which records landed and treats the call as failed for a retry (upserts are
 * idempotent).
 */
export function compositeSubresponses(body: string, chunks: number): CompositeSubresponse[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const list = (parsed as { compositeResponse?: unknown } | null)?.compositeResponse;
  if (!Array.isArray(list)) return undefined;
  const byReference = new Map<string, CompositeSubresponse>();
  for (const item of list) {
    const r = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof r.referenceId === "string" && typeof r.httpStatusCode === "number")
      byReference.set(r.referenceId, { status: r.httpStatusCode, body: r.body });
  }
  const ordered: CompositeSubresponse[] = [];
  for (let i = 0; i < chunks; i++) {
    const sub = byReference.get(referenceId(i));
    if (!sub) return undefined;
    ordered.push(sub);
  }
  return ordered;
}

function referenceId(index: number): string {
  return `upsert${index}`;
}
