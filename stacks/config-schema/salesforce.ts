/** The Salesforce org the case creators upsert into. */
import type { SalesforceConfig } from "../../components/event-pipeline-config.js";
import { httpsUrl, text } from "./fields.js";
import { type Assert, type Conforms, defineSection } from "./section.js";

export const salesforce = defineSection({
  keys: ({ stack }) => ({
    salesforceInstanceUrl: httpsUrl({
      description: "Salesforce instance URL (https).",
      fix: `Set it with \`pulumi config set --stack ${stack} salesforceInstanceUrl https://<instance>.my.salesforce.com\`.`,
    }),
    salesforceApiVersion: text({
      description: "REST API version.",
      default: "v60.0",
      fix: "Set it, e.g. v60.0.",
      pattern: {
        regex: /^v\d{2,3}\.0$/,
        problem: (value) => `is "${value}"; write it as Salesforce does, e.g. v60.0.`,
      },
    }),
    salesforceObject: text({
      description: "sObject the case creator upserts.",
      default: "Case",
      fix: "Set the sObject to upsert, e.g. Case.",
    }),
    salesforceExternalIdField: text({
      description: "External-id field = transaction id (the upsert key).",
      default: "KYC_Transaction_Id__c",
      fix: "Set the external-id field, e.g. KYC_Transaction_Id__c.",
    }),
  }),
  build: (fields) => ({
    salesforce: {
      instanceUrl: fields.salesforceInstanceUrl,
      apiVersion: fields.salesforceApiVersion,
      objectName: fields.salesforceObject,
      externalIdField: fields.salesforceExternalIdField,
    },
  }),
});

export type SalesforceMatches = Assert<
  Conforms<ReturnType<typeof salesforce.build>["salesforce"], SalesforceConfig>
>;
