/** The audit trail: how long items are kept, how often a message is retried before the DLQ. */
import { integer } from "./fields.js";
import { defineSection } from "./section.js";

export const audit = defineSection({
  keys: () => ({
    auditRetentionDays: integer(1, 36500, {
      description: "Days before an audit item's TTL expires it.",
      default: 2555,
    }),
    auditMaxReceives: integer(1, 1000, {
      description: "Receives before an audit message moves to the audit DLQ.",
      default: 5,
    }),
  }),
  build: (fields) => ({
    audit: {
      /** Days an audit item is kept before its TTL expires it. */
      retentionDays: fields.auditRetentionDays,
      /** Receives of one message before it moves to the audit DLQ. */
      maxReceives: fields.auditMaxReceives,
    },
  }),
});
