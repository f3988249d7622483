/**
 * Orders bench:geo places itself, beside bench/load's traders: paced crossing pairs (a
 * seller rests a limit sell at the mid, a buyer takes it at once: one trade per pair, at a
 * fixed rate, so both latency runs see the same traffic), and single orders retried until
 * they are decided (the failover probe). Every acknowledged order goes into the run's
 * `LoadResults`, so the reconciliation knows it; a request without a definite answer (status
 * 0, 5xx, 429) is sent again with the same `client_order_id` and `Idempotency-Key`, as
 * bench/load's traders do, so it is placed once.
 */
import type { Answer, OrderReply } from "../../test/client/index.ts";
import { sleep } from "../../test/client/index.ts";
import { MID_TICKS, type Trader } from "../load/setup.ts";
import type { LoadResults } from "../load/traders.ts";

export interface PlaceOutcome {
  /** The definite answer (2xx or a refusal), or undefined when every attempt was undecided. */
  answer: Answer<OrderReply> | undefined;
  /** performance.now() of the definite answer. */
  at: number;
  /** Undecided answers on the way, by "<status> <code>". */
  retried: Map<string, number>;
}

export interface LimitOrder {
  client_order_id: string;
  instrument: string;
  side: "buy" | "sell";
  price: string;
  size: string;
}

/** Price `ticks` ticks of 0.01 as the API writes it. */
export const price = (ticks: number): string => (ticks / 100).toFixed(2);

/**
 * Places `order` for `t`, retrying undecided answers every `retryMs` (at most `attempts`
 * times), and records an acknowledged order in `results`.
 */
export async function placeUntilDecided(
  t: Trader,
  order: LimitOrder,
  results: LoadResults,
  o: { retryMs: number; attempts: number },
): Promise<PlaceOutcome> {
  const retried = new Map<string, number>();
  const body = { ...order, type: "limit" };
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    const a = await t.http.call<OrderReply>("POST", "/v1/orders", body, { "idempotency-key": order.client_order_id });
    const undecided = a.status === 0 || a.status >= 500 || a.status === 429;
    if (!undecided) {
      const placed = a.ok ? a.body.order : undefined;
      if (placed) {
        results.acked.set(placed.order_id, {
          account: t.account,
          instrument: order.instrument,
          client_order_id: order.client_order_id,
          status: placed.status,
        });
      }
      return { answer: a, at: performance.now(), retried };
    }
    const key = `${a.status} ${a.ok ? "" : (a.body?.code ?? (a.status === 0 ? "transport" : ""))}`.trim();
    retried.set(key, (retried.get(key) ?? 0) + 1);
    await sleep(o.retryMs);
  }
  results.unresolved++;
  return { answer: undefined, at: performance.now(), retried };
}

export interface PacedOutcome {
  pairs: number;
  /** Pairs whose buy was filled (a trade). */
  trades: number;
  /** Pairs with an order refused or undecided. */
  failed: number;
}

/**
 * `rate` crossing pairs per second on `symbol` for `seconds`: `seller` sells 0.001 at the mid,
 * then, half an interval later, `buyer` buys 0.001 at the mid (a taker: the trade). The gap lets
 * the sell's push reach every region before the trade's is sent: a book, relay or shard has one
 * push in flight per subscriber, held for the whole (simulated) flight, so back-to-back commits
 * would add the previous push's flight to the trade's delivery. At most 4 pairs in flight.
 */
export async function pacedCrossings(o: {
  seller: Trader;
  buyer: Trader;
  symbol: string;
  rate: number;
  seconds: number;
  results: LoadResults;
  /** Prefix of the client order ids (unique per call). */
  tag: string;
}): Promise<PacedOutcome> {
  const out: PacedOutcome = { pairs: 0, trades: 0, failed: 0 };
  const at = price(MID_TICKS);
  const retry = { retryMs: 200, attempts: 40 };
  const gapMs = 500 / o.rate;
  const pair = async (n: number): Promise<void> => {
    const sentAt = performance.now();
    const base = { instrument: o.symbol, price: at, size: "0.001" };
    const sell = await placeUntilDecided(
      o.seller,
      { ...base, client_order_id: `${o.tag}s${n}`, side: "sell" },
      o.results,
      retry,
    );
    if (!sell.answer?.ok) {
      out.failed++;
      return;
    }
    await sleep(Math.max(0, sentAt + gapMs - performance.now()));
    const buy = await placeUntilDecided(
      o.buyer,
      { ...base, client_order_id: `${o.tag}b${n}`, side: "buy" },
      o.results,
      retry,
    );
    if (!buy.answer?.ok) out.failed++;
    else if (buy.answer.body.order.status === "filled") out.trades++;
  };
  const inflight = new Set<Promise<void>>();
  const start = performance.now();
  for (let next = start; next < start + o.seconds * 1000; next += 1000 / o.rate) {
    await sleep(Math.max(0, next - performance.now()));
    if (inflight.size >= 4) await Promise.race(inflight);
    const p: Promise<void> = pair(out.pairs++).finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
  return out;
}
