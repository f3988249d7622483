/**
 * The resolvers of the GraphQL schema: each root field is an adapter of one
 * operation (operations/). It drops null arguments (GraphQL's "not given"),
 * shapes the arguments as the operation's input, runs the operation through
 * `invoke` (scope, the operation's zod schema, then `run`) and shapes its
 * result; an operation's problem becomes a GraphQL error with its code.
 * Mutations take `idempotency_key`, the REST `Idempotency-Key`.
 */
import { z } from "zod";
import { AmendByRefSchema, splitAmend } from "../../../shared/operations/order-ref.ts";
import { KEY_PATTERN } from "../openapi/contracts/order-schemas.ts";
import * as accounts from "../operations/accounts.ts";
import type { OperationContext } from "../operations/context.ts";
import { type AnyOperation, authorize, invalidInput, invoke } from "../operations/define.ts";
import * as market from "../operations/market-data.ts";
import type { BatchItem, OrderReply, Success } from "../operations/order-outcomes.ts";
import * as orders from "../operations/orders.ts";
import { getRequest } from "../operations/requests.ts";
import { getSessions } from "../operations/sessions.ts";
import { graphqlError, resolverError } from "./errors.ts";
import { JSONScalar, Long } from "./schema.ts";

/** What every resolver gets: the request's operation context (without an idempotency key). */
export interface GraphQLContext {
  operations: OperationContext;
}

type Args = Record<string, unknown>;

const IdempotencyKey = z.string().regex(KEY_PATTERN, {
  message: "idempotency_key must be 1 to 64 of A-Z a-z 0-9 . _ : -",
});

/** The arguments that were given (GraphQL passes an explicit null for "not given" too). */
function given(args: Args): Args {
  const out: Args = {};
  for (const [k, v] of Object.entries(args)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

/** A root field running `op` on `input(args)`, answering `output(result)`. */
function field<O>(
  op: AnyOperation,
  input: (args: Args, ctx: OperationContext) => unknown,
  output: (result: O) => unknown = (r) => r,
) {
  return async (_parent: unknown, raw: Args, context: GraphQLContext) => {
    const base = context.operations;
    try {
      const { idempotency_key, ...args } = given(raw);
      authorize(op, base.caller);
      let idempotencyKey: string | undefined;
      if (idempotency_key !== undefined) {
        const parsed = IdempotencyKey.safeParse(idempotency_key);
        if (!parsed.success) {
          const message = parsed.error.issues[0]?.message ?? "invalid";
          throw graphqlError("invalid_request", `Invalid arguments: idempotency_key: ${message}`, {
            errors: [{ field: "idempotency_key", message }],
          });
        }
        idempotencyKey = parsed.data;
      }
      return output((await invoke(op, { ...base, idempotencyKey }, input(args, base))) as O);
    } catch (err) {
      throw await resolverError(err, base.requestId);
    }
  };
}

const same = (args: Args) => args;
const none = () => ({});

/** A book side's entries: `[price, size]` levels, or level 3's resting orders as they are. */
function entries(side: unknown): unknown[] {
  return (side as unknown[]).map((e) => (Array.isArray(e) ? { price: e[0], size: e[1] } : e));
}

/** A refused batch item's problem: code, status, title, detail, and its other members. */
function problemView(problem: Record<string, unknown>) {
  const { code, status, title, detail, type: _type, ...extensions } = problem;
  return { code, status, title, detail, extensions };
}

/** `amendOrder`'s flat arguments, parsed as the feed's `order.amend` parses them, as the operation's input. */
function amendInput(args: Args, ctx: OperationContext) {
  const parsed = AmendByRefSchema.safeParse(args);
  if (!parsed.success) throw invalidInput(parsed.error, ctx.instance);
  return splitAmend(parsed.data);
}

export const RESOLVERS = {
  Long,
  JSON: JSONScalar,
  Query: {
    instruments: field<{ instruments: unknown[] }>(market.listInstruments, none, (r) => r.instruments),
    instrument: field(market.getInstrument, same),
    book: field<{ bids: unknown; asks: unknown }>(
      market.getBook,
      ({ level, ...rest }) => ({ ...rest, ...(level !== undefined && { level: String(level) }) }),
      (book) => ({ ...book, bids: entries(book.bids), asks: entries(book.asks) }),
    ),
    trades: field(market.getTrades, ({ symbol, ...query }) => ({ symbol, query })),
    candles: field(market.getCandles, same),
    ticker: field(market.getTicker, same),
    tickers: field(market.listTickers, none),
    sessions: field(getSessions, none),
    orders: field(orders.listOrders, same),
    order: field<{ order: unknown }>(orders.getOrder, same, (r) => r.order),
    fills: field(orders.listFills, same),
    balances: field<{ balances: unknown[] }>(accounts.getBalances, none, (r) => r.balances),
    ledger: field(accounts.getLedger, same),
    request: field(getRequest, same),
  },
  Mutation: {
    placeOrder: field<Success<OrderReply>>(
      orders.placeOrder,
      ({ order }) => given(order as Args),
      (r) => r.body,
    ),
    placeOrders: field<{ results: BatchItem[] }>(
      orders.placeOrders,
      ({ orders: items }) => ({ orders: (items as Args[]).map(given) }),
      (r) => r.results.map((item) => (item.ok ? item : { ok: false, error: problemView(item.error) })),
    ),
    amendOrder: field(orders.amendOrder, amendInput),
    cancelOrder: field(orders.cancelOrder, same),
    cancelAllOrders: field(orders.cancelAllOrders, same),
  },
};
