/**
 * Roll forward after a bookmark restore: re-applies the journal's events after the bookmark
 * (Postgres has them, the restored book does not) so the book ends at the journal's head.
 *
 * - The resting orders and stops come from the whole journal folded (`shared/replay/book.ts`,
 *   `replaySnapshot`), exactly as `POST /v1/admin/replay` rebuilds a fresh book.
 * - Each tail event is written back where a commit would have written it: the event log under
 *   its journal `seq` (channel sequences continued from the bookmark's), trades, one-minute
 *   candles, order ids, and an outbox row per account concerned. Accounts skip rows at or
 *   below their cursor for this book, so a fill they already settled is not settled twice and
 *   one they never received is delivered now.
 * - The stream cursor goes to the journal's head: nothing Postgres already holds is sent again.
 *
 * Call inside the restore's transaction.
 */
import { type EngineEvent, type EngineSnapshot, MatchingEngine } from "../../shared/engine/index.ts";
import { ENGINE_OPTIONS, type InstrumentUnits } from "../../shared/instruments/units.ts";
import type { Sql } from "../runtime/sql.ts";
import type { BookStore, Sequences } from "./store.ts";

/** One journal row after the bookmark: `seq`, epoch ms, and the wire event. */
export interface JournalTailEvent {
  seq: number;
  at: number;
  body: Record<string, unknown>;
}

export interface RollForwardInput {
  /** The book at the journal's head (`replaySnapshot` of the whole journal folded). */
  snapshot: EngineSnapshot;
  /** Journal events after the bookmark's seq, in order, contiguous up to the journal's head. */
  tail: JournalTailEvent[];
}

/** Re-applies `input` over the restored state `base`; answers the new sequences. */
export function rollForward(
  sql: Sql,
  store: BookStore,
  units: InstrumentUnits,
  base: Sequences,
  input: RollForwardInput,
  now: number,
): Sequences {
  const seqs = { ...base };
  const events: unknown[][] = [];
  const outbox: unknown[][] = [];
  // A PITR restore does not know its bookmark's seq in advance: it gets the whole journal.
  const tail = input.tail.filter((row) => row.seq > base.seq);
  for (const [i, row] of tail.entries()) {
    if (row.seq !== base.seq + 1 + i) {
      throw new RangeError(`journal seq ${row.seq} does not follow ${base.seq + i}: the journal has a gap`);
    }
    const event = fromWire(row.body, units);
    seqs.seq = row.seq;
    let channel: string | null = null;
    let channelSeq: number | null = null;
    if (event.type === "level") {
      channel = "level2";
      channelSeq = ++seqs.level2;
    } else if (event.type === "trade") {
      channel = "trades";
      channelSeq = ++seqs.trades;
      sql`INSERT OR IGNORE INTO trades (trade_id, at, price, qty, aggressor, maker_order_id, taker_order_id, seq)
          VALUES (${event.tradeId}, ${row.at}, ${event.price}, ${event.qty}, ${event.aggressor}, ${event.makerId},
                  ${event.takerId}, ${row.seq})`;
      const start = Math.floor(row.at / 60_000) * 60_000;
      sql`INSERT INTO candles_1m (start, open, high, low, close, volume, trades)
          VALUES (${start}, ${event.price}, ${event.price}, ${event.price}, ${event.price}, ${event.qty}, 1)
          ON CONFLICT (start) DO UPDATE SET high = max(high, excluded.high), low = min(low, excluded.low),
            close = excluded.close, volume = volume + excluded.volume, trades = trades + 1`;
    } else if (event.type === "accepted") {
      sql`INSERT OR IGNORE INTO order_ids (order_id, accepted_at) VALUES (${event.id}, ${row.at})`;
    }
    const body = JSON.stringify(event);
    events.push([row.seq, row.at, event.type, channel, channelSeq, body]);
    for (const account of accountsOf(event)) outbox.push([account, row.seq, row.at, body]);
  }
  if (events.length > 0) {
    sql`INSERT INTO events (seq, at, type, channel, channel_seq, body)
        SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5
        FROM json_each(${JSON.stringify(events)})`;
  }
  if (outbox.length > 0) {
    sql`INSERT OR IGNORE INTO outbox (account, seq, at, body)
        SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(${JSON.stringify(outbox)})`;
  }
  const engine = MatchingEngine.restore({ ...input.snapshot, now, options: ENGINE_OPTIONS });
  sql`DELETE FROM live_orders`;
  store.restoreState(engine, seqs, now);
  return seqs;
}

/** The accounts an event concerns (as `outbox.ts` writes them). */
function accountsOf(e: EngineEvent): string[] {
  if (e.type === "trade")
    return e.makerAccount === e.takerAccount ? [e.takerAccount] : [e.makerAccount, e.takerAccount];
  if (e.type === "level" || e.type === "rejected") return [];
  return [e.account];
}

/** A journal wire event (`toWireEvent`) back into the engine event it was made from. */
export function fromWire(w: Record<string, unknown>, units: InstrumentUnits): EngineEvent {
  const str = (k: string) => {
    const v = w[k];
    if (typeof v !== "string") throw new TypeError(`${String(w.type)} event: ${k} is missing`);
    return v;
  };
  const opt = (k: string) => (typeof w[k] === "string" ? (w[k] as string) : undefined);
  const n = (v: number | string, k: string) => {
    if (typeof v !== "number") throw new RangeError(`${String(w.type)} event: ${k}: ${v}`);
    return v;
  };
  const ticks = (k: string) => n(units.ticks(str(k)), k);
  const lots = (k: string) => n(units.lots(str(k)), k);
  const funds = (k: string) => n(units.funds(str(k)), k);
  const optTicks = (k: string) => (opt(k) === undefined ? undefined : ticks(k));
  const side = () => str("side") as "buy" | "sell";
  const defined = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  switch (w.type) {
    case "accepted":
      return defined({
        type: "accepted",
        id: str("order_id"),
        account: str("account"),
        side: side(),
        kind: str("order_type") as never,
        tif: str("time_in_force") as never,
        price: optTicks("price"),
        stopPrice: optTicks("stop_price"),
        qty: opt("size") === undefined ? undefined : lots("size"),
        funds: opt("funds") === undefined ? undefined : funds("funds"),
        expireAt: typeof w.expire_time === "number" ? w.expire_time : undefined,
        postOnly: w.post_only === true,
        stp: str("stp") as never,
      });
    case "trade":
      return {
        type: "trade",
        tradeId: Number(w.trade_id),
        price: ticks("price"),
        qty: lots("size"),
        aggressor: str("aggressor_side") as "buy" | "sell",
        makerId: str("maker_order_id"),
        makerAccount: str("maker_account"),
        takerId: str("taker_order_id"),
        takerAccount: str("taker_account"),
        makerRemaining: lots("maker_remaining_size"),
      };
    case "done":
      return {
        type: "done",
        id: str("order_id"),
        account: str("account"),
        side: side(),
        reason: str("reason") as never,
        cause: str("cause") as never,
        remaining: lots("remaining_size"),
        remainingFunds: funds("remaining_funds"),
      };
    case "stop_triggered":
      return {
        type: "stop_triggered",
        id: str("order_id"),
        account: str("account"),
        stopPrice: ticks("stop_price"),
        lastPrice: ticks("last_price"),
      };
    case "amended":
      return defined({
        type: "amended",
        id: str("order_id"),
        account: str("account"),
        qty: lots("size"),
        remaining: lots("remaining_size"),
        price: optTicks("price"),
        stopPrice: optTicks("stop_price"),
        priorityKept: w.priority_kept === true,
      });
    case "reduced":
      return {
        type: "reduced",
        id: str("order_id"),
        account: str("account"),
        by: lots("by_size"),
        remaining: lots("remaining_size"),
        remainingFunds: funds("remaining_funds"),
        cause: "self_trade",
      };
    case "level":
      return { type: "level", side: side(), price: ticks("price"), qty: lots("size") };
    default:
      throw new TypeError(`journal event of unknown type ${JSON.stringify(w.type)}`);
  }
}
