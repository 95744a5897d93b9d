/**
 * Writes `<name>.html` and `<name>.png` for each dashboard the program declares, taking the bodies
 * from the plan's recorded `aws:cloudwatch/dashboard:Dashboard` resources (the very JSON the program
 * deploys, never a copy).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDashboard, type Dashboard } from "./dashboard-body.js";
import { renderDashboard, toPng, type RenderedDashboard, type RenderOptions } from "./render-dashboard.js";

/** The part of a recorded resource the previews need (see `stacks/offline/recording-mocks.ts`). */
export interface DeclaredResource {
  type: string;
  name: string;
  physicalName?: string;
  inputs: Record<string, any>;
}

export const DASHBOARD_TYPE = "aws:cloudwatch/dashboard:Dashboard";

export function declaredDashboards(resources: DeclaredResource[]): Dashboard[] {
  return resources
    .filter((r) => r.type === DASHBOARD_TYPE)
    .map((r) => parseDashboard(r.physicalName ?? r.inputs.dashboardName ?? r.name, r.inputs.dashboardBody));
}

export interface WrittenPreview {
  name: string;
  html: string;
  png: string;
  rendered: RenderedDashboard;
}

export async function writePreviews(
  dashboards: Dashboard[],
  dir: string,
  options: RenderOptions & { onProgress?: (line: string) => void },
): Promise<WrittenPreview[]> {
  mkdirSync(dir, { recursive: true });
  const written: WrittenPreview[] = [];
  for (const dashboard of dashboards) {
    options.onProgress?.(`rendering dashboard ${dashboard.name} (${dashboard.widgets.length} widgets)…`);
    const rendered = await renderDashboard(dashboard, options);
    const html = join(dir, `${dashboard.name}.html`);
    const png = join(dir, `${dashboard.name}.png`);
    writeFileSync(html, rendered.html);
    writeFileSync(png, toPng(rendered));
    written.push({ name: dashboard.name, html, png, rendered });
  }
  return written;
}
