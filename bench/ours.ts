/**
 * Adapter for our MatchingEngine (shared/engine): the bare timed replay, the
 * per-command latency pass, and an untimed replay that fingerprints the run.
 * Commands are passed as they are in the flow; one events array is reused
 * (`out.length = 0`), as a production caller would.
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
  const out: EngineEvent[] = [];
  for (let i = from; i < to; i++) {
    out.length = 0;
    engine.execute(cmds[i] as Command, NOW0 + i, out);
  }
}

/** Times every command on its own; returns nanoseconds per command (timer overhead included). */
export function latencies(cmds: readonly Command[]): Float64Array {
  const engine = create();
  const ns = new Float64Array(cmds.length);
  const out: EngineEvent[] = [];
  const hr = process.hrtime.bigint;
  for (let i = 0; i < cmds.length; i++) {
    out.length = 0;
    const t0 = hr();
    engine.execute(cmds[i] as Command, NOW0 + i, out);
    ns[i] = Number(hr() - t0);
  }
  return ns;
}

/** Untimed replay that inspects every event. */
export function replayCounted(cmds: readonly Command[], orderIds: readonly string[]): Fingerprint {
  const engine = create();
  const f = newFingerprint();
  const out: EngineEvent[] = [];
  for (let i = 0; i < cmds.length; i++) {
    const c = cmds[i] as Command;
    out.length = 0;
    engine.execute(c, NOW0 + i, out);
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
