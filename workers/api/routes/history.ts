/**
 * History routes (mount at /v1), answered from Postgres, the system of record the
 * event pipeline writes: the caller's done orders, fills and ledger (`read`; only
 * the caller's account is ever addressed) and an instrument's trades and candles
 * (public). Open orders and balances stay with the objects, which are authoritative.
 *
 * Every page is a keyset page (`workers/api/history/queries.ts`) with an opaque
 * cursor: base64url of the last row's sort key. Amounts are `numeric::text` from
 * Postgres, re-formatted exactly on the asset's or instrument's grid so they read
 * like the live endpoints'. Without `DATABASE_URL` every route is 503
 * `history_unavailable`; with Postgres unreachable too, plus `Retry-After`.
 */
import type { Context } from "hono";
import { type DbEnv, hasDatabase } from "../../../shared/db/neon.ts";
import { fromUnits, toUnits } from "../../../shared/decimal.ts";
import type { Instrument } from "../../../shared/instruments/schema.ts";
import { formatAmount, isAssetCode, parseAmount } from "../../../shared/ledger/assets.ts";
import { CANDLE_INTERVALS } from "../../../shared/market/candles.ts";
import { beforeId, decodeTimeKey, encodeTimeKey, nextIdCursor } from "../cursors.ts";
import type { AppEnv } from "../env.ts";
import { readPostgres, retryAfterSeconds } from "../history/postgres-reads.ts";
import {
  candleHistory,
  fillHistory,
  type HistoryDb,
  ledgerHistory,
  orderHistory,
  tradeHistory,
} from "../history/queries.ts";
import { instrumentOr404 } from "../instruments.ts";
import { callerOf } from "../middleware/auth/index.ts";
import {
  DEFAULT_HISTORY_PAGE,
  DONE_STATUSES,
  getCandleHistory,
  getFillHistory,
  getLedgerHistory,
  getOrderHistory,
  getTradeHistory,
  MAX_CANDLE_SPAN_MS,
  MAX_HISTORY_CANDLES,
} from "../openapi/contracts/history.ts";
import { createRouter } from "../openapi/router.ts";
import { problemException } from "../problem.ts";

export const history = createRouter();

history.openapi(getOrderHistory, async (c) => {
  const { account } = callerOf(c);
  const q = c.req.valid("query");
  const after = q.cursor === undefined ? undefined : decodeTimeKey(q.cursor);
  const limit = q.limit ?? DEFAULT_HISTORY_PAGE;
  const page = await query(c, (db) =>
    orderHistory(db, {
      account,
      statuses: q.status === undefined ? DONE_STATUSES : [q.status],
      instrument: q.instrument,
      start: q.start,
      end: q.end,
      limit,
      after,
    }),
  );
  // biome-ignore lint/suspicious/noExplicitAny: the stored view is the Order the account object wrote.
  const orders = page.rows as any[];
  return c.json({ orders, next_cursor: page.next && encodeTimeKey(page.next) }, 200);
});

history.openapi(getFillHistory, async (c) => {
  const { account } = callerOf(c);
  const q = c.req.valid("query");
  const after = q.cursor === undefined ? undefined : decodeTimeKey(q.cursor);
  const page = await query(c, (db) =>
    fillHistory(db, {
      account,
      instrument: q.instrument,
      orderId: q.order_id,
      start: q.start,
      end: q.end,
      limit: q.limit ?? DEFAULT_HISTORY_PAGE,
      after,
    }),
  );
  // biome-ignore lint/suspicious/noExplicitAny: the stored view is the Fill the account object wrote.
  const fills = page.rows as any[];
  return c.json({ fills, next_cursor: page.next && encodeTimeKey(page.next) }, 200);
});

history.openapi(getLedgerHistory, async (c) => {
  const { account } = callerOf(c);
  const q = c.req.valid("query");
  const before = beforeId(q.cursor);
  const page = await query(c, (db) =>
    ledgerHistory(db, {
      account,
      asset: q.asset,
      start: q.start,
      end: q.end,
      limit: q.limit ?? DEFAULT_HISTORY_PAGE,
      before,
    }),
  );
  const entries = page.rows.map((r) => ({
    entry_id: Number(r.entry_id),
    tx_id: Number(r.tx_id),
    time: new Date(Number(r.at_ms)).toISOString(),
    time_ms: Number(r.at_ms),
    type: r.type as "deposit" | "withdrawal" | "hold" | "release" | "trade" | "fee",
    asset: r.asset,
    amount: assetAmount(r.amount, r.asset),
    balance: assetAmount(r.balance, r.asset),
    hold: assetAmount(r.hold, r.asset),
    reference: r.reference,
  }));
  return c.json({ entries, next_cursor: nextIdCursor(page.next) }, 200);
});

history.openapi(getTradeHistory, async (c) => {
  const q = c.req.valid("query");
  const before = beforeId(q.cursor);
  const instrument = await instrumentOr404(c.env, c.req.valid("param").symbol);
  const page = await query(c, (db) =>
    tradeHistory(db, {
      instrument: instrument.symbol,
      start: q.start,
      end: q.end,
      limit: q.limit ?? DEFAULT_HISTORY_PAGE,
      before,
    }),
  );
  const trades = page.rows.map((r) => ({
    trade_id: Number(r.trade_id),
    price: onGrid(r.price, instrument.tick_size),
    size: onGrid(r.size, instrument.lot_size),
    side: r.aggressor,
    time: Number(r.at_ms),
  }));
  return c.json({ instrument: instrument.symbol, trades, next_cursor: nextIdCursor(page.next) }, 200);
});

history.openapi(getCandleHistory, async (c) => {
  const q = c.req.valid("query");
  const width = CANDLE_INTERVALS[q.interval]; // the live candles' buckets
  const end = q.end ?? Date.now();
  const start = q.start ?? Math.max(0, end - Math.min(width * MAX_HISTORY_CANDLES, MAX_CANDLE_SPAN_MS));
  if (start >= end) throw invalidQuery("start", "start must be before end");
  if (end - start > MAX_CANDLE_SPAN_MS) throw invalidQuery("end", "the window must be at most 31 days");
  if (Math.ceil((end - start) / width) > MAX_HISTORY_CANDLES) {
    throw invalidQuery("end", `the window must hold at most ${MAX_HISTORY_CANDLES} ${q.interval} candles`);
  }
  const instrument = await instrumentOr404(c.env, c.req.valid("param").symbol);
  const rows = await query(c, (db) => candleHistory(db, { instrument: instrument.symbol, width, start, end }));
  const candles = rows.map((r) => ({
    start: Number(r.bucket_ms),
    open: onGrid(r.open, instrument.tick_size),
    high: onGrid(r.high, instrument.tick_size),
    low: onGrid(r.low, instrument.tick_size),
    close: onGrid(r.close, instrument.tick_size),
    volume: onGrid(r.volume, instrument.lot_size),
    trades: Number(r.trades),
  }));
  return c.json({ instrument: instrument.symbol, interval: q.interval, start, end, candles }, 200);
});

// ── Postgres ───────────────────────────────────────────────────────────────

/**
 * Runs `fn` on a connection of its own (closed before the response). Not
 * configured: 503 `history_unavailable`. Unreachable, failing or slower than
 * the deadline, or refused by the open breaker (history/postgres-reads.ts): logged, then 503 with `Retry-After`.
 */
async function query<T>(c: Context<AppEnv>, fn: (db: HistoryDb) => Promise<T>): Promise<T> {
  const env: DbEnv = c.env;
  if (!hasDatabase(env)) {
    throw problemException(
      "history_unavailable",
      "History is not available here: no Postgres is configured (DATABASE_URL). Open orders, balances and " +
        "recent market data are served by the live endpoints.",
      { extensions: { instance: c.req.path } },
    );
  }
  try {
    return await readPostgres(env, (client) => fn(client as unknown as HistoryDb));
  } catch (err) {
    console.error(
      JSON.stringify({
        level: "error",
        msg: "history: postgres unavailable",
        path: c.req.path,
        request_id: c.get("requestId") ?? null,
        error: err instanceof Error ? err.message : String(err),
      }),
    );
    throw problemException(
      "history_unavailable",
      "History is temporarily unavailable (the database did not answer); retry shortly.",
      {
        headers: { "retry-after": String(retryAfterSeconds(err)) },
        extensions: { instance: c.req.path },
      },
    );
  }
}

// ── amounts ────────────────────────────────────────────────────────────────

/** A signed `numeric::text` amount of `asset` at the asset's scale, as the live ledger prints it. */
function assetAmount(text: string, asset: string): string {
  const negative = text.startsWith("-");
  const parsed = isAssetCode(asset) ? parseAmount(negative ? text.slice(1) : text, asset) : undefined;
  if (!parsed?.ok) return text;
  return formatAmount(negative ? -parsed.amount : parsed.amount, asset);
}

/** A non-negative `numeric::text` on `unit`'s grid, with exactly the unit's fraction digits. */
function onGrid(text: string, unit: Instrument["tick_size"]): string {
  const units = toUnits(text, unit);
  return typeof units === "bigint" ? fromUnits(units, unit) : text;
}

// ── cursors ────────────────────────────────────────────────────────────────

function invalidQuery(field: string, message: string) {
  return problemException("invalid_request", `Invalid query: ${field}: ${message}`, {
    extensions: { errors: [{ field, message }] },
  });
}
