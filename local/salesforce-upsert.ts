/**
 * sObject Collections upsert semantics of the Salesforce stand-in, shared by its collections route
 * and its Composite route: request checks (a 400 for the whole collection), then one result per
 * record in order, upsert by external id (same id, `created` only the first time), injectable
 * per-record errors.
 */
import type { RecordErrorSpec, StoredRecord } from "./salesforce-stand-in.js";

export interface UpsertRules {
  objectName: string;
  externalIdField: string;
  requiredFields: string[];
  fieldLengths: Record<string, number>;
  newId: () => string;
}

export interface RecordFaults {
  recordErrors: Record<string, RecordErrorSpec>;
  recordErrorRate: number;
  random: () => number;
}

export type ErrorBody = { errorCode: string; message: string };
type RecordError = { statusCode: string; message: string; fields: string[] };
export type UpsertOutcome =
  | { ok: true; results: unknown[]; externalIds: string[] }
  | { ok: false; error: ErrorBody; externalIds: string[] };

/** sObject Collections upsert semantics: request checks (400), then one result per record, in order. */
export function applyUpsert(
  body: unknown,
  rules: UpsertRules,
  store: Map<string, StoredRecord>,
  faults: RecordFaults,
): UpsertOutcome {
  const records = (body as { records?: unknown } | null)?.records;
  if (typeof body !== "object" || body === null || !Array.isArray(records)) {
    return {
      ok: false,
      error: {
        errorCode: "JSON_PARSER_ERROR",
        message: "The request body must be an object with a records array",
      },
      externalIds: [],
    };
  }
  const field = rules.externalIdField;
  const externalIds = records.map((r) => (typeof r?.[field] === "string" ? (r[field] as string) : ""));
  if (records.length > 200)
    return {
      ok: false,
      error: {
        errorCode: "EXCEEDED_ID_LIMIT",
        message: "Record limit exceeded: a collection holds at most 200 records",
      },
      externalIds,
    };
  for (const r of records) {
    const type = (r as { attributes?: { type?: unknown } } | null)?.attributes?.type;
    if (type !== rules.objectName) {
      return {
        ok: false,
        error: {
          errorCode: "INVALID_TYPE",
          message: `sObject type ${JSON.stringify(type)} does not match the request URI type ${rules.objectName}`,
        },
        externalIds,
      };
    }
  }
  const seen = new Map<string, number>();
  for (const id of externalIds) seen.set(id, (seen.get(id) ?? 0) + 1);

  const errors = records.map((r: Record<string, unknown>, i): RecordError | undefined => {
    const id = externalIds[i]!;
    if (id.trim() === "")
      return { statusCode: "MISSING_ARGUMENT", message: `${field} not specified`, fields: [] };
    if (seen.get(id)! > 1)
      return {
        statusCode: "DUPLICATE_EXTERNAL_ID",
        message: `Duplicate external id specified: ${id}`,
        fields: [field],
      };
    const injected = takeRecordError(faults, id);
    if (injected) return injected;
    const missing = rules.requiredFields.filter(
      (f) => typeof r[f] !== "string" || (r[f] as string).trim() === "",
    );
    if (missing.length > 0)
      return {
        statusCode: "REQUIRED_FIELD_MISSING",
        message: `Required fields are missing: [${missing.join(", ")}]`,
        fields: missing,
      };
    for (const [name, max] of Object.entries(rules.fieldLengths)) {
      const value = r[name];
      if (typeof value === "string" && value.length > max) {
        return {
          statusCode: "STRING_TOO_LONG",
          message: `${name}: data value too large: ${value.slice(0, 20)}... (max length=${max})`,
          fields: [name],
        };
      }
    }
    return undefined;
  });

  if ((body as { allOrNone?: unknown }).allOrNone === true && errors.some((e) => e !== undefined)) {
    const rolledBack: RecordError = {
      statusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK",
      message:
        "Record rolled back because not all records were valid and the request was using AllOrNone header",
      fields: [],
    };
    return {
      ok: true,
      results: errors.map((e) => ({ success: false, errors: [e ?? rolledBack] })),
      externalIds,
    };
  }
  const now = new Date();
  const results = records.map((r: Record<string, unknown>, i) => {
    const error = errors[i];
    if (error) return { success: false, errors: [error] };
    const { attributes: _attributes, ...fields } = r;
    const existing = store.get(externalIds[i]!);
    if (existing) {
      Object.assign(existing.fields, fields);
      existing.updatedAt = now;
      existing.upserts += 1;
      return { id: existing.id, success: true, errors: [], created: false };
    }
    const stored: StoredRecord = {
      id: rules.newId(),
      externalId: externalIds[i]!,
      fields,
      createdAt: now,
      updatedAt: now,
      upserts: 1,
    };
    store.set(stored.externalId, stored);
    return { id: stored.id, success: true, errors: [], created: true };
  });
  return { ok: true, results, externalIds };
}

const DEFAULT_RECORD_MESSAGES: Record<string, string> = {
  REQUIRED_FIELD_MISSING: "Required fields are missing: [Subject]",
  UNABLE_TO_LOCK_ROW: "unable to obtain exclusive access to this record or 1 records",
  FIELD_CUSTOM_VALIDATION_EXCEPTION: "Customer must exist before a KYC case is opened",
};

function takeRecordError(faults: RecordFaults, externalId: string): RecordError | undefined {
  const spec = faults.recordErrors[externalId];
  if (spec && (spec.times === undefined || spec.times > 0)) {
    if (spec.times !== undefined) spec.times -= 1;
    const statusCode = spec.statusCode ?? "REQUIRED_FIELD_MISSING";
    return {
      statusCode,
      message: spec.message ?? DEFAULT_RECORD_MESSAGES[statusCode] ?? `${statusCode} for ${externalId}`,
      fields: spec.fields ?? [],
    };
  }
  if (faults.recordErrorRate > 0 && faults.random() < faults.recordErrorRate) {
    return {
      statusCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
      message: DEFAULT_RECORD_MESSAGES.FIELD_CUSTOM_VALIDATION_EXCEPTION!,
      fields: [],
    };
  }
  return undefined;
}
