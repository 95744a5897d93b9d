/**
 * The audit-event contract between every producer of audit events and the audit processor.
 * Validated when sent and again when received, so a malformed event is caught at both ends.
 */

export const AUDIT_STATUSES = ["RECEIVED", "PUBLISHED", "PROCESSED", "FAILED"] as const;
export type AuditStatus = (typeof AUDIT_STATUSES)[number];

/** Status order: a later status is never overwritten by an earlier one of the same time. */
export const STATUS_RANK: Record<AuditStatus, number> = {
  RECEIVED: 0,
  PUBLISHED: 1,
  PROCESSED: 2,
  FAILED: 2,
};

export type AuditAttributeValue = string | number | boolean;

export interface AuditEvent {
  /** The record's transaction id, or a reserved key (`audit-keys.ts`: `#record:…`, `#file:…`) when it has none. */
  transactionId: string;
  status: AuditStatus;
  /** Why it failed; required for FAILED. */
  reason?: string;
  /** Emitting component, e.g. `cta-event-producer`. */
  component: string;
  /** ISO-8601 time the status was reached. */
  occurredAt: string;
  attributes?: Record<string, AuditAttributeValue>;
  /**
   * Record this event only while the transaction has no PROCESSED or FAILED status yet. Set by the
   * discard auditor: the range of records Lambda gave up on can include records its last attempt
   * did process, and those must keep their PROCESSED.
   */
  onlyIfUnsettled?: boolean;
}

/** S3 keys may be 1024 characters; the reserved prefixes of `audit-keys.ts` and a bucket name add up to ~100. */
export const MAX_TRANSACTION_ID_LENGTH = 1200;
export const MAX_REASON_LENGTH = 1000;

export type AuditValidation = { ok: true; event: AuditEvent } | { ok: false; reason: string };

export function validateAuditEvent(input: unknown): AuditValidation {
  if (typeof input !== "object" || input === null || Array.isArray(input))
    return { ok: false, reason: "audit event is not a JSON object" };
  const e = input as Record<string, unknown>;
  if (typeof e.transactionId !== "string" || e.transactionId.trim() === "")
    return { ok: false, reason: "transactionId is missing or blank" };
  if (e.transactionId.length > MAX_TRANSACTION_ID_LENGTH)
    return { ok: false, reason: `transactionId is longer than ${MAX_TRANSACTION_ID_LENGTH} characters` };
  if (typeof e.status !== "string" || !(AUDIT_STATUSES as readonly string[]).includes(e.status)) {
    return {
      ok: false,
      reason: `status must be one of ${AUDIT_STATUSES.join(", ")}, got ${JSON.stringify(e.status)}`,
    };
  }
  if (e.reason !== undefined && typeof e.reason !== "string")
    return { ok: false, reason: "reason must be a string" };
  if (e.status === "FAILED" && (typeof e.reason !== "string" || e.reason.trim() === ""))
    return { ok: false, reason: "a FAILED event needs a reason" };
  if (typeof e.component !== "string" || e.component.trim() === "")
    return { ok: false, reason: "component is missing or blank" };
  if (typeof e.occurredAt !== "string" || Number.isNaN(Date.parse(e.occurredAt)))
    return { ok: false, reason: "occurredAt is not an ISO-8601 time" };
  if (e.attributes !== undefined) {
    if (typeof e.attributes !== "object" || e.attributes === null || Array.isArray(e.attributes))
      return { ok: false, reason: "attributes must be an object" };
    for (const [k, v] of Object.entries(e.attributes)) {
      if (!["string", "number", "boolean"].includes(typeof v))
        return { ok: false, reason: `attribute ${k} must be a string, number or boolean` };
    }
  }
  if (e.onlyIfUnsettled !== undefined && typeof e.onlyIfUnsettled !== "boolean")
    return { ok: false, reason: "onlyIfUnsettled must be a boolean" };
  const event: AuditEvent = {
    transactionId: e.transactionId,
    status: e.status as AuditStatus,
    component: e.component,
    occurredAt: new Date(e.occurredAt).toISOString(),
    ...(typeof e.reason === "string" ? { reason: e.reason } : {}),
    ...(e.attributes ? { attributes: e.attributes as Record<string, AuditAttributeValue> } : {}),
    ...(e.onlyIfUnsettled === true ? { onlyIfUnsettled: true } : {}),
  };
  return { ok: true, event };
}

/**
 * Shortens a reason to the contract's limit, keeping its start (where the cause is said), and makes
 * it well-formed: DynamoDB stores strings as UTF-8 and rejects a lone surrogate, which a cut through
 * a surrogate pair (or an error message quoting bad input) would otherwise leave behind.
 */
export function truncateReason(reason: string): string {
  let text = reason;
  if (text.length > MAX_REASON_LENGTH) {
    let end = MAX_REASON_LENGTH - 1;
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end -= 1;
    text = `${text.slice(0, end)}…`;
  }
  return (text as unknown as { toWellFormed(): string }).toWellFormed();
}
