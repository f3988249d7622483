/**
 * Adapter for our MatchingEngine (shared/engine): the bare timed replay, the
 * per-command latency pass, and an untimed replay that fingerprints the run.
 * Commands are passed as they are in the flow; each `execute` returns a fresh
 * events array, as the OrderBook object calls it (reusing one array with
 * `out.length = 0` measured slower: truncation is a runtime call in V8).
 */
import { MatchingEngine } from "../shared/engine/index.ts";
import type { Command, EngineEvent } from "../shared/engine/types.ts";
import { type Fingerprint, newFingerprint } from "./stats.ts";

export const name = "ours (shared/engine)";

/** The fake clock: epoch ms, one ms per command. */
export const NOW0 = 1_700_000_000_000;

export function create(): MatchingEngine {
  return new MatchingEngine();
}

/** The timed loop: commands [from, to), no inspection of the events. */
export function replay(engine: MatchingEngine, cmds: readonly Command[], from: number, to: number): void {
  for (let i = from; i < to; i++) engine.execute(cmds[i] as Command, NOW0 + i);
}

/** Times every command on its own; returns nanoseconds per command (timer overhead included). */
export function latencies(cmds: readonly Command[]): Float64Array {
  const engine = create();
  const ns = new Float64Array(cmds.length);
  const hr = process.hrtime.bigint;
  for (let i = 0; i < cmds.length; i++) {
    const t0 = hr();
    engine.execute(cmds[i] as Command, NOW0 + i);
    ns[i] = Number(hr() - t0);
  }
  return ns;
}

/** Untimed replay that inspects every event. */
export function replayCounted(cmds: readonly Command[], orderIds: readonly string[]): Fingerprint {
  const engine = create();
  const f = newFingerprint();
  for (let i = 0; i < cmds.length; i++) {
    const c = cmds[i] as Command;
    const out: EngineEvent[] = engine.execute(c, NOW0 + i);
    for (const e of out) {
      if (e.type === "trade") {
        f.trades++;
        f.volume += e.qty;
      } else if (e.type === "done" && e.cause === "self_trade" && c.type === "place" && e.id === c.id) {
        f.stpCancels++;
      } else if (e.type === "done" && e.cause === "user" && c.type === "cancel") {
        f.cancelHits++;
      } else if (e.type === "rejected") {
        if (c.type === "cancel") f.cancelMisses++;
        else f.otherRejects++;
      } else if (e.type === "amended") {
        f.amendHits++;
      }
    }
  }
  for (const id of orderIds) {
    const o = engine.order(id);
    if (o !== undefined && o.state === "resting") {
      f.resting++;
      f.restingQty += o.remaining;
    }
  }
  const bbo = engine.bbo();
  f.bestBid = bbo.bid?.price;
  f.bestAsk = bbo.ask?.price;
  return f;
}
