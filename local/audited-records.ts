/**
 * What the local run has seen audited: each transaction's final outcome (PROCESSED or FAILED) as the
 * audit processor consumed it from the audit queue, and when the last transaction was first seen
 * so — the end of the drain the summary's timeline reports. Observation only: it reads the messages
 * the audit processor was handed and changes nothing.
 */
import type { SQSRecord } from "aws-lambda";
import { parseAuditBody } from "./settling.js";

export class AuditedRecords {
  private readonly outcomes = new Map<string, string>();
  /** Epoch ms at which a transaction was last seen audited for the first time. */
  lastFirstAuditAt: number | undefined;

  /** Takes the messages one audit-processor invocation consumed. */
  consume(records: SQSRecord[]): void {
    for (const r of records) {
      const event = parseAuditBody(r.body);
      if (!event || (event.status !== "PROCESSED" && event.status !== "FAILED")) continue;
      if (!this.outcomes.has(event.transactionId)) this.lastFirstAuditAt = Date.now();
      this.outcomes.set(event.transactionId, event.status);
    }
  }

  /** Of these ids: how many are audited, and how many of those FAILED. */
  count(ids: readonly string[]): { audited: number; failed: number } {
    let audited = 0;
    let failed = 0;
    for (const id of ids) {
      const status = this.outcomes.get(id);
      if (status) audited++;
      if (status === "FAILED") failed++;
    }
    return { audited, failed };
  }

  /** True when every one of these ids is audited. */
  all(ids: readonly string[]): boolean {
    return ids.every((id) => this.outcomes.has(id));
  }
}
