/**
 * The candle chart's look from the page's palette (CSS variables of styles.css, read again on
 * each theme change), and local-time labels (lightweight-charts shows UTC by default).
 */
import { type ChartOptions, ColorType, type DeepPartial, TickMarkType, type Time } from "lightweight-charts";

export interface Palette {
  panel: string;
  text: string;
  muted: string;
  border: string;
  buy: string;
  sell: string;
}

export function readPalette(): Palette {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    panel: v("--panel", "#161b22"),
    text: v("--text", "#e6edf3"),
    muted: v("--muted", "#9aa5b1"),
    border: v("--border", "#30363d"),
    buy: v("--buy", "#3fb950"),
    sell: v("--sell", "#f85149"),
  };
}

/** `#rrggbb` with an alpha, for the volume bars (other colour forms are returned as they are). */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return color;
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => Number.parseInt(h ?? "0", 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

const pad = (n: number) => String(n).padStart(2, "0");

function localDate(time: Time): Date {
  return new Date((time as number) * 1000);
}

function tickMark(time: Time, type: TickMarkType): string {
  const d = localDate(time);
  switch (type) {
    case TickMarkType.Year:
      return String(d.getFullYear());
    case TickMarkType.Month:
      return d.toLocaleDateString([], { month: "short" });
    case TickMarkType.DayOfMonth:
      return d.toLocaleDateString([], { day: "numeric", month: "short" });
    case TickMarkType.TimeWithSeconds:
      return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    default:
      return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }
}

export function chartOptions(p: Palette): DeepPartial<ChartOptions> {
  return {
    layout: {
      background: { type: ColorType.Solid, color: p.panel },
      textColor: p.muted,
      fontSize: 11,
      // The TradingView logo is a <style> element, which the page's CSP refuses; the panel credits it in text.
      attributionLogo: false,
    },
    grid: { vertLines: { color: p.border }, horzLines: { color: p.border } },
    rightPriceScale: { borderColor: p.border },
    timeScale: {
      borderColor: p.border,
      timeVisible: true,
      secondsVisible: false,
      rightOffset: 4,
      tickMarkFormatter: tickMark,
    },
    localization: { timeFormatter: (t: Time) => localDate(t).toLocaleString() },
    crosshair: { horzLine: { labelBackgroundColor: p.border }, vertLine: { labelBackgroundColor: p.border } },
  };
}
