/**
 * What one profiled window of bench:geo's fan-out phase cost, per published frame: the
 * OrderBook's CPU (bench/profile/attribute.ts's "OrderBook object" area, JavaScript and
 * SQLite), the relays' (the FeedRelay class, durable-objects/feed-relay/), the feed shards'
 * and the whole isolate's. A published frame is one trade: the trades are paced far enough
 * apart that each is its own push from the book.
 *
 * attribute.ts has no area for the relays (its table of objects predates them), so their
 * samples are found here with the same rule it uses: a sample belongs to the outermost
 * frame of an object's module on its stack.
 *
 * Samples are counted, not weighed by their own time deltas: in workerd's profiles the
 * sample after a pause of the isolate's thread (idle in its event loop, or waiting for one
 * of the two cores) carries the whole pause, up to hundreds of ms, which would credit idle
 * time to whatever code woke first. Each busy sample stands for the sampling period actually
 * achieved (the median delta; about 200 µs on these machines for 100 µs asked), so a figure is
 * the time the isolate's thread ran that code. Frames of scripts other than the bundle
 * (workerd's `node-internal:` modules) are not mapped to bundle modules.
 */
import { attribute, moduleMap } from "../profile/attribute.ts";
import type { CpuProfile } from "../profile/inspector.ts";

export interface FrameCost {
  frames: number;
  /** µs per frame. */
  book_us: number;
  relay_us: number;
  shards_us: number;
  /** The whole isolate (every area, the runtime and GC included). */
  total_us: number;
  /** The book's parts that publish (its feed modules and the push lanes), µs per frame. */
  book_feed_us: number;
  /** µs per frame of the book's busiest parts. */
  book_parts: Record<string, number>;
  /** Busy (non-idle) samples in the window, and the µs each stands for (the median sampling period). */
  samples: number;
  us_per_sample: number;
  /** workerd's CPU time per frame (every isolate and thread of the process), µs: the profile's context. */
  workerd_cpu_us: number;
}

/** The object folder of a source module (`durable-objects/<folder>/…`), or undefined. */
function objectOf(module: string | undefined): string | undefined {
  return module === undefined ? undefined : /^durable-objects\/([^/]+)\//.exec(module)?.[1];
}

/** Weight of the samples whose outermost object frame is in durable-objects/<folder>/ (`folder` = "runtime" excluded). */
function objectUs(profile: CpuProfile, module: (line: number) => string | undefined, folder: string): number {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, boolean>();
  const belongs = (leaf: number): boolean => {
    const seen = memo.get(leaf);
    if (seen !== undefined) return seen;
    let outer: string | undefined;
    for (let at: number | undefined = leaf; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (!n) break;
      const object = n.callFrame.url ? objectOf(module(n.callFrame.lineNumber)) : undefined;
      if (object !== undefined && object !== "runtime") outer = object;
    }
    const yes = outer === folder;
    memo.set(leaf, yes);
    return yes;
  };
  let us = 0;
  profile.samples.forEach((id, i) => {
    if (byId.get(id)?.callFrame.functionName === "(idle)") return;
    if (belongs(id)) us += profile.timeDeltas[i] ?? 0;
  });
  return us;
}

/** The bundle's script name in the profile's call frames. */
const BUNDLE = "index.js";

/** The median time between samples, µs: the sampling period the profiler achieved. */
function medianDelta(profile: CpuProfile): number {
  const d = Float64Array.from(profile.timeDeltas.filter((x) => x > 0)).sort();
  return d.length === 0 ? 0 : (d[Math.floor(d.length / 2)] as number);
}

const sum = (m: Map<string, number> | undefined): number => {
  let s = 0;
  for (const v of m?.values() ?? []) s += v;
  return s;
};

/** Parts of the book's area that publish: feed-publisher, feed-channels, feed-targets, feed-subscribers, push-lanes. */
const BOOK_FEED_PARTS = /feed|push-lanes/;

/** The costs per frame of a window of `frames` trades; `bundle` is the Worker's bundle text. */
export function frameCost(profile: CpuProfile, bundle: string, frames: number, cpuUs: number): FrameCost {
  const module = moduleMap(bundle);
  // Every sample weighs 1 (the attribution's "µs" are then sample counts); frames of other scripts lose their url.
  const counted: CpuProfile = {
    ...profile,
    nodes: profile.nodes.map((n) =>
      n.callFrame.url === "" || n.callFrame.url.endsWith(BUNDLE) ? n : { ...n, callFrame: { ...n.callFrame, url: "" } },
    ),
    timeDeltas: profile.timeDeltas.map(() => 1),
  };
  const a = attribute(counted, module, []);
  const scale = medianDelta(profile);
  const per = (us: number) => Math.round(((us * scale) / Math.max(1, frames)) * 10) / 10;
  const book = a.areas.get("OrderBook object");
  const parts: Record<string, number> = {};
  let feed = 0;
  for (const [part, us] of [...(book ?? new Map<string, number>())].sort((x, y) => y[1] - x[1])) {
    if (BOOK_FEED_PARTS.test(part)) feed += us;
    if (Object.keys(parts).length < 8) parts[part] = per(us);
  }
  return {
    frames,
    book_us: per(sum(book)),
    relay_us: per(objectUs(counted, module, "feed-relay")),
    shards_us: per(sum(a.areas.get("feed shards"))),
    total_us: per(a.busyUs),
    book_feed_us: per(feed),
    book_parts: parts,
    samples: a.busyUs,
    us_per_sample: Math.round(scale * 10) / 10,
    workerd_cpu_us: Math.round(cpuUs / Math.max(1, frames)),
  };
}
