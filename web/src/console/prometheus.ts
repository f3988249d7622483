/**
 * A reader of the Prometheus text exposition format 0.0.4, enough for the console's pipeline and
 * KPI tabs: each sample with its labels (comments, HELP/TYPE and timestamps ignored), sums over
 * label matches, and a histogram's quantile from its cumulative buckets (as `histogram_quantile`:
 * linear within the bucket). Metric values are floats by nature (they are not amounts of money).
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/g;

function unescapeLabel(value: string): string {
  return value.replace(/\\(n|"|\\)/g, (_, c: string) => (c === "n" ? "\n" : c));
}

function number(text: string): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(text);
}

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(LABEL)) labels[l[1] as string] = unescapeLabel(l[2] as string);
    out.push({ name: m[1] as string, labels, value: number(m[3] as string) });
  }
  return out;
}

export function matches(labels: Record<string, string>, match: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(match)) if (labels[k] !== v) return false;
  return true;
}

/** The samples of `name` whose labels include `match`. */
export function series(samples: readonly Sample[], name: string, match: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && matches(s.labels, match));
}

/** Sum of the samples of `name` whose labels include `match`; undefined when there is none. */
export function sum(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number | undefined {
  const found = series(samples, name, match);
  return found.length === 0 ? undefined : found.reduce((a, s) => a + s.value, 0);
}

/** Largest sample of `name`; undefined when there is none. */
export function max(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number | undefined {
  const found = series(samples, name, match);
  return found.length === 0 ? undefined : Math.max(...found.map((s) => s.value));
}

/** Cumulative bucket counts of histogram `name` (summed over series matching `match`), by upper bound. */
export function buckets(samples: readonly Sample[], name: string, match: Record<string, string> = {}) {
  const out = new Map<number, number>();
  for (const s of series(samples, `${name}_bucket`, match)) {
    const le = number(s.labels.le ?? "+Inf");
    out.set(le, (out.get(le) ?? 0) + s.value);
  }
  return out;
}

/**
 * The q-quantile of the observations between two readings of a histogram's buckets (`before`
 * empty: since the holder started). Undefined when nothing was observed in between.
 */
export function quantile(q: number, after: Map<number, number>, before: Map<number, number> = new Map()) {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const count = counts.at(-1) ?? 0;
  if (count <= 0) return undefined;
  const rank = q * count;
  for (let i = 0; i < bounds.length; i++) {
    const c = counts[i] as number;
    if (c < rank) continue;
    const upper = bounds[i] as number;
    const lower = i === 0 ? 0 : (bounds[i - 1] as number);
    if (upper === Number.POSITIVE_INFINITY) return lower;
    const below = i === 0 ? 0 : (counts[i - 1] as number);
    const inBucket = c - below;
    return inBucket === 0 ? upper : lower + (upper - lower) * ((rank - below) / inBucket);
  }
  return undefined;
}
