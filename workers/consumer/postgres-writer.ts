/**
 * Writes a batch of events to Postgres, idempotently: the caller runs `writeEvents`
 * inside ONE transaction, and every statement is a multi-row insert keyed so that a
 * redelivered event changes nothing.
 *
 * - `journal`: every event, `ON CONFLICT (stream, key, seq) DO NOTHING`.
 * - `trades` from book `trade` events, `ON CONFLICT (instrument, trade_id) DO NOTHING`;
 *   `candles_1m` of the minutes those trades fall in are recomputed from `trades`
 *   (never incremented), under a per-instrument transaction lock so two batches of
 *   one instrument cannot each miss the other's trades.
 * - `orders` from account `order` events: upsert that keeps the view with the highest
 *   `last_seq` (the account event seq), so an older view arriving late changes nothing.
 * - `fills` and `ledger_entries` from account events, `ON CONFLICT DO NOTHING`.
 *
 * Rows travel as one JSON parameter per statement, unpacked by `jsonb_to_recordset`;
 * amounts stay decimal strings all the way to `numeric` (never floats).
 *
 * No runtime imports: it runs against the Neon driver in the Worker and against any
 * client with `query(text, params)` (PGlite, node-postgres) in tests.
 */
import { type Envelope, groupByKey } from "../../shared/events/envelope.ts";

/** The one thing the writer needs from a Postgres client. */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<unknown>;
}

/** What one batch held, per table (rows offered; conflicts are skipped by Postgres). */
export interface WriteSummary {
  journal: number;
  trades: number;
  candles: number;
  orders: number;
  fills: number;
  ledger_entries: number;
}

const MINUTE = 60_000;

const iso = (ms: number) => new Date(ms).toISOString();
const str = (v: unknown): string | null => (v === undefined || v === null ? null : String(v));

/** The rows each table gets from a batch (exported for unit tests). */
export function projectRows(envelopes: readonly Envelope[]) {
  const journal: unknown[] = [];
  const trades: unknown[] = [];
  const minutes = new Map<string, { instrument: string; start: string }>();
  const orders = new Map<string, Record<string, unknown>>();
  const fills: unknown[] = [];
  const ledger: unknown[] = [];
  for (const group of groupByKey(envelopes)) {
    for (const e of group.events) {
      journal.push({ stream: e.stream, key: e.key, seq: e.seq, at: iso(e.at), type: e.type, body: e.body });
      const b = e.body;
      if (e.stream === "book" && e.type === "trade") {
        trades.push({
          instrument: e.key,
          trade_id: b.trade_id,
          price: str(b.price),
          size: str(b.size),
          aggressor: b.aggressor_side,
          maker_order_id: b.maker_order_id,
          taker_order_id: b.taker_order_id,
          at: iso(e.at),
          seq: e.seq,
        });
        const start = iso(Math.floor(e.at / MINUTE) * MINUTE);
        minutes.set(`${e.key}\u0000${start}`, { instrument: e.key, start });
      } else if (e.stream === "account" && e.type === "order") {
        const previous = orders.get(String(b.order_id));
        if (previous && (previous.last_seq as number) > e.seq) continue;
        orders.set(String(b.order_id), {
          order_id: b.order_id,
          account_id: e.key,
          client_order_id: b.client_order_id,
          instrument: b.instrument,
          status: b.status,
          view: b,
          created_at: b.created_at,
          updated_at: b.updated_at,
          last_seq: e.seq,
        });
      } else if (e.stream === "account" && e.type === "fill") {
        fills.push({
          account_id: e.key,
          fill_id: b.fill_id,
          order_id: b.order_id,
          instrument: b.instrument,
          side: b.side,
          price: str(b.price),
          size: str(b.size),
          value: str(b.value),
          fee: str(b.fee),
          fee_asset: b.fee_asset,
          liquidity: b.liquidity,
          at: typeof b.time_ms === "number" ? iso(b.time_ms) : iso(e.at),
          view: b,
        });
      } else if (e.stream === "account" && e.type === "ledger_entry") {
        ledger.push({
          account_id: e.key,
          entry_id: b.entry_id,
          tx_id: b.tx_id,
          at: typeof b.time_ms === "number" ? iso(b.time_ms) : iso(e.at),
          type: b.type,
          asset: b.asset,
          amount: str(b.amount),
          balance: str(b.balance),
          hold: str(b.hold),
          reference: b.reference,
        });
      }
    }
  }
  return { journal, trades, minutes: [...minutes.values()], orders: [...orders.values()], fills, ledger };
}

/** Writes `envelopes`; run it inside one transaction (BEGIN … COMMIT) on `db`. */
export async function writeEvents(db: Queryable, envelopes: readonly Envelope[]): Promise<WriteSummary> {
  const rows = projectRows(envelopes);
  const json = (v: unknown[]) => [JSON.stringify(v)];
  if (rows.journal.length > 0) {
    await db.query(
      `INSERT INTO journal (stream, key, seq, at, type, body)
       SELECT stream, key, seq, at, type, body
       FROM jsonb_to_recordset($1::jsonb) AS r(stream text, key text, seq bigint, at timestamptz, type text, body jsonb)
       ON CONFLICT (stream, key, seq) DO NOTHING`,
      json(rows.journal),
    );
  }
  if (rows.trades.length > 0) {
    // One lock per instrument, taken in a fixed order (no deadlock between two batches).
    const instruments = [...new Set(rows.minutes.map((m) => m.instrument))].sort();
    for (const instrument of instruments) {
      await db.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`platform3.candles_1m:${instrument}`]);
    }
    await db.query(
      `INSERT INTO trades (instrument, trade_id, price, size, aggressor, maker_order_id, taker_order_id, at, seq)
       SELECT instrument, trade_id, price, size, aggressor, maker_order_id, taker_order_id, at, seq
       FROM jsonb_to_recordset($1::jsonb) AS r(instrument text, trade_id bigint, price numeric, size numeric,
         aggressor text, maker_order_id text, taker_order_id text, at timestamptz, seq bigint)
       ON CONFLICT (instrument, trade_id) DO NOTHING`,
      json(rows.trades),
    );
    // Recomputed from every stored trade of each minute touched: a redelivery writes the same candle.
    await db.query(
      `INSERT INTO candles_1m (instrument, start, open, high, low, close, volume, trades)
       SELECT m.instrument, m.start,
              (array_agg(t.price ORDER BY t.trade_id))[1], max(t.price), min(t.price),
              (array_agg(t.price ORDER BY t.trade_id DESC))[1], sum(t.size), count(*)::int
       FROM jsonb_to_recordset($1::jsonb) AS m(instrument text, start timestamptz)
       JOIN trades t ON t.instrument = m.instrument AND t.at >= m.start AND t.at < m.start + interval '1 minute'
       GROUP BY m.instrument, m.start
       ON CONFLICT (instrument, start) DO UPDATE SET open = excluded.open, high = excluded.high, low = excluded.low,
         close = excluded.close, volume = excluded.volume, trades = excluded.trades`,
      json(rows.minutes),
    );
  }
  if (rows.orders.length > 0) {
    await db.query(
      `INSERT INTO orders (order_id, account_id, client_order_id, instrument, status, view, created_at, updated_at, last_seq)
       SELECT order_id, account_id, client_order_id, instrument, status, view, created_at, updated_at, last_seq
       FROM jsonb_to_recordset($1::jsonb) AS r(order_id text, account_id text, client_order_id text, instrument text,
         status text, view jsonb, created_at timestamptz, updated_at timestamptz, last_seq bigint)
       ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, view = excluded.view,
         updated_at = excluded.updated_at, last_seq = excluded.last_seq
       WHERE orders.last_seq < excluded.last_seq`,
      json(rows.orders),
    );
  }
  if (rows.fills.length > 0) {
    await db.query(
      `INSERT INTO fills (account_id, fill_id, order_id, instrument, side, price, size, value, fee, fee_asset, liquidity, at, view)
       SELECT account_id, fill_id, order_id, instrument, side, price, size, value, fee, fee_asset, liquidity, at, view
       FROM jsonb_to_recordset($1::jsonb) AS r(account_id text, fill_id text, order_id text, instrument text, side text,
         price numeric, size numeric, value numeric, fee numeric, fee_asset text, liquidity text, at timestamptz, view jsonb)
       ON CONFLICT (account_id, fill_id) DO NOTHING`,
      json(rows.fills),
    );
  }
  if (rows.ledger.length > 0) {
    await db.query(
      `INSERT INTO ledger_entries (account_id, entry_id, tx_id, at, type, asset, amount, balance, hold, reference)
       SELECT account_id, entry_id, tx_id, at, type, asset, amount, balance, hold, reference
       FROM jsonb_to_recordset($1::jsonb) AS r(account_id text, entry_id bigint, tx_id bigint, at timestamptz,
         type text, asset text, amount numeric, balance numeric, hold numeric, reference text)
       ON CONFLICT (account_id, entry_id) DO NOTHING`,
      json(rows.ledger),
    );
  }
  return {
    journal: rows.journal.length,
    trades: rows.trades.length,
    candles: rows.minutes.length,
    orders: rows.orders.length,
    fills: rows.fills.length,
    ledger_entries: rows.ledger.length,
  };
}
