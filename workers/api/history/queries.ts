/**
 * The SQL of the history routes, over the tables the event pipeline writes
 * (`migrations/*.sql`). Every page is keyset-paginated (never OFFSET) on the
 * column pair its index is sorted by, newest first; one extra row is read to
 * know whether an older page exists. Amounts come back as `numeric::text`
 * (exact); time as epoch ms (`bigint::text`).
 *
 * No runtime imports: runs on the Neon driver in the Worker and on any client
 * with `query(text, params)` (PGlite, node-postgres) in tests.
 */

/** What the queries need from a Postgres client. */
export interface HistoryDb {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** A page of rows plus the sort key of its last row when an older page exists. */
export interface Page<Row, Key> {
  rows: Row[];
  next: Key | null;
}

/** Keyset position of a time-sorted table: epoch ms of the last row, then its id (tie-break). */
export interface TimeKey {
  ms: number;
  id: string;
}

/** Epoch ms as a `timestamptz`, exactly (no float seconds). */
const ts = (param: string) => `(timestamptz 'epoch' + ${param}::bigint * interval '1 millisecond')`;
/** A `timestamptz` column as epoch ms text. */
const ms = (column: string) => `(extract(epoch from ${column}) * 1000)::bigint::text`;

/** Collects WHERE clauses and their parameters. */
class Where {
  readonly params: unknown[] = [];
  private readonly clauses: string[] = [];

  /** `$n` for `value`. */
  p(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  add(clause: string): this {
    this.clauses.push(clause);
    return this;
  }

  toString(): string {
    return this.clauses.length === 0 ? "" : `WHERE ${this.clauses.join(" AND ")}`;
  }
}

interface TimeFilters {
  start?: number | undefined;
  end?: number | undefined;
  limit: number;
}

function timeRange(w: Where, column: string, f: TimeFilters): void {
  if (f.start !== undefined) w.add(`${column} >= ${ts(w.p(f.start))}`);
  if (f.end !== undefined) w.add(`${column} < ${ts(w.p(f.end))}`);
}

function paged<Row, Key>(rows: Row[], limit: number, key: (row: Row) => Key): Page<Row, Key> {
  if (rows.length <= limit) return { rows, next: null };
  const page = rows.slice(0, limit);
  return { rows: page, next: key(page[page.length - 1] as Row) };
}

// ── orders ─────────────────────────────────────────────────────────────────

export interface OrderHistoryQuery extends TimeFilters {
  account: string;
  statuses: readonly string[];
  instrument?: string | undefined;
  after?: TimeKey | undefined;
}

/** The account's orders in `statuses`, newest created first: each order's stored view. */
export async function orderHistory(
  db: HistoryDb,
  q: OrderHistoryQuery,
): Promise<Page<Record<string, unknown>, TimeKey>> {
  const w = new Where();
  w.add(`account_id = ${w.p(q.account)}`).add(`status = ANY(${w.p(q.statuses)}::text[])`);
  if (q.instrument !== undefined) w.add(`instrument = ${w.p(q.instrument)}`);
  timeRange(w, "created_at", q);
  if (q.after) w.add(`(created_at, order_id) < (${ts(w.p(q.after.ms))}, ${w.p(q.after.id)}::text)`);
  const { rows } = await db.query(
    `SELECT order_id, ${ms("created_at")} AS created_ms, view FROM orders ${w}
     ORDER BY created_at DESC, order_id DESC LIMIT ${w.p(q.limit + 1)}`,
    w.params,
  );
  const typed = rows as Array<{ order_id: string; created_ms: string; view: Record<string, unknown> }>;
  const page = paged(typed, q.limit, (r) => ({ ms: Number(r.created_ms), id: r.order_id }));
  return { rows: page.rows.map((r) => parseJson(r.view)), next: page.next };
}

// ── fills ──────────────────────────────────────────────────────────────────

export interface FillHistoryQuery extends TimeFilters {
  account: string;
  instrument?: string | undefined;
  orderId?: string | undefined;
  after?: TimeKey | undefined;
}

/** The account's fills, newest first: each fill's stored view. */
export async function fillHistory(db: HistoryDb, q: FillHistoryQuery): Promise<Page<Record<string, unknown>, TimeKey>> {
  const w = new Where();
  w.add(`account_id = ${w.p(q.account)}`);
  if (q.instrument !== undefined) w.add(`instrument = ${w.p(q.instrument)}`);
  if (q.orderId !== undefined) w.add(`order_id = ${w.p(q.orderId)}`);
  timeRange(w, "at", q);
  if (q.after) w.add(`(at, fill_id) < (${ts(w.p(q.after.ms))}, ${w.p(q.after.id)}::text)`);
  const { rows } = await db.query(
    `SELECT fill_id, ${ms("at")} AS at_ms, view FROM fills ${w}
     ORDER BY at DESC, fill_id DESC LIMIT ${w.p(q.limit + 1)}`,
    w.params,
  );
  const typed = rows as Array<{ fill_id: string; at_ms: string; view: Record<string, unknown> }>;
  const page = paged(typed, q.limit, (r) => ({ ms: Number(r.at_ms), id: r.fill_id }));
  return { rows: page.rows.map((r) => parseJson(r.view)), next: page.next };
}

// ── ledger ─────────────────────────────────────────────────────────────────

/** A `ledger_entries` row with exact text amounts. */
export interface LedgerRow {
  entry_id: string;
  tx_id: string;
  at_ms: string;
  type: string;
  asset: string;
  amount: string;
  balance: string;
  hold: string;
  reference: string;
}

export interface LedgerHistoryQuery extends TimeFilters {
  account: string;
  asset?: string | undefined;
  /** Entries with a smaller entry id than this (the previous page's last). */
  before?: number | undefined;
}

/** The account's ledger entries, newest (highest entry id) first. */
export async function ledgerHistory(db: HistoryDb, q: LedgerHistoryQuery): Promise<Page<LedgerRow, number>> {
  const w = new Where();
  w.add(`account_id = ${w.p(q.account)}`);
  if (q.asset !== undefined) w.add(`asset = ${w.p(q.asset)}`);
  timeRange(w, "at", q);
  if (q.before !== undefined) w.add(`entry_id < ${w.p(q.before)}::bigint`);
  const { rows } = await db.query(
    `SELECT entry_id::text, tx_id::text, ${ms("at")} AS at_ms, type, asset, amount::text, balance::text,
            hold::text, reference
     FROM ledger_entries ${w} ORDER BY ledger_entries.entry_id DESC LIMIT ${w.p(q.limit + 1)}`,
    w.params,
  );
  return paged(rows as LedgerRow[], q.limit, (r) => Number(r.entry_id));
}

// ── trades ─────────────────────────────────────────────────────────────────

/** A `trades` row with exact text amounts. */
export interface TradeRow {
  trade_id: string;
  price: string;
  size: string;
  aggressor: string;
  at_ms: string;
}

export interface TradeHistoryQuery extends TimeFilters {
  instrument: string;
  /** Trades with a smaller trade id than this (the previous page's last). */
  before?: number | undefined;
}

/** An instrument's trades, newest (highest trade id) first. */
export async function tradeHistory(db: HistoryDb, q: TradeHistoryQuery): Promise<Page<TradeRow, number>> {
  const w = new Where();
  w.add(`instrument = ${w.p(q.instrument)}`);
  timeRange(w, "at", q);
  if (q.before !== undefined) w.add(`trade_id < ${w.p(q.before)}::bigint`);
  const { rows } = await db.query(
    `SELECT trade_id::text, price::text, size::text, aggressor, ${ms("at")} AS at_ms
     FROM trades ${w} ORDER BY trades.trade_id DESC LIMIT ${w.p(q.limit + 1)}`,
    w.params,
  );
  return paged(rows as TradeRow[], q.limit, (r) => Number(r.trade_id));
}

// ── candles ────────────────────────────────────────────────────────────────

/** One aggregated candle with exact text amounts. */
export interface CandleRow {
  bucket_ms: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  trades: string;
}

export interface CandleHistoryQuery {
  instrument: string;
  /** Interval width, ms (buckets are aligned to the epoch, as the live candles). */
  width: number;
  start: number;
  end: number;
}

/**
 * Candles of `width` whose one-minute candles start in [start, end), oldest
 * first, aggregated in SQL: open of the first minute, close of the last, max,
 * min, and exact sums.
 */
export async function candleHistory(db: HistoryDb, q: CandleHistoryQuery): Promise<CandleRow[]> {
  const w = new Where();
  w.add(`instrument = ${w.p(q.instrument)}`);
  timeRange(w, "start", { ...q, limit: 0 });
  const width = w.p(q.width);
  const { rows } = await db.query(
    `SELECT bucket::text AS bucket_ms,
            ((array_agg(open ORDER BY start))[1])::text AS open,
            max(high)::text AS high, min(low)::text AS low,
            ((array_agg(close ORDER BY start DESC))[1])::text AS close,
            sum(volume)::text AS volume, sum(trades)::text AS trades
     FROM (SELECT *, ((extract(epoch from start) * 1000)::bigint / ${width}::bigint) * ${width}::bigint AS bucket
           FROM candles_1m ${w}) AS m
     GROUP BY bucket ORDER BY bucket`,
    w.params,
  );
  return rows as CandleRow[];
}

/** A `jsonb` column as an object (drivers that return it as text included). */
function parseJson(value: unknown): Record<string, unknown> {
  return (typeof value === "string" ? JSON.parse(value) : value) as Record<string, unknown>;
}
