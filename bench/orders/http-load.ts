/**
 * HTTP phases of the order benchmarks: `concurrency` requests in flight on
 * keep-alive connections for a fixed time, each from the next trader in turn.
 */
import { CLIENT_HEADERS } from "../runtime.ts";
import { BOOK_SYMBOL, nextOrder, OPERATOR, type Trader } from "./setup.ts";

export const PHASES = ["noop", "orders", "batch", "balances", "book", "health"] as const;
export type Phase = (typeof PHASES)[number];

/** Orders per `POST /v1/orders/batch` (its most). */
export const BATCH = 20;

export const DESCRIBE: Record<Phase, string> = {
  noop: "POST /v1/bench/noop (1 no-op DO call)",
  orders: "POST /v1/orders",
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

export function noteError(phase: string, kind: string, sample: string): void {
  const key = `${phase}: ${kind}`;
  const seen = errorKinds.get(key);
  if (seen) seen.count++;
  else errorKinds.set(key, { count: 1, sample: sample.slice(0, 300) });
}

let batchNo = 0;

function post(url: string, headers: Record<string, string>, body: unknown, signal: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { ...CLIENT_HEADERS, ...headers, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
}

function request(base: string, phase: Phase, trader: Trader, symbol: string): Promise<Response> {
  const signal = AbortSignal.timeout(30_000);
  switch (phase) {
    case "noop":
      // The same body as an order, so both carry the same bytes; the no-op route does not read it.
      return post(`${base}/v1/bench/noop`, trader.headers, nextOrder("noop", symbol), signal);
    case "orders":
      return post(`${base}/v1/orders`, trader.headers, nextOrder("o", symbol), signal);
    case "batch":
      batchNo++;
      // One side per batch (alternating), so a batch never trades against itself.
      return post(
        `${base}/v1/orders/batch`,
        trader.headers,
        {
          orders: Array.from({ length: BATCH }, () => ({
            ...nextOrder("o", symbol),
            side: batchNo % 2 ? "buy" : "sell",
          })),
        },
        signal,
      );
    case "balances":
      return fetch(`${base}/v1/accounts/me/balances`, { headers: { ...CLIENT_HEADERS, ...trader.headers }, signal });
    case "book": {
      const o = nextOrder("b", BOOK_SYMBOL);
      const command = { type: "place", order_id: o.client_order_id, account: `book-${o.side}`, side: o.side };
      return post(
        `${base}/v1/admin/books/${BOOK_SYMBOL}/commands`,
        OPERATOR,
        { commands: [{ ...command, order_type: "limit", price: o.price, size: o.size }], reply: "summary" },
        signal,
      );
    }
    case "health":
      return fetch(`${base}/v1/health`, { headers: CLIENT_HEADERS, signal });
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
        const trader = traders[next++ % traders.length] as Trader;
        const t0 = performance.now();
        try {
          const res = await request(base, phase, trader, o.symbol);
          const text = await res.text();
          latencies.push(performance.now() - t0);
          const refused = phase === "book" && res.ok ? JSON.parse(text)?.results?.[0]?.error : undefined;
          if (refused) {
            errors++;
            noteError(phase, `200 ${refused.code}`, text);
          } else if (res.ok && phase === "batch") {
            for (const r of JSON.parse(text)?.results ?? []) {
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
            if (phase === "orders") {
              orders++;
              const status = String(JSON.parse(text)?.order?.status ?? "?");
              outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
            }
          } else {
            errors++;
            let code = "";
            try {
              code = JSON.parse(text)?.code ?? "";
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
