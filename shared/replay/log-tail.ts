/**
 * The tail of a book's journal as the rows a restored book keeps (failover, docs/geography.md):
 * its event log with the feed's channel sequences (so `resume_from` across the failover is
 * answered, not resynced) and its trade tape (so REST trades go on). The sequences are counted
 * from the journal's start, as the book counted them when it logged the events.
 */
import type { InstrumentUnits } from "../instruments/units.ts";
import type { BookJournalEvent } from "./book.ts";
import { engineEventOf } from "./outbox-rows.ts";

/** One `events` row: seq, at (epoch ms), type, channel, channel seq, body (the engine event's JSON). */
export type LogRow = [number, number, string, "level2" | "trades" | null, number | null, string];
/** One `trades` row: trade id, at, price (ticks), qty (lots), aggressor, maker order, taker order, seq. */
export type TradeRow = [number, number, number, number, string, string, string, number];

export interface LogTail {
  log: LogRow[];
  trades: TradeRow[];
}

/** The last `keep` events of the journal as log rows, and the trades among them as trade rows. */
export function logTail(events: readonly BookJournalEvent[], units: InstrumentUnits, keep: number): LogTail {
  const from = Math.max(0, events.length - keep);
  let level2 = 0;
  let trades = 0;
  const tail: LogTail = { log: [], trades: [] };
  events.forEach((e, i) => {
    let channel: LogRow[3] = null;
    let channelSeq: number | null = null;
    if (e.type === "level") channelSeq = ++level2;
    if (e.type === "trade") channelSeq = ++trades;
    if (i < from || e.type === "rejected") return;
    if (e.type === "level") channel = "level2";
    if (e.type === "trade") channel = "trades";
    const at = e.at ?? 0;
    const event = engineEventOf(e, units);
    tail.log.push([e.seq, at, e.type, channel, channel ? channelSeq : null, JSON.stringify(event)]);
    if (event.type === "trade") {
      tail.trades.push([
        event.tradeId,
        at,
        event.price,
        event.qty,
        event.aggressor,
        event.makerId,
        event.takerId,
        e.seq,
      ]);
    }
  });
  return tail;
}
