/**
 * Order entry inside Account objects, driven through their RPC: holds, taker
 * settlement on the reply, maker settlement through the book's outbox, releases
 * on cancel, idempotency on client_order_id, and money conserved across accounts.
 */
import { abortAllDurableObjects, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { BatchOutcome, OrderOutcome, StoredOutcome } from "../../durable-objects/account/index.ts";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { fundedAccount } from "./account-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";

let n = 0;
/** A fresh, funded account (unique name per call). */
function funded(deposits: Record<string, string>): Promise<string> {
  return fundedAccount(`desk-${++n}-${Math.random().toString(16).slice(2, 8)}`, deposits);
}

function order(outcome: StoredOutcome | { ok: false; code: string }): Extract<OrderOutcome, { ok: true }> {
  if (!outcome.ok || !("order" in outcome)) throw new Error(`expected an order, got ${JSON.stringify(outcome)}`);
  return outcome as Extract<OrderOutcome, { ok: true }>;
}

async function balance(account: string, asset: string) {
  const r = await accountStub(env.ACCOUNT, account).balances(account);
  if (!r.ok) throw new Error(r.code);
  return r.balances.find((b) => b.asset === asset) ?? { asset, total: "0", hold: "0", available: "0" };
}

/** Waits until the book's outbox has delivered everything (makers settle asynchronously). */
async function quiesce(symbol: string): Promise<void> {
  const book = env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName(symbol));
  for (let i = 0; i < 100; i++) {
    if ((await book.outboxSize()) === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("outbox did not drain");
}

describe("order desk", () => {
  it("holds on placement, settles taker and maker exactly once with fees, releases the rest", async () => {
    const spec = testInstrument("DSKA-USD", { maker_fee_bps: 10, taker_fee_bps: 20 });
    await listInstrument(spec);
    const seller = await funded({ DSKA: "10" });
    const buyer = await funded({ USD: "1000" });
    const s = accountStub(env.ACCOUNT, seller);
    const b = accountStub(env.ACCOUNT, buyer);

    const ask = order(
      await s.placeOrder(seller, {
        client_order_id: "ask-1",
        instrument: "DSKA-USD",
        side: "sell",
        type: "limit",
        price: "100.00",
        size: "2",
      }),
    );
    expect(ask.order).toMatchObject({ status: "new", remaining_size: "2.000", filled_size: "0.000" });
    expect(await balance(seller, "DSKA")).toMatchObject({ total: "10.00000000", hold: "2.00000000" });

    const bid = order(
      await b.placeOrder(buyer, {
        client_order_id: "bid-1",
        instrument: "DSKA-USD",
        side: "buy",
        type: "limit",
        price: "101.00",
        size: "1.5",
      }),
    );
    // The taker settles before its reply: 150 USD + 0.30 taker fee, at the maker's price.
    expect(bid.order).toMatchObject({ status: "filled", filled_size: "1.500", executed_value: "150.00000000" });
    expect(bid.order.fees).toBe("0.30000000");
    expect(bid.fills).toHaveLength(1);
    expect(await balance(buyer, "USD")).toMatchObject({ total: "849.70000000", hold: "0.00000000" });
    expect(await balance(buyer, "DSKA")).toMatchObject({ total: "1.50000000" });

    await quiesce("DSKA-USD");
    // The maker settles from the outbox: 150 USD − 0.15 maker fee, 1.5 DSKA out of its hold.
    expect(await balance(seller, "USD")).toMatchObject({ total: "149.85000000" });
    expect(await balance(seller, "DSKA")).toMatchObject({ total: "8.50000000", hold: "0.50000000" });
    const askNow = await s.getOrder(seller, { client_order_id: "ask-1" });
    expect(askNow).toMatchObject({ status: "partially_filled", filled_size: "1.500", remaining_size: "0.500" });

    const cancelled = order(await s.cancelOrder(seller, { client_order_id: "ask-1" }));
    expect(cancelled.order).toMatchObject({ status: "cancelled", done_reason: "user" });
    expect(await balance(seller, "DSKA")).toMatchObject({ total: "8.50000000", hold: "0.00000000" });
  });

  it("answers a repeated client_order_id with the first outcome and never places twice", async () => {
    await listInstrument(testInstrument("DSKB-USD"));
    const trader = await funded({ USD: "100" });
    const t = accountStub(env.ACCOUNT, trader);
    const input = {
      client_order_id: "same",
      instrument: "DSKB-USD",
      side: "buy",
      type: "limit",
      price: "10.00",
      size: "1",
    };
    const [first, second] = await Promise.all([t.placeOrder(trader, input), t.placeOrder(trader, input)]);
    expect(order(first).order.order_id).toBe(order(second).order.order_id);
    const third = order(await t.placeOrder(trader, input));
    expect(third.replayed).toBe(true);
    expect(third.order.order_id).toBe(order(first).order.order_id);
    const open = await t.listOrders(trader, { status: "open", limit: 10 });
    expect(open.items).toHaveLength(1);
    expect(await balance(trader, "USD")).toMatchObject({ hold: "10.02000000" });
    const conflict = await t.placeOrder(trader, { ...input, price: "11.00" });
    expect(conflict).toMatchObject({ ok: false, code: "client_order_id_conflict" });
  });

  it("rejects with the amounts when available is short, holding and changing nothing", async () => {
    await listInstrument(testInstrument("DSKC-USD"));
    const trader = await funded({ USD: "5" });
    const t = accountStub(env.ACCOUNT, trader);
    const outcome = await t.placeOrder(trader, {
      client_order_id: "too-big",
      instrument: "DSKC-USD",
      side: "buy",
      type: "limit",
      price: "10.00",
      size: "1",
    });
    expect(outcome).toMatchObject({
      ok: false,
      code: "order_rejected",
      reason: "insufficient_available",
      asset: "USD",
      available: "5.00000000",
      required: "10.02000000",
    });
    expect(await balance(trader, "USD")).toMatchObject({ total: "5.00000000", hold: "0.00000000" });
  });

  it("settles makers after their Account object is aborted, exactly once", async () => {
    await listInstrument(testInstrument("DSKD-USD", { maker_fee_bps: 0, taker_fee_bps: 0 }));
    const maker = await funded({ USD: "1000" });
    const taker = await funded({ DSKD: "5" });
    const m = accountStub(env.ACCOUNT, maker);
    for (let i = 0; i < 3; i++) {
      order(
        await m.placeOrder(maker, {
          client_order_id: `bid-${i}`,
          instrument: "DSKD-USD",
          side: "buy",
          type: "limit",
          price: "10.00",
          size: "1",
        }),
      );
    }
    const sold = order(
      await accountStub(env.ACCOUNT, taker).placeOrder(taker, {
        client_order_id: "sweep",
        instrument: "DSKD-USD",
        side: "sell",
        type: "market",
        size: "3",
      }),
    );
    expect(sold.order).toMatchObject({ status: "filled", filled_size: "3.000" });
    await abortAllDurableObjects();
    const book = env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName("DSKD-USD"));
    // The sweep redelivers whatever was not acknowledged; delivering twice changes nothing.
    await runDurableObjectAlarm(book);
    await quiesce("DSKD-USD");
    await runDurableObjectAlarm(book);
    expect(await balance(maker, "USD")).toMatchObject({ total: "970.00000000", hold: "0.00000000" });
    expect(await balance(maker, "DSKD")).toMatchObject({ total: "3.00000000" });
    const fills = await accountStub(env.ACCOUNT, maker).listFills(maker, { limit: 10 });
    expect(fills.items).toHaveLength(3);
  });

  it("bounds market orders by the band around the reference price their hold was sized from", async () => {
    await listInstrument(testInstrument("DSKE-USD", { price_band_pct: "10", maker_fee_bps: 0, taker_fee_bps: 0 }));
    const maker = await funded({ DSKE: "10", USD: "1000" });
    const taker = await funded({ USD: "1000" });
    const m = accountStub(env.ACCOUNT, maker);
    const t = accountStub(env.ACCOUNT, taker);
    const buy = { client_order_id: "mkt-0", instrument: "DSKE-USD", side: "buy", type: "market", size: "2" };
    // No trade and no two-sided book yet: nothing to size the hold from.
    expect(await t.placeOrder(taker, buy)).toMatchObject({
      ok: false,
      code: "order_rejected",
      reason: "no_reference_price",
    });
    for (const [id, side, price] of [
      ["a1", "sell", "100.00"],
      ["a2", "sell", "100.00"],
      ["a3", "sell", "120.00"],
      ["b1", "buy", "99.00"],
    ] as const) {
      order(
        await m.placeOrder(maker, {
          client_order_id: id,
          instrument: "DSKE-USD",
          side,
          type: "limit",
          price,
          size: "1",
        }),
      );
    }
    order(await t.placeOrder(taker, { ...buy, client_order_id: "mkt-1", size: "1" }));
    // Last trade 100.00: the protection price is 110.00, so the 120.00 ask is out of reach.
    const swept = order(await t.placeOrder(taker, { ...buy, client_order_id: "mkt-2", size: "3" }));
    expect(swept.order).toMatchObject({ status: "cancelled", filled_size: "1.000", done_reason: "no_liquidity" });
    expect(await balance(taker, "USD")).toMatchObject({ total: "800.00000000", hold: "0.00000000" });
  });

  it("kill switch cancels open orders, releases their holds and refuses new orders", async () => {
    await listInstrument(testInstrument("DSKF-USD"));
    const trader = await funded({ USD: "100", DSKF: "5" });
    const t = accountStub(env.ACCOUNT, trader);
    const resting = { instrument: "DSKF-USD", type: "limit", size: "1" } as const;
    order(await t.placeOrder(trader, { ...resting, client_order_id: "k1", side: "buy", price: "10.00" }));
    order(await t.placeOrder(trader, { ...resting, client_order_id: "k2", side: "sell", price: "20.00" }));
    await t.setTradingEnabled(trader, false);
    const open = await t.listOrders(trader, { status: "open", limit: 10 });
    expect(open.items).toEqual([]);
    const done = await t.listOrders(trader, { status: "done", limit: 10 });
    expect(done.items.map((o) => [o.client_order_id, o.status, o.done_reason])).toEqual([
      ["k2", "cancelled", "cancel_all"],
      ["k1", "cancelled", "cancel_all"],
    ]);
    expect(await balance(trader, "USD")).toMatchObject({ hold: "0.00000000", available: "100.00000000" });
    expect(await balance(trader, "DSKF")).toMatchObject({ hold: "0.00000000" });
    expect(
      await t.placeOrder(trader, { ...resting, client_order_id: "k3", side: "buy", price: "10.00" }),
    ).toMatchObject({
      ok: false,
      code: "order_rejected",
      reason: "account_disabled",
    });
  });

  it("dead-man timer cancels everything when it fires, and disarms with 0", async () => {
    await listInstrument(testInstrument("DSKG-USD"));
    const trader = await funded({ USD: "100" });
    const t = accountStub(env.ACCOUNT, trader);
    const bid = { instrument: "DSKG-USD", type: "limit", side: "buy", size: "1", price: "10.00" } as const;
    order(await t.placeOrder(trader, { ...bid, client_order_id: "d1" }));
    expect(await t.cancelAfter(trader, 60_000)).toMatchObject({ ok: true, cancel_at_ms: expect.any(Number) });
    expect(await t.cancelAfter(trader, 0)).toMatchObject({ ok: true, cancel_at: null });
    // Disarmed: running any alarm leaves the order alone.
    await runDurableObjectAlarm(t);
    expect((await t.listOrders(trader, { status: "open", limit: 10 })).items).toHaveLength(1);
    await t.cancelAfter(trader, 1_000);
    // The alarm fires by itself once the deadline passes (run it in case it has not yet).
    await new Promise((r) => setTimeout(r, 1_100));
    await runDurableObjectAlarm(t);
    expect((await t.listOrders(trader, { status: "open", limit: 10 })).items).toEqual([]);
    expect(await t.getOrder(trader, { client_order_id: "d1" })).toMatchObject({ status: "cancelled" });
  });

  it("places a batch together: later orders see earlier holds, a repeated id answers the first", async () => {
    await listInstrument(testInstrument("DSKH-USD", { maker_fee_bps: 0, taker_fee_bps: 0 }));
    const trader = await funded({ USD: "25" });
    const t = accountStub(env.ACCOUNT, trader);
    const bid = (id: string, price: string) => ({
      client_order_id: id,
      instrument: "DSKH-USD",
      side: "buy",
      type: "limit",
      price,
      size: "1",
    });
    const outcome = await t.placeOrders(trader, [
      bid("b1", "10.00"),
      bid("b2", "10.00"),
      bid("b1", "10.00"),
      bid("b3", "10.00"),
    ]);
    if (!outcome.ok || !("results" in outcome)) throw new Error(JSON.stringify(outcome));
    const [b1, b2, again, b3] = (outcome as BatchOutcome).results;
    expect(b1).toMatchObject({ ok: true, order: { status: "new" } });
    expect(b2).toMatchObject({ ok: true, order: { status: "new" } });
    expect(again).toMatchObject({
      ok: true,
      replayed: true,
      order: { order_id: (b1 as { order: { order_id: string } }).order.order_id },
    });
    // 25 USD covers two holds of 10, not a third.
    expect(b3).toMatchObject({
      ok: false,
      code: "order_rejected",
      reason: "insufficient_available",
      available: "5.00000000",
    });
    expect(await balance(trader, "USD")).toMatchObject({ hold: "20.00000000" });
    expect((await t.listOrders(trader, { status: "open", limit: 10 })).items).toHaveLength(2);
  });
});
