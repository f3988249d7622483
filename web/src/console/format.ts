/** How metric values read (metrics are floats by nature; amounts never pass through here). */
import type { Unit } from "./kpi-model.ts";

const COUNT = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });

export function metricText(value: number | undefined, unit: Unit): string {
  if (value === undefined || Number.isNaN(value)) return "—";
  if (unit === "ratio") return `${(value * 100).toFixed(2)} %`;
  if (unit === "seconds") return seconds(value);
  return COUNT.format(value);
}

export function seconds(s: number | undefined): string {
  if (s === undefined || Number.isNaN(s)) return "—";
  if (s < 1) return `${(s * 1000).toFixed(1)} ms`;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${(s / 60).toFixed(1)} min`;
}

/** "+3", "−2", "±0": a change since the previous scrape. */
export function changeText(change: number | undefined, unit: Unit): string {
  if (change === undefined) return "";
  if (change === 0) return "±0";
  const sign = change > 0 ? "+" : "−";
  return `${sign}${metricText(Math.abs(change), unit)}`;
}

export function timeText(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString("en-GB", { hour12: false });
}
