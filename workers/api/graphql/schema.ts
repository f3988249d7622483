/**
 * The GraphQL schema (SDL) of `/v1/graphql`: one field per operation
 * (operations/), with the REST wire names (snake_case), decimal strings for
 * prices, sizes and amounts, and `Long` for epoch milliseconds, ids and
 * sequence numbers. Arguments are loosely typed on purpose (`String` for
 * sides, types and statuses): each field's arguments are validated by its
 * operation's zod schema, so a bad value gets the REST error code and message.
 * Root fields are nullable, so one refused field (an error at its path) leaves
 * the others' data in place.
 * Served as text at `GET /v1/graphql/schema.graphql`.
 */
import { GraphQLError, GraphQLScalarType, Kind } from "graphql";

export const TYPE_DEFS = /* GraphQL */ `
"""An integer beyond 32 bits (epoch milliseconds, ids, sequence numbers), exact up to 2^53 - 1, as a JSON number."""
scalar Long

"""Any JSON value (a problem's extensions, an instrument's calendar, a stored response)."""
scalar JSON

type Query {
  "Every listed instrument. Public."
  instruments: [Instrument!]
  "One instrument; error instrument_not_found when it is not listed. Public."
  instrument(symbol: String!): Instrument
  "The book at level 1 (best bid/ask), 2 (aggregated) or 3 (every order), depth 1-1000 per side. Public."
  book(symbol: String!, level: Int, depth: Int): Book
  "Recent trades, newest first; page with before or after (trade ids). Public."
  trades(symbol: String!, before: Long, after: Long, limit: Int): TradesPage
  "Candles of one interval (1m 5m 15m 1h 6h 1d) over [start, end), epoch ms. Public."
  candles(symbol: String!, interval: String!, start: Long, end: Long): Candles
  "The ticker: best bid/ask, last, 24 h figures. Public."
  ticker(symbol: String!): Ticker
  "Every instrument's ticker in one call; those that cannot be read now are named in unavailable. Public."
  tickers: Tickers
  "FX trading sessions open now and next. Public."
  sessions: Sessions
  "The caller's orders, newest first. Scope read."
  orders(status: String, instrument: String, start: Long, end: Long, limit: Int, cursor: String): OrderPage
  "One of the caller's orders, by exactly one of order_id and client_order_id. Scope read."
  order(order_id: String, client_order_id: String): Order
  "The caller's fills, newest first. Scope read."
  fills(instrument: String, order_id: String, start: Long, end: Long, limit: Int, cursor: String): FillPage
  "The caller's balances. Scope read."
  balances: [Balance!]
  "The caller's ledger, newest first. Scope read."
  ledger(asset: String, start: Long, end: Long, limit: Int, cursor: String): LedgerPage
  "What a mutation sent with this idempotency key was answered with. Scope read."
  request(key: String!): RequestOutcome
}

type Mutation {
  "Place an order. Scope trade. Idempotent on client_order_id (replayed: true) and on idempotency_key."
  placeOrder(order: NewOrder!, idempotency_key: String): OrderResult
  "Place 1 to 20 orders, each validated and placed on its own (a refused one gets an error). Scope trade."
  placeOrders(orders: [NewOrder!]!, idempotency_key: String): [BatchResult!]
  "Amend an order (by exactly one of order_id and client_order_id): new total size, price or stop_price. Scope trade."
  amendOrder(
    order_id: String
    client_order_id: String
    size: String
    price: String
    stop_price: String
    idempotency_key: String
  ): OrderResult
  "Cancel an order, by exactly one of order_id and client_order_id. Scope trade."
  cancelOrder(order_id: String, client_order_id: String, idempotency_key: String): OrderResult
  "Cancel every open order, optionally only one instrument's or one side's. Scope trade."
  cancelAllOrders(instrument: String, side: String, idempotency_key: String): CancelAllResult
}

"A new order, as POST /v1/orders takes it."
input NewOrder {
  "Optional: without one the server gives the order srv- and 32 hex digits (from idempotency_key when given)."
  client_order_id: String
  instrument: String!
  side: String!
  type: String!
  price: String
  stop_price: String
  size: String
  funds: String
  time_in_force: String
  expire_time: Long
  post_only: Boolean
  stp: String
}

type Instrument {
  symbol: String!
  base: String!
  quote: String!
  tick_size: String!
  lot_size: String!
  min_qty: String!
  max_qty: String!
  min_notional: String!
  price_band_pct: String!
  maker_fee_bps: Int!
  taker_fee_bps: Int!
  home_region: String!
  "Which book object is the instrument's now: 0 until its first move or failover (docs/geography.md)."
  book_epoch: Int!
  "Where the book lives by time of day, as GET /v1/instruments/{symbol} gives it; null: it stays."
  home_schedule: JSON
  "An operator's status, or failover while the home book cannot be reached."
  status: String!
  "The trading calendar, as GET /v1/instruments/{symbol} gives it."
  calendar: JSON
}

"One side's entry: a price level (levels 1 and 2) or a resting order (level 3, with order_id)."
type BookEntry {
  price: String!
  size: String!
  order_id: String
}

type Book {
  instrument: String!
  level: Int!
  seq: Long!
  time: Long!
  bids: [BookEntry!]!
  asks: [BookEntry!]!
}

type Trade {
  trade_id: Long!
  price: String!
  size: String!
  "The aggressor's side."
  side: String!
  time: Long!
}

type TradesPage {
  instrument: String!
  trades: [Trade!]!
  next_before: Long
  next_after: Long
}

type Tickers {
  tickers: [Ticker!]!
  unavailable: [String!]!
}

type Ticker {
  instrument: String!
  best_bid: String
  best_bid_size: String
  best_ask: String
  best_ask_size: String
  last: String
  open_24h: String
  high_24h: String
  low_24h: String
  volume_24h: String!
  trades_24h: Int!
  time: Long!
}

type Candle {
  start: Long!
  open: String!
  high: String!
  low: String!
  close: String!
  volume: String!
  trades: Int!
}

type Candles {
  instrument: String!
  interval: String!
  start: Long!
  end: Long!
  candles: [Candle!]!
}

"A trading session: open ones have opened_at, upcoming ones opens_at."
type Session {
  name: String!
  city: String!
  time_zone: String!
  local_open: String!
  local_close: String!
  opened_at: String
  opened_at_ms: Long
  opens_at: String
  opens_at_ms: Long
  closes_at: String!
  closes_at_ms: Long!
}

type Sessions {
  time: String!
  epoch_ms: Long!
  open: [Session!]!
  next: [Session!]!
}

type Order {
  order_id: String!
  client_order_id: String!
  instrument: String!
  side: String!
  type: String!
  time_in_force: String!
  price: String
  stop_price: String
  size: String
  funds: String
  expire_time: Long
  post_only: Boolean!
  stp: String!
  status: String!
  filled_size: String!
  remaining_size: String
  executed_value: String!
  average_price: String
  fees: String!
  fee_asset: String!
  done_reason: String
  reject_code: String
  reject_reason: String
  stop_triggered: Boolean!
  created_at: String!
  created_at_ms: Long!
  updated_at: String!
  updated_at_ms: Long!
}

type Fill {
  fill_id: String!
  trade_id: Long!
  order_id: String!
  client_order_id: String!
  instrument: String!
  side: String!
  price: String!
  size: String!
  value: String!
  fee: String!
  fee_asset: String!
  liquidity: String!
  time: String!
  time_ms: Long!
  seq: Long!
}

type OrderPage {
  orders: [Order!]!
  next_cursor: String
}

type FillPage {
  fills: [Fill!]!
  next_cursor: String
}

type Balance {
  asset: String!
  total: String!
  available: String!
  hold: String!
}

type LedgerEntry {
  entry_id: Long!
  tx_id: Long!
  time: String!
  time_ms: Long!
  type: String!
  asset: String!
  amount: String!
  balance: String!
  hold: String!
  reference: String!
}

type LedgerPage {
  entries: [LedgerEntry!]!
  next_cursor: String
}

type OrderResult {
  order: Order!
  "Fills this request caused (a taker's, at once)."
  fills: [Fill!]!
  "True when the client_order_id (or idempotency key) was seen before: the first outcome."
  replayed: Boolean!
}

"The problem a refused order of a batch would have got alone (its REST code and status)."
type Problem {
  code: String!
  status: Int!
  title: String!
  detail: String!
  "The problem's other members (reason, order, errors ...)."
  extensions: JSON
}

type BatchResult {
  ok: Boolean!
  order: Order
  fills: [Fill!]
  replayed: Boolean
  error: Problem
}

type CancelAllResult {
  cancelled: [Order!]!
}

"A stored outcome: response is the body the mutation was answered with over REST, status its HTTP status."
type RequestOutcome {
  key: String!
  in_progress: Boolean!
  operation: String
  status: Int
  response: JSON
  created_at: String
  created_at_ms: Long
}
`;

const invalidLong = (shown: string) =>
  new GraphQLError(`Long must be a whole number between 0 and 2^53 - 1 (got ${shown.slice(0, 40)})`);

function toLong(value: unknown): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  throw invalidLong(String(value));
}

/** Integers past 32 bits, as JSON numbers (GraphQL's Int is 32-bit). */
export const Long = new GraphQLScalarType({
  name: "Long",
  serialize: (value) => toLong(value),
  parseValue: (value) => toLong(value),
  parseLiteral(node) {
    if (node.kind !== Kind.INT) throw invalidLong(node.kind);
    return toLong(Number(node.value));
  },
});

/** Any JSON value; only produced by the server (no field takes one as an argument). */
export const JSONScalar = new GraphQLScalarType({
  name: "JSON",
  serialize: (value) => value,
  parseValue: () => {
    throw new GraphQLError("JSON values are output only.");
  },
  parseLiteral: () => {
    throw new GraphQLError("JSON values are output only.");
  },
});
