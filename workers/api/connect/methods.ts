/**
 * Every RPC of `platform3.v1` and the operation it runs: the request message
 * as the REST input of the same call (`protoToRest`, then `input` where REST
 * splits it, e.g. a path parameter beside its query), the operation's result
 * as the response message (`restToProto`, after `output` where the proto
 * wraps or reshapes it). The operation's own schema validates the input; no
 * rule lives here. Server streams are in streams.ts.
 */
import { create, type DescMethod, type Message } from "@bufbuild/protobuf";
import { AmendByRefSchema, splitAmend } from "../../../shared/operations/order-ref.ts";
import { AccountService } from "../../../shared/proto/gen/platform3/v1/account_pb.ts";
import { ProblemSchema } from "../../../shared/proto/gen/platform3/v1/common_pb.ts";
import { MarketDataService } from "../../../shared/proto/gen/platform3/v1/market_data_pb.ts";
import {
  PlaceOrdersResponseSchema,
  PlaceOrdersResultSchema,
  TradingService,
} from "../../../shared/proto/gen/platform3/v1/trading_pb.ts";
import * as accounts from "../operations/accounts.ts";
import type { OperationContext } from "../operations/context.ts";
import { type AnyOperation, invalidInput } from "../operations/define.ts";
import * as market from "../operations/market-data.ts";
import type { BatchItem, OrderReply, Success } from "../operations/order-outcomes.ts";
import * as orders from "../operations/orders.ts";
import { getRequest } from "../operations/requests.ts";
import { getSessions } from "../operations/sessions.ts";
import { restToProto } from "./convert.ts";
import { problemMessage } from "./errors.ts";

type Json = Record<string, unknown>;

/** A unary RPC served by an operation. */
export interface UnaryRpc {
  method: DescMethod;
  op: AnyOperation;
  /** The operation's input from the request as REST JSON (default: as it is). */
  input?: (rest: Json, ctx: OperationContext) => unknown;
  /** The response: REST JSON for `restToProto`, or the message itself (default: the result as it is). */
  output?: (result: never) => unknown;
}

/** A book side's REST entries (`[price, size]` levels, or level 3's orders) as `BookEntry` objects. */
function entries(side: unknown): unknown[] {
  return (side as unknown[]).map((e) => (Array.isArray(e) ? { price: e[0], size: e[1] } : e));
}

/** `AmendOrder`'s request parsed as the feed's and GraphQL's `order.amend`, as the operation's input. */
function amendInput(rest: Json, ctx: OperationContext) {
  const parsed = AmendByRefSchema.safeParse(rest);
  if (!parsed.success) throw invalidInput(parsed.error, ctx.instance);
  return splitAmend(parsed.data);
}

/** `PlaceOrders`' results, a refused item's problem as a `Problem` message. */
function batchResults({ results }: { results: BatchItem[] }): Message {
  return create(PlaceOrdersResponseSchema, {
    results: results.map((item) =>
      item.ok
        ? restToProto(PlaceOrdersResultSchema, item)
        : create(PlaceOrdersResultSchema, { ok: false, error: create(ProblemSchema, problemMessage(item.error)) }),
    ),
  });
}

const body = (r: Success<OrderReply>) => r.body;
const m = { market: MarketDataService.method, trading: TradingService.method, account: AccountService.method };

export const UNARY_RPCS: readonly UnaryRpc[] = [
  { method: m.market.listInstruments, op: market.listInstruments },
  { method: m.market.getInstrument, op: market.getInstrument, output: (instrument: unknown) => ({ instrument }) },
  {
    method: m.market.getBook,
    op: market.getBook,
    input: ({ level, ...rest }) => ({ ...rest, ...(level !== undefined && { level: String(level) }) }),
    output: (book: Json) => ({ ...book, bids: entries(book.bids), asks: entries(book.asks) }),
  },
  { method: m.market.getTrades, op: market.getTrades, input: ({ symbol, ...query }) => ({ symbol, query }) },
  { method: m.market.getCandles, op: market.getCandles },
  { method: m.market.getTicker, op: market.getTicker, output: (ticker: unknown) => ({ ticker }) },
  { method: m.market.listTickers, op: market.listTickers },
  { method: m.market.getSessions, op: getSessions },
  { method: m.trading.placeOrder, op: orders.placeOrder, output: body },
  { method: m.trading.placeOrders, op: orders.placeOrders, output: batchResults },
  { method: m.trading.amendOrder, op: orders.amendOrder, input: amendInput },
  { method: m.trading.cancelOrder, op: orders.cancelOrder },
  { method: m.trading.cancelAllOrders, op: orders.cancelAllOrders },
  // proto3 never sends an implicit zero: an unset timeout_ms is 0 (disarm), which REST's body must spell out.
  { method: m.trading.cancelAfter, op: orders.cancelAfter, input: (rest) => ({ timeout_ms: 0, ...rest }) },
  { method: m.trading.getOrder, op: orders.getOrder },
  { method: m.trading.listOrders, op: orders.listOrders },
  { method: m.trading.listFills, op: orders.listFills },
  { method: m.trading.getRequest, op: getRequest },
  { method: m.account.getBalances, op: accounts.getBalances },
  { method: m.account.listLedgerEntries, op: accounts.getLedger },
];

/** `/platform3.v1.TradingService/PlaceOrder`. */
export function rpcPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** Whether `value` is a message already (an `output` that built it), not REST JSON. */
export function isMessage(value: unknown): value is Message {
  return (
    value !== null && typeof value === "object" && typeof (value as { $typeName?: unknown }).$typeName === "string"
  );
}
