/**
 * Renders ops/grafana/dashboards/platform3.json as a static HTML page: each panel at its
 * `gridPos` (24 columns), stat panels as their latest value, time series as SVG lines
 * with legends from `legendFormat`. The data is Prometheus `query_range` results, one per
 * target, so what the page shows is what the dashboard's queries answer. It exists
 * because Grafana is not packaged for Debian: `npm run ops:dashboard-shot` uses it for the
 * screenshot in docs/observability.md; in production Grafana draws the same JSON.
 */

export interface Dashboard {
  title: string;
  panels: Panel[];
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { unit?: string } };
  targets: { refId: string; expr: string; legendFormat?: string }[];
}

/** One series of a `query_range` answer: labels, then [unix seconds, "value"] pairs. */
export interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** Per panel id, per target (in order), the series its query answered. */
export type PanelData = Map<number, RangeSeries[][]>;

const COLUMN_PX = 56;
const ROW_PX = 34;
const COLOURS = ["#73bf69", "#f2cc0c", "#5794f2", "#ff780a", "#b877d9", "#f2495c", "#8ab8ff", "#fade2a"];

const html = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);

/** `{{label}}` replaced by the series' label values, as Grafana does; no format: the labels. */
export function legendOf(format: string | undefined, metric: Record<string, string>): string {
  if (format) return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => metric[name] ?? "");
  const labels = Object.entries(metric).filter(([k]) => k !== "__name__" && k !== "environment" && k !== "job");
  return labels.length === 0 ? "value" : labels.map(([k, v]) => `${k}=${v}`).join(", ");
}

/** A number as a panel shows it: at most three significant decimals, k/M for large ones. */
export function formatValue(value: number, unit?: string): string {
  if (!Number.isFinite(value)) return "–";
  const abs = Math.abs(value);
  let text: string;
  if (abs >= 1e6) text = `${(value / 1e6).toFixed(2)}M`;
  else if (abs >= 1e3) text = `${(value / 1e3).toFixed(2)}k`;
  else if (abs >= 10 || abs === 0) text = value.toFixed(abs >= 100 || abs === 0 ? 0 : 1);
  else text = value.toPrecision(3);
  if (unit === "percentunit") return `${(value * 100).toPrecision(3)}%`;
  if (unit === "s") return `${text} s`;
  if (unit === "ops") return `${text}/s`;
  return text;
}

function statPanel(panel: Panel, data: RangeSeries[][]): string {
  const series = data[0]?.[0];
  const last = series?.values[series.values.length - 1];
  const value = last ? Number(last[1]) : Number.NaN;
  return `<div class="stat">${html(formatValue(value, panel.fieldConfig?.defaults?.unit))}</div>`;
}

function seriesPanel(panel: Panel, data: RangeSeries[][], width: number, height: number, from: number, to: number) {
  const lines: { legend: string; points: [number, number][] }[] = [];
  panel.targets.forEach((target, i) => {
    for (const s of data[i] ?? []) {
      const points = s.values.map(([t, v]) => [t, Number(v)] as [number, number]).filter(([, v]) => Number.isFinite(v));
      lines.push({ legend: legendOf(target.legendFormat, s.metric), points });
    }
  });
  const max = Math.max(0, ...lines.flatMap((l) => l.points.map(([, v]) => v)));
  const top = max === 0 ? 1 : max * 1.1;
  const plotW = width - 56;
  const plotH = height - 20;
  const x = (t: number) => 48 + ((t - from) / Math.max(1, to - from)) * plotW;
  const y = (v: number) => 6 + plotH - (v / top) * plotH;
  const grid = [0, 0.5, 1]
    .map((f) => {
      const v = top * f;
      return `<line x1="48" x2="${48 + plotW}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="44" y="${y(v) + 4}" class="axis">${html(formatValue(v))}</text>`;
    })
    .join("");
  const paths = lines
    .map((l, i) => {
      if (l.points.length === 0) return "";
      const d = l.points.map(([t, v], k) => `${k === 0 ? "M" : "L"}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join("");
      return `<path d="${d}" stroke="${COLOURS[i % COLOURS.length]}" class="line"/>`;
    })
    .join("");
  const legend = lines
    .slice(0, 8)
    .map((l, i) => `<span><i style="background:${COLOURS[i % COLOURS.length]}"></i>${html(l.legend)}</span>`)
    .join("");
  const empty = lines.length === 0 ? `<text x="${48 + plotW / 2}" y="${plotH / 2}" class="empty">No data</text>` : "";
  return `<svg width="${width}" height="${height}">${grid}${paths}${empty}</svg><div class="legend">${legend}</div>`;
}

/** The whole page: the dashboard's title, the range it shows, and every panel. */
export function renderDashboard(dashboard: Dashboard, data: PanelData, from: number, to: number, note: string): string {
  const rows = Math.max(...dashboard.panels.map((p) => p.gridPos.y + p.gridPos.h));
  const panels = dashboard.panels
    .map((panel) => {
      const { x, y, w, h } = panel.gridPos;
      const width = w * COLUMN_PX - 8;
      const height = h * ROW_PX - 8;
      const body =
        panel.type === "stat"
          ? statPanel(panel, data.get(panel.id) ?? [])
          : seriesPanel(panel, data.get(panel.id) ?? [], width - 16, height - 64, from, to);
      return `<section style="left:${x * COLUMN_PX}px;top:${y * ROW_PX}px;width:${width}px;height:${height}px"><h2>${html(panel.title)}</h2>${body}</section>`;
    })
    .join("\n");
  const range = `${new Date(from * 1000).toISOString().slice(11, 19)}–${new Date(to * 1000).toISOString().slice(11, 19)} UTC`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${html(dashboard.title)}</title><style>
body{margin:0;background:#111217;color:#ccccdc;font:13px/1.3 system-ui,sans-serif}
header{padding:10px 14px;display:flex;gap:16px;align-items:baseline}header h1{font-size:17px;margin:0;color:#fff}
main{position:relative;margin:0 10px;width:${24 * COLUMN_PX}px;height:${rows * ROW_PX}px}
section{position:absolute;box-sizing:border-box;background:#181b1f;border:1px solid #2a2d33;border-radius:3px;padding:6px 8px;overflow:hidden}
h2{font-size:13px;margin:0 0 4px;color:#e0e0ec;font-weight:500}.stat{font-size:34px;color:#73bf69;font-weight:600;margin-top:6px}
.grid{stroke:#2a2d33}.axis{fill:#8e8e9e;font-size:10px;text-anchor:end}.line{fill:none;stroke-width:1.6}.empty{fill:#8e8e9e;text-anchor:middle}
.legend{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:11px}.legend i{display:inline-block;width:10px;height:3px;margin-right:4px;vertical-align:middle}
</style></head><body><header><h1>${html(dashboard.title)}</h1><span>${html(range)}</span><span>${html(note)}</span></header><main>
${panels}
</main></body></html>`;
}
