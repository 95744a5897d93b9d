/**
 * Draws one widget's content as SVG, by widget type and view: time series (lines or stacked areas),
 * bar and pie with ECharts' server-side SVG renderer (no browser), single values as full-precision
 * numbers with thousands separators (no sparkline), text as wrapped markdown, alarm status and Logs
 * Insights widgets as tables. The same SVG goes into the HTML page and the PNG.
 */
import * as echarts from "echarts";
import type { AlarmWidget, LogWidget, MetricWidget, TextWidget } from "./dashboard-body.js";
import type { DrawnSeries, WidgetData } from "./widget-data.js";
import { latestValue } from "./widget-data.js";

export const FONT = "'Amazon Ember', 'Helvetica Neue', Roboto, Arial, 'DejaVu Sans', sans-serif";
/** CloudWatch's default palette, for series the body gives no colour. */
const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

export interface Box {
  width: number;
  height: number;
}

/** 132516 → "132,516"; fractions keep up to two decimals. */
export function formatNumber(value: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: Number.isInteger(value) ? 0 : 2 });
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const colorOf = (s: DrawnSeries, i: number) => s.color ?? PALETTE[i % PALETTE.length]!;

function chart(box: Box, option: echarts.EChartsOption): string {
  const instance = echarts.init(null, null, {
    renderer: "svg",
    ssr: true,
    width: box.width,
    height: box.height,
  });
  instance.setOption({ animation: false, textStyle: { fontFamily: FONT }, ...option });
  const svg = instance.renderToSVGString();
  instance.dispose();
  return svg;
}

function periodText(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} day${seconds === 86400 ? "" : "s"}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? "" : "s"}`;
  if (seconds % 60 === 0) return `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

/** Lines, or stacked areas, over time, with axis labels, the legend and horizontal annotations (e.g. the SLA). */
export function timeSeriesSvg(widget: MetricWidget, data: WidgetData, box: Box): string {
  const legend = widget.legend === "hidden" ? undefined : widget.legend;
  const hasRight = data.series.some((s) => s.yAxis === "right");
  return chart(box, {
    grid: {
      left: 56,
      right: hasRight ? 56 : 16,
      top: 26,
      bottom: legend === "bottom" ? 58 : 30,
      containLabel: false,
    },
    legend: legend
      ? {
          type: "plain",
          [legend === "bottom" ? "bottom" : "right"]: 0,
          orient: legend === "right" ? "vertical" : "horizontal",
          itemWidth: 12,
          itemHeight: 8,
          textStyle: { fontSize: 11 },
        }
      : { show: false },
    xAxis: {
      type: "time",
      min: data.range.start.getTime(),
      max: data.range.end.getTime(),
      axisLabel: { fontSize: 10, formatter: "{HH}:{mm}" },
      name: `period ${periodText(data.period)}`,
      nameLocation: "end",
      nameGap: 4,
      nameTextStyle: { fontSize: 9, color: "#687078", verticalAlign: "top", padding: [14, 0, 0, 0] },
    },
    yAxis: [
      {
        type: "value",
        min: 0,
        name: widget.yAxisLabel ?? "",
        nameLocation: "end",
        nameTextStyle: { fontSize: 10, color: "#687078", align: "left" },
        axisLabel: { fontSize: 10, formatter: (v: number) => formatNumber(v) },
      },
      ...(hasRight
        ? [
            {
              type: "value" as const,
              min: 0,
              name: widget.rightAxisLabel ?? "",
              nameTextStyle: { fontSize: 10, color: "#687078" },
              axisLabel: { fontSize: 10 },
            },
          ]
        : []),
    ],
    series: data.series.map((s, i) => ({
      type: "line",
      name: s.label,
      data: s.points,
      yAxisIndex: s.yAxis === "right" && hasRight ? 1 : 0,
      showSymbol: s.points.length < 3,
      symbolSize: 5,
      lineStyle: { width: 1.5, color: colorOf(s, i) },
      itemStyle: { color: colorOf(s, i) },
      ...(widget.stacked ? { stack: "total", areaStyle: { opacity: 0.5, color: colorOf(s, i) } } : {}),
      ...(i === 0 && widget.annotations.length > 0
        ? {
            markLine: {
              symbol: "none",
              silent: true,
              data: widget.annotations.map((a) => ({
                yAxis: a.value,
                name: a.label,
                lineStyle: { color: a.color ?? "#d62728", type: "dashed" },
                label: { formatter: a.label, position: "insideEndTop", fontSize: 10 },
              })),
            },
          }
        : {}),
    })),
  } as echarts.EChartsOption);
}

/** One bar per series, totalled over the range, labelled with its number. */
export function barSvg(widget: MetricWidget, data: WidgetData, box: Box): string {
  const values = data.series.map((s, i) => ({
    value: latestValue(s) ?? 0,
    name: s.label,
    itemStyle: { color: colorOf(s, i) },
  }));
  return chart(box, {
    grid: { left: 56, right: 12, top: 26, bottom: 60 },
    xAxis: {
      type: "category",
      data: data.series.map((s) => s.label),
      axisLabel: {
        fontSize: 10,
        interval: 0,
        width: Math.max(40, (box.width - 70) / Math.max(1, values.length)),
        overflow: "break",
      },
    },
    yAxis: {
      type: "value",
      min: 0,
      name: widget.yAxisLabel ?? "",
      nameTextStyle: { fontSize: 10, color: "#687078", align: "left" },
      axisLabel: { fontSize: 10, formatter: (v: number) => formatNumber(v) },
    },
    series: [
      {
        type: "bar",
        data: values,
        barMaxWidth: 48,
        label: {
          show: true,
          position: "top",
          fontSize: 11,
          formatter: (p: { value: number }) => formatNumber(p.value),
        },
      },
    ],
  } as echarts.EChartsOption);
}

/** Slices of the whole over the range, labelled with their numbers and shares. */
export function pieSvg(widget: MetricWidget, data: WidgetData, box: Box): string {
  const slices = data.series.map((s, i) => ({
    value: latestValue(s) ?? 0,
    name: s.label,
    itemStyle: { color: colorOf(s, i) },
  }));
  const legendRight = widget.legend === "right";
  return chart(box, {
    legend:
      widget.legend === "hidden"
        ? { show: false }
        : {
            orient: legendRight ? "vertical" : "horizontal",
            [legendRight ? "right" : "bottom"]: 0,
            top: legendRight ? "middle" : undefined,
            itemWidth: 10,
            itemHeight: 8,
            textStyle: {
              fontSize: 10,
              width: legendRight ? box.width * 0.38 : undefined,
              overflow: "truncate",
            },
          },
    series: [
      {
        type: "pie",
        radius: ["0%", "62%"],
        center: [legendRight ? "32%" : "50%", legendRight ? "50%" : "44%"],
        data: slices,
        label: {
          show: true,
          fontSize: 10,
          formatter: (p: { value: number; percent: number }) =>
            `${formatNumber(p.value)}\n${p.percent.toFixed(1)}%`,
        },
        labelLine: { length: 6, length2: 6 },
      },
    ],
  } as echarts.EChartsOption);
}

/** Big numbers, laid out in a grid like CloudWatch's single-value widget: label above, value below. */
export function singleValueSvg(data: WidgetData, box: Box): string {
  const n = Math.max(1, data.series.length);
  const columns = Math.min(n, Math.max(1, Math.floor(box.width / 150)));
  const rows = Math.ceil(n / columns);
  const cellW = box.width / columns;
  const cellH = box.height / rows;
  const valueSize = Math.max(14, Math.min(40, cellH * 0.42, cellW / 7));
  const cells = data.series.map((s, i) => {
    const cx = (i % columns) * cellW + 10;
    const cy = Math.floor(i / columns) * cellH;
    const value = latestValue(s);
    const text = value === undefined ? "No data" : formatNumber(value);
    return (
      `<g class="single-value" data-label="${escapeXml(s.label)}" data-value="${value ?? ""}">` +
      `<text x="${cx}" y="${cy + 16}" font-size="11" fill="#545b64" font-family="${escapeXml(FONT)}">${escapeXml(clip(s.label, cellW / 6.2))}</text>` +
      `<text x="${cx}" y="${cy + 18 + valueSize}" font-size="${valueSize.toFixed(0)}" fill="${value === undefined ? "#879596" : (s.color ?? "#16191f")}" font-family="${escapeXml(FONT)}">${escapeXml(text)}</text></g>`
    );
  });
  return svg(box, cells.join(""));
}

/** Markdown as wrapped SVG text (headings bold, lists with bullets, emphasis markers removed). */
export function textSvg(widget: TextWidget, box: Box): string {
  const lines: string[] = [];
  let y = 4;
  for (const raw of widget.markdown.split("\n")) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(raw);
    if (heading) continue; // the heading is the tile's title
    const bullet = /^\s*[-*]\s+(.*)$/.exec(raw);
    const plain = (bullet ? `• ${bullet[1]}` : raw)
      .replace(/\*\*|__|`/g, "")
      .replace(/\[([^\]]+)\]\([^)]+\)/g, "$1");
    if (plain.trim() === "") {
      y += 6;
      continue;
    }
    for (const line of wrap(plain, Math.floor((box.width - 16) / 6.4))) {
      y += 15;
      if (y > box.height - 2) break;
      lines.push(
        `<text x="8" y="${y}" font-size="12" fill="#16191f" font-family="${escapeXml(FONT)}">${escapeXml(line)}</text>`,
      );
    }
  }
  return svg(box, lines.join(""));
}

/** Alarm names from their ARNs, with the state the preview can tell. */
export function alarmSvg(widget: AlarmWidget, box: Box, state: string): string {
  const columns = Math.max(1, Math.floor(box.width / 330));
  const cellW = box.width / columns;
  const rows = widget.alarms.map((arn, i) => {
    const name = arn.slice(arn.indexOf(":alarm:") + 7);
    const x = (i % columns) * cellW + 8;
    const y = Math.floor(i / columns) * 20 + 18;
    if (y > box.height - 4) return "";
    return `<g class="alarm"><rect x="${x}" y="${y - 11}" width="12" height="12" rx="2" fill="#879596"/><text x="${x + 18}" y="${y}" font-size="11" fill="#16191f" font-family="${escapeXml(FONT)}">${escapeXml(clip(name, cellW / 6.3 - 4))}</text></g>`;
  });
  return svg(
    box,
    `<text x="8" y="${box.height - 6}" font-size="10" fill="#687078" font-family="${escapeXml(FONT)}">${escapeXml(state)}</text>${rows.join("")}`,
  );
}

/** A Logs Insights table: its columns (from the query's fields/stats) and what the preview can tell. */
export function logTableSvg(widget: LogWidget, box: Box, note: string): string {
  const columns = logColumns(widget.query);
  const cellW = (box.width - 16) / Math.max(1, columns.length);
  const header = columns
    .map(
      (c, i) =>
        `<text x="${8 + i * cellW}" y="18" font-size="11" font-weight="bold" fill="#16191f" font-family="${escapeXml(FONT)}">${escapeXml(clip(c, cellW / 6.5))}</text>`,
    )
    .join("");
  const noteLines = wrap(note, Math.floor((box.width - 16) / 6.2)).map(
    (l, i) =>
      `<text x="8" y="${50 + i * 15}" font-size="11" fill="#687078" font-family="${escapeXml(FONT)}">${escapeXml(l)}</text>`,
  );
  return svg(
    box,
    `${header}<line x1="8" y1="26" x2="${box.width - 8}" y2="26" stroke="#d5dbdb"/>${noteLines.join("")}`,
  );
}

/** Column names of a Logs Insights query: the `stats … by …` or `fields` clause, with `as` aliases. */
export function logColumns(query: string): string[] {
  const names = (clause: string) =>
    splitTopLevel(clause)
      .map((part) => /\bas\s+([\w@.]+)\s*$/i.exec(part.trim())?.[1] ?? part.trim())
      .filter(Boolean);
  const stats = /\|\s*stats\s+(.+?)(?:\n|\||$)/i.exec(query);
  if (stats) {
    const [aggregates, by] = stats[1]!.split(/\s+by\s+/i);
    return [...(by ? names(by) : []), ...names(aggregates!)];
  }
  const fields = /\|\s*fields\s+(.+?)(?:\n|\||$)/i.exec(query);
  return fields ? names(fields[1]!) : ["@timestamp", "@message"];
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const c of text) {
    if (c === "(") depth++;
    if (c === ")") depth--;
    if (c === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** A tile whose numbers cannot be drawn: says why, in place of the chart. */
export function problemSvg(problems: string[], box: Box): string {
  const lines = problems.flatMap((p) => wrap(`⚠ ${p}`, Math.floor((box.width - 16) / 6.2)));
  return svg(
    box,
    lines
      .map(
        (l, i) =>
          `<text class="problem" x="8" y="${20 + i * 15}" font-size="11" fill="#b7472a" font-family="${escapeXml(FONT)}">${escapeXml(l)}</text>`,
      )
      .join(""),
  );
}

function svg(box: Box, content: string): string {
  return `<svg width="${box.width}" height="${box.height}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${box.width} ${box.height}">${content}</svg>`;
}

function clip(text: string, chars: number): string {
  const n = Math.max(4, Math.floor(chars));
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
