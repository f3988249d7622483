/**
 * The operations of the API, one module per area. REST routes (routes/),
 * GraphQL fields (graphql/) and Connect methods (connect/) call these and add no
 * rule of their own; see docs/architecture.md#operations.
 */
import { getBalances, getLedger } from "./accounts.ts";
import type { AnyOperation } from "./define.ts";
import { getBook, getCandles, getInstrument, getTicker, getTrades, listInstruments } from "./market-data.ts";
import {
  amendOrder,
  cancelAfter,
  cancelAllOrders,
  cancelOrder,
  getOrder,
  listFills,
  listOrders,
  placeOrder,
  placeOrders,
} from "./orders.ts";
import { getRequest } from "./requests.ts";
import { getSessions } from "./sessions.ts";
import { openMarketStream, openUserStream } from "./streams.ts";

export { callOptionsOf, contextOf, type OperationContext } from "./context.ts";
export { type AnyOperation, authorize, defineOperation, type Idempotency, invoke, type Operation } from "./define.ts";
export { problemOf, type RaisedProblem } from "./errors.ts";

/** Every operation, by name. */
export const OPERATIONS = {
  "orders.place": placeOrder,
  "orders.place_batch": placeOrders,
  "orders.amend": amendOrder,
  "orders.cancel": cancelOrder,
  "orders.cancel_all": cancelAllOrders,
  "orders.cancel_after": cancelAfter,
  "orders.get": getOrder,
  "orders.list": listOrders,
  "orders.fills": listFills,
  "accounts.balances": getBalances,
  "accounts.ledger": getLedger,
  "instruments.list": listInstruments,
  "instruments.get": getInstrument,
  "market.book": getBook,
  "market.trades": getTrades,
  "market.ticker": getTicker,
  "market.candles": getCandles,
  "sessions.list": getSessions,
  "requests.get": getRequest,
  "streams.market": openMarketStream,
  "streams.user": openUserStream,
} as const satisfies Record<string, AnyOperation>;

export type OperationName = keyof typeof OPERATIONS;
