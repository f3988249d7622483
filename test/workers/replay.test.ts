/**
 * `POST /v1/admin/replay` against the run's real Postgres (test/global-setup-postgres.ts):
 * two accounts trade on a fresh instrument through the real app, the pipeline delivers
 * into Postgres, and the route restores the journal into fresh objects:
 * - the fresh book's L3 and the fresh accounts' balances equal the live ones (equal: true);
 * - a journal with one `done` event deleted is reported, the difference named;
 * - a fresh object that has traded refuses a restore.
 */
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { fundedTrader, send, type Trader } from "./account-helpers.ts";
import { OPERATOR } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";
import { hasDb, sql, until } from "./postgres-helpers.ts";

const BASE = "http://platform3.test";
const tag = Math.random().toString(36).slice(2, 7).toUpperCase();
const SYMBOL = `RPLY${tag}-USD`;
const BASE_ASSET = `RPLY${tag}`;
const NO_CACHE = { "cache-control": "no-cache" };

let seller: Trader;
let buyer: Trader;

function trader(deposits: Record<string, string>): Promise<Trader> {
  return fundedTrader(deposits, NO_CACHE);
}

const place = (who: Trader, client_order_id: string, side: "buy" | "sell", price: string, size: string) =>
  send("POST", "/v1/orders", who, { client_order_id, instrument: SYMBOL, side, type: "limit", price, size });

interface Report {
  equal: boolean;
  books: Array<{ instrument: string; equal: boolean; fresh_object: string | null; differences: string[] }>;
  accounts: Array<{ account: string; equal: boolean; fresh_object: string | null; differences: string[] }>;
}

async function replay(body: unknown): Promise<Response> {
  return exports.default.fetch(`${BASE}/v1/admin/replay`, {
    method: "POST",
    headers: { authorization: OPERATOR, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** The route's report once the pipeline has caught up (the live objects run ahead of Postgres). */
async function settled(body: unknown): Promise<Report> {
  let last: Report | undefined;
  for (let i = 0; i < 20; i++) {
    const res = await replay(body);
    expect(res.status).toBe(200);
    last = await res.json<Report>();
    if (last.equal) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last as Report;
}

describe.skipIf(!hasDb)("POST /v1/admin/replay (fresh objects, Postgres)", () => {
  beforeAll(async () => {
    await listInstrument(testInstrument(SYMBOL, { maker_fee_bps: 10, taker_fee_bps: 20 }));
    seller = await trader({ [BASE_ASSET]: "100" });
    buyer = await trader({ USD: "10000" });
    // Two asks at 100 and one at 105; the buyer takes one at 100 and half of the second, and rests a bid at 90.
    await place(seller, "ask-1", "sell", "100.00", "1");
    await place(seller, "ask-2", "sell", "100.00", "1");
    await place(seller, "ask-3", "sell", "105.00", "2");
    await place(buyer, "bid-1", "buy", "100.00", "1.5");
    await place(buyer, "bid-2", "buy", "90.00", "1");
    // And a bid at 80, cancelled: its `done` is the one the tamper test deletes.
    const bid3 = await place(buyer, "bid-3", "buy", "80.00", "1");
    await send("DELETE", `/v1/orders/${(bid3.order as { order_id: string }).order_id}`, buyer, undefined);
    await until("the book journal in Postgres", async () => {
      const [row] = await sql<{ n: number }>(
        "SELECT count(*)::int AS n FROM journal WHERE stream = 'book' AND key = $1 AND type IN ('trade', 'done')",
        [SYMBOL],
      );
      return row?.n === 5 ? true : undefined; // 2 trades; ask-1, bid-1 and bid-3 done
    });
  }, 60_000);

  it("restores the journal into fresh objects equal to the live ones", async () => {
    const body = { instruments: [SYMBOL], accounts: [seller.account, buyer.account] };
    const report = await settled(body);
    expect(report.books[0]?.differences).toEqual([]);
    expect(report.accounts.flatMap((a) => a.differences)).toEqual([]);
    expect(report.equal).toBe(true);

    const name = report.books[0]?.fresh_object as string;
    expect(name).toMatch(new RegExp(`^replay:${SYMBOL}:\\d+$`));
    const fresh = env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName(name));
    const live = env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName(SYMBOL));
    const [a, b] = await Promise.all([fresh.book(3, 1000), live.book(3, 1000)]);
    expect(a.bids).toEqual(b.bids);
    expect(a.asks).toEqual(b.asks);
    expect(a.asks.length).toBe(2);
    expect(a.bids).toEqual([{ order_id: expect.any(String), price: "90.00", size: "1.000" }]);
    // The copy cannot trade, and a second restore into it is refused.
    expect((await fresh.instrument())?.status).toBe("halted");
    expect((await fresh.sequences()).seq).toBe((await live.sequences()).seq);

    for (const acc of report.accounts) {
      expect(acc.fresh_object).toMatch(new RegExp(`^replay-${acc.account}-\\d+$`));
      const f = await accountStub(env.ACCOUNT, acc.fresh_object as string).balances(acc.fresh_object as string);
      const l = await accountStub(env.ACCOUNT, acc.account).balances(acc.account);
      expect(f.ok && l.ok).toBe(true);
      if (f.ok && l.ok) expect(f.balances).toEqual(l.balances);
    }
  }, 60_000);

  it("names the difference when a done event is missing from the journal", async () => {
    // bid-3's cancellation: without it the journal leaves bid-3 resting, the live book does not.
    const [done] = await sql<{ seq: string; order_id: string }>(
      `SELECT seq::text AS seq, body->>'order_id' AS order_id FROM journal
       WHERE stream = 'book' AND key = $1 AND type = 'done' AND body->>'reason' = 'cancelled' ORDER BY seq LIMIT 1`,
      [SYMBOL],
    );
    expect(done).toBeDefined();
    await sql("DELETE FROM journal WHERE stream = 'book' AND key = $1 AND seq = $2::bigint", [SYMBOL, done?.seq]);
    const res = await replay({ instruments: [SYMBOL], accounts: [] });
    expect(res.status).toBe(200);
    const report = await res.json<Report>();
    expect(report.equal).toBe(false);
    const diff = report.books[0]?.differences ?? [];
    expect(diff.some((d) => d.includes(`gap: seq ${Number(done?.seq) - 1} then ${Number(done?.seq) + 1}`))).toBe(true);
    expect(diff).toContain(`bids[1]: fresh ${done?.order_id} 1.000 @ 80.00, live nothing`);
  }, 30_000);

  it("refuses to restore into a book that has traded, and a bad body", async () => {
    const live = env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName(SYMBOL));
    const spec = await live.instrument();
    const r = await live.restoreFromReplay(spec as never, {
      version: 1,
      lastTradePrice: null,
      nextTradeId: 1,
      nextPriority: 1,
      now: 0,
      resting: [],
      stops: [],
      options: { maxPrice: 1, maxQty: 1 },
    });
    expect(r).toMatchObject({ ok: false, code: "book_not_fresh" });
    const bad = await replay({ instruments: "all" });
    expect(bad.status).toBe(400);
  });
});
