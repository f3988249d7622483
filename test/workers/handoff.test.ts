/**
 * Books that follow the session (docs/geography.md "Books that follow the session"): a fenced
 * hand-off of a book to a new object in another region, through the registry, the operator route
 * and the registry's schedule alarm. What users rely on:
 * - resting orders, balances and holds, and every sequence are the same after a move;
 * - an order through the REST API right after the move (the caches still name the old book) is
 *   placed in the new book, and a fill against an order that rested before the move settles both
 *   sides exactly (the outbox goes on);
 * - the old object refuses commands with `book_moved` and forwards reads and feed subscribes;
 * - during a fence a command gets 503 `instrument_moving` with Retry-After and changes nothing;
 * - the event log's seq goes on without a gap, the old object streams nothing more;
 * - a schedule boundary moves the book; the move route's 4xx.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { registryStub } from "../../durable-objects/instrument-registry/index.ts";
import type { OrderBook } from "../../durable-objects/order-book/index.ts";
import { nextBoundary, type ScheduleEntry } from "../../shared/geo/home-schedule.ts";
import type { Instrument } from "../../shared/instruments/schema.ts";
import { fundedTrader, send, type Trader } from "./account-helpers.ts";
import { expectProblem, OPERATOR } from "./auth-helpers.ts";
import { place as bookPlace, listInstrument, testInstrument } from "./book-helpers.ts";
import { hasDb, sql, until } from "./postgres-helpers.ts";

const tag = Math.random().toString(36).slice(2, 6).toUpperCase();
const NO_CACHE = { "cache-control": "no-cache" };
const registry = () => registryStub(env.INSTRUMENTS);
const bookNamed = (name: string): DurableObjectStub<OrderBook> => env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName(name));

function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(`http://platform3.test/v1${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
const asOperator = (method: string, path: string, body?: unknown) =>
  api(method, path, body, { authorization: OPERATOR });

const limit = (symbol: string, id: string, side: "buy" | "sell", price: string, size: string) => ({
  client_order_id: id,
  instrument: symbol,
  side,
  type: "limit",
  price,
  size,
});

const balances = async (who: Trader) => {
  const b = await accountStub(env.ACCOUNT, who.account).balances(who.account);
  if (!b.ok) throw new Error(b.code);
  return Object.fromEntries(b.balances.map((x) => [x.asset, { total: x.total, hold: x.hold, available: x.available }]));
};

const sides = (view: { bids: unknown; asks: unknown }) => ({ bids: view.bids, asks: view.asks });

async function bookL3(symbol: string) {
  const res = await api("GET", `/instruments/${symbol}/book?level=3&depth=100`, undefined, NO_CACHE);
  expect(res.status).toBe(200);
  return sides(await res.json<{ bids: unknown; asks: unknown }>());
}

describe("a move through the registry", () => {
  const SYMBOL = `HO${tag}-USD`;
  const BASE = `HO${tag}`;
  let seller: Trader;
  let buyer: Trader;

  beforeAll(async () => {
    await listInstrument(testInstrument(SYMBOL, { home_region: "enam" }));
    seller = await fundedTrader({ [BASE]: "10" }, NO_CACHE);
    buyer = await fundedTrader({ USD: "1000" }, NO_CACHE);
  });

  it("keeps orders, holds and sequences; the old object forwards reads and the next REST order lands in the new book", async () => {
    // Orders resting before the move, placed through REST: the Account caches the instrument at epoch 0.
    await send("POST", "/v1/orders", seller, limit(SYMBOL, "s1", "sell", "100.00", "1"));
    await send("POST", "/v1/orders", seller, limit(SYMBOL, "s2", "sell", "101.00", "2"));
    await send("POST", "/v1/orders", buyer, limit(SYMBOL, "b1", "buy", "99.00", "1"));
    // A GTD order resting across the move: the successor expires it.
    const expireAt = Date.now() + 4_000;
    await send("POST", "/v1/orders", seller, {
      ...limit(SYMBOL, "g1", "sell", "105.00", "1"),
      time_in_force: "gtd",
      expire_time: expireAt,
    });
    const old = bookNamed(SYMBOL);
    // A feed shard registered at the old book: the successor must push to it, at the same sequences.
    const shard = `feed-handoff-${tag.toLowerCase()}`;
    const snapshot = await old.feedSubscribe(shard, "level2");
    const level2Seq = (snapshot.messages[0] as { seq: number }).seq;
    const before = {
      l3: await bookL3(SYMBOL),
      seqs: await old.sequences(),
      seller: await balances(seller),
      buyer: await balances(buyer),
    };
    expect(before.seqs.level2).toBe(level2Seq);
    // The edge's instrument cache holds epoch 0 too.
    expect((await (await api("GET", `/instruments/${SYMBOL}`)).json<Instrument>()).book_epoch).toBe(0);

    const moved = await registry().move(SYMBOL, "apac", "test");
    if (!moved.ok) throw new Error(moved.message);
    expect(moved).toMatchObject({ moved: true, from: "enam", to: "apac", epoch: 1, seq: before.seqs.seq });
    console.log(`hand-off pause (fence to successor active): ${moved.pause_ms} ms`);
    expect(moved.pause_ms).toBeGreaterThanOrEqual(0);
    expect(moved.pause_ms).toBeLessThan(2_000);

    const next = bookNamed(`${SYMBOL}@1`);
    expect(await registry().get(SYMBOL)).toMatchObject({ home_region: "apac", book_epoch: 1 });
    expect(await next.instrument()).toMatchObject({ home_region: "apac", book_epoch: 1 });
    // Same book, same sequences, same money; the old object answers reads from its successor.
    expect(sides(await next.book(3, 100))).toEqual(before.l3);
    expect(await bookL3(SYMBOL)).toEqual(before.l3);
    expect(sides(await old.book(3, 100))).toEqual(before.l3);
    expect(await next.sequences()).toEqual(before.seqs);
    expect(await old.sequences()).toEqual(before.seqs);
    expect(await balances(seller)).toEqual(before.seller);
    expect(await balances(buyer)).toEqual(before.buyer);
    // The registrations moved: the old object pushes to no one, the successor to the same shard.
    const shardsOf = (stub: DurableObjectStub<OrderBook>) =>
      runInDurableObject(stub, (_i, state) => state.storage.sql.exec("SELECT name FROM feed_shards").toArray());
    expect(await shardsOf(old)).toEqual([]);
    expect(await shardsOf(next)).toEqual([{ name: shard }]);

    // The old object refuses commands, naming its successor.
    const direct = await old.execute([bookPlace("direct-1", "x", "buy", "98.00", "1")]);
    expect(direct.error).toMatchObject({ code: "book_moved", successor: `${SYMBOL}@1`, book_epoch: 1 });
    expect(direct.results).toEqual([]);
    const submitted = await old.submit("x", 0, [bookPlace("direct-2", "x", "buy", "98.00", "1")]);
    expect(submitted).toMatchObject({ error: { code: "book_moved" }, rows: [] });
    // The stream stopped at the old object: what it had not sent, the successor sends.
    const oldStream = await old.streamStatus();
    expect(oldStream).toMatchObject({ enabled: false, head: before.seqs.seq });
    expect(oldStream.cursor).toBeLessThanOrEqual(before.seqs.seq);

    // A REST order right after the move: the Account's cached instrument names the old book, which answers
    // book_moved; the Account looks it up again and the order fills against s1, which rested before the move.
    const res = await api("POST", "/orders", limit(SYMBOL, "b2", "buy", "100.00", "1"), buyer.headers);
    expect(res.status, await res.clone().text()).toBe(201);
    const taker = await res.json<{ order: { status: string }; fills: Array<{ price: string; fee: string }> }>();
    expect(taker.order.status).toBe("filled");
    expect(taker.fills).toEqual([expect.objectContaining({ price: "100.00", fee: "0.20000000" })]);
    const after = await next.sequences();
    expect(after.seq).toBeGreaterThan(before.seqs.seq);
    expect(after.trades).toBe(before.seqs.trades + 1);
    // The maker settles from the new book's outbox, exactly once: 100 less 10 bps, and its base hold gone.
    await until("the maker settled", async () => ((await next.outboxSize()) === 0 ? true : undefined));
    expect((await balances(seller)).USD).toEqual({
      total: "99.90000000",
      hold: "0.00000000",
      available: "99.90000000",
    });
    expect((await balances(seller))[BASE]).toEqual({
      total: "9.00000000",
      hold: "3.00000000",
      available: "6.00000000",
    });
    // The taker paid 100 and 20 bps; the hold of b1, resting since before the move, is unchanged.
    expect((await balances(buyer)).USD).toMatchObject({ total: "899.80000000", hold: before.buyer.USD?.hold });
    expect((await balances(buyer))[BASE]).toMatchObject({ total: "1.00000000" });

    // The feed resumes from the level2 seq it had before the move, through the old object: no gap.
    const resumed = await old.feedSubscribe(shard, "level2", level2Seq);
    expect(resumed.resumed).toBe(true);
    expect((resumed.messages[0] as { seq: number }).seq).toBe(level2Seq + 1);

    // Operator commands with the edge's cached instrument reach the new book too.
    const cmd = await asOperator("POST", `/admin/books/${SYMBOL}/commands`, {
      commands: [{ type: "cancel", order_id: "never-placed" }],
      reply: "summary",
    });
    expect(cmd.status, await cmd.clone().text()).toBe(200);

    // The GTD order expires at the successor (its alarm, armed by the hand-off), and its hold is given back.
    await new Promise((r) => setTimeout(r, Math.max(0, expireAt - Date.now() + 20)));
    await runDurableObjectAlarm(next);
    const asks = (await next.book(3, 100)).asks as Array<{ price: string }>;
    expect(asks.map((a) => a.price)).toEqual(["101.00"]);
    await until("the expiry settled", async () =>
      (await balances(seller))[BASE]?.hold === "2.00000000" ? true : undefined,
    );

    if (hasDb) {
      // The journal holds every seq once: no gap across the hand-off.
      const seq = (await next.sequences()).seq;
      await until("the journal caught up", async () => {
        const [row] = await sql<{ n: number; max: string }>(
          "SELECT count(*)::int AS n, coalesce(max(seq), 0)::text AS max FROM journal WHERE stream = 'book' AND key = $1",
          [SYMBOL],
        );
        return row && Number(row.max) >= seq ? row : undefined;
      }).then((row) => expect(row).toEqual({ n: seq, max: String(seq) }));
      expect(await next.streamStatus()).toMatchObject({ enabled: true, cursor: seq, head: seq });
    }
  });
});

describe("a book larger than one page", () => {
  const SYMBOL = `HP${tag}-USD`;

  it("moves whole: every live order, order id, outbox row and logged event", async () => {
    await listInstrument(testInstrument(SYMBOL));
    const old = bookNamed(SYMBOL);
    for (let b = 0; b < 12; b++) {
      const commands = Array.from({ length: 100 }, (_, i) =>
        bookPlace(`p-${b}-${i}`, `acct-${i % 7}`, i % 2 === 0 ? "buy" : "sell", i % 2 === 0 ? "90.00" : "110.00", "1"),
      );
      const out = await old.executeSummary(commands);
      expect(out.results.every((r) => r.ok)).toBe(true);
    }
    const counts = (stub: DurableObjectStub<OrderBook>) =>
      runInDurableObject(stub, (_i, state) =>
        Object.fromEntries(
          ["live_orders", "order_ids", "outbox", "events"].map((t) => [
            t,
            state.storage.sql.exec(`SELECT count(*) AS n FROM ${t}`).one().n,
          ]),
        ),
      );
    const before = { counts: await counts(old), seqs: await old.sequences() };
    expect(before.counts.live_orders).toBe(1_200);
    const moved = await registry().move(SYMBOL, "oc", "paging");
    expect(moved).toMatchObject({ ok: true, moved: true, epoch: 1, seq: before.seqs.seq });
    const next = bookNamed(`${SYMBOL}@1`);
    expect(await counts(next)).toEqual(before.counts);
    expect(await next.sequences()).toEqual(before.seqs);
    expect((await next.book(2, 10)).bids).toEqual([["90.00", "600.000"]]);
  });
});

describe("a move interrupted half-way", () => {
  const SYMBOL = `HI${tag}-USD`;

  it("is finished by the registry's alarm: recorded, fenced and partly copied, it ends moved", async () => {
    await listInstrument(testInstrument(SYMBOL, { home_region: "enam" }));
    const old = bookNamed(SYMBOL);
    await old.execute([bookPlace("i-1", "acct-i", "buy", "95.00", "1")]);
    const seqs = await old.sequences();
    // What a registry that died during the copy leaves: the old book fenced and exported, the successor
    // standby with the first page, and the move recorded (written last here, so no alarm runs it early).
    expect(await old.handoffFence()).toMatchObject({ ok: true, phase: "fenced" });
    const part = await old.handoffExport();
    if (!part.ok || !("tables" in part)) throw new Error("export refused");
    const next = bookNamed(`${SYMBOL}@1`);
    expect(await next.handoffImport(part)).toMatchObject({ ok: true, phase: "standby" });
    const moving = await next.execute([bookPlace("i-2", "acct-i", "buy", "95.00", "1")]);
    expect(moving.error).toMatchObject({ code: "instrument_moving", retry_after_ms: 1_000 });
    await runInDurableObject(registry(), async (_i, state) => {
      state.storage.sql.exec("INSERT INTO book_moves VALUES (?, 'enam', 'afr', 0, 1, 'crash', ?)", SYMBOL, Date.now());
      await state.storage.setAlarm(Date.now() + 60_000);
    });

    expect(await runDurableObjectAlarm(registry())).toBe(true);
    expect(await registry().get(SYMBOL)).toMatchObject({ home_region: "afr", book_epoch: 1 });
    expect(await next.sequences()).toEqual(seqs);
    expect((await next.execute([bookPlace("i-3", "acct-i", "buy", "96.00", "1")])).error).toBeUndefined();
    expect((await old.execute([bookPlace("i-4", "acct-i", "buy", "96.00", "1")])).error).toMatchObject({
      code: "book_moved",
    });
    expect((await next.sequences()).seq).toBeGreaterThan(seqs.seq);
  });
});

describe("the fence", () => {
  const SYMBOL = `HF${tag}-USD`;
  const BASE = `HF${tag}`;
  let seller: Trader;

  beforeAll(async () => {
    await listInstrument(testInstrument(SYMBOL));
    seller = await fundedTrader({ [BASE]: "10" }, NO_CACHE);
  });

  it("refuses commands with 503 instrument_moving and Retry-After, durably, changing nothing; lifted, the repeat is placed once", async () => {
    await send("POST", "/v1/orders", seller, limit(SYMBOL, "r1", "sell", "100.00", "1"));
    const book = bookNamed(SYMBOL);
    const before = { seqs: await book.sequences(), l3: await bookL3(SYMBOL) };
    expect(await book.handoffFence()).toMatchObject({ ok: true, phase: "fenced", seq: before.seqs.seq });

    const direct = await asOperator("POST", `/admin/books/${SYMBOL}/commands`, {
      commands: [bookPlace("f-direct", "acct-x", "sell", "105.00", "1")],
    });
    await expectProblem(direct, 503, "instrument_moving");
    expect(direct.headers.get("retry-after")).toBe("1");

    // The fence survives a restart of the object.
    await evictDurableObject(book);
    const order = limit(SYMBOL, "r2", "sell", "102.00", "1");
    const res = await api("POST", "/orders", order, seller.headers);
    const problem = await expectProblem(res, 503, "instrument_moving");
    expect(res.headers.get("retry-after")).toBe("1");
    expect(problem).toMatchObject({ retry_after: 1 });
    expect(await book.sequences()).toEqual(before.seqs);
    expect(await bookL3(SYMBOL)).toEqual(before.l3);

    // A move given up before the flip: the book trades on, and the repeat places the order once.
    expect(await book.handoffAbort()).toMatchObject({ ok: true, phase: "live" });
    const repeat = await api("POST", "/orders", order, seller.headers);
    expect(repeat.status, await repeat.clone().text()).toBeLessThan(300);
    const placed = await repeat.json<{ order: { status: string; price: string } }>();
    expect(placed.order).toMatchObject({ status: "new", price: "102.00" });
    const asks = (await book.book(3, 100)).asks as Array<{ price: string }>;
    expect(asks.map((a) => a.price)).toEqual(["100.00", "102.00"]);
  });
});

describe("the move route", () => {
  const SYMBOL = `HR${tag}-USD`;

  beforeAll(async () => {
    await listInstrument(testInstrument(SYMBOL, { home_region: "enam" }));
  });

  it("moves, answers a move to where the book is with moved: false, and refuses bad input with 4xx problems", async () => {
    const res = await asOperator("POST", `/admin/instruments/${SYMBOL}/move`, { region: "weur", reason: "drill" });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({
      symbol: SYMBOL,
      moved: true,
      from: "enam",
      to: "weur",
      epoch: 1,
      reason: "drill",
    });
    const read = await (await api("GET", `/instruments/${SYMBOL}`)).json<Instrument>();
    expect(read).toMatchObject({ home_region: "weur", book_epoch: 1 });

    const again = await asOperator("POST", `/admin/instruments/${SYMBOL}/move`, { region: "weur" });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ moved: false, from: "weur", to: "weur", epoch: 1, pause_ms: 0 });

    await expectProblem(
      await asOperator("POST", "/admin/instruments/NOPE-USD/move", { region: "weur" }),
      404,
      "instrument_not_found",
    );
    await expectProblem(
      await asOperator("POST", `/admin/instruments/${SYMBOL}/move`, { region: "mars" }),
      400,
      "invalid_request",
    );
    await expectProblem(await asOperator("POST", `/admin/instruments/${SYMBOL}/move`, {}), 400, "invalid_request");
    await expectProblem(
      await asOperator("POST", `/admin/instruments/${SYMBOL}/move`, { region: "weur", extra: 1 }),
      400,
      "invalid_request",
    );
    await expectProblem(
      await api("POST", `/admin/instruments/${SYMBOL}/move`, { region: "weur" }),
      401,
      "unauthorized",
    );
    expect(await registry().get(SYMBOL)).toMatchObject({ home_region: "weur", book_epoch: 1 });
  });
});

describe("a home schedule", () => {
  const SYMBOL = `HS${tag}-USD`;
  const hhmm = (minute: number) =>
    `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

  it("is validated, shown on reads, and moves the book at a boundary (the registry's alarm)", async () => {
    // The boundary to weur is this very minute; the other one, to enam, half a day away.
    const now = Date.now();
    const minute = Math.floor((now % 86_400_000) / 60_000);
    const schedule: ScheduleEntry[] = [
      { from: hhmm(minute), region: "weur" },
      { from: hhmm((minute + 720) % 1440), region: "enam" },
    ].sort((a, b) => a.from.localeCompare(b.from));

    const unsorted = [...schedule].reverse();
    const bad = await asOperator("POST", "/admin/instruments", { ...testInstrument(SYMBOL), home_schedule: unsorted });
    await expectProblem(bad, 400, "invalid_request");
    const badRegion = await asOperator("POST", "/admin/instruments", {
      ...testInstrument(SYMBOL),
      home_schedule: [{ from: "08:00", region: "moon" }],
    });
    await expectProblem(badRegion, 400, "invalid_request");

    const created = await asOperator("POST", "/admin/instruments", {
      ...testInstrument(SYMBOL, { home_region: "enam" }),
      home_schedule: schedule,
    });
    expect(created.status, await created.clone().text()).toBe(201);
    expect(await created.json()).toMatchObject({ home_region: "enam", book_epoch: 0, home_schedule: schedule });

    // The schedule names weur now: the alarm, armed for now, moves the book there.
    expect(await runDurableObjectAlarm(registry())).toBe(true);
    const moved = await (await api("GET", `/instruments/${SYMBOL}`, undefined, NO_CACHE)).json<Instrument>();
    expect(moved).toMatchObject({ home_region: "weur", book_epoch: 1, home_schedule: schedule });
    expect(await bookNamed(`${SYMBOL}@1`).instrument()).toMatchObject({ home_region: "weur" });
    // Then it waits for the next boundary of a schedule (this one's, unless another listing's comes first).
    const alarm = await runInDurableObject(registry(), (_i, state) => state.storage.getAlarm());
    const boundary = nextBoundary(schedule, Date.now()).at;
    expect(alarm).not.toBeNull();
    expect(alarm as number).toBeLessThanOrEqual(boundary);
    expect(alarm as number).toBeGreaterThan(Date.now());

    // An operator's move holds until the next boundary: the alarm leaves the book where it was put.
    const byHand = await asOperator("POST", `/admin/instruments/${SYMBOL}/move`, { region: "enam" });
    expect(await byHand.json()).toMatchObject({ moved: true, to: "enam", epoch: 2 });
    await runDurableObjectAlarm(registry());
    expect(await registry().get(SYMBOL)).toMatchObject({ home_region: "enam", book_epoch: 2 });

    // PATCH takes a new schedule (null: none) beside or without a status.
    const patched = await asOperator("PATCH", `/admin/instruments/${SYMBOL}`, { home_schedule: null });
    expect(patched.status, await patched.clone().text()).toBe(200);
    expect(await patched.json()).not.toHaveProperty("home_schedule");
    await expectProblem(await asOperator("PATCH", `/admin/instruments/${SYMBOL}`, {}), 400, "invalid_request");
  });
});
