/**
 * Cumulative depth of the selected book: bids stepping left from the mid, asks stepping right,
 * as an SVG sized to its container. Floats draw the shapes only; the labels are exact strings.
 */
import type { PriceSize } from "@platform3/client";
import { useEffect, useRef, useState } from "preact/hooks";
import { add, multiply } from "../../common/decimal.ts";
import { useTerminal } from "../context.ts";
import { useBook } from "./hooks.ts";
import "./market.css";

/** Levels per side drawn. */
const DEPTH = 60;
const PAD_BOTTOM = 16;

function useSize(ref: { current: HTMLElement | null }): { width: number; height: number } {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setSize({ width: el.clientWidth, height: el.clientHeight }));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

/** Points of one side: [price, cumulative size] as floats, best first. */
function steps(side: PriceSize[]): [number, number][] {
  let total = 0;
  return side.map(([p, s]) => {
    total += Number(s);
    return [Number(p), total];
  });
}

function totalOf(side: PriceSize[]): string {
  return side.reduce((sum, [, s]) => add(sum, s) ?? sum, "0");
}

/** (a + b) / 2 exactly: × 0.5 adds one decimal, dropped again when it is a zero ("65000.520" → "65000.52"). */
function midpoint(a: string, b: string): string | undefined {
  const mid = multiply(add(a, b) ?? "0", "0.5");
  return mid?.includes(".") && mid.endsWith("0") ? mid.slice(0, -1).replace(/\.$/, "") : mid;
}

export function DepthChart() {
  const { instrument } = useTerminal();
  const { book } = useBook(instrument.symbol);
  const box = useRef<HTMLDivElement>(null);
  const { width, height } = useSize(box);

  const { bids, asks } = book ? book.levels(DEPTH) : { bids: [], asks: [] };
  const bestBid = bids[0]?.[0];
  const bestAsk = asks[0]?.[0];
  const lowBid = bids[bids.length - 1]?.[0];
  const highAsk = asks[asks.length - 1]?.[0];
  const bidTotal = totalOf(bids);
  const askTotal = totalOf(asks);
  const mid = bestBid && bestAsk ? midpoint(bestBid, bestAsk) : (bestBid ?? bestAsk);

  const label =
    bids.length + asks.length === 0
      ? `Depth chart of ${instrument.symbol}: the book is empty`
      : `Depth chart of ${instrument.symbol}: bids ${bidTotal} ${instrument.base} from ${bestBid ?? "—"} down to ${lowBid ?? "—"}, asks ${askTotal} ${instrument.base} from ${bestAsk ?? "—"} up to ${highAsk ?? "—"}`;

  let bidPath = "";
  let askPath = "";
  const plotH = Math.max(0, height - PAD_BOTTOM);
  if (width > 0 && plotH > 0 && mid !== undefined) {
    const m = Number(mid);
    const b = steps(bids);
    const a = steps(asks);
    const reach = Math.max(m - (b[b.length - 1]?.[0] ?? m), (a[a.length - 1]?.[0] ?? m) - m) || Math.abs(m) * 0.01 || 1;
    const maxTotal = Math.max(b[b.length - 1]?.[1] ?? 0, a[a.length - 1]?.[1] ?? 0) || 1;
    const x = (p: number) => ((p - (m - reach * 1.05)) / (reach * 2.1)) * width;
    const y = (t: number) => plotH - (t / maxTotal) * (plotH - 4);
    const path = (pts: [number, number][], edge: number) => {
      if (pts.length === 0) return "";
      let d = `M${x(pts[0]?.[0] ?? m).toFixed(1)},${plotH}`;
      let prev = 0;
      for (const [p, t] of pts) {
        d += `L${x(p).toFixed(1)},${y(prev).toFixed(1)}L${x(p).toFixed(1)},${y(t).toFixed(1)}`;
        prev = t;
      }
      return `${d}L${edge},${y(prev).toFixed(1)}L${edge},${plotH}Z`;
    };
    bidPath = path(b, 0);
    askPath = path(a, width);
  }

  return (
    <div class="depth" ref={box}>
      <svg
        data-testid="depth-chart"
        role="img"
        aria-label={label}
        width={width}
        height={height}
        viewBox={`0 0 ${width || 1} ${height || 1}`}
      >
        <title>{label}</title>
        {bidPath && <path class="depth-bids" d={bidPath} />}
        {askPath && <path class="depth-asks" d={askPath} />}
        {mid !== undefined && width > 0 && (
          <>
            <line class="depth-mid" x1={width / 2} x2={width / 2} y1={0} y2={plotH} />
            <text class="depth-label" x={width / 2} y={height - 3} text-anchor="middle">
              {mid}
            </text>
          </>
        )}
        {lowBid && (
          <text class="depth-label buy" x={2} y={height - 3}>
            {lowBid}
          </text>
        )}
        {highAsk && (
          <text class="depth-label sell" x={width - 2} y={height - 3} text-anchor="end">
            {highAsk}
          </text>
        )}
        {bids.length + asks.length === 0 && width > 0 && (
          <text class="depth-label" x={width / 2} y={plotH / 2} text-anchor="middle">
            No depth yet
          </text>
        )}
      </svg>
    </div>
  );
}
