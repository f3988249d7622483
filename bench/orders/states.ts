/**
 * Per-order cost as the venue fills up (`bench:orders`' `cost_growth`): the same flow,
 * measured by workerd's CPU time (process-cpu.ts), with the placing accounts holding 0,
 * 10, 1,000 and 10,000 open orders, and then with the book's log and outbox holding a
 * backlog of rows. The flow trades on an instrument of its own, so "empty" is an empty
 * book.
 *
 * Open orders are resting buys far below the flow (91.00–98.99 while the flow trades
 * at 99.99–100.01), placed 20 per `POST /v1/orders/batch`; they never trade.
 */

import type { Backlog, BatchReply } from "../../test/client/index.ts";
import { measuredCpu } from "../profile/process-cpu.ts";
import type { Server } from "../runtime.ts";
import { median } from "../stats.ts";
import { BATCH, errorKinds, load } from "./http-load.ts";
import { client, OPERATOR, RUN, type Trader } from "./setup.ts";

export interface StateFigure {
  /** Open orders on each placing account. */
  open_orders: number;
  /** Rows added to the book's log and outbox. */
  backlog_rows: number;
  /** workerd's CPU time (every thread) per order. */
  cpu_us_per_order: number;
  orders_per_s: number;
}

export interface StateOptions {
  symbol: string;
  /** Orders each state's profiled window completes. */
  orders: number;
  concurrency: number;
  /** Open orders per account, in order. */
  levels: number[];
  /** Backlog rows for the last state (0: none). */
  backlog: number;
  log: (msg: string) => void;
}

let seeded = 0;

/** Tops each trader up to `target` resting orders that never trade. */
export async function topUp(
  base: string,
  traders: Trader[],
  have: Map<string, number>,
  target: number,
  symbol: string,
): Promise<void> {
  const jobs: Array<{ trader: Trader; count: number }> = [];
  for (const t of traders) {
    let missing = target - (have.get(t.account) ?? 0);
    while (missing > 0) {
      const count = Math.min(BATCH, missing);
      jobs.push({ trader: t, count });
      missing -= count;
    }
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < jobs.length) {
        const { trader, count } = jobs[next++] as { trader: Trader; count: number };
        const orders = Array.from({ length: count }, () => {
          const k = seeded++;
          return {
            client_order_id: `rest-${RUN}-${k}`,
            instrument: symbol,
            side: "buy",
            type: "limit",
            price: (91 + (k % 800) / 100).toFixed(2),
            size: "1",
          };
        });
        const a = await client(base, trader.headers).call<BatchReply>("POST", "/v1/orders/batch", { orders });
        const refused = a.ok ? a.body.results?.find((r) => !r.ok) : undefined;
        if (!a.ok || refused)
          throw new Error(`resting orders refused: ${a.status} ${refused ? JSON.stringify(refused) : a.text}`);
        have.set(trader.account, (have.get(trader.account) ?? 0) + count);
      }
    }),
  );
}

/** Fills `symbol`'s log and outbox with `rows` rows of 1,000 offline accounts (the bench backlog route). */
export async function seedBacklog(base: string, symbol: string, rows: number): Promise<void> {
  await client(base, OPERATOR).expect<Backlog>("POST", `/v1/bench/books/${symbol}/backlog`, { rows, accounts: 1_000 });
}

/** Measures the flow once per state; the figures, empty state first. */
export async function measureStates(server: Server, traders: Trader[], o: StateOptions): Promise<StateFigure[]> {
  const figures: StateFigure[] = [];
  const have = new Map<string, number>();
  // Each state: three windows of a third of the orders, and their medians (this VM's pace drifts).
  const measure = async (open: number, backlog: number) => {
    const cpu: number[] = [];
    const rates: number[] = [];
    for (let w = 0; w < 3; w++) {
      const { result, cpuUs } = await measuredCpu(() =>
        load(server.base, "orders", traders, {
          seconds: 600,
          concurrency: o.concurrency,
          requests: Math.ceil(o.orders / 3),
          symbol: o.symbol,
        }),
      );
      if (result.errors > 0) {
        const kinds = [...errorKinds].map(([k, v]) => `${k} ×${v.count}: ${v.sample}`).join("; ");
        throw new Error(`${result.errors} orders failed in the state with ${open} open orders: ${kinds}`);
      }
      cpu.push(cpuUs / result.orders);
      rates.push(result.perSecond);
    }
    const perOrder = Math.round(median(cpu));
    figures.push({
      open_orders: open,
      backlog_rows: backlog,
      cpu_us_per_order: perOrder,
      orders_per_s: Math.round(median(rates)),
    });
    o.log(
      `state ${open} open orders/account${backlog ? `, ${backlog} backlog rows` : ""}: ${perOrder} µs of CPU per order (windows ${cpu.map(Math.round).join(", ")}), ${Math.round(median(rates))} orders/s`,
    );
  };
  // Warm-up on the empty book, then the empty state itself.
  await load(server.base, "orders", traders, {
    seconds: 600,
    concurrency: o.concurrency,
    requests: Math.max(100, o.orders / 4),
    symbol: o.symbol,
  });
  await measure(0, 0);
  for (const level of o.levels) {
    o.log(`resting ${level} orders on each of ${traders.length} accounts …`);
    await topUp(server.base, traders, have, level, o.symbol);
    await measure(level, 0);
  }
  if (o.backlog > 0) {
    o.log(`${o.backlog} backlog rows in ${o.symbol}'s log and outbox …`);
    await seedBacklog(server.base, o.symbol, o.backlog);
    await measure(o.levels.at(-1) ?? 0, o.backlog);
  }
  return figures;
}
