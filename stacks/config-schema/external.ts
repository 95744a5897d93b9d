/** Resources managed outside this program that the dashboards still show. */
import { z } from "zod";
import type { ExternalResources } from "../../components/dashboards-config.js";
import { nameList } from "./entry-fields.js";
import { structured } from "./fields.js";
import { type Assert, type Conforms, defineSection } from "./section.js";

const resources = z.preprocess(
  (value) => value ?? {},
  z.object(
    { lambdaFunctions: nameList(), glueJobs: nameList(), batchJobQueues: nameList(), eventRules: nameList() },
    { error: "must be a map with lambdaFunctions, glueJobs, batchJobQueues and eventRules lists." },
  ),
);

export type ExternalMatches = Assert<Conforms<z.output<typeof resources>, ExternalResources>>;

export const external = defineSection({
  keys: () => ({
    external: structured(resources, {
      type: "map",
      shownDefault: "empty lists",
      description:
        "Resources managed elsewhere that dashboards show: `lambdaFunctions`, `glueJobs`, `batchJobQueues`, `eventRules`.",
    }),
  }),
  build: (fields) => ({ external: fields.external }),
});
