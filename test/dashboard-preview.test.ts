/**
 * The dashboards of a local run, drawn by `npm start`: ONE small run (300 records, Salesforce
 * faults and per-record Salesforce errors so some records fail) shared by every assertion. Checks
 * one tile per widget of the plan's exact bodies, pies and bars where the bodies have them, that the
 * functional dashboard's numbers equal the run's audit counts, and that a real headless browser
 * (Debian's `chromium`, CLI only) lays every tile inside the grid of a non-blank page.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunSummary } from "../local/summary.js";
import type { Dashboard, MetricEntry, MetricWidget } from "../preview/dashboard-body.js";
import type { RenderedTile } from "../preview/render-dashboard.js";
import { declaredDashboards } from "../preview/write-previews.js";
import { planStack } from "../stacks/offline/plan.js";
import { runCli } from "./support/local-run-cli.js";

interface Drawn {
  dashboard: Dashboard;
  html: string;
  png: string;
  layout: Array<Omit<RenderedTile, "svg">>;
}

const dir = mkdtempSync(join(tmpdir(), "dashboard-preview-"));
const stops: Array<() => void> = [];
let summary: RunSummary;
let drawn: Drawn[];

beforeAll(async () => {
  const run = await runCli(
    ["--records", "300", "--faults", "salesforce=0.1,salesforce-records=0.05", "--json", "--dashboards", dir],
    { afterwards: (stop) => stops.push(stop) },
  );
  if (run.code !== 0) throw new Error(`local run exited ${run.code}:\n${run.stderr.slice(-3000)}`);
  summary = JSON.parse(run.stdout) as RunSummary;
  const paths = [...run.stderr.matchAll(/^ {2}(\S+\.(?:png|html))$/gm)].map((m) => m[1]!);
  // The plan's own bodies, as the run deployed them: the renderer must draw exactly these.
  const dashboards = declaredDashboards((await planStack("sit")).resources);
  drawn = dashboards.map((dashboard) => {
    const html = paths.find((p) => p.endsWith(`${dashboard.name}.html`));
    const png = paths.find((p) => p.endsWith(`${dashboard.name}.png`));
    if (!html || !png)
      throw new Error(`no picture of ${dashboard.name} printed; stderr ends:\n${run.stderr.slice(-2000)}`);
    const page = readFileSync(html, "utf8");
    const layout = JSON.parse(
      /<script type="application\/json" id="layout">(.*?)<\/script>/s.exec(page)![1]!,
    ) as Drawn["layout"];
    return { dashboard, html: page, png, layout };
  });
}, 900_000);

afterAll(() => {
  for (const stop of stops) stop();
  rmSync(dir, { recursive: true, force: true });
});

const unescapeHtml = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
const functional = () => drawn.find((d) => d.dashboard.name.includes("functional"))!;
const metricWidgets = (d: Drawn) =>
  d.dashboard.widgets.flatMap((w, index) => (w.type === "metric" ? [{ w, index }] : []));
const visibleMetrics = (w: MetricWidget) =>
  w.metrics.filter((m): m is Extract<MetricEntry, { kind: "metric" }> => m.kind === "metric" && m.visible);

/** Values the page shows for the visible entries that are this metric, in the functional dashboard's single-value and pie tiles. */
function shown(
  metricName: string,
  views: string[],
  dims: Record<string, string> = {},
): Array<{ title: string; value: number | null }> {
  const d = functional();
  return metricWidgets(d)
    .filter(({ w }) => views.includes(w.view))
    .flatMap(({ w, index }) =>
      visibleMetrics(w)
        .filter(
          (m) => m.metricName === metricName && Object.entries(dims).every(([k, v]) => m.dimensions[k] === v),
        )
        .map((m) => ({
          title: w.title,
          value: d.layout[index]!.values!.find((v) => v.id === m.id)?.value ?? null,
        })),
    );
}

describe("dashboards drawn from a local run", () => {
  it("draws one titled tile per widget of the plan's exact bodies, for both dashboards", () => {
    expect(drawn.map((d) => d.dashboard.name).sort()).toEqual([
      "bbkyc-functional-sit-euw1",
      "bbkyc-technical-sit-euw1",
    ]);
    for (const d of drawn) {
      const sections = [
        ...d.html.matchAll(
          /<section class="tile" data-index="(\d+)" data-type="(\w+)"(?: data-view="(\w+)")?[^>]*><h2 class="tile-title">(.*?)(?: <span class="sample">|<\/h2>)/g,
        ),
      ];
      expect(sections.map((s) => [Number(s[1]), s[2], s[3] ?? "", unescapeHtml(s[4]!)])).toEqual(
        d.dashboard.widgets.map((w, i) => [
          i,
          w.type,
          w.type === "metric" ? w.view : w.type === "log" ? w.view : "",
          w.title,
        ]),
      );
      for (const w of d.dashboard.widgets) expect(w.title.length).toBeGreaterThan(0);
      expect(d.html).not.toContain("SAMPLE");
    }
  });

  it("draws pies and bars where the bodies have them (or says there is no data, as CloudWatch does)", () => {
    let charts = 0;
    for (const d of drawn) {
      for (const { w, index } of metricWidgets(d).filter(({ w }) => w.view === "pie" || w.view === "bar")) {
        const section =
          new RegExp(
            `<section class="tile" data-index="${index}" data-type="metric" data-view="${w.view}".*?</section>`,
            "s",
          ).exec(d.html)?.[0] ?? "";
        if (/<path d="M/.test(section)) charts++;
        // The Glue job does not run locally: its pie and bars have no data, or use a search the
        // preview does not evaluate (run time per run: NOT JobRunId="ALL"), and must say which.
        else
          expect(
            d.layout[index]!.problems.some(
              (p) => p === "No data in this range" || /not evaluated locally/.test(p),
            ),
            `${w.title}: ${d.layout[index]!.problems.join("; ")}`,
          ).toBe(true);
      }
    }
    // Pipeline, audit and stage charts have data after a run: end-to-end flow bar, case pie, audit pie.
    expect(charts).toBeGreaterThanOrEqual(3);
  });

  it("shows the run's audit counts on the functional dashboard: records, cases created, failed, audited by status", () => {
    expect(summary.unaccounted).toBe(0);
    expect(summary.failed).toBeGreaterThan(0); // the faults must leave something to count
    const received = shown("TotalEvents", ["singleValue"]);
    const created = shown("SFCaseCreationSuccess", ["singleValue", "pie"]);
    const failed = shown("SFCaseCreationFailure", ["singleValue", "pie"]);
    const processed = shown("AuditEventWritten", ["singleValue", "pie"], { Status: "PROCESSED" });
    const auditedFailed = shown("AuditEventWritten", ["singleValue", "pie"], { Status: "FAILED" });
    for (const list of [received, created, failed, processed, auditedFailed])
      expect(list.length).toBeGreaterThan(0);
    for (const tile of received)
      expect(tile, tile.title).toEqual({ title: tile.title, value: summary.records });
    for (const tile of created)
      expect(tile, tile.title).toEqual({ title: tile.title, value: summary.casesCreated });
    // No malformed records in this run: every FAILED record failed at case creation.
    for (const tile of failed) expect(tile, tile.title).toEqual({ title: tile.title, value: summary.failed });
    for (const tile of processed)
      expect(tile, tile.title).toEqual({ title: tile.title, value: summary.audited.PROCESSED });
    for (const tile of auditedFailed)
      expect(tile, tile.title).toEqual({ title: tile.title, value: summary.audited.FAILED });
  });

  it("says on the tile what the emulator cannot answer instead of drawing a number", () => {
    const technical = drawn.find((d) => d.dashboard.name.includes("technical"))!;
    const percentile = metricWidgets(technical).find(
      ({ w }) =>
        w.stat.startsWith("p") || w.metrics.some((m) => m.kind === "metric" && m.stat?.startsWith("p")),
    );
    // The technical dashboard charts latency percentiles: one such widget must be found.
    expect(percentile?.w.title).toEqual(expect.any(String));
    expect(technical.layout[percentile!.index]!.problems.join(" ")).toMatch(/not evaluated locally/);
    const alarm = technical.dashboard.widgets.findIndex((w) => w.type === "alarm");
    expect(technical.layout[alarm]!.problems.join(" ")).toMatch(/not evaluated locally/);
  });

  it("opens in headless chromium: a non-blank page with every tile inside the grid", () => {
    for (const d of drawn) {
      const gridHeight = Math.max(...d.layout.map((t) => t.top + t.height));
      const page = `file://${join(dir, `${d.dashboard.name}.html`)}`;
      const size = `--window-size=1460,${gridHeight + 100}`;
      const shot = join(dir, `${d.dashboard.name}.screenshot.png`);
      const browser = (args: string[]) =>
        execFileSync(
          "chromium",
          ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", size, ...args, page],
          { encoding: "utf8", timeout: 180_000, stdio: ["ignore", "pipe", "ignore"] },
        );
      const dom = browser(["--dump-dom"]);
      const measured = JSON.parse(
        unescapeHtml(/<pre id="measured" hidden="">(.*?)<\/pre>/s.exec(dom)![1]!),
      ) as {
        viewport: { width: number };
        grid: { left: number; top: number; right: number; bottom: number };
        tiles: Array<{
          index: number;
          title: string;
          charts: number;
          left: number;
          top: number;
          right: number;
          bottom: number;
        }>;
      };
      expect(measured.tiles.map((t) => t.title.replace(/ SAMPLE$/, ""))).toEqual(
        d.dashboard.widgets.map((w) => w.title),
      );
      expect(measured.grid.right).toBeLessThanOrEqual(measured.viewport.width);
      for (const t of measured.tiles) {
        expect(t.left, t.title).toBeGreaterThanOrEqual(measured.grid.left - 0.5);
        expect(t.right, t.title).toBeLessThanOrEqual(measured.grid.right + 0.5);
        expect(t.top, t.title).toBeGreaterThanOrEqual(measured.grid.top - 0.5);
        expect(t.bottom, t.title).toBeLessThanOrEqual(measured.grid.bottom + 0.5);
      }
      browser([`--screenshot=${shot}`]);
      for (const file of [shot, d.png]) {
        const image = PNG.sync.read(readFileSync(file));
        const colours = new Set<number>();
        let ink = 0;
        for (let i = 0; i < image.data.length; i += 4) {
          const [r, g, b] = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
          colours.add((r << 16) | (g << 8) | b);
          if (!(r === 255 && g === 255 && b === 255) && !(r === 0xf2 && g === 0xf3 && b === 0xf3)) ink++;
        }
        expect(ink / (image.width * image.height), file).toBeGreaterThan(0.02);
        expect(colours.size, file).toBeGreaterThan(50);
      }
    }
  });
});
