/**
 * The REST client: openapi-fetch over the generated `paths`, so every route, parameter and body
 * is typed, on the transport of transport.ts (credentials, idempotency keys, safe retries). A
 * problem answer throws the typed error of errors.ts; `client.api.GET(…)` and friends therefore
 * resolve with `data` only when the API said yes. The convenience methods are thin wrappers that
 * return the typed bodies.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import { errorOfResponse } from "../auth/http.ts";
import { type AuthOptions, createAuth } from "../auth/index.ts";
import type { AuthContext, Authenticator } from "../auth/types.ts";
import type { components, operations, paths } from "../generated/openapi.ts";
import { createTransport, type RetryOptions } from "./transport.ts";

type Schemas = components["schemas"];
/** The JSON body of an operation's answer with `status`. */
type Body<Op extends keyof operations, Status extends number = 200> =
  operations[Op]["responses"] extends Record<Status, { content: { "application/json": infer B } }> ? B : never;
type Query<Op extends keyof operations> = operations[Op]["parameters"] extends { query?: infer Q }
  ? NonNullable<Q>
  : never;

export type Order = Schemas["Order"];
export type Fill = Schemas["Fill"];
export type NewOrder = Schemas["NewOrder"];
export type AmendOrder = Schemas["AmendOrder"];
export type OrderReply = Schemas["OrderReply"];
export type OrderBatchResults = Schemas["OrderBatchResults"];
export type CancelledOrders = Schemas["CancelledOrders"];
export type CancelAfterState = Schemas["CancelAfterState"];
export type OrderPage = Schemas["OrderPage"];
export type FillPage = Schemas["FillPage"];
export type Balances = Schemas["Balances"];
export type LedgerPage = Schemas["LedgerPage"];
export type Instrument = Schemas["Instrument"];
export type Book = Schemas["Book"];
export type TradesPage = Schemas["TradesPage"];
export type Ticker = Schemas["Ticker"];
export type Tickers = Schemas["Tickers"];
export type Statement = Schemas["Statement"];
export type Candles = Schemas["Candles"];
export type ServerTime = Schemas["Time"];
export type Me = Schemas["Me"];
export type RequestOutcome = Schemas["RequestOutcome"];
export type InstrumentList = Body<"listInstruments">;
export type ListOrdersQuery = Query<"listOrders">;
export type ListFillsQuery = Query<"listFills">;
export type LedgerQuery = Query<"getMyLedger">;
export type BookQuery = Query<"getBook">;
export type TradesQuery = Query<"getTrades">;
export type CandlesQuery = Query<"getCandles">;
export type CancelAllFilter = Query<"cancelAllOrders">;

/** The typed openapi-fetch client of every route. */
export type ApiClient = Client<paths, "application/json">;

export interface RestClientOptions {
  /** The API's origin, e.g. `https://api.example.com` (the paths start with `/v1`). */
  baseUrl: string;
  /** The credential (omit for public routes only). */
  auth?: AuthOptions;
  /** The fetch to use (default `globalThis.fetch`). */
  fetch?: typeof globalThis.fetch;
  /** Retries, backoff and timeouts ({@link RetryOptions}). */
  retry?: RetryOptions;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** The client's clock, epoch ms (default `Date.now`): token expiry and signature timestamps. */
  now?: () => number;
}

/** Per-call options of the convenience methods. */
export interface CallOptions {
  signal?: AbortSignal;
}
/** Per-call options of mutations. */
export interface MutationOptions extends CallOptions {
  /** The request's Idempotency-Key (default: a generated one, kept across its retries). */
  idempotencyKey?: string;
}

/** An order by its id, or by the client order id it was placed with. */
export type OrderRef = string | { clientOrderId: string };

function required<T>(result: { data?: T }): T {
  // The middleware throws for every refusal, so a resolved call has its body.
  return result.data as T;
}

const keyed = (o: MutationOptions | undefined) =>
  o?.idempotencyKey === undefined ? undefined : { "idempotency-key": o.idempotencyKey };

export class RestClient {
  /** Every route, typed: `await client.api.GET("/v1/instruments/{symbol}", { params: { path: { symbol } } })`. */
  readonly api: ApiClient;
  /** The credential in use (a {@link TokenSession} for `api_key`, a {@link RequestSigner} for signed requests …). */
  readonly auth: Authenticator | undefined;
  readonly baseUrl: string;

  constructor(options: RestClientOptions) {
    const baseUrl = options.baseUrl.replace(/\/+$/, "");
    const baseFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const now = options.now ?? Date.now;
    const headers = { ...options.headers };
    const context: AuthContext = { baseUrl, fetch: baseFetch, now, headers };
    this.baseUrl = baseUrl;
    this.auth = options.auth ? createAuth(options.auth, context) : undefined;
    const transport = createTransport({
      baseUrl,
      fetch: baseFetch,
      auth: this.auth,
      now,
      headers,
      retry: options.retry ?? {},
    });
    this.api = createClient<paths, "application/json">({ baseUrl, fetch: transport, headers });
    const throwProblems: Middleware = {
      async onResponse({ request, response }) {
        if (response.ok) return undefined;
        throw await errorOfResponse(response, `${request.method} ${new URL(request.url).pathname}`, now);
      },
    };
    this.api.use(throwProblems);
  }

  /** `POST /v1/orders`: places an order (201; 200 with `replayed: true` for a repeated client order id). */
  async placeOrder(order: NewOrder, o?: MutationOptions): Promise<OrderReply> {
    return required(
      await this.api.POST("/v1/orders", { body: order, params: { header: keyed(o) }, signal: o?.signal }),
    ) as OrderReply;
  }

  /** `POST /v1/orders/batch`: 1–20 orders, each with its own result. */
  async placeOrders(orders: NewOrder[], o?: MutationOptions): Promise<OrderBatchResults> {
    return required(
      await this.api.POST("/v1/orders/batch", { body: { orders }, params: { header: keyed(o) }, signal: o?.signal }),
    );
  }

  /** `PATCH /v1/orders/{order_id}` (or `/client/{client_order_id}`): a new total size, price or stop price. */
  async amendOrder(ref: OrderRef, changes: AmendOrder, o?: MutationOptions): Promise<OrderReply> {
    const init = { body: changes, signal: o?.signal };
    if (typeof ref === "string") {
      return required(
        await this.api.PATCH("/v1/orders/{order_id}", {
          ...init,
          params: { path: { order_id: ref }, header: keyed(o) },
        }),
      );
    }
    return required(
      await this.api.PATCH("/v1/orders/client/{client_order_id}", {
        ...init,
        params: { path: { client_order_id: ref.clientOrderId }, header: keyed(o) },
      }),
    );
  }

  /** `DELETE /v1/orders/{order_id}` (or `/client/{client_order_id}`). */
  async cancelOrder(ref: OrderRef, o?: MutationOptions): Promise<OrderReply> {
    if (typeof ref === "string") {
      return required(
        await this.api.DELETE("/v1/orders/{order_id}", {
          params: { path: { order_id: ref }, header: keyed(o) },
          signal: o?.signal,
        }),
      );
    }
    return required(
      await this.api.DELETE("/v1/orders/client/{client_order_id}", {
        params: { path: { client_order_id: ref.clientOrderId }, header: keyed(o) },
        signal: o?.signal,
      }),
    );
  }

  /** `DELETE /v1/orders`: cancels every open order, or those of one instrument and/or side. */
  async cancelAll(filter?: CancelAllFilter, o?: MutationOptions): Promise<CancelledOrders> {
    return required(
      await this.api.DELETE("/v1/orders", { params: { query: filter, header: keyed(o) }, signal: o?.signal }),
    );
  }

  /** `POST /v1/orders/cancel-after`: arms (or with 0 disarms) the account's dead-man timer. */
  async cancelAfter(timeoutMs: number, o?: MutationOptions): Promise<CancelAfterState> {
    return required(
      await this.api.POST("/v1/orders/cancel-after", {
        body: { timeout_ms: timeoutMs },
        params: { header: keyed(o) },
        signal: o?.signal,
      }),
    );
  }

  /** `GET /v1/orders/{order_id}` (or `/client/{client_order_id}`). */
  async getOrder(ref: OrderRef, o?: CallOptions): Promise<Order> {
    if (typeof ref === "string") {
      return required(await this.api.GET("/v1/orders/{order_id}", { params: { path: { order_id: ref } }, ...o })).order;
    }
    return required(
      await this.api.GET("/v1/orders/client/{client_order_id}", {
        params: { path: { client_order_id: ref.clientOrderId } },
        ...o,
      }),
    ).order;
  }

  /** `GET /v1/orders`: newest first, `next_cursor` for older pages. */
  async listOrders(query?: ListOrdersQuery, o?: CallOptions): Promise<OrderPage> {
    return required(await this.api.GET("/v1/orders", { params: { query }, ...o }));
  }

  /** `GET /v1/fills`. */
  async listFills(query?: ListFillsQuery, o?: CallOptions): Promise<FillPage> {
    return required(await this.api.GET("/v1/fills", { params: { query }, ...o }));
  }

  /** `GET /v1/requests/{key}`: what a request sent with this Idempotency-Key got (202 bodies: `in_progress`). */
  async requestOutcome(key: string, o?: CallOptions): Promise<RequestOutcome> {
    return required(await this.api.GET("/v1/requests/{key}", { params: { path: { key } }, ...o }));
  }

  /** `GET /v1/accounts/me/balances`. */
  async balances(o?: CallOptions): Promise<Balances> {
    return required(await this.api.GET("/v1/accounts/me/balances", { ...o }));
  }

  /** `GET /v1/accounts/me/ledger`. */
  async ledger(query?: LedgerQuery, o?: CallOptions): Promise<LedgerPage> {
    return required(await this.api.GET("/v1/accounts/me/ledger", { params: { query }, ...o }));
  }

  /** `GET /v1/accounts/me`: who the credential is. */
  async me(o?: CallOptions): Promise<Me> {
    return required(await this.api.GET("/v1/accounts/me", { ...o }));
  }

  /** `GET /v1/instruments`. */
  async instruments(o?: CallOptions): Promise<InstrumentList> {
    return required(await this.api.GET("/v1/instruments", { ...o }));
  }

  /** `GET /v1/instruments/{symbol}`. */
  async instrument(symbol: string, o?: CallOptions): Promise<Instrument> {
    return required(await this.api.GET("/v1/instruments/{symbol}", { params: { path: { symbol } }, ...o }));
  }

  /** `GET /v1/instruments/{symbol}/book` (`level` 1, 2 or 3, `depth`). */
  async book(symbol: string, query?: BookQuery, o?: CallOptions): Promise<Book> {
    return required(await this.api.GET("/v1/instruments/{symbol}/book", { params: { path: { symbol }, query }, ...o }));
  }

  /** `GET /v1/instruments/{symbol}/trades`. */
  async trades(symbol: string, query?: TradesQuery, o?: CallOptions): Promise<TradesPage> {
    return required(
      await this.api.GET("/v1/instruments/{symbol}/trades", { params: { path: { symbol }, query }, ...o }),
    );
  }

  /** `GET /v1/accounts/me/statement`: balances, entries, fees and fills of `[start, end)`, reconciled. */
  async statement(query: { start: number; end: number }, o?: CallOptions): Promise<Statement> {
    return required(await this.api.GET("/v1/accounts/me/statement", { params: { query }, ...o }));
  }

  /** `GET /v1/tickers`: every instrument's ticker in one call. */
  async tickers(o?: CallOptions): Promise<Tickers> {
    return required(await this.api.GET("/v1/tickers", { ...o }));
  }

  /** `GET /v1/instruments/{symbol}/ticker`. */
  async ticker(symbol: string, o?: CallOptions): Promise<Ticker> {
    return required(await this.api.GET("/v1/instruments/{symbol}/ticker", { params: { path: { symbol } }, ...o }));
  }

  /** `GET /v1/instruments/{symbol}/candles` (`interval` required). */
  async candles(symbol: string, query: CandlesQuery, o?: CallOptions): Promise<Candles> {
    return required(
      await this.api.GET("/v1/instruments/{symbol}/candles", { params: { path: { symbol }, query }, ...o }),
    );
  }

  /** `GET /v1/time`: the server's clock. */
  async time(o?: CallOptions): Promise<ServerTime> {
    return required(await this.api.GET("/v1/time", { ...o }));
  }
}

/** A REST client of the API at `baseUrl` ({@link RestClientOptions}). */
export function createRestClient(options: RestClientOptions): RestClient {
  return new RestClient(options);
}
