import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { OrderBook } from "../../durable-objects/order-book/index.ts";
import { cancel, freshBook, mixedStream, place, testInstrument } from "./book-helpers.ts";

type Stub = DurableObjectStub<OrderBook>;

/** Every logged event of a book, as stored (seq, type, channel sequence, body). */
async function eventLog(stub: Stub) {
  return runInDurableObject(stub, (_obj: OrderBook, ctx) =>
    ctx.storage.sql
      .exec<{ seq: number; type: string; channel: string | null; channel_seq: number | null; body: string }>(
        "SELECT seq, type, channel, channel_seq, body FROM events ORDER BY seq",
      )
      .toArray(),
  );
}

function expectContiguous(values: number[], from = 1): void {
  expect(values).toEqual(values.map((_, i) => from + i));
}

describe("OrderBook object", () => {
  it("matches, answers in decimal strings, and logs every event with a contiguous seq", async () => {
    const book = await freshBook(testInstrument("AAA-USD"));
    const first = await book.execute([place("s1", "alice", "sell", "100.00", "1.5")]);
    expect(first.results[0]?.ok).toBe(true);
    const second = await book.execute([place("b1", "bob", "buy", "100.50", "2")]);
    const events = second.results[0]?.events ?? [];
    expect(events.find((e) => e.type === "trade")).toMatchObject({
      price: "100.00",
      size: "1.500",
      maker_order_id: "s1",
      taker_order_id: "b1",
      aggressor_side: "buy",
    });
    // Every logged event has a seq; they continue the first batch's.
    const seqs = events.map((e) => e.seq as number);
    expectContiguous(seqs, (first.last_seq ?? 0) + 1);
    expect(second.first_seq).toBe(seqs[0]);
    const log = await eventLog(book);
    expectContiguous(log.map((r) => r.seq));
    expectContiguous(log.filter((r) => r.channel === "level2").map((r) => r.channel_seq as number));
    expectContiguous(log.filter((r) => r.channel === "trades").map((r) => r.channel_seq as number));
  });

  it("runs a batch of 100 commands in one call with a result each, and keeps seq contiguous across batches", async () => {
    const book = await freshBook(testInstrument("BAT-USD"));
    const stream = mixedStream(300);
    let last = 0;
    for (let i = 0; i < stream.length; i += 100) {
      const batch = await book.execute(stream.slice(i, i + 100));
      expect(batch.results).toHaveLength(100);
      if (batch.first_seq !== null) {
        expect(batch.first_seq).toBe(last + 1);
        last = batch.last_seq as number;
      }
    }
    const log = await eventLog(book);
    expectContiguous(log.map((r) => r.seq));
    expect(log[log.length - 1]?.seq).toBe(last);
    expect((await book.sequences()).seq).toBe(last);
  });

  it("refuses a batch of more than 100 commands without changing anything", async () => {
    const book = await freshBook(testInstrument("BIG-USD"));
    const tooMany = Array.from({ length: 101 }, (_, i) => place(`o${i}`, "a", "buy", "99.00", "1"));
    const result = await book.execute(tooMany);
    expect(result.error).toMatchObject({ code: "invalid_batch" });
    expect(result.results).toEqual([]);
    expect((await book.sequences()).seq).toBe(0);
  });

  it("rejects off-grid and out-of-range values with stable codes and logs nothing for them", async () => {
    const book = await freshBook(testInstrument("GRD-USD", { min_qty: "0.01", max_qty: "10", min_notional: "5" }));
    const result = await book.execute([
      place("a", "x", "buy", "100.005", "1"),
      place("b", "x", "buy", "100.00", "1.0005"),
      place("c", "x", "buy", "100.00", "0.001"),
      place("d", "x", "buy", "100.00", "11"),
      place("e", "x", "buy", "1.00", "1"),
      cancel("nope"),
    ]);
    expect(result.results.map((r) => r.error?.code)).toEqual([
      "price_off_tick",
      "size_off_lot",
      "size_below_minimum",
      "size_above_maximum",
      "notional_below_minimum",
      "unknown_order",
    ]);
    expect(result.results[5]?.error?.message).toBe("no open order has this order_id");
    expect(result.first_seq).toBeNull();
    expect(await eventLog(book)).toEqual([]);
  });

  it("keeps order ids unique for ever, also after the first order is done, and within a batch", async () => {
    const book = await freshBook(testInstrument("DUP-USD"));
    await book.execute([place("o1", "a", "sell", "100.00", "1"), place("o2", "b", "buy", "100.00", "1")]);
    const again = await book.execute([
      place("o1", "a", "sell", "100.00", "1"),
      place("o3", "a", "sell", "100.00", "1"),
      place("o3", "a", "sell", "101.00", "1"),
    ]);
    expect(again.results.map((r) => r.error?.code ?? "ok")).toEqual(["duplicate_order_id", "ok", "duplicate_order_id"]);
    expect((await book.book(3, 10)).asks).toEqual([{ order_id: "o3", price: "100.00", size: "1.000" }]);
  });

  it("rejects prices outside the band around the last trade", async () => {
    const book = await freshBook(testInstrument("BND-USD", { price_band_pct: "10" }));
    await book.execute([place("s1", "a", "sell", "100.00", "1"), place("b1", "b", "buy", "100.00", "1")]);
    const result = await book.execute([place("b2", "b", "buy", "89.99", "1"), place("b3", "b", "buy", "90.00", "1")]);
    expect(result.results.map((r) => r.error?.code ?? "ok")).toEqual(["price_outside_band", "ok"]);
  });

  it("when halted rejects new orders with a clear error and still accepts cancels", async () => {
    const spec = testInstrument("HLT-USD");
    const book = await freshBook(spec);
    await book.execute([place("r1", "a", "buy", "99.00", "1")]);
    await book.configure({ ...spec, status: "halted" });
    const result = await book.execute([place("r2", "a", "buy", "99.00", "1"), cancel("r1")]);
    expect(result.results[0]).toMatchObject({ ok: false, error: { code: "instrument_halted" } });
    expect(result.results[0]?.error?.message).toMatch(/halted/);
    expect(result.results[1]?.ok).toBe(true);
    const post = await book.configure({ ...spec, status: "post_only" });
    expect(post.status).toBe("post_only");
    const po = await book.execute([
      place("p1", "a", "buy", "99.00", "1"),
      place("p2", "a", "buy", "99.00", "1", { post_only: true }),
    ]);
    expect(po.results.map((r) => r.error?.code ?? "ok")).toEqual(["instrument_post_only", "ok"]);
  });

  it("rebuilds book, sequences and event log identically after being aborted mid-stream", async () => {
    const spec = testInstrument("RST-USD");
    await freshBook(spec, "RST-USD/crashed");
    await freshBook(spec, "RST-USD/reference");
    // A crash breaks existing stubs, as a real one does: callers get a new stub and retry.
    const stub = (name: string) => env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName(`RST-USD/${name}`));
    const stream = mixedStream(400, 11);
    const abortAfter = new Set([30, 120, 130, 250, 390]);
    for (let i = 0; i < stream.length; i += 10) {
      const batch = stream.slice(i, i + 10);
      await stub("reference").execute(batch);
      await stub("crashed").execute(batch);
      if (abortAfter.has(i)) {
        // Kill every object (no graceful shutdown): the next call gets a new instance that must rebuild from SQLite.
        await abortAllDurableObjects();
      }
    }
    const crashed = stub("crashed");
    const reference = stub("reference");
    const { time: _a, ...crashedL3 } = await crashed.book(3, 1000);
    const { time: _b, ...referenceL3 } = await reference.book(3, 1000);
    expect(crashedL3.bids.length + crashedL3.asks.length).toBeGreaterThan(10);
    expect(crashedL3).toEqual(referenceL3);
    expect(await crashed.sequences()).toEqual(await reference.sequences());
    const strip = (rows: Awaited<ReturnType<typeof eventLog>>) =>
      rows.map(({ seq, type, channel, channel_seq, body }) => ({ seq, type, channel, channel_seq, body }));
    expect(strip(await eventLog(crashed))).toEqual(strip(await eventLog(reference)));
    // And it keeps matching the same way afterwards.
    const more = mixedStream(60, 99);
    const a = await crashed.execute(more);
    const b = await reference.execute(more);
    expect(a.results.map((r) => r.events.map(({ time: _t, ...e }) => e))).toEqual(
      b.results.map((r) => r.events.map(({ time: _t, ...e }) => e)),
    );
  });

  it("expires GTD orders on time through its alarm, without any further command", async () => {
    const book = await freshBook(testInstrument("GTD-USD"));
    const expireAt = Date.now() + 200;
    await book.execute([place("g1", "a", "buy", "99.00", "1", { time_in_force: "gtd", expire_time: expireAt })]);
    const alarm = await runInDurableObject(book, (_obj: OrderBook, ctx) => ctx.storage.getAlarm());
    expect(alarm).toBe(expireAt);
    // The runtime fires the alarm on its own: wait for the order to go, sending no command meanwhile.
    const deadline = Date.now() + 5_000;
    while ((await book.book(2, 10)).bids.length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect((await book.book(2, 10)).bids).toEqual([]);
    // Nothing is left to expire: at most the outbox sweep is armed, and after it no alarm remains.
    await runDurableObjectAlarm(book);
    expect(await runDurableObjectAlarm(book)).toBe(false);
    const log = await eventLog(book);
    expect(log.map((r) => JSON.parse(r.body))).toContainEqual(
      expect.objectContaining({ type: "done", id: "g1", reason: "expired", cause: "gtd" }),
    );
  });

  it("triggers stops from trades and persists the untriggered ones across a restart", async () => {
    const spec = testInstrument("STP-USD");
    const book = await freshBook(spec);
    await book.execute([
      place("s1", "m", "sell", "101.00", "1"),
      place("s2", "m", "sell", "102.00", "5"),
      { type: "place", order_id: "st", account: "x", side: "buy", order_type: "stop", stop_price: "101.00", size: "2" },
      {
        type: "place",
        order_id: "st2",
        account: "x",
        side: "buy",
        order_type: "stop",
        stop_price: "150.00",
        size: "1",
      },
    ]);
    await abortAllDurableObjects();
    const restarted = env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName("STP-USD"));
    const result = await restarted.execute([place("t1", "taker", "buy", "101.00", "1")]);
    const types = result.results[0]?.events.map((e) => e.type);
    expect(types).toContain("stop_triggered");
    expect(result.results[0]?.events.filter((e) => e.type === "trade").map((e) => e.taker_order_id)).toEqual([
      "t1",
      "st",
    ]);
    const l3 = await restarted.book(3, 10);
    expect(l3.asks).toEqual([{ order_id: "s2", price: "102.00", size: "3.000" }]);
  });

  it("serves L1/L2/L3 views with the level2 sequence they are at", async () => {
    const book = await freshBook(testInstrument("VEW-USD"));
    await book.execute([
      place("b1", "a", "buy", "99.00", "1"),
      place("b2", "b", "buy", "99.00", "2"),
      place("b3", "a", "buy", "98.00", "1"),
      place("s1", "c", "sell", "101.00", "4"),
    ]);
    const seqs = await book.sequences();
    const l1 = await book.book(1, 50);
    expect(l1).toMatchObject({ level: 1, seq: seqs.level2, bids: [["99.00", "3.000"]], asks: [["101.00", "4.000"]] });
    expect((await book.book(2, 1)).bids).toEqual([["99.00", "3.000"]]);
    expect((await book.book(2, 50)).bids).toEqual([
      ["99.00", "3.000"],
      ["98.00", "1.000"],
    ]);
    const l3 = await book.book(3, 50);
    expect(l3.bids).toEqual([
      { order_id: "b1", price: "99.00", size: "1.000" },
      { order_id: "b2", price: "99.00", size: "2.000" },
      { order_id: "b3", price: "98.00", size: "1.000" },
    ]);
    // L3 never shows accounts.
    expect(JSON.stringify(l3)).not.toMatch(/"a"|account/);
  });
});
