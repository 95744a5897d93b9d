/**
 * Places widgets on CloudWatch's 24-column grid. A dashboard is a list of sections; each section
 * starts with a full-width text header that tells a non-engineer what the numbers below mean and
 * what to do when one of them is red, followed by its widgets packed left to right in rows.
 */
import { text, type DashboardWidget, type WidgetSpec } from "./widgets.js";

export const GRID_COLUMNS = 24;

/** A titled group of widgets with its explanation. */
export interface Section {
  title: string;
  /** What the numbers mean, in plain words. */
  meaning: string;
  /** What to do when something in this section is red (who to call, where to look). */
  whenRed: string;
  widgets: WidgetSpec[];
}

/** The section's header text widget. */
export function sectionHeader(section: Section): WidgetSpec {
  const markdown = `${section.meaning.trim()}\n\n**When it is red:** ${section.whenRed.trim()}`;
  // Roughly 150 characters per grid row of a full-width text widget; never less than 2 rows.
  const height = Math.max(2, Math.min(6, 1 + Math.ceil(markdown.length / 150)));
  return text(section.title, markdown, { width: GRID_COLUMNS, height });
}

/**
 * Row packing: a widget goes right of the previous one while it fits, otherwise starts a new row
 * below the tallest widget of the current row. Each section header starts on a fresh row.
 */
export function arrange(sections: Section[]): DashboardWidget[] {
  const placed: DashboardWidget[] = [];
  let y = 0;
  for (const section of sections) {
    if (section.widgets.length === 0) continue;
    const header = sectionHeader(section);
    placed.push({ ...header, x: 0, y });
    y += header.height;
    let x = 0;
    let rowHeight = 0;
    for (const widget of section.widgets) {
      if (widget.width < 1 || widget.width > GRID_COLUMNS) {
        throw new Error(
          `Widget "${String(widget.properties.title ?? widget.type)}" is ${widget.width} columns wide; the grid has ${GRID_COLUMNS}`,
        );
      }
      if (x + widget.width > GRID_COLUMNS) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      placed.push({ ...widget, x, y });
      x += widget.width;
      rowHeight = Math.max(rowHeight, widget.height);
    }
    y += rowHeight;
  }
  return placed;
}

export interface DashboardBody {
  start: string;
  periodOverride: "auto" | "inherit";
  widgets: DashboardWidget[];
}

/**
 * The dashboard body object (serialise with `JSON.stringify`). Opens on the last 24 hours; each
 * graph keeps its own period (`inherit`) so daily totals stay daily when the range changes.
 */
export function dashboardBody(sections: Section[], start = "-PT24H"): DashboardBody {
  return { start, periodOverride: "inherit", widgets: arrange(sections) };
}
