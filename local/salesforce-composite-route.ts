/**
 * The Salesforce stand-in's Composite route (`POST /services/data/vNN.0/composite`), as far as the
 * case creator uses it: independent subrequests (`allOrNone: false`), each answered on its own with
 * its HTTP status and body under its `referenceId`, within Salesforce's documented limits (≤25
 * subrequests, ≤5 of them sObject Collections; "Send Multiple Requests Using Composite"). References
 * between subrequests (`@{ref.id}`) are not implemented: the case creator sends none.
 */
import type { ErrorBody } from "./salesforce-upsert.js";

export interface Subrequest {
  method: string;
  url: string;
  body: unknown;
}

export type CompositeOutcome =
  | { ok: true; response: { compositeResponse: unknown[] } }
  | { ok: false; error: ErrorBody };

const MAX_SUBREQUESTS = 25;
const MAX_COLLECTIONS = 5;

export function answerComposite(
  body: unknown,
  answer: (subrequest: Subrequest) => { status: number; body: unknown },
): CompositeOutcome {
  const request = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const list = request.compositeRequest;
  if (!Array.isArray(list) || list.length === 0)
    return invalid("The request body must be an object with a non-empty compositeRequest array");
  if (request.allOrNone === true)
    return invalid("allOrNone true is not implemented by the stand-in (the case creator sends false)");
  if (list.length > MAX_SUBREQUESTS)
    return invalid(`A composite request holds at most ${MAX_SUBREQUESTS} subrequests, got ${list.length}`);
  const collections = list.filter((s) => /\/composite\/sobjects\b/.test(String(s?.url ?? ""))).length;
  if (collections > MAX_COLLECTIONS)
    return invalid(
      `A composite request holds at most ${MAX_COLLECTIONS} sObject Collections subrequests, got ${collections}`,
    );
  const references = new Set<string>();
  for (const s of list) {
    const ref = (s as { referenceId?: unknown } | null)?.referenceId;
    if (typeof ref !== "string" || !/^[A-Za-z0-9_]+$/.test(ref) || references.has(ref))
      return invalid(`Each subrequest needs a unique alphanumeric referenceId, got ${JSON.stringify(ref)}`);
    references.add(ref);
  }
  const compositeResponse = list.map((s: Record<string, unknown>) => {
    const sub = answer({ method: String(s.method ?? ""), url: String(s.url ?? ""), body: s.body });
    return { body: sub.body, httpHeaders: {}, httpStatusCode: sub.status, referenceId: s.referenceId };
  });
  return { ok: true, response: { compositeResponse } };
}

/** The stand-in's own code for a malformed Composite request (Salesforce's exact code is not documented). */
function invalid(message: string): CompositeOutcome {
  return { ok: false, error: { errorCode: "INVALID_COMPOSITE_REQUEST", message } };
}
