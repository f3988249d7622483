/**
 * The Prometheus text exposition format (version 0.0.4) of snapshots gathered
 * from many holders: families of one name are merged, series with the same
 * labels added up (counters, histograms, summed gauges) or the largest kept
 * (max gauges). `promtool check metrics` accepts the output (test/ops/).
 */
import type { HistogramSample, MetricFamily, MetricsSnapshot, ScalarSample } from "./registry.ts";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

interface Merged {
  family: MetricFamily;
  series: Map<string, ScalarSample | HistogramSample>;
}

const labelKey = (labels: Record<string, string>) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join("\u0000");

/** One family per name across all snapshots, series merged. */
export function mergeSnapshots(snapshots: readonly MetricsSnapshot[]): MetricFamily[] {
  const merged = new Map<string, Merged>();
  for (const snapshot of snapshots) {
    for (const family of snapshot) {
      let entry = merged.get(family.name);
      if (!entry) {
        entry = { family: { ...family, samples: [] }, series: new Map() };
        merged.set(family.name, entry);
      } else if (entry.family.type !== family.type) {
        continue;
      }
      const max = family.type === "gauge" && family.aggregate === "max";
      for (const sample of family.samples) {
        const key = labelKey(sample.labels);
        const seen = entry.series.get(key);
        if (!seen) {
          entry.series.set(key, "counts" in sample ? { ...sample, counts: [...sample.counts] } : { ...sample });
        } else if ("counts" in seen && "counts" in sample) {
          if (seen.counts.length !== sample.counts.length) continue;
          for (let i = 0; i < seen.counts.length; i++) {
            seen.counts[i] = (seen.counts[i] as number) + (sample.counts[i] as number);
          }
          seen.sum += sample.sum;
          seen.count += sample.count;
        } else if (!("counts" in seen) && !("counts" in sample)) {
          seen.value = max ? Math.max(seen.value, sample.value) : seen.value + sample.value;
        }
      }
    }
  }
  return [...merged.values()]
    .map(({ family, series }) => ({ ...family, samples: [...series.values()] }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The text of merged families. */
export function toPrometheusText(snapshots: readonly MetricsSnapshot[]): string {
  const lines: string[] = [];
  for (const family of mergeSnapshots(snapshots)) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      if ("counts" in sample) {
        const bounds = family.buckets ?? [];
        let cumulative = 0;
        for (let i = 0; i < sample.counts.length; i++) {
          cumulative += sample.counts[i] as number;
          const le = i < bounds.length ? formatNumber(bounds[i] as number) : "+Inf";
          lines.push(`${family.name}_bucket${labelText({ ...sample.labels, le })} ${cumulative}`);
        }
        lines.push(`${family.name}_sum${labelText(sample.labels)} ${formatNumber(sample.sum)}`);
        lines.push(`${family.name}_count${labelText(sample.labels)} ${sample.count}`);
      } else {
        lines.push(`${family.name}${labelText(sample.labels)} ${formatNumber(sample.value)}`);
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}
