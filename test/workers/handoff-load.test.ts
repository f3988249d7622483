/**
 * A hand-off during load (docs/geography.md "Books that follow the session"): two traders keep
 * crossing orders through the REST API while the book moves to another region. Every order is
 * answered (placed, or 503 instrument_moving with Retry-After and nothing done); repeated with
 * its client_order_id after Retry-After, each is placed exactly once; afterwards the book, the
 * fills and the money agree: what one side paid the other received, nothing was lost or doubled,
 * and the event seq runs on without a gap.
 */
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { registryStub } from "../../durable-objects/instrument-registry/index.ts";
import type { OrderBook } from "../../durable-objects/order-book/index.ts";
import { fundedTrader, type Trader } from "./account-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";

const tag = Math.random().toString(36).slice(2, 6).toUpperCase();
const SYMBOL = `HL${tag}-USD`;
const BASE = `HL${tag}`;
const NO_CACHE = { "cache-control": "no-cache" };
const bookNamed = (name: string): DurableObjectStub<OrderBook> => env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName(name));

/** Places one order; repeats it with the same client_order_id while the answer is 503 (the hand-off's fence). */
async function placeUntilAnswered(who: Trader, id: string, side: "buy" | "sell", tally: { refused: number }) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = await exports.default.fetch("http://platform3.test/v1/orders", {
      method: "POST",
      headers: { ...who.headers, "content-type": "application/json" },
      body: JSON.stringify({ client_order_id: id, instrument: SYMBOL, side, type: "limit", price: "10.00", size: "1" }),
    });
    if (res.status === 200 || res.status === 201) return (await res.json<{ order?: { order_id: string } }>()).order;
    const problem = await res.json<{ code: string }>();
    if (res.status !== 503) throw new Error(`${id}: ${res.status} ${JSON.stringify(problem)}`);
    expect(["instrument_moving", "order_status_unknown"]).toContain(problem.code);
    tally.refused++;
    await new Promise((r) => setTimeout(r, Number(res.headers.get("retry-after") ?? "1") * 100));
  }
  throw new Error(`${id} never answered`);
}

const totals = async (who: Trader) => {
  const b = await accountStub(env.ACCOUNT, who.account).balances(who.account);
  if (!b.ok) throw new Error(b.code);
  return Object.fromEntries(b.balances.map((x) => [x.asset, x.total]));
};

describe("a hand-off during load", () => {
  let seller: Trader;
  let buyer: Trader;

  beforeAll(async () => {
    await listInstrument(testInstrument(SYMBOL, { home_region: "enam", maker_fee_bps: 0, taker_fee_bps: 0 }));
    seller = await fundedTrader({ [BASE]: "100" }, NO_CACHE);
    buyer = await fundedTrader({ USD: "10000" }, NO_CACHE);
  });

  it("answers every order, places each exactly once, and keeps money and sequences whole", async () => {
    const tally = { refused: 0 };
    const N = 40;
    let moving: ReturnType<ReturnType<typeof registryStub>["move"]> | undefined;
    for (let i = 0; i < N; i++) {
      // The move starts a quarter of the way in, and runs while the orders go on.
      if (i === N / 4) moving = registryStub(env.INSTRUMENTS).move(SYMBOL, "apac", "load test");
      await Promise.all([
        placeUntilAnswered(seller, `s${i}`, "sell", tally),
        placeUntilAnswered(buyer, `b${i}`, "buy", tally),
      ]);
    }
    const moved = await moving;
    if (!moved?.ok) throw new Error(JSON.stringify(moved));
    console.log(`hand-off during load: pause ${moved.pause_ms} ms, ${tally.refused} answers of 503 repeated`);

    const next = bookNamed(`${SYMBOL}@1`);
    // Every pair crossed exactly once: 40 trades of 1 at 10.00, nothing resting, nothing doubled.
    const view = await next.book(3, 100);
    expect(view.bids).toEqual([]);
    expect(view.asks).toEqual([]);
    const seqs = await next.sequences();
    expect(seqs.seq).toBeGreaterThan(moved.seq);
    const trades = await next.trades({ limit: 100 });
    expect(trades.trades.length).toBe(N);
    expect(new Set(trades.trades.map((t) => t.trade_id)).size).toBe(N);
    // Money: the buyer paid what the seller got (no fees on this instrument), to the unit.
    const expectBalances = async () => {
      const [s, b] = [await totals(seller), await totals(buyer)];
      return (
        s[BASE] === "60.00000000" && b[BASE] === "40.00000000" && s.USD === "400.00000000" && b.USD === "9600.00000000"
      );
    };
    for (let i = 0; i < 100 && !(await expectBalances()); i++) await new Promise((r) => setTimeout(r, 100));
    expect({ seller: await totals(seller), buyer: await totals(buyer) }).toEqual({
      seller: { [BASE]: "60.00000000", USD: "400.00000000" },
      buyer: { [BASE]: "40.00000000", USD: "9600.00000000" },
    });
  }, 60_000);
});
