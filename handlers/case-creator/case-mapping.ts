/**
 * How a KYC record becomes a Salesforce record (SPEC §3b, default Case mapping). The object and
 * the external-id field come from stack config; the rest is the default mapping, overridable here
 * so another KYC domain can map to its own object without touching the case creator.
 */
import { writeJson } from "../lib/json-text.js";
import type { KycRecord } from "./kinesis-record.js";

/** Salesforce's limit for a Long Text Area such as Case.Description. */
export const DESCRIPTION_MAX_LENGTH = 32_000;
/** Case.Subject is a 255-character text field. */
export const SUBJECT_MAX_LENGTH = 255;

export const PRIORITY_BY_RISK: Record<NonNullable<KycRecord["riskRating"]>, string> = {
  HIGH: "High",
  MEDIUM: "Medium",
  LOW: "Low",
};

export interface CaseMapping {
  /** sObject API name, e.g. `Case`. */
  objectName: string;
  /** External-id field that holds the transaction id, e.g. `KYC_Transaction_Id__c`. */
  externalIdField: string;
  /** Value of the origin field. @default `"KYC Platform"` */
  origin?: string;
  /** Field API names the default mapping writes. @default the standard Case fields */
  fields?: Partial<CaseFieldNames>;
}

export interface CaseFieldNames {
  subject: string;
  priority: string;
  origin: string;
  description: string;
}

const DEFAULT_FIELDS: CaseFieldNames = {
  subject: "Subject",
  priority: "Priority",
  origin: "Origin",
  description: "Description",
};

/** One element of an sObject Collections request. */
export interface SObjectRecord {
  attributes: { type: string };
  [field: string]: unknown;
}

export function toSObject(record: KycRecord, mapping: CaseMapping): SObjectRecord {
  const fields = { ...DEFAULT_FIELDS, ...mapping.fields };
  const sobject: SObjectRecord = {
    attributes: { type: mapping.objectName },
    [mapping.externalIdField]: record.transactionId,
    [fields.subject]: truncate(`${record.eventType} ${record.customerId}`, SUBJECT_MAX_LENGTH),
    [fields.origin]: mapping.origin ?? "KYC Platform",
  };
  // Absent rating: leave Priority out so the org's default applies rather than inventing one.
  if (record.riskRating !== undefined) sobject[fields.priority] = PRIORITY_BY_RISK[record.riskRating];
  // writeJson, not JSON.stringify: numbers keep every digit as the source wrote them, and no
  // recursion means no nesting depth can crash the mapping.
  if (record.payload !== undefined)
    sobject[fields.description] = truncate(writeJson(record.payload), DESCRIPTION_MAX_LENGTH);
  return sobject;
}

/**
 * At most `max` UTF-16 code units (what Salesforce counts), ending in `…` when cut, and never
 * splitting a surrogate pair (a lone half would be rejected as malformed text).
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
