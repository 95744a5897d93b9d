/**
 * One dashboard as pictures: every widget drawn at its place on CloudWatch's 24-column grid, as an
 * HTML page (real markdown for text widgets, a layout JSON and a measuring script for browser
 * checks) and as a PNG (the same tiles in one SVG, rasterised by resvg without a browser).
 */
import { Resvg } from "@resvg/resvg-js";
import { marked } from "marked";
import type { Dashboard, Widget } from "./dashboard-body.js";
import type { MetricSource, TimeRange } from "./metric-source.js";
import {
  alarmSvg,
  barSvg,
  escapeXml,
  FONT,
  logTableSvg,
  pieSvg,
  problemSvg,
  singleValueSvg,
  textSvg,
  timeSeriesSvg,
  type Box,
} from "./render-tile.js";
import { widgetData, type WidgetData } from "./widget-data.js";

export const GRID_COLUMNS = 24;
/** Pixels per grid column and row; 24 columns = 1,440 px, close to CloudWatch on a laptop screen. */
export const COLUMN_PX = 60;
export const ROW_PX = 44;
const TITLE_PX = 26;
const PAD_PX = 6;
const GAP_PX = 4;
const HEADER_PX = 64;

export interface RenderedTile {
  index: number;
  type: Widget["type"];
  view?: string;
  title: string;
  /** Pixels on the page's grid. */
  left: number;
  top: number;
  width: number;
  height: number;
  svg: string;
  /** What the tile could not show and why. */
  problems: string[];
  /** Metric tiles: the drawn series with their values (the latest/whole-range datapoint). */
  values?: Array<{ id: string; label: string; value: number | null }>;
}

export interface RenderedDashboard {
  name: string;
  html: string;
  svg: string;
  tiles: RenderedTile[];
  gridHeight: number;
}

export interface RenderOptions {
  source: MetricSource;
  range: TimeRange;
  /** One line under the dashboard's name: where the numbers come from. */
  subtitle: string;
  /** What an alarm tile says about the alarms' states. */
  alarmNote: string;
  /** What a Logs Insights tile says about its rows. */
  logNote: string;
}

export async function renderDashboard(
  dashboard: Dashboard,
  options: RenderOptions,
): Promise<RenderedDashboard> {
  // All at once: the emulator answers one call at a time anyway, and this keeps it busy.
  const tiles = await Promise.all(
    dashboard.widgets.map((widget, index) => renderTile(index, widget, options)),
  );
  const gridHeight = Math.max(0, ...dashboard.widgets.map((w) => (w.y + w.height) * ROW_PX));
  return {
    name: dashboard.name,
    tiles,
    gridHeight,
    html: page(dashboard, tiles, gridHeight, options),
    svg: pageSvg(dashboard, tiles, gridHeight, options),
  };
}

async function renderTile(index: number, widget: Widget, o: RenderOptions): Promise<RenderedTile> {
  const placed = {
    left: widget.x * COLUMN_PX,
    top: widget.y * ROW_PX,
    width: widget.width * COLUMN_PX - GAP_PX,
    height: widget.height * ROW_PX - GAP_PX,
  };
  const body: Box = { width: placed.width - 2 * PAD_PX, height: placed.height - TITLE_PX - PAD_PX };
  const base = { index, type: widget.type, title: widget.title, ...placed };
  switch (widget.type) {
    case "text":
      return { ...base, svg: textSvg(widget, body), problems: [] };
    case "alarm":
      return { ...base, svg: alarmSvg(widget, body, o.alarmNote), problems: [o.alarmNote] };
    case "log":
      return { ...base, view: widget.view, svg: logTableSvg(widget, body, o.logNote), problems: [o.logNote] };
    case "metric": {
      const data = await widgetData(widget, o.source, o.range);
      if (data.series.length > 0 && data.series.every((s) => s.points.length === 0)) {
        // Nothing to draw: say why rather than show empty axes that look like "all zero".
        data.problems.push(noDataReason(widget, o.source.sample));
        data.series = [];
      }
      const footnote = data.problems.length > 0 && data.series.length > 0 ? 16 : 0;
      const chartBox = { width: body.width, height: body.height - footnote };
      let svg =
        data.series.length === 0
          ? problemSvg(data.problems.length > 0 ? data.problems : ["No data for this range"], body)
          : drawMetric(widget.view, widget, data, chartBox);
      if (footnote > 0)
        svg = stack(
          body,
          svg,
          problemSvg(
            [`${data.problems.length} of the widget's entries not drawn: ${data.problems.join("; ")}`],
            { width: body.width, height: footnote },
          ),
          chartBox.height,
        );
      const values = data.series.map((s) => ({
        id: s.id,
        label: s.label,
        value: s.points.length > 0 ? s.points[s.points.length - 1]![1] : null,
      }));
      return { ...base, view: widget.view, svg, problems: data.problems, values };
    }
  }
}

function noDataReason(widget: Extract<Widget, { type: "metric" }>, sample: boolean): string {
  const services = [
    ...new Set(
      widget.metrics.flatMap((m) =>
        m.kind === "metric" && m.namespace.startsWith("AWS/") ? [m.namespace] : [],
      ),
    ),
  ];
  if (!sample && services.length > 0)
    return `No data: ${services.join(", ")} metrics are published by AWS itself; the local run has none`;
  return "No data in this range";
}

function drawMetric(
  view: string,
  widget: Extract<Widget, { type: "metric" }>,
  data: WidgetData,
  box: Box,
): string {
  switch (view) {
    case "singleValue":
      return singleValueSvg(data, box);
    case "pie":
      return pieSvg(widget, data, box);
    case "bar":
      return barSvg(widget, data, box);
    case "timeSeries":
      return timeSeriesSvg(widget, data, box);
    default:
      return problemSvg([`the ${view} view is not drawn by the preview`], box);
  }
}

/** Two SVGs one above the other, in one SVG of the box's size. */
function stack(box: Box, top: string, bottom: string, split: number): string {
  return `<svg width="${box.width}" height="${box.height}" xmlns="http://www.w3.org/2000/svg">${nest(top, 0, 0)}${nest(bottom, 0, split)}</svg>`;
}

/** Places an SVG document inside another at (x, y). */
function nest(svg: string, x: number, y: number): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, "").replace(/^<svg\b/, `<svg x="${x}" y="${y}"`);
}

const when = (range: TimeRange) =>
  `${range.start.toISOString().slice(0, 16).replace("T", " ")} – ${range.end.toISOString().slice(11, 16)} UTC`;

function pageSvg(dashboard: Dashboard, tiles: RenderedTile[], gridHeight: number, o: RenderOptions): string {
  const width = GRID_COLUMNS * COLUMN_PX;
  const height = HEADER_PX + gridHeight + 8;
  const font = escapeXml(FONT);
  const parts = tiles.map((t) => {
    const x = t.left + 4;
    const y = HEADER_PX + t.top;
    return (
      `<g><rect x="${x}" y="${y}" width="${t.width}" height="${t.height}" fill="#ffffff" stroke="#d5dbdb"/>` +
      `<text x="${x + PAD_PX}" y="${y + 18}" font-size="13" font-weight="bold" fill="#16191f" font-family="${font}">${escapeXml(clipTitle(t.title, t.width))}</text>` +
      (o.source.sample
        ? `<text x="${x + t.width - 6}" y="${y + 18}" text-anchor="end" font-size="11" font-weight="bold" fill="#d13212" font-family="${font}">SAMPLE</text>`
        : "") +
      `${nest(t.svg, x + PAD_PX, y + TITLE_PX)}</g>`
    );
  });
  return (
    `<svg width="${width + 8}" height="${height}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width + 8} ${height}">` +
    `<rect width="100%" height="100%" fill="#f2f3f3"/>` +
    `<text x="8" y="28" font-size="20" font-weight="bold" fill="#16191f" font-family="${font}">${escapeXml(dashboard.name)}</text>` +
    `<text x="8" y="50" font-size="12" fill="${o.source.sample ? "#d13212" : "#545b64"}" font-family="${font}">${escapeXml(`${o.subtitle} · ${when(o.range)} · dashboard opens on ${dashboard.start}`)}</text>` +
    `${parts.join("")}</svg>`
  );
}

function clipTitle(title: string, width: number): string {
  const chars = Math.floor((width - 70) / 7.4);
  return title.length > chars ? `${title.slice(0, chars - 1)}…` : title;
}

function page(dashboard: Dashboard, tiles: RenderedTile[], gridHeight: number, o: RenderOptions): string {
  const layout = tiles.map(({ index, type, view, title, left, top, width, height, problems, values }) => ({
    index,
    type,
    view,
    title,
    left,
    top,
    width,
    height,
    problems,
    values,
  }));
  const sections = tiles.map((t) => {
    const widget = dashboard.widgets[t.index]!;
    const body =
      widget.type === "text"
        ? `<div class="markdown">${marked.parse(widget.markdown.replace(/^#{1,6}\s+.*$/m, ""), { async: false })}</div>`
        : t.svg;
    return (
      `<section class="tile" data-index="${t.index}" data-type="${t.type}"${t.view ? ` data-view="${t.view}"` : ""} style="left:${t.left}px;top:${t.top}px;width:${t.width}px;height:${t.height}px">` +
      `<h2 class="tile-title">${escapeXml(t.title)}${o.source.sample ? ' <span class="sample">SAMPLE</span>' : ""}</h2><div class="tile-body">${body}</div></section>`
    );
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(dashboard.name)}</title>
<style>
body { margin: 0; padding: 0 4px 8px; background: #f2f3f3; font-family: ${FONT}; color: #16191f; }
header { height: ${HEADER_PX}px; padding-left: 4px; }
header h1 { margin: 0; padding-top: 8px; font-size: 20px; }
header p { margin: 4px 0 0; font-size: 12px; color: ${o.source.sample ? "#d13212" : "#545b64"}; }
#grid { position: relative; width: ${GRID_COLUMNS * COLUMN_PX}px; height: ${gridHeight}px; }
.tile { position: absolute; box-sizing: border-box; background: #fff; border: 1px solid #d5dbdb; overflow: hidden; }
.tile-title { margin: 0; height: ${TITLE_PX}px; line-height: ${TITLE_PX}px; padding: 0 ${PAD_PX}px; font-size: 13px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tile-body { padding: 0 ${PAD_PX}px; }
.sample { color: #d13212; font-size: 11px; float: right; }
.markdown { font-size: 12px; line-height: 1.4; }
.markdown p { margin: 2px 0 6px; }
</style></head>
<body><header><h1>${escapeXml(dashboard.name)}</h1><p>${escapeXml(`${o.subtitle} · ${when(o.range)} · dashboard opens on ${dashboard.start}`)}</p></header>
<main id="grid">
${sections.join("\n")}
</main>
<script type="application/json" id="layout">${JSON.stringify(layout).replace(/</g, "\\u003c")}</script>
<pre id="measured" hidden></pre>
<script>
// What the browser laid out, for checks with a headless browser (--dump-dom): every tile's box and the grid's.
const box = (e) => { const r = e.getBoundingClientRect(); return { left: r.left, top: r.top, right: r.right, bottom: r.bottom }; };
document.getElementById("measured").textContent = JSON.stringify({
  viewport: { width: window.innerWidth, height: window.innerHeight },
  grid: box(document.getElementById("grid")),
  tiles: [...document.querySelectorAll(".tile")].map((t) => ({ index: Number(t.dataset.index), title: t.querySelector(".tile-title").textContent, charts: t.querySelectorAll("svg").length, ...box(t) })),
});
</script>
</body></html>
`;
}

/** The dashboard's PNG, `width` pixels wide. */
export function toPng(rendered: RenderedDashboard, width?: number): Buffer {
  const resvg = new Resvg(rendered.svg, {
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
    background: "#f2f3f3",
    ...(width ? { fitTo: { mode: "width" as const, value: width } } : {}),
  });
  return Buffer.from(resvg.render().asPng());
}
