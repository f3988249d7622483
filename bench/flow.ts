/**
 * Seeded, precomputed command flow for the matching-engine benchmark.
 *
 * The mix (by command count): ~60 % limit orders (about 2/3 passive, placed
 * 1–50 ticks from a slowly random-walking mid; about 1/3 marketable, crossing
 * the estimated touch by 0–5 ticks), ~30 % cancels, ~8 % market orders sized
 * by quantity and ~2 % amends (total quantity reduced to 70 %).
 *
 * Generation never runs an engine. It keeps a small model of the passive
 * orders that must still be resting — placed more than SAFE ticks from the
 * mid, which has not come that close since — and picks cancel/amend targets
 * among them. A cancel that misses anyway is harmless (both engines reject or
 * ignore it); the fingerprint printed by the benchmark shows the hit rate. All ids and account strings are created here, so no string is
 * built inside a timed loop.
 */
import type { Command, Side } from "../shared/engine/types.ts";

export interface FlowOptions {
  ops: number;
  seed: number;
  /** Starting mid price in ticks. */
  mid?: number;
  accounts?: number;
}

export interface FlowMix {
  passive: number;
  marketable: number;
  market: number;
  cancel: number;
  amend: number;
}

export interface Flow {
  seed: number;
  cmds: Command[];
  /** Ids of every order placed with an id (limit and market), in flow order. */
  orderIds: string[];
  mix: FlowMix;
}

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG; returns [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cumulative thresholds of the command mix. */
const P_PASSIVE = 0.4;
const P_MARKETABLE = P_PASSIVE + 0.2;
const P_CANCEL = P_MARKETABLE + 0.3;
const P_MARKET = P_CANCEL + 0.08; // the rest (~2 %) are amends

/** Passive orders rest 1..MAX_DIST ticks from the mid. */
const MAX_DIST = 50;
/**
 * A passive order stays a cancel/amend candidate only while the mid has never
 * come within SAFE ticks of it since it was placed; closer than that, takers
 * (and passive orders of the other side after the mid moved) may have filled it.
 */
const SAFE = 8;
/** The mid moves by one tick with this probability per command. */
const P_MID_STEP = 0.02;

export function generateFlow(opts: FlowOptions): Flow {
  const n = opts.ops;
  const rnd = mulberry32(opts.seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const accounts = Array.from({ length: opts.accounts ?? 100 }, (_, i) => `acct-${String(i).padStart(3, "0")}`);
  let mid = opts.mid ?? 10_000;

  // Generator-side model: passive orders that are surely still resting
  // (candidates, swap-remove array), bucketed by side and price so that a mid
  // move can retire the bucket it brings within SAFE ticks.
  const qty = new Int32Array(n);
  const ids: string[] = [];
  const cand = new Int32Array(n);
  let candLen = 0;
  const pos = new Int32Array(n).fill(-1);
  const buckets = new Map<number, number[]>();
  const bucketKey = (side: Side, p: number): number => p * 2 + (side === "buy" ? 0 : 1);

  const cmds: Command[] = new Array(n);
  const orderIds: string[] = [];
  const mix: FlowMix = { passive: 0, marketable: 0, market: 0, cancel: 0, amend: 0 };

  const newId = (): string => {
    const id = `o${ids.length.toString(36)}`;
    ids.push(id);
    orderIds.push(id);
    return id;
  };
  const dropCand = (k: number): void => {
    const p = pos[k] as number;
    if (p < 0) return;
    const last = cand[--candLen] as number;
    cand[p] = last;
    pos[last] = p;
    pos[k] = -1;
  };
  /** The mid came within SAFE ticks of this price level: its orders stop being candidates. */
  const retire = (side: Side, p: number): void => {
    const key = bucketKey(side, p);
    const b = buckets.get(key);
    if (b === undefined) return;
    for (const k of b) dropCand(k);
    buckets.delete(key);
  };
  const moveMid = (step: number): void => {
    mid += step;
    if (step < 0) retire("buy", mid - SAFE);
    else retire("sell", mid + SAFE);
  };
  const placePassive = (side: Side, account: string, q: number): Command => {
    const d = int(1, MAX_DIST);
    const p = side === "buy" ? mid - d : mid + d;
    const k = ids.length;
    qty[k] = q;
    if (d > SAFE) {
      pos[k] = candLen;
      cand[candLen++] = k;
      const key = bucketKey(side, p);
      const b = buckets.get(key);
      if (b === undefined) buckets.set(key, [k]);
      else b.push(k);
    }
    mix.passive++;
    return { type: "place", id: newId(), account, side, kind: "limit", price: p, qty: q };
  };
  /** A random surely-resting order with at least minQty lots; -1 if none found. */
  const pickCand = (minQty: number): number => {
    for (let tries = 0; tries < 8 && candLen > 0; tries++) {
      const k = cand[Math.floor(rnd() * candLen)] as number;
      if ((qty[k] as number) >= minQty) return k;
    }
    return -1;
  };

  for (let i = 0; i < n; i++) {
    if (rnd() < P_MID_STEP) moveMid(rnd() < 0.5 ? -1 : 1);
    const r = rnd();
    const side: Side = rnd() < 0.5 ? "buy" : "sell";
    const account = accounts[Math.floor(rnd() * accounts.length)] as string;
    const q = int(1, 100);
    let cmd: Command | undefined;

    if (r < P_PASSIVE) {
      cmd = placePassive(side, account, q);
    } else if (r < P_MARKETABLE) {
      // The touch is estimated at mid ± 1; cross it by 0–5 ticks.
      const c = int(0, 5);
      const p = side === "buy" ? mid + 1 + c : mid - 1 - c;
      cmd = { type: "place", id: newId(), account, side, kind: "limit", price: p, qty: q };
      mix.marketable++;
    } else if (r < P_CANCEL) {
      const k = pickCand(1);
      if (k >= 0) {
        dropCand(k);
        cmd = { type: "cancel", id: ids[k] as string };
        mix.cancel++;
      }
    } else if (r < P_MARKET) {
      cmd = { type: "place", id: newId(), account, side, kind: "market", qty: q };
      mix.market++;
    } else {
      const k = pickCand(2);
      if (k >= 0) {
        const total = Math.floor((qty[k] as number) * 0.7); // qty >= 2, so 1 <= total < qty
        qty[k] = total;
        cmd = { type: "amend", id: ids[k] as string, qty: total };
        mix.amend++;
      }
    }
    if (cmd === undefined) {
      // Nothing to cancel/amend yet (start of the flow): place a passive order instead.
      cmd = placePassive(side, account, q);
    }
    cmds[i] = cmd;
  }

  // Hash every id string once so no timed run pays for first-use hashing.
  const seen = new Set<string>(orderIds);
  if (seen.size !== orderIds.length) throw new Error("flow: duplicate order ids");
  return { seed: opts.seed, cmds, orderIds, mix };
}
