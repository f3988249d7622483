/**
 * The same order flows through each of the four protocols (REST, the WebSocket's order.*
 * methods, GraphQL, Connect JSON). Every protocol calls the same operations, so:
 * - place, amend, cancel: the orders end in the same state (read back over REST) and leave
 *   the same sequence of account events in Postgres; the balance is back where it started;
 * - a trade against another account's resting order, a batch (one order refused) and a
 *   cancel-all, each protocol for an account of its own: the same outcomes, order states,
 *   fills (price, size, side, liquidity, fee), balance deltas and every account event in
 *   Postgres, in the same order. The WebSocket has no batch method: it places the batch's
 *   orders one `order.place` at a time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { listInstrument, testInstrument } from "./book-helpers.ts";
import {
  actions,
  balances,
  deltas,
  fills,
  finalState,
  journal,
  type NewOrder,
  ok,
  PROTOCOLS,
  type Protocol,
  trader,
} from "./cross-protocol-helpers.ts";
import { closeAll } from "./feed-client.ts";
import { hasDb, sql, until } from "./postgres-helpers.ts";

const tag = () => Math.random().toString(36).slice(2, 6).toUpperCase();
const SYMBOL = `XPR${tag()}-USD`;
const FILL_BASE = `XPF${tag()}`;
const FILL_SYMBOL = `${FILL_BASE}-USD`;

afterEach(closeAll);

const byProtocol = <T>(make: (p: Protocol) => T) =>
  Object.fromEntries(PROTOCOLS.map((p) => [p, make(p)])) as Record<Protocol, T>;

/** Each protocol's value must equal REST's (the message names the protocol that differs). */
function allEqual<T>(values: Record<Protocol, T>, what: string): T {
  for (const p of PROTOCOLS) expect(values[p], `${what}: ${p} vs rest`).toEqual(values.rest);
  return values.rest;
}

describe("the same order flow through REST, WebSocket, GraphQL and Connect", () => {
  it("place, amend, cancel: identical order states, balances and account events", async () => {
    await listInstrument(testInstrument(SYMBOL));
    const t = await trader();
    const before = await balances(t);
    const ids = byProtocol((p) => `x-${p}-1`);
    for (const p of PROTOCOLS) {
      const via = await actions(p, t);
      const id = ids[p];
      const order = { client_order_id: id, instrument: SYMBOL, side: "buy", type: "limit", price: "10.00", size: "1" };
      expect(await via.place(order as NewOrder), `${p} place`).toEqual({ ok: true });
      expect(await via.amend(id, "0.5"), `${p} amend`).toEqual({ ok: true });
      expect(await via.cancel(id), `${p} cancel`).toEqual({ ok: true });
    }

    const states = byProtocol(() => ({}) as Record<string, unknown>);
    for (const p of PROTOCOLS) states[p] = await finalState(t, ids[p]);
    expect(states.rest).toMatchObject({ status: "cancelled", size: expect.stringMatching(/^0\.50*$/) });
    allEqual(states, "order state");
    // Every hold released: the account's USD is as it was.
    expect((await balances(t)).USD).toEqual(before.USD);

    if (!hasDb) return;
    // The account's order events in Postgres: the same statuses and sizes, in the same order, per protocol.
    const events = await until("the four orders' events in Postgres", async () => {
      const rows = await sql<{ body: { client_order_id?: string; status?: string; size?: string } }>(
        "SELECT body FROM journal WHERE stream = 'account' AND key = $1 AND type = 'order' ORDER BY seq",
        [t.account],
      );
      const all = byProtocol((p) => rows.filter((r) => r.body.client_order_id === ids[p]).map((r) => r.body));
      return PROTOCOLS.every((p) => all[p].at(-1)?.status === "cancelled") ? all : undefined;
    });
    const shapes = allEqual(
      byProtocol((p) => events[p].map((e) => `${e.status} ${e.size}`)),
      "order events",
    );
    expect(shapes.length).toBeGreaterThanOrEqual(3);
  }, 30_000);

  it("a trade, a batch and cancel-all: identical outcomes, orders, fills, balance deltas and events", async () => {
    await listInstrument(testInstrument(FILL_SYMBOL));
    const maker = await trader({ [FILL_BASE]: "100" });
    const takers = byProtocol(() => undefined) as unknown as Record<Protocol, Awaited<ReturnType<typeof trader>>>;
    for (const p of PROTOCOLS) takers[p] = await trader({ USD: "100000" });
    const order = (client_order_id: string, side: "buy" | "sell", price: string, size: string): NewOrder => ({
      client_order_id,
      instrument: FILL_SYMBOL,
      side,
      type: "limit",
      price,
      size,
    });
    const ids = ["f-take", "f-b1", "f-b2"] as const;

    const before = byProtocol(() => ({}) as Awaited<ReturnType<typeof balances>>);
    const outcomes = byProtocol(() => ({}) as Record<string, unknown>);
    for (const p of PROTOCOLS) {
      const t = takers[p];
      before[p] = await balances(t);
      // Another account's resting sell, which this protocol's buy crosses: 1 of 1.5 fills, 0.5 rests.
      await ok(maker, "POST", "/v1/orders", order(`m-${p}`, "sell", "10.00", "1"));
      const via = await actions(p, t);
      outcomes[p].take = await via.place(order("f-take", "buy", "10.00", "1.5"));
      // Two resting buys and one off the tick grid, refused on its own.
      outcomes[p].batch = await via.batch([
        order("f-b1", "buy", "9.00", "1"),
        order("f-b2", "buy", "8.00", "2"),
        order("f-bad", "buy", "8.001", "1"),
      ]);
      outcomes[p].cancelled = await via.cancelAll(FILL_SYMBOL);
    }

    expect(allEqual(outcomes, "outcomes")).toEqual({
      take: { ok: true },
      batch: [{ ok: true }, { ok: true }, { ok: false, code: "invalid_order", reason: "price_off_tick" }],
      cancelled: 3,
    });

    const states = byProtocol(() => [] as Record<string, unknown>[]);
    for (const p of PROTOCOLS) {
      for (const id of ids) states[p].push(await finalState(takers[p], id));
      expect((await ok(takers[p], "GET", "/v1/orders?status=open")).orders, p).toEqual([]);
    }
    const [take, b1, b2] = allEqual(states, "order states");
    expect(take).toMatchObject({
      status: "cancelled",
      size: "1.500",
      filled_size: "1.000",
      average_price: expect.stringMatching(/^10(\.0+)?$/),
    });
    expect(b1).toMatchObject({ status: "cancelled", price: "9.00", filled_size: "0.000" });
    expect(b2).toMatchObject({ status: "cancelled", price: "8.00", size: "2.000" });

    const fillsBy = byProtocol(() => [] as Record<string, unknown>[]);
    for (const p of PROTOCOLS) fillsBy[p] = await fills(takers[p]);
    expect(allEqual(fillsBy, "fills")).toEqual([
      {
        client_order_id: "f-take",
        instrument: FILL_SYMBOL,
        side: "buy",
        price: "10.00",
        size: "1.000",
        value: expect.any(String),
        fee: "0.02000000",
        fee_asset: "USD",
        liquidity: "taker",
      },
    ]);

    const moved = byProtocol(() => ({}) as Record<string, Record<string, string>>);
    for (const p of PROTOCOLS) moved[p] = deltas(before[p], await balances(takers[p]));
    expect(allEqual(moved, "balance deltas")).toEqual({
      USD: { total: "-10.02000000", available: "-10.02000000", hold: "0.00000000" },
      [FILL_BASE]: { total: "1.00000000", available: "1.00000000", hold: "0.00000000" },
    });

    if (!hasDb) return;
    // Every event of each protocol's account in Postgres, in seq order: the same sequence.
    const events = await until("each account's events in Postgres", async () => {
      const all = byProtocol(() => [] as string[]);
      for (const p of PROTOCOLS) all[p] = await journal(takers[p]);
      // Done: each order cancelled and, last of all, the account's USD hold released back to zero.
      const done = (list: string[]) =>
        ids.every((id) => list.some((e) => e.startsWith(`order ${id} cancelled`))) &&
        /^ledger_entry release USD hold .*\/0\.0+$/.test(list.at(-1) ?? "");
      return PROTOCOLS.every((p) => done(all[p])) ? all : undefined;
    });
    // The batch protocols' accounts: the very same sequence. The WebSocket places the batch's orders one by one,
    // so its account has the same events, but each order's pending_new → new pair without the others' between.
    const batchProtocols = PROTOCOLS.filter((p) => p !== "ws");
    for (const p of batchProtocols) expect(events[p], `account events: ${p} vs rest`).toEqual(events.rest);
    const streams = (list: string[]) => ({
      ledger: list.filter((e) => e.startsWith("ledger_entry ")),
      fills: list.filter((e) => e.startsWith("fill ")),
      orders: Object.fromEntries(ids.map((id) => [id, list.filter((e) => e.startsWith(`order ${id} `))])),
      count: list.length,
    });
    allEqual(
      byProtocol((p) => streams(events[p])),
      "account events per order, fills and ledger",
    );
    const sequence = events.rest;
    expect(sequence.filter((e) => e.startsWith("fill "))).toEqual(["fill f-take buy 1.000@10.00 taker fee 0.02000000"]);
    expect(sequence.filter((e) => e.startsWith("order f-bad"))).toEqual([]);
    expect(sequence.filter((e) => e.startsWith("order f-take"))).toEqual([
      "order f-take pending_new 1.500 filled 0.000",
      "order f-take partially_filled 1.500 filled 1.000",
      "order f-take cancelled 1.500 filled 1.000",
    ]);
    // Three holds placed (take, b1, b2) and each released: two legs (available, hold) apiece.
    expect(sequence.filter((e) => e.startsWith("ledger_entry hold ")).length).toBe(6);
    expect(sequence.filter((e) => e.startsWith("ledger_entry release ")).length).toBe(6);
  }, 60_000);
});
