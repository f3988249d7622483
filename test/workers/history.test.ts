/**
 * History endpoints and the replay, against the run's real Postgres
 * (test/global-setup-postgres.ts): two accounts trade through the real app
 * (`exports.default.fetch`), the objects stream their events through Miniflare's
 * Queue into Postgres, and then:
 * - each history endpoint answers what the live endpoints answer for the same data
 *   (done orders, fills, ledger, trades, candles), newest first;
 * - two pages through `next_cursor` equal one big page; filters narrow;
 * - another account sees none of the caller's orders, fills or ledger;
 * - bad queries are 400 `invalid_request` naming the field; unknown symbols 404;
 * - without `DATABASE_URL`, or with Postgres unreachable, 503 `history_unavailable`;
 * - the journal folded by `shared/replay` equals the live book (L3) and balances.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { withClient } from "../../shared/db/neon.ts";
import { type LiveSource, type ReplayDb, replay } from "../../shared/replay/index.ts";
import { createApp } from "../../workers/api/app.ts";
import type { Env } from "../../workers/api/env.ts";
import { postgresReadState } from "../../workers/api/history/postgres-reads.ts";
import { fundedTrader, send, type Trader } from "./account-helpers.ts";
import { expectProblem, OPERATOR } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";
import { hasDb, sql, until } from "./postgres-helpers.ts";

const BASE = "http://platform3.test";
const tag = Math.random().toString(36).slice(2, 7).toUpperCase();
const SYMBOL = `HIST${tag}-USD`;
const BASE_ASSET = `HIST${tag}`;
const NO_CACHE = { "cache-control": "no-cache" };

let seller: Trader;
let buyer: Trader;
let stranger: Trader;

function trader(deposits: Record<string, string>): Promise<Trader> {
  return fundedTrader(deposits, NO_CACHE);
}

async function get<T = Record<string, unknown>>(path: string, who?: Trader): Promise<T> {
  const res = await exports.default.fetch(`${BASE}${path}`, { headers: who?.headers ?? NO_CACHE });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return res.json<T>();
}

const place = (who: Trader, client_order_id: string, side: "buy" | "sell", price: string, size: string) =>
  send("POST", "/v1/orders", who, { client_order_id, instrument: SYMBOL, side, type: "limit", price, size });

type Page<K extends string> = { [key in K]: Array<Record<string, unknown>> } & { next_cursor: string | null };

/** Every row of a history listing, `limit` at a time through the cursors. */
async function allPages<K extends string>(path: string, key: K, limit: number, who?: Trader) {
  const rows: Array<Record<string, unknown>> = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const url: string = `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`;
    const page: Page<K> = await get<Page<K>>(url, who);
    expect(page[key].length).toBeLessThanOrEqual(limit);
    rows.push(...page[key]);
    cursor = page.next_cursor;
    pages++;
  } while (cursor !== null && pages < 100);
  return { rows, pages };
}

/** What a sender's history must show once the pipeline has delivered: the live done orders. */
async function liveDone(who: Trader) {
  return (await get<Page<"orders">>("/v1/orders?status=done&limit=1000", who)).orders;
}

describe.skipIf(!hasDb)("history endpoints (Postgres)", () => {
  beforeAll(async () => {
    await listInstrument(testInstrument(SYMBOL, { maker_fee_bps: 10, taker_fee_bps: 20 }));
    seller = await trader({ [BASE_ASSET]: "100" });
    buyer = await trader({ USD: "10000" });
    stranger = await trader({ USD: "5" });

    // The seller rests three asks at 100, one at 105 and one at 110 (cancelled).
    for (const i of [1, 2, 3]) await place(seller, `ask-${i}`, "sell", "100.00", "1");
    const ask4 = await place(seller, "ask-4", "sell", "105.00", "2");
    const ask5 = await place(seller, "ask-5", "sell", "110.00", "1");
    // The buyer takes the three at 100 one by one, then half of one at 105, and rests a bid at 90.
    for (const i of [1, 2, 3]) await place(buyer, `bid-${i}`, "buy", "100.00", "1");
    await place(buyer, "bid-4", "buy", "105.00", "0.5");
    await place(buyer, "bid-5", "buy", "90.00", "1");
    // Size-down keeps ask-4's place; ask-5 is cancelled.
    const ask4Id = (ask4.order as { order_id: string }).order_id;
    await send("PATCH", `/v1/orders/${ask4Id}`, seller, { size: "1.8" });
    await send("DELETE", `/v1/orders/${(ask5.order as { order_id: string }).order_id}`, seller, undefined);

    // Delivered: Postgres has each trader's done orders in their final views, every fill and ledger entry.
    // (Polled in SQL: the API's per-key rate limit is for the assertions.)
    for (const who of [seller, buyer, stranger]) {
      const done = await liveDone(who);
      const fills = (await get<Page<"fills">>("/v1/fills?limit=1000", who)).fills.length;
      const entries = (await get<Page<"entries">>("/v1/accounts/me/ledger?limit=1000", who)).entries.length;
      await until(`${who.account}'s history in Postgres`, async () => {
        const [row] = await sql<{ orders: number; fills: number; entries: number }>(
          `SELECT (SELECT count(*)::int FROM orders WHERE account_id = $1
                     AND status IN ('filled', 'cancelled', 'expired', 'rejected')) AS orders,
                  (SELECT count(*)::int FROM fills WHERE account_id = $1) AS fills,
                  (SELECT count(*)::int FROM ledger_entries WHERE account_id = $1) AS entries`,
          [who.account],
        );
        return row?.orders === done.length && row.fills === fills && row.entries === entries ? true : undefined;
      });
    }
    await until("the trades in Postgres", async () => {
      const [row] = await sql<{ n: number }>("SELECT count(*)::int AS n FROM trades WHERE instrument = $1", [SYMBOL]);
      return row?.n === 4 ? true : undefined;
    });
  }, 60_000);

  it("answers the caller's done orders, newest first, as the live endpoint does", async () => {
    const page = await get<Page<"orders">>("/v1/history/orders", buyer);
    expect(page.orders.map((o) => o.client_order_id)).toEqual(["bid-4", "bid-3", "bid-2", "bid-1"]);
    expect(page.orders.every((o) => o.status === "filled")).toBe(true);
    expect(page.orders).toEqual(await liveDone(buyer));
    expect(page.next_cursor).toBeNull();

    const sellerDone = await get<Page<"orders">>("/v1/history/orders", seller);
    expect(sellerDone.orders.map((o) => `${o.client_order_id}:${o.status}`)).toEqual([
      "ask-5:cancelled",
      "ask-3:filled",
      "ask-2:filled",
      "ask-1:filled",
    ]);
    const cancelled = await get<Page<"orders">>("/v1/history/orders?status=cancelled", seller);
    expect(cancelled.orders.map((o) => o.client_order_id)).toEqual(["ask-5"]);
    const other = await get<Page<"orders">>("/v1/history/orders?instrument=NOPE-USD", seller);
    expect(other.orders).toEqual([]);
    const future = await get<Page<"orders">>(`/v1/history/orders?start=${Date.now() + 60_000}`, seller);
    expect(future.orders).toEqual([]);
  });

  it("pages orders, fills and the ledger through cursors exactly like one big page", async () => {
    for (const [path, key, limit] of [
      ["/v1/history/orders", "orders", 3],
      ["/v1/history/fills", "fills", 2],
      ["/v1/history/ledger", "entries", 5],
    ] as const) {
      for (const who of [seller, buyer]) {
        const big = (await get<Page<typeof key>>(`${path}?limit=1000`, who))[key];
        const paged = await allPages(path, key, limit, who);
        expect(big.length).toBeGreaterThan(limit);
        expect(paged.pages).toBe(Math.ceil(big.length / limit));
        expect(paged.rows).toEqual(big);
      }
    }
  });

  it("answers fills and ledger entries equal to the live ones", async () => {
    for (const who of [seller, buyer]) {
      const fills = (await get<Page<"fills">>("/v1/history/fills?limit=1000", who)).fills;
      expect(fills).toEqual((await get<Page<"fills">>("/v1/fills?limit=1000", who)).fills);
      const ledger = (await get<Page<"entries">>("/v1/history/ledger?limit=1000", who)).entries;
      expect(ledger).toEqual((await get<Page<"entries">>("/v1/accounts/me/ledger?limit=1000", who)).entries);
    }
    const buyerFills = (await get<Page<"fills">>("/v1/history/fills", buyer)).fills;
    expect(buyerFills).toHaveLength(4);
    const one = buyerFills[0] as { order_id: string };
    const byOrder = await get<Page<"fills">>(`/v1/history/fills?order_id=${one.order_id}`, buyer);
    expect(byOrder.fills).toEqual([one]);
    const usd = await get<Page<"entries">>("/v1/history/ledger?asset=USD&limit=1000", buyer);
    expect(usd.entries.length).toBeGreaterThan(0);
    expect(usd.entries.every((e) => e.asset === "USD")).toBe(true);
    expect(usd.entries[usd.entries.length - 1]).toMatchObject({ type: "deposit", amount: "10000.00000000" });
  });

  it("shows another account none of the caller's orders, fills or ledger", async () => {
    expect((await get<Page<"orders">>("/v1/history/orders", stranger)).orders).toEqual([]);
    expect((await get<Page<"fills">>("/v1/history/fills", stranger)).fills).toEqual([]);
    const ledger = (await get<Page<"entries">>("/v1/history/ledger", stranger)).entries;
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ type: "deposit", asset: "USD", amount: "5.00000000", balance: "5.00000000" });
    // A buyer's cursor gives the stranger nothing of the buyer's either.
    const first = await get<Page<"orders">>("/v1/history/orders?limit=1", buyer);
    const leaked = await get<Page<"orders">>(`/v1/history/orders?cursor=${first.next_cursor}`, stranger);
    expect(leaked.orders).toEqual([]);
    const buyerIds = new Set((await get<Page<"orders">>("/v1/history/orders", buyer)).orders.map((o) => o.order_id));
    const sellerOrders = (await get<Page<"orders">>("/v1/history/orders", seller)).orders;
    expect(sellerOrders.some((o) => buyerIds.has(o.order_id))).toBe(false);
  });

  it("answers an instrument's trades and candles as the live market data does", async () => {
    const live = await get<{ trades: unknown[] }>(`/v1/instruments/${SYMBOL}/trades?limit=1000`);
    const hist = await get<Page<"trades"> & { instrument: string }>(`/v1/instruments/${SYMBOL}/history/trades`);
    expect(hist.instrument).toBe(SYMBOL);
    expect(hist.trades).toEqual(live.trades);
    expect(hist.trades.map((t) => t.price)).toEqual(["105.00", "100.00", "100.00", "100.00"]);
    const paged = await allPages(`/v1/instruments/${SYMBOL}/history/trades`, "trades", 3);
    expect(paged.rows).toEqual(hist.trades);
    expect(paged.pages).toBe(2);

    const end = Date.now() + 60_000;
    const start = end - 3_600_000;
    const q = `start=${start}&end=${end}`;
    const liveMinutes = await get<{ candles: unknown[] }>(`/v1/instruments/${SYMBOL}/candles?interval=1m&${q}`);
    const minutes = await get<{ candles: Array<Record<string, unknown>> }>(
      `/v1/instruments/${SYMBOL}/history/candles?interval=1m&${q}`,
    );
    expect(minutes.candles).toEqual(liveMinutes.candles);
    expect(minutes.candles.reduce((n, c) => n + Number(c.trades), 0)).toBe(4);
    // Wider intervals: aggregated in SQL from the minutes, aligned to the interval.
    const hours = await get<{ candles: Array<Record<string, unknown>> }>(
      `/v1/instruments/${SYMBOL}/history/candles?interval=1h&${q}`,
    );
    const first = minutes.candles[0] as { start: number };
    expect(hours.candles.at(-1)).toMatchObject({
      start: Math.floor((minutes.candles.at(-1) as { start: number }).start / 3_600_000) * 3_600_000,
      close: "105.00",
    });
    expect(hours.candles.reduce((n, c) => n + Number(c.trades), 0)).toBe(4);
    expect((hours.candles[0] as { start: number }).start % 3_600_000).toBe(0);
    expect((hours.candles[0] as { start: number }).start).toBeLessThanOrEqual(first.start);
    const day = await get<{ candles: Array<Record<string, unknown>> }>(
      `/v1/instruments/${SYMBOL}/history/candles?interval=1d`,
    );
    expect(day.candles.at(-1)).toMatchObject({ high: "105.00", low: "100.00", close: "105.00", volume: "3.500" });
  });

  it("refuses bad queries with 400 invalid_request naming the field", async () => {
    const cases: Array<[string, string]> = [
      ["/v1/history/orders?limit=0", "limit"],
      ["/v1/history/orders?limit=1001", "limit"],
      ["/v1/history/orders?status=open", "status"],
      ["/v1/history/orders?start=10&end=10", "start"],
      ["/v1/history/orders?cursor=bm9wZQ", "cursor"],
      ["/v1/history/orders?cursor=not+base64!", "cursor"],
      ["/v1/history/fills?order_id=%F0%9F%99%82", "order_id"],
      ["/v1/history/fills?cursor=MTIz", "cursor"],
      ["/v1/history/ledger?asset=usd", "asset"],
      ["/v1/history/ledger?cursor=LTE", "cursor"],
      [`/v1/instruments/${SYMBOL}/history/trades?limit=x`, "limit"],
      [`/v1/instruments/${SYMBOL}/history/trades?cursor=eA`, "cursor"],
      [`/v1/instruments/${SYMBOL}/history/candles?interval=2m`, "interval"],
      [`/v1/instruments/${SYMBOL}/history/candles?interval=1m&start=0&end=${86_400_000}`, "end"],
      [`/v1/instruments/${SYMBOL}/history/candles?interval=1d&start=0&end=${40 * 86_400_000}`, "end"],
      [`/v1/instruments/${SYMBOL}/history/candles?interval=1m&start=5&end=5`, "start"],
    ];
    for (const [path, field] of cases) {
      const res = await exports.default.fetch(`${BASE}${path}`, { headers: buyer.headers });
      const body = await expectProblem(res, 400, "invalid_request");
      expect(
        (body.errors as Array<{ field: string }>).map((e) => e.field),
        path,
      ).toContain(field);
    }
    const missing = await exports.default.fetch(`${BASE}/v1/instruments/NOPE${tag}-USD/history/trades`, {
      headers: NO_CACHE,
    });
    await expectProblem(missing, 404, "instrument_not_found");
    const anonymous = await exports.default.fetch(`${BASE}/v1/history/orders`);
    await expectProblem(anonymous, 401, "unauthorized");
  });

  it("answers 503 history_unavailable without Postgres, and with Postgres unreachable (Retry-After)", async () => {
    const app = createApp();
    const call = async (path: string, vars: Partial<Env>, headers: Record<string, string>) => {
      const ctx = createExecutionContext();
      const res = await app.fetch(new Request(`${BASE}${path}`, { headers }), { ...env, ...vars }, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    const paths = [
      "/v1/history/orders",
      "/v1/history/fills",
      "/v1/history/ledger",
      `/v1/instruments/${SYMBOL}/history/trades`,
      `/v1/instruments/${SYMBOL}/history/candles?interval=1h`,
    ];
    for (const path of paths) {
      const res = await call(path, { DATABASE_URL: undefined }, buyer.headers);
      await expectProblem(res, 503, "history_unavailable");
      expect(res.headers.get("retry-after")).toBeNull();
    }
    const unreachable = { DATABASE_URL: `postgres://nobody@127.0.0.1:1/nothing-${Date.now()}` };
    for (const [i, path] of paths.entries()) {
      const res = await call(path, unreachable, buyer.headers);
      await expectProblem(res, 503, "history_unavailable");
      // Three failures open the breaker: later reads are refused at once, Retry-After its cool-off (5–10 s).
      const retryAfter = Number(res.headers.get("retry-after"));
      if (i < 3) expect(retryAfter, path).toBe(5);
      else expect(retryAfter, path).toBeGreaterThanOrEqual(5);
      expect(retryAfter, path).toBeLessThanOrEqual(10);
      expect(postgresReadState(unreachable), path).toBe(i < 2 ? "closed" : "open");
    }
    // The breaker is per database: the real one still answers.
    expect((await call("/v1/history/orders", {}, buyer.headers)).status).toBe(200);
    // The open breaker is what the metrics say: p3_breaker_state{dependency="postgres"} 2.
    const scrape = await exports.default.fetch(`${BASE}/v1/admin/metrics`, {
      headers: { authorization: OPERATOR, "cf-connecting-ip": "198.19.8.1" },
    });
    expect(await scrape.text()).toMatch(/^p3_breaker_state\{dependency="postgres"\} 2$/m);
  });

  it("replays the journal into the live book and balances (npm run replay's check)", async () => {
    const db: ReplayDb = {
      query: (text, params) => withClient(env, async (c) => ({ rows: (await c.query(text, params)).rows })),
    };
    const bookStub = env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName(SYMBOL));
    const live: LiveSource = {
      async book() {
        const view = await bookStub.book(3, 1000);
        return view as unknown as Awaited<ReturnType<LiveSource["book"]>>;
      },
      async balances(account) {
        const r = await accountStub(env.ACCOUNT, account).balances(account);
        return r.ok ? r.balances : null;
      },
    };
    const report = await replay(db, live, {
      instruments: [SYMBOL],
      accounts: [seller.account, buyer.account, stranger.account],
      attempts: 20,
      waitMs: 250,
    });
    expect(report.books[0]?.diff).toEqual([]);
    expect(report.accounts.flatMap((a) => a.diff)).toEqual([]);
    expect(report.equal).toBe(true);
    // ask-4 (partly filled, sized down) and bid-5 rest; everything else is done.
    expect(report.books[0]).toMatchObject({ bids: 1, asks: 1, stops: 0 });
    const l3 = await bookStub.book(3, 1000);
    expect(l3.asks).toEqual([{ order_id: expect.any(String), price: "105.00", size: "1.300" }]);

    // A balance the journal does not explain is reported.
    const wrong: LiveSource = {
      ...live,
      async balances(account) {
        const real = (await live.balances(account)) ?? [];
        return real.map((b) => (b.asset === "USD" ? { ...b, total: "1.00000000" } : b));
      },
    };
    const bad = await replay(db, wrong, { instruments: [], accounts: [buyer.account], attempts: 1 });
    expect(bad.equal).toBe(false);
    expect(bad.accounts[0]?.diff[0]).toMatch(/^USD total: journal .*, live 1\.00000000$/);
  }, 30_000);
});
