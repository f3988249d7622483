/**
 * Operator point-in-time recovery (`/v1/admin/recovery/…`, docs/recovery.md) against the run's
 * real Postgres. Local workerd has no Cloudflare PITR (the probe below pins that), so these run
 * the snapshot bookmarks:
 * - a book: bookmark, trade on, lose every row, restore: the book rolls forward from the
 *   journal to its head (same L3, same seq), the accounts are not settled twice, new orders
 *   continue the seq with no gap, and verify says equal;
 * - an account: bookmark, corrupt its ledger, restore, verify; a change journaled after the
 *   bookmark makes a restore refused;
 * - bad input gets 4xx problems and changes nothing.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { SnapshotBookmarks } from "../../durable-objects/runtime/bookmarks.ts";
import { fundedTrader, send, type Trader } from "./account-helpers.ts";
import { OPERATOR } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";
import { hasDb, sql, until } from "./postgres-helpers.ts";

const tag = Math.random().toString(36).slice(2, 7).toUpperCase();
const SYMBOL = `RCV${tag}-USD`;
const BASE_ASSET = `RCV${tag}`;
const NO_CACHE = { "cache-control": "no-cache" };

async function admin(method: string, path: string, body?: unknown, auth = OPERATOR): Promise<Response> {
  return exports.default.fetch(`http://platform3.test/v1/admin/recovery${path}`, {
    method,
    headers: { authorization: auth, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const book = () => env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName(SYMBOL));

const place = (who: Trader, id: string, side: "buy" | "sell", price: string, size: string) =>
  send("POST", "/v1/orders", who, { client_order_id: id, instrument: SYMBOL, side, type: "limit", price, size });

/** Waits until Postgres holds `key`'s `stream` journal up to `seq`. */
async function journaled(stream: string, key: string, seq: number): Promise<void> {
  await until(`${stream} ${key} journaled to ${seq}`, async () => {
    const [row] = await sql<{ n: string }>(
      "SELECT coalesce(max(seq), 0)::text AS n FROM journal WHERE stream = $1 AND key = $2",
      [stream, key],
    );
    return Number(row?.n) >= seq ? true : undefined;
  });
}

const balances = async (who: Trader) => {
  const b = await accountStub(env.ACCOUNT, who.account).balances(who.account);
  return b.ok ? b.balances : b;
};

it("local workerd has no Cloudflare PITR: a zero current bookmark, getBookmarkForTime refused", async () => {
  const out = await runInDurableObject(book(), async (_i, state) => ({
    current: await state.storage.getCurrentBookmark(),
    forTime: await state.storage.getBookmarkForTime(Date.now()).then(
      () => "implemented",
      (e: unknown) => String(e),
    ),
  }));
  expect(out.current).toMatch(/^0{8}-0{8}-0{8}-0{32}$/);
  expect(out.forTime).toContain("does not implement point-in-time recovery");
});

describe.skipIf(!hasDb)("book: bookmark, loss, restore and roll forward, verify", () => {
  let seller: Trader;
  let buyer: Trader;

  beforeAll(async () => {
    await listInstrument(testInstrument(SYMBOL, { maker_fee_bps: 10, taker_fee_bps: 20 }));
    seller = await fundedTrader({ [BASE_ASSET]: "100" }, NO_CACHE);
    buyer = await fundedTrader({ USD: "10000" }, NO_CACHE);
  });

  it("restores a lost book to its journal head with nothing settled twice", async () => {
    await place(seller, "a1", "sell", "100.00", "1");
    await place(seller, "a2", "sell", "101.00", "2");
    const mark = await admin("POST", `/books/${SYMBOL}/bookmarks`, {});
    expect(mark.status).toBe(201);
    const bm = await mark.json<{ bookmark: string; kind: string; seq: number }>();
    expect(bm.kind).toBe("snapshot");
    expect(bm.seq).toBe((await book().sequences()).seq);

    // After the bookmark: a trade (maker fill delivered through the outbox), a resting bid, a cancel.
    await place(buyer, "b1", "buy", "100.00", "1");
    await place(buyer, "b2", "buy", "99.00", "1");
    const before = { l3: await book().book(3, 100), seq: (await book().sequences()).seq };
    await journaled("book", SYMBOL, before.seq);
    await until("the maker's fill delivered", async () => ((await book().outboxSize()) === 0 ? true : undefined));
    const funds = { seller: await balances(seller), buyer: await balances(buyer) };

    // The loss: every row of the book's tables deleted (the drill's wipe, reached directly here).
    await runInDurableObject(book(), async (instance, state) => {
      state.storage.transactionSync(() => new SnapshotBookmarks(state.storage.sql).wipe());
      state.storage.sql.exec("INSERT INTO book_state VALUES (1, NULL, 1, 1, 0, 0, 0, 0, 0, 0)");
      state.storage.sql.exec("INSERT INTO stream_out (id, seq) VALUES (1, 0)");
      await (instance as unknown as { reloadAll(): Promise<void> }).reloadAll();
    });
    expect(await book().instrument()).toBeNull();
    expect((await book().sequences()).seq).toBe(0);

    const res = await admin("POST", `/books/${SYMBOL}/restore`, { bookmark: bm.bookmark });
    expect(res.status, await res.clone().text()).toBe(200);
    const restored = await res.json<Record<string, number>>();
    expect(restored).toMatchObject({ bookmark_seq: bm.seq, journal_head: before.seq, seq: before.seq });
    expect(restored.rolled_forward).toBe(before.seq - bm.seq);
    expect(restored.stream_cursor).toBe(before.seq);
    const after = await book().book(3, 100);
    expect({ bids: after.bids, asks: after.asks }).toEqual({ bids: before.l3.bids, asks: before.l3.asks });

    // Re-created outbox rows reach the accounts, which skip what they settled: balances unchanged.
    await runDurableObjectAlarm(book());
    expect(await balances(seller)).toEqual(funds.seller);
    expect(await balances(buyer)).toEqual(funds.buyer);
    // Nothing already in Postgres was streamed again.
    expect((await book().streamStatus()).cursor).toBe(before.seq);

    // Trading continues the seq with no gap, and the journal agrees with the book.
    await place(buyer, "b3", "buy", "101.00", "1");
    const seq = (await book().sequences()).seq;
    expect(seq).toBeGreaterThan(before.seq);
    await journaled("book", SYMBOL, seq);
    const [gaps] = await sql<{ n: number; max: string }>(
      "SELECT count(*)::int AS n, max(seq)::text AS max FROM journal WHERE stream = 'book' AND key = $1",
      [SYMBOL],
    );
    expect(gaps).toEqual({ n: seq, max: String(seq) });
    const verify = await admin("GET", `/books/${SYMBOL}/verify`);
    expect(verify.status).toBe(200);
    expect(await verify.json()).toMatchObject({ equal: true, journal_head: seq, live_seq: seq, differences: [] });
  });

  it("refuses to restore without roll forward when the journal is ahead, changing nothing", async () => {
    const [first] = await book().bookmarks();
    const seq = (await book().sequences()).seq;
    const res = await admin("POST", `/books/${SYMBOL}/restore`, { bookmark: first?.bookmark, roll_forward: false });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: "recovery_conflict" });
    expect((await book().sequences()).seq).toBe(seq);
  });

  it("answers bad input with 4xx problems", async () => {
    const cases: Array<[string, string, unknown, number, string, string?]> = [
      ["POST", `/books/${SYMBOL}/restore`, { bookmark: "yesterday" }, 400, "invalid_request"],
      ["POST", `/books/${SYMBOL}/restore`, {}, 400, "invalid_request"],
      ["POST", `/books/${SYMBOL}/restore`, { bookmark: "snap-999-1" }, 404, "bookmark_not_found"],
      ["POST", `/books/${SYMBOL}/bookmarks`, { kind: "tape" }, 400, "invalid_request"],
      ["POST", `/books/${SYMBOL}/bookmarks`, { kind: "pitr" }, 409, "recovery_conflict"],
      ["POST", "/books/NOPE-USD/bookmarks", {}, 404, "instrument_not_found"],
      ["GET", "/accounts/nobody-here/verify", undefined, 404, "account_not_found"],
      ["POST", `/books/${SYMBOL}/wipe`, undefined, 404, "not_found"], // a fault route: not mounted here
      ["POST", `/books/${SYMBOL}/bookmarks`, {}, 401, "unauthorized", "Bearer nope"],
    ];
    for (const [method, path, body, status, code, auth] of cases) {
      const res = await admin(method, path, body, auth);
      expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} ${status}`);
      expect(((await res.json()) as { code: string }).code).toBe(code);
    }
  });
});

describe.skipIf(!hasDb)("account: bookmark, corrupt, restore, verify", () => {
  it("restores a corrupted account and refuses once the journal holds later changes", async () => {
    const who = await fundedTrader({ USD: "250" }, NO_CACHE);
    const stub = accountStub(env.ACCOUNT, who.account);
    const head = await stub.journalHead();
    await journaled("account", who.account, head);
    const mark = await admin("POST", `/accounts/${who.account}/bookmarks`, {});
    expect(mark.status).toBe(201);
    const bm = await mark.json<{ bookmark: string; seq: number }>();
    expect(bm.seq).toBe(head);
    const good = await balances(who);

    // A bad write: the balance row doubled, the ledger left alone; the object restarts on it.
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE ledger_balances SET total = total * 2");
    });
    await evictDurableObject(stub);
    expect(await balances(who)).not.toEqual(good);
    const bad = await (await admin("GET", `/accounts/${who.account}/verify`)).json<{ equal: boolean }>();
    expect(bad.equal).toBe(false);

    const res = await admin("POST", `/accounts/${who.account}/restore`, { bookmark: bm.bookmark });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ bookmark: bm.bookmark, bookmark_seq: head, journal_head: head });
    expect(await balances(who)).toEqual(good);
    // The restore restarted the object: stubs from before it are broken, as after any restart.
    const fresh = accountStub(env.ACCOUNT, who.account);
    const verify = await (await admin("GET", `/accounts/${who.account}/verify`)).json();
    expect(verify).toMatchObject({ equal: true, differences: [] });

    // A deposit after the bookmark reaches the journal: restoring would lose it, so it is refused.
    await fresh.deposit(who.account, { asset: "USD", amount: "1", reference: "after-the-bookmark" });
    await journaled("account", who.account, await fresh.journalHead());
    const refused = await admin("POST", `/accounts/${who.account}/restore`, { bookmark: bm.bookmark });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: "recovery_conflict" });
    expect((await balances(who)) as unknown).not.toEqual(good);
  });
});
