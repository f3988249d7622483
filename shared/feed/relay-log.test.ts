import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FeedMessage, Level2Update, LevelChange, TradesUpdate } from "./messages.ts";
import { RelayLog } from "./relay-log.ts";

const SYMBOL = "BTC-USD";
const price = (ticks: number) => `${Math.floor(ticks / 100)}.${String(ticks % 100).padStart(2, "0")}`;

const change = fc.record({
  buy: fc.boolean(),
  ticks: fc.integer({ min: 1, max: 40 }),
  lots: fc.integer({ min: 0, max: 5 }),
});

/** A stream of level changes cut into updates at random places, and the book each prefix leaves. */
function updates(changes: Array<{ buy: boolean; ticks: number; lots: number }>, cuts: number[]): Level2Update[] {
  const out: Level2Update[] = [];
  let seq = 0;
  let i = 0;
  for (const cut of [...cuts, changes.length]) {
    const part = changes.slice(i, Math.max(i, Math.min(cut, changes.length)));
    if (part.length === 0) continue;
    const list: LevelChange[] = part.map((c) => [c.buy ? "buy" : "sell", price(c.ticks), String(c.lots)]);
    out.push({
      type: "update",
      channel: "level2",
      instrument: SYMBOL,
      first_seq: seq + 1,
      seq: seq + part.length,
      time: seq,
      changes: list,
    });
    seq += part.length;
    i += part.length;
  }
  return out;
}

function model(messages: readonly Level2Update[]): { bids: Map<string, string>; asks: Map<string, string> } {
  const bids = new Map<string, string>();
  const asks = new Map<string, string>();
  for (const m of messages)
    for (const [side, p, size] of m.changes) {
      const levels = side === "buy" ? bids : asks;
      if (size === "0") levels.delete(p);
      else levels.set(p, size);
    }
  return { bids, asks };
}

function synced(capacity = 10_000): RelayLog {
  const log = new RelayLog(SYMBOL, capacity);
  const base = { instrument: SYMBOL, seq: 0, time: 0 };
  log.apply({ ...base, type: "snapshot", channel: "level2", bids: [], asks: [] });
  log.apply({ ...base, type: "snapshot", channel: "trades", trades: [] });
  return log;
}

const changesOf = (messages: readonly FeedMessage[]) =>
  messages.flatMap((m) => (m.type === "update" && m.channel === "level2" ? m.changes : []));

describe("RelayLog", () => {
  it("holds the book each update leaves, best first, and replays exactly the changes after any seq", () => {
    fc.assert(
      fc.property(
        fc.array(change, { minLength: 1, maxLength: 80 }),
        fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 20 }),
        fc.nat(),
        (changes, cuts, at) => {
          const sorted = [...new Set(cuts)].sort((a, b) => a - b);
          const stream = updates(changes, sorted);
          const log = synced();
          for (const m of stream) expect(log.apply(m).kind).toBe("applied");
          const snap = log.snapshot("level2", 1);
          const want = model(stream);
          expect(snap?.type === "snapshot" && snap.channel === "level2" && snap.seq).toBe(changes.length);
          if (snap?.type !== "snapshot" || snap.channel !== "level2") return;
          expect(new Map(snap.bids)).toEqual(want.bids);
          expect(new Map(snap.asks)).toEqual(want.asks);
          const bidTicks = snap.bids.map(([p]) => Number(p.replace(".", "")));
          expect(bidTicks).toEqual([...bidTicks].sort((a, b) => b - a));
          const askTicks = snap.asks.map(([p]) => Number(p.replace(".", "")));
          expect(askTicks).toEqual([...askTicks].sort((a, b) => a - b));
          const after = at % (changes.length + 1);
          const replay = log.replay("level2", after) as FeedMessage[];
          expect(changesOf(replay)).toEqual(changesOf(stream).slice(after));
          // Replays are contiguous from after + 1.
          let next = after + 1;
          for (const m of replay) {
            if (m.type !== "update") throw new Error("replay holds updates only");
            expect(m.first_seq).toBe(next);
            next = m.seq + 1;
          }
        },
      ),
    );
  });

  it("skips what it has seen, cuts an overlapping update, and refuses a gap", () => {
    const log = synced();
    const [a, b, c] = updates(
      Array.from({ length: 9 }, (_, i) => ({ buy: i % 2 === 0, ticks: 10 + i, lots: 1 })),
      [3, 6],
    ) as [Level2Update, Level2Update, Level2Update];
    expect(log.apply(a).kind).toBe("applied");
    expect(log.apply(a)).toEqual({ kind: "seen" });
    expect(log.apply(c)).toEqual({ kind: "gap", after: 3 });
    const overlap: Level2Update = { ...b, first_seq: 2, changes: [...a.changes.slice(1), ...b.changes] };
    const out = log.apply(overlap);
    expect(out.kind === "applied" && out.message).toMatchObject({ first_seq: 4, seq: 6, changes: b.changes });
    expect(log.head("level2")).toBe(6);
  });

  it("answers a resume older than its ring with null (the book's log reaches further)", () => {
    const log = synced(5);
    for (const m of updates(
      Array.from({ length: 20 }, (_, i) => ({ buy: true, ticks: i + 1, lots: 1 })),
      [4, 8, 12, 16],
    )) {
      log.apply(m);
    }
    expect(log.replay("level2", 2)).toBeNull();
    expect(changesOf(log.replay("level2", 16) as FeedMessage[])).toHaveLength(4);
    expect(log.replay("level2", 21)).toBeNull();
  });

  it("keeps the newest trades first for its snapshot, and the ticker and candles at their seq", () => {
    const log = synced();
    const base = { instrument: SYMBOL, time: 5 };
    log.apply({
      ...base,
      type: "snapshot",
      channel: "ticker",
      first_seq: 0,
      seq: 0,
      ticker: {
        best_bid: null,
        best_ask: null,
        last: null,
        open_24h: null,
        high_24h: null,
        low_24h: null,
        volume_24h: "0",
      },
    });
    log.apply({ ...base, type: "snapshot", channel: "candles", first_seq: 0, seq: 0, interval: "1m", candles: [] });
    const trade = (id: number) => ({ trade_id: id, price: "1.00", size: "1", side: "buy" as const, time: 5 });
    const update: TradesUpdate = {
      ...base,
      type: "update",
      channel: "trades",
      first_seq: 1,
      seq: 2,
      trades: [trade(1), trade(2)],
    };
    log.apply(update);
    const trades = log.snapshot("trades", 6);
    expect(trades?.type === "snapshot" && trades.channel === "trades" && trades.trades.map((t) => t.trade_id)).toEqual([
      2, 1,
    ]);
    const candle = { start: 0, open: "1.00", high: "1.00", low: "1.00", close: "1.00", volume: "2" };
    log.apply({ ...base, type: "update", channel: "candles", first_seq: 1, seq: 1, interval: "1m", candles: [candle] });
    expect(log.snapshot("candles", 60_000)).toMatchObject({ seq: 1, candles: [candle] });
    expect(log.head("ticker")).toBe(0);
  });
});
