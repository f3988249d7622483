/**
 * Small statistics and formatting helpers for the engine benchmark:
 * percentiles over per-op latencies, medians of repeated runs, number
 * formatting and the plain-text table printer.
 */

/** What one engine did with the flow; printed so a reader can compare the runs. */
export interface Fingerprint {
  trades: number;
  /** Lots traded. */
  volume: number;
  /** Takers cut by self-trade prevention. */
  stpCancels: number;
  cancelHits: number;
  cancelMisses: number;
  amendHits: number;
  /** Other rejected (or, for the baseline, skipped) commands: amends of orders filled meanwhile. */
  otherRejects: number;
  /** Orders resting at the end, and their open lots. */
  resting: number;
  restingQty: number;
  bestBid?: number;
  bestAsk?: number;
}

export function newFingerprint(): Fingerprint {
  return {
    trades: 0,
    volume: 0,
    stpCancels: 0,
    cancelHits: 0,
    cancelMisses: 0,
    amendHits: 0,
    otherRejects: 0,
    resting: 0,
    restingQty: 0,
  };
}

/** Nearest-rank percentile (p in [0, 100]) of an ascending-sorted array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** 1234567.8 -> "1,234,568". */
export function fmtInt(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}

export function fmtNum(x: number, digits = 2): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

/** Rows of cells -> aligned text; the first row is the header. */
export function table(rows: readonly (readonly string[])[]): string {
  const [head = [], ...body] = rows;
  const widths = head.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: readonly string[]): string =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  ");
  const sep = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(head), sep, ...body.map(line)].join("\n");
}

export function fingerprintRows(names: readonly string[], fps: readonly Fingerprint[]): string[][] {
  const keys: (keyof Fingerprint)[] = [
    "trades",
    "volume",
    "stpCancels",
    "cancelHits",
    "cancelMisses",
    "amendHits",
    "otherRejects",
    "resting",
    "restingQty",
    "bestBid",
    "bestAsk",
  ];
  const rows: string[][] = [["fingerprint", ...names]];
  for (const k of keys) rows.push([k, ...fps.map((f) => (f[k] === undefined ? "-" : fmtInt(f[k])))]);
  return rows;
}
