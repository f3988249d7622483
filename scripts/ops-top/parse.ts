/**
 * A reader of the Prometheus text exposition format, enough for `ops:top`:
 * samples with their labels (comments and timestamps ignored), and the
 * quantile of a histogram from its cumulative buckets, as `histogram_quantile`
 * computes it (linear within the bucket).
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/g;

export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? "").matchAll(LABEL)) {
      labels[l[1] as string] = (l[2] as string).replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    }
    const value =
      m[4] === "+Inf" ? Number.POSITIVE_INFINITY : m[4] === "-Inf" ? Number.NEGATIVE_INFINITY : Number(m[4]);
    out.push({ name: m[1] as string, labels, value });
  }
  return out;
}

/** Sum of the samples of `name` whose labels include `match`. */
export function total(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of samples) if (s.name === name && matches(s.labels, match)) sum += s.value;
  return sum;
}

export function matches(labels: Record<string, string>, match: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(match)) if (labels[k] !== v) return false;
  return true;
}

/** Cumulative bucket counts of histogram `name` (summed over series matching `match`), by upper bound. */
export function buckets(
  samples: readonly Sample[],
  name: string,
  match: Record<string, string> = {},
): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || !matches(s.labels, match)) continue;
    const le = s.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    out.set(le, (out.get(le) ?? 0) + s.value);
  }
  return out;
}

/**
 * The q-quantile of the observations between two readings of a histogram's buckets
 * (`before` may be empty: since the start). Undefined when nothing was observed.
 */
export function quantile(
  q: number,
  after: Map<number, number>,
  before: Map<number, number> = new Map(),
): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const count = counts.at(-1) ?? 0;
  if (count <= 0) return undefined;
  const rank = q * count;
  for (let i = 0; i < bounds.length; i++) {
    if ((counts[i] as number) >= rank) {
      const upper = bounds[i] as number;
      const lower = i === 0 ? 0 : (bounds[i - 1] as number);
      if (upper === Number.POSITIVE_INFINITY) return lower;
      const below = i === 0 ? 0 : (counts[i - 1] as number);
      const inBucket = (counts[i] as number) - below;
      return inBucket === 0 ? upper : lower + (upper - lower) * ((rank - below) / inBucket);
    }
  }
  return undefined;
}
