/**
 * bench:geo's output: the per-region latency table (relays against the direct baseline of
 * the same run, and the model's one-way time), the fan-out cost table (µs per published
 * frame by component at each subscriber count), the hand-off, failover and reconciliation
 * lines, and the one JSON object `--json` prints last.
 */
import type { Region } from "../../shared/geo/regions.ts";
import type { Reconciliation } from "../load/reconcile.ts";
import { fmtNum, table } from "../stats.ts";
import type { FailoverOutcome } from "./failover.ts";
import type { FanoutResult } from "./fanout.ts";
import type { HandoffOutcome } from "./handoff.ts";
import type { LatencyRun, RegionLatency } from "./latency.ts";

export interface GeoResults {
  regions: readonly Region[];
  oneWay: Record<string, number>;
  relays: LatencyRun;
  direct: LatencyRun;
  fanout: FanoutResult | null;
  fanoutError: string | null;
  handoff: HandoffOutcome;
  failover: FailoverOutcome;
  /** Traders' undecided answers by "<via> <status> <code>", per window of the load. */
  refusals: { before: Record<string, number>; handoff: Record<string, number>; failover: Record<string, number> };
  load: { seconds: number; orders_per_s: number; unresolved: number };
  rec: Reconciliation;
  model: Record<string, unknown>;
  notes: string[];
  failures: string[];
  seconds: number;
}

const ratio = (a: number | undefined, b: number | undefined): number | null =>
  a === undefined || b === undefined ? null : Math.round((Math.max(1, a) / Math.max(1, b)) * 100) / 100;

/** The JSON object of the run. */
export function resultJson(r: GeoResults): Record<string, unknown> {
  const regions: Record<string, unknown> = {};
  for (const region of r.regions) {
    const a: RegionLatency | undefined = r.relays.regions[region];
    const b: RegionLatency | undefined = r.direct.regions[region];
    regions[region] = {
      relays: a ?? null,
      direct: b ?? null,
      // Relays ÷ direct, each side at least 1 ms (the clock's resolution).
      p50_ratio: ratio(a?.p50_ms, b?.p50_ms),
      p99_ratio: ratio(a?.p99_ms, b?.p99_ms),
      model_one_way_ms: r.oneWay[region],
    };
  }
  const f = r.fanout;
  // The small count's figure: the mean of its two windows (before and after the large one).
  const perCount = (pick: (w: FanoutResult["small"]) => number) =>
    f
      ? {
          [f.small.subscribers]: Math.round(((pick(f.small) + pick(f.small_after)) / 2) * 10) / 10,
          [f.large.subscribers]: pick(f.large),
        }
      : null;
  return {
    regions,
    home_region: r.regions[0],
    fanout_cost_ratio: f?.ratio ?? null,
    book_us_per_frame: perCount((w) => w.book_us),
    relay_us_per_frame: perCount((w) => w.relay_us),
    shard_us_per_frame: perCount((w) => w.shards_us),
    isolate_us_per_frame: perCount((w) => w.total_us),
    book_feed_us_per_frame: perCount((w) => w.book_feed_us),
    subscribers: f?.large.subscribers ?? null,
    subscribers_asked: f?.asked ?? null,
    fanout_delivered: f ? f.small.delivered && f.large.delivered && f.small_after.delivered : null,
    fanout_note: f?.error ?? r.fanoutError,
    fanout: f,
    handoff_pause_ms: r.handoff.pause_ms,
    handoff: r.handoff,
    failover_rto_s: r.failover.rto_s,
    failover: r.failover,
    refusals: r.refusals,
    load: r.load,
    lost: r.rec.lost,
    doubled: r.rec.doubled,
    seq_gaps: r.rec.seq_gaps,
    conserved: r.rec.conserved,
    ledger_mismatches: r.rec.ledger_mismatches,
    replay_equal: r.rec.replay_equal,
    orders: r.rec.orders,
    trades: r.rec.trades,
    model: r.model,
    notes: r.notes,
    failures: r.failures,
    seconds: r.seconds,
  };
}

const ms = (x: number | undefined) => (x === undefined ? "-" : fmtNum(x, 0));
const x2 = (v: number | null) => (v === null ? "-" : `${fmtNum(v, 2)}×`);

/** The tables and lines for people (stderr). */
export function formatResults(r: GeoResults): string {
  const lines: string[] = [];
  const home = r.regions[0];
  lines.push(`delivery latency by region, instrument homed in ${home} (book trade time → socket receipt, ms)`);
  const rows: string[][] = [
    ["region", "model one-way", "relays p50", "relays p99", "direct p50", "direct p99", "p50 ratio", "p99 ratio"],
  ];
  for (const region of r.regions) {
    const a = r.relays.regions[region];
    const b = r.direct.regions[region];
    rows.push([
      region,
      fmtNum(r.oneWay[region] ?? 0, 1),
      ms(a?.p50_ms),
      ms(a?.p99_ms),
      ms(b?.p50_ms),
      ms(b?.p99_ms),
      x2(ratio(a?.p50_ms, b?.p50_ms)),
      x2(ratio(a?.p99_ms, b?.p99_ms)),
    ]);
  }
  lines.push(indent(table(rows)));
  lines.push(
    `  ratio = relays ÷ direct (FEED_RELAYS=false) of the same run; trades: relays ${r.relays.traffic.trades}, direct ${r.direct.traffic.trades}`,
  );
  lines.push("");
  const f = r.fanout;
  if (f) {
    lines.push("fan-out cost per published frame (one trade), relays on, µs (V8 samples × period)");
    const fr: string[][] = [
      ["subscribers", "OrderBook", "book: publishing", "FeedRelay", "feed shards", "isolate", "delivered"],
    ];
    for (const [w, label] of [
      [f.small, ""],
      [f.large, ""],
      [f.small_after, " (again)"],
    ] as const) {
      fr.push([
        `${w.subscribers}${label}`,
        fmtNum(w.book_us, 0),
        fmtNum(w.book_feed_us, 0),
        fmtNum(w.relay_us, 0),
        fmtNum(w.shards_us, 0),
        fmtNum(w.total_us, 0),
        w.delivered ? "all, gap-free" : `NO (${w.troubled} sockets troubled)`,
      ]);
    }
    lines.push(indent(table(fr)));
    lines.push(
      `  fanout_cost_ratio = OrderBook µs/frame at ${f.large.subscribers} ÷ at ${f.small.subscribers} (mean of both windows) = ${fmtNum(f.ratio, 3)} (target ≤ 1.2${f.ratio <= 1.2 ? ": met" : ": MISSED"})`,
    );
    if (f.error) lines.push(`  NOTE: ${f.error}`);
  } else lines.push(`fan-out cost: not measured (${r.fanoutError ?? "skipped"})`);
  lines.push("");
  const h = r.handoff;
  lines.push(
    h.moved
      ? `hand-off under load: ${h.from} → ${h.to} (epoch ${h.epoch}), pause ${h.pause_ms} ms (fence → successor active), route ${h.route_ms} ms; refusals meanwhile ${JSON.stringify(r.refusals.handoff)}`
      : `hand-off under load: FAILED (${h.error})`,
  );
  const fo = r.failover;
  lines.push(
    fo.rto_s !== null
      ? `failover under load: RTO ${fmtNum(fo.rto_s, 1)} s (detected ${fo.detected_s} s, restored ${fo.restored_s} s; epoch ${fo.book_epoch} in ${fo.home_region}, verified ${fo.verified}); refusals meanwhile ${JSON.stringify(r.refusals.failover)}`
      : `failover under load: ${fo.available ? "no RTO" : "not available"} (${fo.note})`,
  );
  const rec = r.rec;
  lines.push(
    `reconciliation: ${rec.orders} orders, ${rec.trades} trades; lost ${rec.lost}, doubled ${rec.doubled}, seq gaps ${rec.seq_gaps}, conserved ${rec.conserved}, ledger mismatches ${rec.ledger_mismatches}, replay equal ${rec.replay_equal}`,
  );
  for (const p of rec.problems.slice(0, 10)) lines.push(`  ${p}`);
  lines.push("");
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join("\n");
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}
