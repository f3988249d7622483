/**
 * HTTP phases of the order benchmarks: `concurrency` requests in flight on
 * keep-alive connections for a fixed time, each from the next trader in turn.
 */
import type { BatchReply, BookCommandsResult, Http, OrderReply, Problem } from "../../test/client/index.ts";
import { BOOK_SYMBOL, client, nextOrder, OPERATOR, type Trader } from "./setup.ts";

export const PHASES = ["noop", "orders", "graphql", "connect", "batch", "balances", "book", "health"] as const;
export type Phase = (typeof PHASES)[number];

/** Orders per `POST /v1/orders/batch` (its most). */
export const BATCH = 20;

export const DESCRIBE: Record<Phase, string> = {
  noop: "POST /v1/bench/noop (1 no-op DO call)",
  orders: "POST /v1/orders",
  graphql: "POST /v1/graphql (placeOrder)",
  connect: "POST /platform3.v1.TradingService/PlaceOrder (Connect JSON)",
  batch: `POST /v1/orders/batch (${BATCH}), in orders`,
  balances: "GET /v1/accounts/me/balances",
  book: `POST /v1/admin/books/${BOOK_SYMBOL}/commands (1)`,
  health: "GET /v1/health (public)",
};

export interface PhaseResult {
  phase: Phase;
  perSecond: number;
  ok: number;
  errors: number;
  /** Orders placed (orders and batch phases), for per-order figures. */
  orders: number;
  latencies: Float64Array;
}

/** Error replies by "phase: status code", with one sample body each. */
export const errorKinds = new Map<string, { count: number; sample: string }>();
/** Order outcomes by `status` in the 2xx replies of `POST /v1/orders`. */
export const outcomes = new Map<string, number>();

/** The GraphQL placement: the same order through the same operation as `POST /v1/orders`. */
const PLACE_MUTATION =
  "mutation Place($order: NewOrder!) { placeOrder(order: $order) { order { order_id status } replayed } }";

/** An order in proto JSON (field names are REST's; enums by their proto names). */
function connectOrder(order: Record<string, string>): Record<string, string> {
  return { ...order, side: `SIDE_${order.side?.toUpperCase()}`, type: `ORDER_TYPE_${order.type?.toUpperCase()}` };
}

/** `text` parsed as the JSON body of type `T` (trusted: not checked). */
const json = <T>(text: string): T | undefined => JSON.parse(text);

export function noteError(phase: string, kind: string, sample: string): void {
  const key = `${phase}: ${kind}`;
  const seen = errorKinds.get(key);
  if (seen) seen.count++;
  else errorKinds.set(key, { count: 1, sample: sample.slice(0, 300) });
}

let batchNo = 0;

/** The clients of one load: one per trader, the operator's and a public one; 30 s per request. */
interface Clients {
  traders: Http[];
  operator: Http;
  public: Http;
}

function request(c: Clients, phase: Phase, trader: Http, symbol: string): Promise<Response> {
  switch (phase) {
    case "noop":
      // The same body as an order, so both carry the same bytes; the no-op route does not read it.
      return trader.send("POST", "/v1/bench/noop", nextOrder("noop", symbol));
    case "orders":
      return trader.send("POST", "/v1/orders", nextOrder("o", symbol));
    case "graphql":
      return trader.send("POST", "/v1/graphql", {
        query: PLACE_MUTATION,
        variables: { order: nextOrder("g", symbol) },
      });
    case "connect":
      return trader.send("POST", "/platform3.v1.TradingService/PlaceOrder", connectOrder(nextOrder("c", symbol)));
    case "batch":
      batchNo++;
      // One side per batch (alternating), so a batch never trades against itself.
      return trader.send("POST", "/v1/orders/batch", {
        orders: Array.from({ length: BATCH }, () => ({
          ...nextOrder("o", symbol),
          side: batchNo % 2 ? "buy" : "sell",
        })),
      });
    case "balances":
      return trader.send("GET", "/v1/accounts/me/balances");
    case "book": {
      const o = nextOrder("b", BOOK_SYMBOL);
      const command = { type: "place", order_id: o.client_order_id, account: `book-${o.side}`, side: o.side };
      return c.operator.send("POST", `/v1/admin/books/${BOOK_SYMBOL}/commands`, {
        commands: [{ ...command, order_type: "limit", price: o.price, size: o.size }],
        reply: "summary",
      });
    }
    case "health":
      return c.public.send("GET", "/v1/health");
  }
}

export interface LoadOptions {
  seconds: number;
  concurrency: number;
  /** Stop after this many requests (all lanes together), if given. */
  requests?: number;
  /** The instrument orders go to. */
  symbol: string;
}

/** `concurrency` requests in flight until time or the request count runs out, each from the next trader in turn. */
export async function load(base: string, phase: Phase, traders: Trader[], o: LoadOptions): Promise<PhaseResult> {
  const timeout = 30_000;
  const c: Clients = {
    traders: traders.map((t) => client(base, t.headers, timeout)),
    operator: client(base, OPERATOR, timeout),
    public: client(base, {}, timeout),
  };
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let orders = 0;
  let next = 0;
  let sent = 0;
  const start = performance.now();
  const end = start + o.seconds * 1000;
  const more = () => performance.now() < end && (o.requests === undefined || sent < o.requests);
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (more()) {
        sent++;
        const trader = c.traders[next++ % c.traders.length] as Http;
        const t0 = performance.now();
        try {
          const res = await request(c, phase, trader, o.symbol);
          const text = await res.text();
          latencies.push(performance.now() - t0);
          // Bodies are parsed only where the phase reads them (the types are the contract's, not checked).
          const refused = phase === "book" && res.ok ? json<BookCommandsResult>(text)?.results?.[0]?.error : undefined;
          // GraphQL answers 200 with `errors` for a refused field.
          const gqlErrors =
            phase === "graphql" && res.ok
              ? json<{ errors?: { extensions?: { code?: string } }[] }>(text)?.errors
              : undefined;
          if (gqlErrors && gqlErrors.length > 0) {
            errors++;
            noteError(phase, `200 ${gqlErrors[0]?.extensions?.code ?? "graphql_error"}`, text);
          } else if (refused) {
            errors++;
            noteError(phase, `200 ${refused.code}`, text);
          } else if (res.ok && phase === "batch") {
            for (const r of json<BatchReply>(text)?.results ?? []) {
              if (r.ok) {
                ok++;
                orders++;
              } else {
                errors++;
                noteError(phase, `${r.error?.status ?? "?"} ${r.error?.code ?? ""}`.trim(), JSON.stringify(r.error));
              }
            }
          } else if (res.ok) {
            ok++;
            if (phase === "graphql" || phase === "connect") orders++;
            if (phase === "orders") {
              orders++;
              const status = String(json<OrderReply>(text)?.order?.status ?? "?");
              outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
            }
          } else {
            errors++;
            let code = "";
            try {
              code = json<Problem>(text)?.code ?? "";
            } catch {
              // not JSON
            }
            noteError(phase, `${res.status} ${code}`.trim(), text);
          }
        } catch (err) {
          errors++;
          noteError(phase, "network", String(err));
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { phase, perSecond: ok / elapsed, ok, errors, orders, latencies: Float64Array.from(latencies).sort() };
}
