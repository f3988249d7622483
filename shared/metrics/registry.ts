/**
 * Counters, gauges and histograms held where they are true (an object, an edge
 * isolate, the consumer), with bounded label sets: each metric keeps at most
 * `maxSeries` label combinations; beyond that a sample is counted under every
 * label set to `_other` and `p3_metric_series_overflow_total` says so. Nothing
 * here allocates per observation beyond the first sample of a series.
 *
 * `snapshot()` gives the cumulative values (what a scrape of the holder reads);
 * `drain()` gives what changed since the last drain (what a holder too numerous
 * to scrape, such as an Account or an edge isolate, pushes to a metrics hub,
 * which adds it up). Gauges are summed (`aggregate: "sum"`, the default: each
 * holder pushes its change, e.g. open holds) or the worst of the holders'
 * latest values (`aggregate: "max"`: pushed as they are, e.g. a breaker state).
 */
import { METRICS, type MetricDef } from "./catalogue.ts";

export type LabelValues = Record<string, string>;

/** One series of a counter or gauge. */
export interface ScalarSample {
  labels: LabelValues;
  value: number;
}

/** One series of a histogram: cumulative counts per upper bound (the `le` buckets), sum and count. */
export interface HistogramSample {
  labels: LabelValues;
  /** Non-cumulative count per bucket of the definition, then one for +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricDef["type"];
  aggregate?: MetricDef["aggregate"];
  /** Upper bounds of a histogram's buckets. */
  buckets?: readonly number[];
  samples: (ScalarSample | HistogramSample)[];
}

/** Everything a holder knows, JSON-serialisable (it crosses RPC). */
export type MetricsSnapshot = MetricFamily[];

const FAMILY_TYPES: ReadonlySet<string> = new Set(["counter", "gauge", "histogram"]);

/** Whether `value` has the shape of a snapshot (what crosses RPC is checked before it is merged or kept). */
export function isMetricsSnapshot(value: unknown): value is MetricsSnapshot {
  if (!Array.isArray(value)) return false;
  return value.every((f) => {
    const family = f as Partial<MetricFamily> | null;
    return (
      family !== null &&
      typeof family === "object" &&
      typeof family.name === "string" &&
      typeof family.help === "string" &&
      FAMILY_TYPES.has(family.type as string) &&
      Array.isArray(family.samples) &&
      family.samples.every((s) => s !== null && typeof s === "object" && typeof s.labels === "object")
    );
  });
}

export const OTHER = "_other";
export const DEFAULT_MAX_SERIES = 100;

interface Series {
  labels: LabelValues;
  value: number;
  counts?: number[];
  sum?: number;
  /** Values at the last drain, for deltas. */
  drainedValue: number;
  drainedCounts?: number[];
  drainedSum?: number;
}

class Family {
  readonly series = new Map<string, Series>();
  readonly def: MetricDef;
  private readonly maxSeries: number;
  private readonly overflowed: (name: string) => void;

  constructor(def: MetricDef, maxSeries: number, overflowed: (name: string) => void) {
    this.def = def;
    this.maxSeries = maxSeries;
    this.overflowed = overflowed;
  }

  /** The series of `labels`, created on first use; `_other` once the family is full. */
  at(labels: LabelValues | undefined): Series {
    const names = this.def.labels;
    let key = "";
    for (const name of names) key += `${labels?.[name] ?? ""}\u0000`;
    let series = this.series.get(key);
    if (series) return series;
    if (this.series.size >= this.maxSeries) {
      this.overflowed(this.def.name);
      key = names.map(() => `${OTHER}\u0000`).join("");
      series = this.series.get(key);
      if (series) return series;
      labels = Object.fromEntries(names.map((n) => [n, OTHER]));
    }
    const own: LabelValues = {};
    for (const name of names) own[name] = labels?.[name] ?? "";
    series = { labels: own, value: 0, drainedValue: 0 };
    if (this.def.type === "histogram") {
      const size = (this.def.buckets?.length ?? 0) + 1;
      series.counts = new Array(size).fill(0);
      series.drainedCounts = new Array(size).fill(0);
      series.sum = 0;
      series.drainedSum = 0;
    }
    this.series.set(key, series);
    return series;
  }
}

export interface Counter {
  inc(labels?: LabelValues, by?: number): void;
}
export interface Gauge {
  set(labels: LabelValues | undefined, value: number): void;
  add(labels: LabelValues | undefined, by: number): void;
}
export interface Histogram {
  observe(labels: LabelValues | undefined, value: number): void;
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private readonly overflow: Counter;
  private readonly maxSeries: number;

  constructor(maxSeries = DEFAULT_MAX_SERIES) {
    this.maxSeries = maxSeries;
    this.overflow = this.counter(METRICS.seriesOverflow);
  }

  private family(def: MetricDef): Family {
    let family = this.families.get(def.name);
    if (!family) {
      family = new Family(def, this.maxSeries, (name) => this.overflow.inc({ metric: name }));
      this.families.set(def.name, family);
    } else if (family.def.type !== def.type) {
      throw new Error(`metric ${def.name} is a ${family.def.type}, not a ${def.type}`);
    }
    return family;
  }

  counter(def: MetricDef): Counter {
    const family = this.family(def);
    return {
      inc(labels, by = 1) {
        if (by < 0 || !Number.isFinite(by)) return;
        family.at(labels).value += by;
      },
    };
  }

  gauge(def: MetricDef): Gauge {
    const family = this.family(def);
    return {
      set(labels, value) {
        if (Number.isFinite(value)) family.at(labels).value = value;
      },
      add(labels, by) {
        if (Number.isFinite(by)) family.at(labels).value += by;
      },
    };
  }

  histogram(def: MetricDef): Histogram {
    const family = this.family(def);
    const bounds = def.buckets ?? [];
    return {
      observe(labels, value) {
        if (!Number.isFinite(value)) return;
        const series = family.at(labels);
        let i = 0;
        while (i < bounds.length && value > (bounds[i] as number)) i++;
        (series.counts as number[])[i] = ((series.counts as number[])[i] as number) + 1;
        series.sum = (series.sum as number) + value;
        series.value += 1;
      },
    };
  }

  /** Cumulative values of every series. */
  snapshot(): MetricsSnapshot {
    return this.collect(false);
  }

  /** Counter, histogram and summed-gauge changes since the last drain (max gauges as they are); resets the marks. */
  drain(): MetricsSnapshot {
    return this.collect(true);
  }

  private collect(delta: boolean): MetricsSnapshot {
    const out: MetricsSnapshot = [];
    for (const family of this.families.values()) {
      const { name, help, type, buckets, aggregate } = family.def;
      const samples: MetricFamily["samples"] = [];
      for (const s of family.series.values()) {
        if (type === "histogram") {
          const counts = s.counts as number[];
          const drained = s.drainedCounts as number[];
          const sample: HistogramSample = {
            labels: s.labels,
            counts: delta ? counts.map((c, i) => c - (drained[i] as number)) : [...counts],
            sum: delta ? (s.sum as number) - (s.drainedSum as number) : (s.sum as number),
            count: delta ? s.value - s.drainedValue : s.value,
          };
          if (delta) {
            s.drainedCounts = [...counts];
            s.drainedSum = s.sum;
            s.drainedValue = s.value;
            if (sample.count === 0) continue;
          }
          samples.push(sample);
        } else if (delta && (type === "counter" || family.def.aggregate !== "max")) {
          // Counters and summed gauges travel as changes; a hub adds them up.
          const value = s.value - s.drainedValue;
          s.drainedValue = s.value;
          if (value !== 0) samples.push({ labels: s.labels, value });
        } else {
          samples.push({ labels: s.labels, value: s.value });
        }
      }
      if (samples.length === 0 && delta) continue;
      out.push({ name, help, type, ...(aggregate ? { aggregate } : {}), ...(buckets ? { buckets } : {}), samples });
    }
    return out;
  }

  /**
   * Gives back what a {@link drain} took, for a holder whose push failed: the next drain
   * carries these changes again (with whatever changed since), and `snapshot()` stays as
   * it was. Max gauges need nothing: every drain carries them as they are.
   */
  undrain(drained: MetricsSnapshot): void {
    for (const incoming of drained) {
      const family = this.families.get(incoming.name);
      if (!family || family.def.type !== incoming.type) continue;
      if (incoming.type === "gauge" && family.def.aggregate === "max") continue;
      for (const sample of incoming.samples) {
        const series = family.at(sample.labels);
        if ("counts" in sample) {
          const drainedCounts = series.drainedCounts as number[];
          if (drainedCounts.length !== sample.counts.length) continue;
          for (let i = 0; i < drainedCounts.length; i++) {
            drainedCounts[i] = (drainedCounts[i] as number) - (sample.counts[i] as number);
          }
          series.drainedSum = (series.drainedSum as number) - sample.sum;
          series.drainedValue -= sample.count;
        } else {
          series.drainedValue -= sample.value;
        }
      }
    }
  }

  /**
   * Adds a drained snapshot (changes) into this registry: how a hub totals what holders
   * push. Max gauges are not absorbed (the hub keeps each holder's latest, `latestGauges`).
   */
  absorb(snapshot: MetricsSnapshot): void {
    for (const incoming of snapshot) {
      if (incoming.type === "gauge" && incoming.aggregate === "max") continue;
      const def: MetricDef = {
        name: incoming.name,
        help: incoming.help,
        type: incoming.type,
        ...(incoming.aggregate ? { aggregate: incoming.aggregate } : {}),
        labels: Object.keys(incoming.samples[0]?.labels ?? {}),
        ...(incoming.buckets ? { buckets: incoming.buckets } : {}),
      };
      const family = this.families.get(def.name) ?? this.family(def);
      if (family.def.type !== incoming.type) continue;
      for (const sample of incoming.samples) {
        const series = family.at(sample.labels);
        if ("counts" in sample) {
          const counts = series.counts as number[];
          if (counts.length !== sample.counts.length) continue;
          for (let i = 0; i < counts.length; i++) counts[i] = (counts[i] as number) + (sample.counts[i] as number);
          series.sum = (series.sum as number) + sample.sum;
          series.value += sample.count;
        } else {
          // Gauges pushed by many holders add up (each pushes its change).
          series.value += sample.value;
        }
      }
    }
  }
}
