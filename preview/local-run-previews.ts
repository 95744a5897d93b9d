/**
 * The dashboards of a local run, drawn from what its handlers put into the emulator's CloudWatch:
 * the stack's own dashboard bodies (from the plan the run provisioned), over the run's time window.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EmulatorMetricSource, type TimeRange } from "./metric-source.js";
import {
  declaredDashboards,
  writePreviews,
  type DeclaredResource,
  type WrittenPreview,
} from "./write-previews.js";

export interface RunPreviewInputs {
  resources: DeclaredResource[];
  /** Maps a value the plan's mocks made up to the emulator's (`ProvisionedStack.translate`). */
  translate: (value: string) => string;
  cloudwatch: CloudWatchClient;
  /** The run's window; a minute is added on each side for metrics flushed at its edges. */
  window: TimeRange;
  dir: string;
  log: (line: string) => void;
}

export async function writeRunPreviews(inputs: RunPreviewInputs): Promise<WrittenPreview[]> {
  const resources = inputs.resources.map((r) =>
    typeof r.inputs.dashboardBody === "string"
      ? { ...r, inputs: { ...r.inputs, dashboardBody: inputs.translate(r.inputs.dashboardBody) } }
      : r,
  );
  const range = {
    start: new Date(Math.floor(inputs.window.start.getTime() / 60_000) * 60_000 - 60_000),
    end: new Date(Math.ceil(inputs.window.end.getTime() / 60_000) * 60_000 + 60_000),
  };
  return writePreviews(declaredDashboards(resources), inputs.dir, {
    source: new EmulatorMetricSource(inputs.cloudwatch),
    range,
    subtitle: "local run: numbers from the emulator's CloudWatch (AWS/* service metrics exist only in AWS)",
    alarmNote: "Alarm states are not evaluated locally: the local run creates no alarms",
    logNote: "Logs Insights is not evaluated locally: the handlers' log lines are in the run's handlers.log",
    onProgress: inputs.log,
  });
}
