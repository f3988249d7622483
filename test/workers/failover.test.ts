/**
 * Failover (docs/geography.md "Failover"): a book cut off from everyone (an injected outage)
 * is reported by the edge's reads, goes to status `failover` after FAILOVER_AFTER_MS (1 s in
 * tests), refuses orders clearly, and is restored by the operator in another region from its
 * journal in Postgres, with the fill its maker had not yet settled; the restore is verified, the
 * instrument trades on at the new epoch, the replay comparison agrees, and the old object, once
 * it can be reached again, is deposed.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { registryStub } from "../../durable-objects/instrument-registry/index.ts";
import type { OrderBook } from "../../durable-objects/order-book/index.ts";
import { OUTAGE_KEY } from "../../durable-objects/runtime/fault-injection.ts";
import { fundedTrader, send, type Trader } from "./account-helpers.ts";
import { expectProblem, OPERATOR } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";
import { closeAll, contiguous, FeedClient } from "./feed-client.ts";
import { hasDb, sql, until } from "./postgres-helpers.ts";

const tag = Math.random().toString(36).slice(2, 6).toUpperCase();
const SYMBOL = `FO${tag}-USD`;
const BASE = `FO${tag}`;
const NO_CACHE = { "cache-control": "no-cache" };
const registry = () => registryStub(env.INSTRUMENTS);
const bookNamed = (name: string): DurableObjectStub<OrderBook> => env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName(name));
/** The book object's private parts, for the few steps a test must take inside it. */
type Inside = {
  parts: { delivery: { holdOff(a: string, until: number): void }; stream: { flush(): Promise<boolean> } };
};

function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(`http://platform3.test/v1${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const limit = (id: string, side: "buy" | "sell", price: string, size: string) => ({
  client_order_id: id,
  instrument: SYMBOL,
  side,
  type: "limit",
  price,
  size,
});

const fills = async (who: Trader) =>
  (await (await api("GET", `/fills?instrument=${SYMBOL}`, undefined, who.headers)).json<{ fills: unknown[] }>()).fills;

afterEach(closeAll);

describe.skipIf(!hasDb)("failover", () => {
  let seller: Trader;
  let buyer: Trader;

  beforeAll(async () => {
    await listInstrument(testInstrument(SYMBOL, { home_region: "enam" }));
    seller = await fundedTrader({ [BASE]: "10" }, NO_CACHE);
    buyer = await fundedTrader({ USD: "1000" }, NO_CACHE);
  });

  it("restores an unreachable book in another region from the journal, settles what was owed, and trades on", async () => {
    const old = bookNamed(SYMBOL);
    // A trades subscriber in Asia, through its region's relay, across the whole failover.
    const socket = await FeedClient.connect(`?subscribe=trades:${SYMBOL}`, { "x-p3-region": "apac" });
    const snapshot = await socket.next((m) => m.type === "snapshot" && m.channel === "trades");
    await send("POST", "/v1/orders", seller, limit("s1", "sell", "100.00", "1"));
    await send("POST", "/v1/orders", seller, limit("s2", "sell", "101.00", "2"));
    await send("POST", "/v1/orders", buyer, limit("b1", "buy", "99.00", "1"));
    // The maker's fill of the next trade is not delivered before the book goes dark.
    await runInDurableObject(old, (instance) => {
      (instance as unknown as Inside).parts.delivery.holdOff(seller.account, Date.now() + 3_600_000);
    });
    await send("POST", "/v1/orders", buyer, limit("b2", "buy", "100.00", "1"));
    const { seq } = await old.sequences();
    // The region goes dark after its last events reached the Queue (the outage fault's model).
    await runInDurableObject(old, async (instance, state) => {
      await (instance as unknown as Inside).parts.stream.flush();
      await state.storage.put(OUTAGE_KEY, Date.now() + 6_000);
    });
    await evictDurableObject(old);
    await until("the journal holds the trade", async () => {
      const rows = await sql<{ n: string }>(
        "SELECT max(seq)::text AS n FROM journal WHERE stream = 'book' AND key = $1",
        [SYMBOL],
      );
      return Number(rows[0]?.n) === seq ? true : undefined;
    });
    const [trade] = await sql<{ n: string }>(
      "SELECT max(seq)::text AS n FROM journal WHERE stream = 'book' AND key = $1 AND type = 'trade'",
      [SYMBOL],
    );
    const tradeSeq = Number(trade?.n);
    const sellerCursor = async () =>
      (await accountStub(env.ACCOUNT, seller.account).applyBookEvents(seller.account, SYMBOL, [])).through;
    expect(await sellerCursor()).toBeLessThan(tradeSeq);

    // A public read finds the book unreachable and reports it; FAILOVER_AFTER_MS later, failover.
    expect((await api("GET", `/instruments/${SYMBOL}/book?level=3`, undefined, NO_CACHE)).status).toBe(503);
    await until("the instrument is in failover", async () =>
      (await registry().get(SYMBOL))?.status === "failover" ? true : undefined,
    );
    const refused = await until("orders are refused with instrument_failover", async () => {
      const res = await api("POST", "/orders", limit("b3", "buy", "101.00", "1"), buyer.headers);
      return res.status === 503 && res.headers.get("retry-after") === "5" ? res : undefined;
    });
    const problem = await expectProblem(refused, 503, "instrument_failover");
    expect(problem.detail).toMatch(/cannot be reached/);
    // Operators cannot change its status meanwhile, nor move it.
    await expectProblem(
      await api("PATCH", `/admin/instruments/${SYMBOL}`, { status: "halted" }, { authorization: OPERATOR }),
      409,
      "instrument_conflict",
    );

    const restore = await api(
      "POST",
      `/admin/instruments/${SYMBOL}/failover`,
      { region: "weur" },
      { authorization: OPERATOR },
    );
    expect(restore.status).toBe(200);
    const restored = await restore.json<Record<string, unknown>>();
    console.log(`failover restore: ${JSON.stringify(restored)}`);
    expect(restored).toMatchObject({
      symbol: SYMBOL,
      from: "enam",
      to: "weur",
      book_epoch: 1,
      home_region: "weur",
      status: "open",
      verified: true,
      seq,
      resting_orders: 2,
    });
    expect(restored.outbox_rows).toBeGreaterThanOrEqual(1);
    expect(await registry().get(SYMBOL)).toMatchObject({ status: "open", book_epoch: 1, home_region: "weur" });
    // GraphQL shows where the book is now, as REST does.
    const gql = await api("POST", "/graphql", {
      query: `{ instrument(symbol: "${SYMBOL}") { status book_epoch home_region home_schedule } }`,
    });
    expect(await gql.json()).toEqual({
      data: { instrument: { status: "open", book_epoch: 1, home_region: "weur", home_schedule: null } },
    });
    const next = bookNamed(`${SYMBOL}@1`);
    expect((await next.sequences()).seq).toBe(seq);

    // The maker's owed fill arrives from the restored book's outbox, exactly once.
    await until("the seller settles the trade", async () => ((await sellerCursor()) > tradeSeq ? true : undefined));
    await until("the seller's fill is recorded", async () => ((await fills(seller)).length === 1 ? true : undefined));

    // Trading goes on at the new epoch: b3 takes s2 at 101.
    // (Repeats of b3 answer the same order: the first that reaches the Account may wait for its cache to learn the new epoch.)
    await until("b3 is placed in the restored book and fills", async () => {
      const res = await api("POST", "/orders", limit("b3", "buy", "101.00", "1"), buyer.headers);
      if (res.status !== 200 && res.status !== 201) return undefined;
      const body = await res.json<{ status?: string; order?: { status: string } }>();
      return (body.order?.status ?? body.status) === "filled" ? true : undefined;
    });
    expect((await next.sequences()).seq).toBeGreaterThan(seq);
    // The subscriber got both trades, the one before the outage and the one after, without a resync.
    const trades = (await next.sequences()).trades;
    await socket.until("trades", SYMBOL, trades);
    expect(contiguous(socket.stream("trades", SYMBOL, "update"), (snapshot as { seq: number }).seq)).toBe(trades);
    expect(socket.received.some((m) => m.type === "resync")).toBe(false);
    // REST trades of the restored book go on from the journal's tape.
    const tape = await next.trades({ limit: 10 });
    expect(tape.trades.map((t) => t.price)).toEqual(["101.00", "100.00"]);

    // The journal proves the live state: same book, same balances.
    const replay = await until("the replay agrees", async () => {
      const res = await api(
        "POST",
        "/admin/replay",
        { instruments: [SYMBOL], accounts: [seller.account, buyer.account] },
        { authorization: OPERATOR },
      );
      const body = await res.json<{ equal: boolean }>();
      return body.equal ? body : undefined;
    });
    expect(replay.equal).toBe(true);
    await until("the seller's second fill is recorded", async () =>
      (await fills(seller)).length === 2 ? true : undefined,
    );

    // Once the old object can be reached again, the registry deposes it: it redirects, it does not trade.
    await new Promise((r) => setTimeout(r, 6_000));
    await runDurableObjectAlarm(registry());
    // (A stub of an object that was reset stays broken: a new one reaches the object as it is now.)
    const revived = bookNamed(SYMBOL);
    const refusal = await revived.submit(buyer.account, 0, [
      { type: "place", order_id: "late", side: "buy", order_type: "limit", price: "100.00", size: "1" },
    ]);
    expect(refusal.error?.code).toBe("book_moved");
    expect((await revived.sequences()).seq).toBe((await next.sequences()).seq);
  }, 60_000);
});

describe.skipIf(!hasDb)("failover by policy", () => {
  const AUTO = `FA${tag}-USD`;

  it("with FAILOVER_POLICY=auto, the registry restores an unreachable book by itself in FAILOVER_REGION", async () => {
    await listInstrument(testInstrument(AUTO, { home_region: "weur" }));
    const trader = await fundedTrader({ USD: "100" }, NO_CACHE);
    await send("POST", "/v1/orders", trader, { ...limit("a1", "buy", "10.00", "1"), instrument: AUTO });
    // The policy is read from the registry's environment: switched on for this test only.
    type Policy = { failover: { d: { env: Record<string, unknown> } } };
    await runInDurableObject(registry(), (instance) => {
      const deps = (instance as unknown as Policy).failover.d;
      deps.env = { ...deps.env, FAILOVER_POLICY: "auto", FAILOVER_REGION: "apac" };
    });
    try {
      const book = bookNamed(AUTO);
      await runInDurableObject(book, async (instance, state) => {
        await (instance as unknown as Inside).parts.stream.flush();
        await state.storage.put(OUTAGE_KEY, Date.now() + 3_000);
      });
      await evictDurableObject(book);
      await until("the journal holds the order", async () => {
        const rows = await sql<{ n: string }>(
          "SELECT count(*)::text AS n FROM journal WHERE stream = 'book' AND key = $1",
          [AUTO],
        );
        return Number(rows[0]?.n) >= 1 ? true : undefined;
      });
      expect((await api("GET", `/instruments/${AUTO}/book?level=3`, undefined, NO_CACHE)).status).toBe(503);
      const restored = await until("the policy restored the book", async () => {
        const listing = await registry().get(AUTO);
        return listing?.book_epoch === 1 ? listing : undefined;
      });
      expect(restored).toMatchObject({ status: "open", home_region: "apac", book_epoch: 1 });
      const view = await bookNamed(`${AUTO}@1`).book(3, 10);
      expect(view.bids).toMatchObject([{ price: "10.00", size: "1.000" }]);
    } finally {
      await runInDurableObject(registry(), (instance) => {
        const deps = (instance as unknown as Policy).failover.d;
        deps.env = { ...deps.env, FAILOVER_POLICY: undefined, FAILOVER_REGION: undefined };
      });
    }
  }, 30_000);
});
