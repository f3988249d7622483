/**
 * The market-data WebSocket end to end: real sockets through the Worker, real
 * books driven by orders, feed shards in between.
 */

import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FeedMessage } from "../../shared/feed/messages.ts";
import { relayName } from "../../shared/geo/placement.ts";
import {
  book,
  bookShards,
  closeAll,
  contiguous,
  errorOf,
  FeedClient,
  isReply,
  type MarketMessage,
  place,
  resultOf,
  seedInstruments,
  sleep,
} from "./feed-client.ts";

beforeAll(seedInstruments);
afterEach(closeAll);

const shardStub = (name: string) => env.FEED_SHARD.get(env.FEED_SHARD.idFromName(name));

describe("GET /v1/ws", () => {
  it("answers a plain GET with 426 problem+json", async () => {
    const res = await exports.default.fetch("http://feed.test/v1/ws");
    expect(res.status).toBe(426);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "upgrade_required", status: 426 });
  });

  it("refuses a malformed or unknown ?subscribe= before upgrading", async () => {
    const headers = { Upgrade: "websocket" };
    const bad = await exports.default.fetch("http://feed.test/v1/ws?subscribe=level3:BTC-USD", { headers });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "invalid_request" });
    const unknown = await exports.default.fetch("http://feed.test/v1/ws?subscribe=level2:NOPE-USD", { headers });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: "instrument_not_found" });
  });

  it("greets with the shard, heartbeat interval and limits", async () => {
    const c = await FeedClient.connect();
    const welcome = await c.next((m) => m.type === "welcome");
    // The client's region (the fallback: no request.cf here, no X-P3-Region), one of its 2 test shards.
    expect(welcome.shard).toMatch(/^feed-enam-[01]$/);
    expect(welcome).toMatchObject({
      heartbeat_ms: 5000,
      limits: {
        max_subscriptions: 10,
        messages_per_second: 50,
        orders_per_second: 1000,
        unacknowledged: { soft: 100, hard: 300 },
      },
    });
  });
});

describe("requests", () => {
  it("subscribe, list and unsubscribe", async () => {
    const c = await FeedClient.connect();
    const sub = await c.request("subscribe", { channels: ["level2", "trades"], instruments: ["AAPL-USD"] });
    expect(resultOf(sub).subscriptions).toEqual(["level2:AAPL-USD", "trades:AAPL-USD"]);
    await c.next((m) => m.type === "snapshot" && m.channel === "level2" && m.instrument === "AAPL-USD");
    await c.next((m) => m.type === "snapshot" && m.channel === "trades" && m.instrument === "AAPL-USD");
    expect((await c.call("list")).subscriptions).toEqual(["level2:AAPL-USD", "trades:AAPL-USD"]);

    const unsub = await c.request("unsubscribe", { channels: ["trades"], instruments: ["AAPL-USD"] });
    expect(resultOf(unsub).subscriptions).toEqual(["level2:AAPL-USD"]);
    expect((await c.call("list")).subscriptions).toEqual(["level2:AAPL-USD"]);

    // A trade now moves level2 (still subscribed) but sends nothing on trades.
    await place("AAPL-USD", "sell", "150.00", "10");
    await place("AAPL-USD", "buy", "150.00", "4");
    await c.next((m) => m.type === "update" && m.channel === "level2" && m.changes.some((x) => x[2] === "6"));
    await sleep(50);
    expect(c.stream("trades", "AAPL-USD", "update")).toEqual([]);
  });

  it("answers errors without closing the socket", async () => {
    const c = await FeedClient.connect();
    expect(await c.raw("{not json")).toMatchObject({ id: null, error: { code: "invalid_json" } });
    expect(await c.raw(JSON.stringify({ method: "list" }))).toMatchObject({ error: { code: "invalid_request" } });
    expect(await c.request("dance")).toMatchObject({ error: { code: "unknown_method" } });
    expect(await c.request("subscribe", { channels: ["level3"], instruments: ["BTC-USD"] })).toMatchObject({
      error: { code: "unknown_channel" },
    });
    const unknown = await c.request("subscribe", { channels: ["trades"], instruments: ["BTC-USD", "NOPE-USD"] });
    expect(errorOf(unknown).code).toBe("unknown_instrument");
    expect(errorOf(unknown).message).toContain("NOPE-USD");
    expect(await c.request("subscribe", { channels: "trades" })).toMatchObject({ error: { code: "invalid_params" } });
    // Still open, and nothing was half-subscribed.
    expect(await c.request("ping")).toMatchObject({ result: { pong: true } });
    expect((await c.call("list")).subscriptions).toEqual([]);
    expect(c.isClosed).toBe(false);
  });

  it("answers the literal ping frame with pong from the runtime", async () => {
    const c = await FeedClient.connect();
    const welcome = await c.next((m) => m.type === "welcome");
    c.send("ping");
    expect(await c.nextText("pong")).toBe("pong");
    // The runtime answered it (auto-response), not the shard's message handler.
    const at = await runInDurableObject(shardStub(welcome.shard), (_i, state) => {
      const [ws] = state.getWebSockets();
      return ws ? state.getWebSocketAutoResponseTimestamp(ws) : null;
    });
    expect(at).toBeInstanceOf(Date);
  });
});

describe("market data", () => {
  it("sends the snapshot in-stream, then deltas that continue its seq", async () => {
    await place("BTC-USD", "sell", "100.00", "1");
    const c = await FeedClient.connect();
    await c.request("subscribe", { channels: ["level2", "trades"], instruments: ["BTC-USD"] });
    const snap = await c.next((m) => m.type === "snapshot" && m.channel === "level2");
    expect(snap.asks).toContainEqual(["100.00", "1.00000"]);
    const trades = await c.next((m) => m.type === "snapshot" && m.channel === "trades");

    await place("BTC-USD", "buy", "100.00", "0.4");
    const l2 = await c.next((m) => m.type === "update" && m.channel === "level2");
    expect(l2).toMatchObject({
      first_seq: snap.seq + 1,
      instrument: "BTC-USD",
      changes: [["sell", "100.00", "0.60000"]],
    });
    const t = await c.next((m) => m.type === "update" && m.channel === "trades");
    expect(t.first_seq).toBe(trades.seq + 1);
    expect(t.trades[0]).toMatchObject({ price: "100.00", size: "0.40000", side: "buy" });
    // Both came in one `batch` frame, level2 first.
    expect(c.batches.find((b) => b.includes(l2))?.map((m) => ("channel" in m ? m.channel : m.type))).toEqual([
      "level2",
      "trades",
    ]);
  });

  it("sends plain messages, not batches, to a socket of one channel", async () => {
    const c = await FeedClient.connect("?subscribe=trades:BTC-USD");
    const snap = await c.next((m) => m.type === "snapshot" && m.channel === "trades");
    await place("BTC-USD", "sell", "100.00", "0.5");
    await place("BTC-USD", "buy", "100.00", "0.5");
    const t = await c.next((m) => m.type === "update" && m.channel === "trades");
    expect(t.first_seq).toBe(snap.seq + 1);
    expect(c.batches).toEqual([]);
  });

  it("keeps seqs gap-free across many batches, also for a socket that joins mid-flow", async () => {
    const early = await FeedClient.connect();
    await early.request("subscribe", { channels: ["level2", "trades"], instruments: ["BHP-AUD"] });
    const earlySnap = await early.next((m) => m.type === "snapshot" && m.channel === "level2");
    const earlyTrades = await early.next((m) => m.type === "snapshot" && m.channel === "trades");

    let late: FeedClient | undefined;
    let lateJoin: Promise<unknown> | undefined;
    for (let i = 0; i < 40; i++) {
      const price = (40 + (i % 5) * 0.01).toFixed(2);
      // Batches of several commands: resting orders and crossing ones.
      await book("BHP-AUD").execute([
        { type: "place", order_id: `g${i}s`, account: "s", side: "sell", order_type: "limit", price, size: "5" },
        { type: "place", order_id: `g${i}b`, account: "b", side: "buy", order_type: "limit", price, size: "3" },
        {
          type: "place",
          order_id: `g${i}r`,
          account: "b",
          side: "buy",
          order_type: "limit",
          price: "39.00",
          size: "1",
        },
      ]);
      if (i % 4 === 0) await sleep(12); // let some ticks flush in between
      if (i === 15) {
        late = await FeedClient.connect();
        lateJoin = late.request("subscribe", { channels: ["level2", "trades"], instruments: ["BHP-AUD"] });
      }
    }
    await lateJoin;
    const seqs = await book("BHP-AUD").sequences();
    for (const c of [early, late as FeedClient]) {
      await c.until("level2", "BHP-AUD", seqs.level2);
      await c.until("trades", "BHP-AUD", seqs.trades);
    }
    expect(contiguous(early.stream("level2", "BHP-AUD"), earlySnap.seq)).toBe(seqs.level2);
    expect(contiguous(early.stream("trades", "BHP-AUD"), earlyTrades.seq)).toBe(seqs.trades);
    expect(early.stream("level2", "BHP-AUD", "update").length).toBeGreaterThan(5);

    const lateL2 = late?.stream("level2", "BHP-AUD") ?? [];
    const lateSnap = lateL2.find((m) => m.type === "snapshot");
    if (!lateSnap) throw new Error("the late socket got no level2 snapshot");
    expect(lateSnap.seq).toBeGreaterThan(earlySnap.seq);
    // Nothing at or before the snapshot, nothing missing after it.
    expect(
      contiguous(
        lateL2.filter((m) => m !== lateSnap),
        lateSnap.seq,
      ),
    ).toBe(seqs.level2);
  });

  it("resumes from a seq still in the log, and resyncs with a reason otherwise", async () => {
    const c = await FeedClient.connect();
    await c.request("subscribe", { channels: ["level2"], instruments: ["EUR-USD"] });
    const snap = await c.next((m) => m.type === "snapshot" && m.channel === "level2");
    await c.request("unsubscribe", { channels: ["level2"], instruments: ["EUR-USD"] });

    await place("EUR-USD", "sell", "1.10000", "2000");
    await place("EUR-USD", "sell", "1.10010", "1000");
    const now = (await book("EUR-USD").sequences()).level2;
    expect(now).toBeGreaterThan(snap.seq);

    await c.request("subscribe", {
      channels: ["level2"],
      instruments: ["EUR-USD"],
      resume_from: { "EUR-USD": snap.seq },
    });
    const resumed = await c.next((m) => m.type === "resumed");
    expect(resumed).toMatchObject({ channel: "level2", instrument: "EUR-USD", from_seq: snap.seq + 1 });
    await c.until("level2", "EUR-USD", now);
    const after = c.received
      .slice(c.received.indexOf(resumed) + 1)
      .filter((m) => "channel" in m && m.channel === "level2");
    expect(after.every((m) => m.type === "update")).toBe(true);
    expect(contiguous(after, snap.seq)).toBe(now);

    // A seq the book never reached cannot be resumed: a snapshot follows, with the reason.
    await c.request("subscribe", { channels: ["level2"], instruments: ["EUR-USD"], resume_from: now + 1_000_000 });
    const resync = await c.next((m) => m.type === "resync");
    expect(resync).toMatchObject({ channel: "level2", instrument: "EUR-USD" });
    expect(resync.reason).toMatch(/\w/);
    const fresh = await c.next((m) => m.type === "snapshot" && m.channel === "level2");
    expect(fresh.seq).toBe(now);
  });

  it("resyncs a socket with a snapshot instead of passing on a gap", async () => {
    const c = await FeedClient.connect();
    const { shard } = await c.next((m) => m.type === "welcome");
    await c.request("subscribe", { channels: ["level2"], instruments: ["AAPL-USD"] });
    const snap = await c.next((m) => m.type === "snapshot" && m.channel === "level2");
    // A push that skips seqs (as after a lost push) reaches the shard.
    const gap: FeedMessage = {
      type: "update",
      channel: "level2",
      instrument: "AAPL-USD",
      first_seq: snap.seq + 5,
      seq: snap.seq + 5,
      time: Date.now(),
      changes: [["buy", "1.00", "1"]],
    };
    expect(await shardStub(shard).publish("AAPL-USD", [gap])).toEqual({ subscribed: true });
    const resync = await c.next((m) => m.type === "resync");
    expect(resync.reason).toContain("gap");
    const again = await c.next((m) => m.type === "snapshot" && m.channel === "level2");
    expect(again.seq).toBe(snap.seq);
    expect(c.received.some((m) => m.type === "update" && m.first_seq === snap.seq + 5)).toBe(false);
  });
});

describe("shards and books", () => {
  it("registers with the book while a socket wants the instrument, and leaves with the last one", async () => {
    const a = await FeedClient.connectShard("feed-0");
    const b = await FeedClient.connectShard("feed-0");
    await a.request("subscribe", { channels: ["trades"], instruments: ["BHP-AUD"] });
    await b.request("subscribe", { channels: ["ticker"], instruments: ["BHP-AUD"] });
    await a.next((m) => m.type === "snapshot");
    expect(await bookShards("BHP-AUD")).toContain("feed-0");

    await a.request("unsubscribe", { channels: ["trades"], instruments: ["BHP-AUD"] });
    expect(await bookShards("BHP-AUD")).toContain("feed-0");
    expect(await shardStub("feed-0").publish("BHP-AUD", [])).toEqual({ subscribed: true });

    await b.close();
    await sleep(20);
    expect(await bookShards("BHP-AUD")).not.toContain("feed-0");
    expect(await shardStub("feed-0").publish("BHP-AUD", [])).toEqual({ subscribed: false });
  });

  it("takes subscriptions from the URL as tags, and rebuilds its index after hibernation", async () => {
    const c = await FeedClient.connectShard("feed-1", "?subscribe=level2:BTC-USD,trades:BTC-USD");
    await c.next((m) => m.type === "snapshot" && m.channel === "level2");
    await c.next((m) => m.type === "snapshot" && m.channel === "trades");
    await c.request("unsubscribe", { channels: ["trades"], instruments: ["BTC-USD"] });
    await c.request("subscribe", { channels: ["ticker"], instruments: ["BTC-USD"] });
    await c.next((m) => m.type === "snapshot" && m.channel === "ticker");
    const tags = await runInDurableObject(shardStub("feed-1"), (_i, state) =>
      state.getWebSockets().map((ws) => state.getTags(ws)),
    );
    expect(tags).toEqual([["level2:BTC-USD", "trades:BTC-USD"]]);

    // Drop the object's memory as hibernation would; the socket stays open.
    await evictDurableObject(shardStub("feed-1"));
    await sleep(20);
    expect(c.isClosed).toBe(false);
    expect((await c.call("list")).subscriptions).toEqual(["level2:BTC-USD", "ticker:BTC-USD"]);

    // The rebuilt shard lost its place in the stream: it resyncs rather than guess.
    await place("BTC-USD", "sell", "101.00", "1");
    expect(await c.next((m) => m.type === "resync" && m.channel === "level2")).toMatchObject({
      reason: expect.stringContaining("restarted"),
    });
    const snap = await c.next((m) => m.type === "snapshot" && m.channel === "level2");
    expect(snap.asks).toContainEqual(["101.00", "1.00000"]);
  });

  it("notices updates that never arrived on a quiet stream, and registers with the book again", async () => {
    const c = await FeedClient.connect("?subscribe=level2:AAPL-USD");
    const { shard } = await c.next((m) => m.type === "welcome");
    await c.next((m) => m.type === "snapshot" && m.channel === "level2");
    // The book forgets the region's relay (a push failed, or it dropped it): an order goes unseen.
    const relay = relayName("enam", "AAPL-USD");
    expect(await bookShards("AAPL-USD")).toContain(relay);
    await runInDurableObject(book("AAPL-USD"), (instance, state) => {
      state.storage.sql.exec("DELETE FROM feed_shards");
      (instance as unknown as { channels: { shards: { load(): void } } }).channels.shards.load();
    });
    await place("AAPL-USD", "sell", "151.00", "1");
    await sleep(30);
    expect(c.stream("level2", "AAPL-USD", "update")).toEqual([]);

    // Once a stream has been quiet for a while (30 s), the heartbeat alarm checks it against the book.
    await runInDurableObject(shardStub(shard), (instance) => {
      const streams = (instance as unknown as { streams: { streams: Map<string, { lastPushAt: number }> } }).streams
        .streams;
      for (const stream of streams.values()) stream.lastPushAt = 0;
    });
    // The relay too has heard nothing from the book for a while: the shard's probe makes it ask the book.
    await runInDurableObject(env.FEED_RELAY.getByName(relay), (instance) => {
      (instance as unknown as { lastHeard: number }).lastHeard = 0;
    });
    await runDurableObjectAlarm(shardStub(shard));
    // The relay catches up from the book and pushes on what it missed; the probe's answer may
    // arrive first, and then the shard resyncs with a snapshot. Either way the order is seen.
    const shows151 = (m: FeedMessage) =>
      m.channel === "level2" &&
      ((m.type === "snapshot" && m.asks.some(([p]) => p === "151.00")) ||
        (m.type === "update" && m.changes.some(([side, p]) => side === "sell" && p === "151.00")));
    const caught = (await c.next((m) => "channel" in m && shows151(m as FeedMessage))) as FeedMessage;
    const resynced = c.received.find((m) => m.type === "resync");
    if (caught.type === "snapshot") expect(resynced?.reason).toContain("missed updates");
    else expect(resynced).toBeUndefined();
    expect(await bookShards("AAPL-USD")).toContain(relay);
    await place("AAPL-USD", "sell", "152.00", "1");
    const next = await c.next(
      (m) => m.type === "update" && m.channel === "level2" && m.changes.some(([, p]) => p === "152.00"),
    );
    expect((next as FeedMessage & { first_seq: number }).first_seq).toBe(caught.seq + 1);
  });

  it("pushes its last updates again after crashing between a commit and its push: no gap, no resync", async () => {
    const c = await FeedClient.connect("?subscribe=trades:BTC-USD");
    const snap = await c.next((m) => m.type === "snapshot" && m.channel === "trades");
    await place("BTC-USD", "sell", "103.33", "1");
    // The crossing order commits; the object crashes before its feed tick pushes the trade.
    await runInDurableObject(book("BTC-USD"), async (instance, state) => {
      await instance.execute([
        {
          type: "place",
          order_id: `crash-${Date.now()}`,
          account: "buyer",
          side: "buy",
          order_type: "limit",
          price: "103.33",
          size: "1",
        },
      ]);
      await state.storage.sync(); // committed (what the caller's reply would wait for), not yet pushed
      state.abort("crash before the push");
    }).catch(() => undefined);
    // Starting again, the book pushes the tail of its log; the shard skips what it has seen.
    await book("BTC-USD").sequences();
    const update = await c.next((m) => m.type === "update" && m.channel === "trades");
    expect(update.first_seq).toBe(snap.seq + 1);
    expect(update.trades.length).toBeGreaterThan(0);
    await sleep(30);
    expect(c.received.some((m) => m.type === "resync")).toBe(false);
    expect(contiguous(c.stream("trades", "BTC-USD", "update"), snap.seq)).toBe(update.seq);
  });

  it("sends heartbeats with each stream's last seq from the alarm", async () => {
    const c = await FeedClient.connect("?subscribe=level2:EUR-USD");
    const { shard } = await c.next((m) => m.type === "welcome");
    const snap = await c.next((m) => m.type === "snapshot" && m.channel === "level2");
    expect(await runDurableObjectAlarm(shardStub(shard))).toBe(true);
    const hb = await c.next((m) => m.type === "heartbeat");
    expect(hb.seqs).toEqual({ "level2:EUR-USD": snap.seq });
    expect(hb.time).toBeGreaterThan(0);
    // Re-armed for the next beat.
    expect(await runDurableObjectAlarm(shardStub(shard))).toBe(true);
    await c.next((m) => m.type === "heartbeat");
  });
});

describe("limits", () => {
  it("refuses subscriptions past the limit with an error, keeping the socket", async () => {
    const c = await FeedClient.connect();
    // 4 channels x 3 instruments = 12 > 10 (the test limit): nothing is subscribed.
    const over = await c.request("subscribe", {
      channels: ["level2", "trades", "ticker", "candles"],
      instruments: ["BTC-USD", "EUR-USD", "AAPL-USD"],
    });
    expect(errorOf(over).code).toBe("too_many_subscriptions");
    expect((await c.call("list")).subscriptions).toEqual([]);
    const ok = await c.request("subscribe", {
      channels: ["level2", "trades", "ticker", "candles"],
      instruments: ["BTC-USD", "EUR-USD"],
    });
    expect(resultOf(ok).subscriptions).toHaveLength(8);
    const more = await c.request("subscribe", { channels: ["level2", "trades", "ticker"], instruments: ["AAPL-USD"] });
    expect(errorOf(more).code).toBe("too_many_subscriptions");
    expect(c.isClosed).toBe(false);
  });

  it("rate-limits requests, and closes with 1008 after repeated violations", async () => {
    const c = await FeedClient.connect();
    for (let i = 1; i <= 54; i++) c.send(JSON.stringify({ id: i, method: "ping" }));
    await c.next((m) => isReply(m) && m.id === 54);
    const replies = c.received.filter(isReply).filter((m) => typeof m.id === "number");
    expect(replies.filter((m) => m.result !== undefined).length).toBe(50);
    expect(replies.filter((m) => m.error?.code === "rate_limited").length).toBe(4);
    expect(c.isClosed).toBe(false);

    c.send(JSON.stringify({ id: 55, method: "ping" }));
    expect(await c.next((m) => isReply(m) && m.id === 55)).toMatchObject({ error: { code: "rate_limited" } });
    const closed = await c.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toContain("rate_limited");
  });

  it("closes with 1008 after repeated subscription-limit violations", async () => {
    const c = await FeedClient.connect();
    const all = {
      channels: ["level2", "trades", "ticker", "candles"],
      instruments: ["BTC-USD", "EUR-USD", "AAPL-USD"],
    };
    for (let i = 0; i < 4; i++) expect(errorOf(await c.request("subscribe", all)).code).toBe("too_many_subscriptions");
    expect(c.isClosed).toBe(false);
    c.send(JSON.stringify({ id: 99, method: "subscribe", params: all }));
    const closed = await c.closed;
    expect(closed).toMatchObject({ code: 1008 });
    expect(closed.reason).toContain("too_many_subscriptions");
  });
});

describe("slow consumers", () => {
  const update = (channel: "level2" | "trades", seq: number): FeedMessage =>
    channel === "level2"
      ? {
          type: "update",
          channel,
          instrument: "EUR-USD",
          first_seq: seq,
          seq,
          time: Date.now(),
          changes: [["buy", "1.00000", "1000"]],
        }
      : {
          type: "update",
          channel,
          instrument: "EUR-USD",
          first_seq: seq,
          seq,
          time: Date.now(),
          trades: [{ trade_id: seq, price: "1.00000", size: "1000", side: "buy", time: Date.now() }],
        };

  /** Pushes synthetic updates `from..to` to a shard as a book would, in batches of 10. */
  async function push(shard: string, channel: "level2" | "trades", from: number, to: number): Promise<void> {
    for (let s = from; s <= to; s += 10) {
      const batch: FeedMessage[] = [];
      for (let q = s; q <= Math.min(to, s + 9); q++) batch.push(update(channel, q));
      await shardStub(shard).publish("EUR-USD", batch);
    }
  }

  /** A counter of a shard's `metrics()` (what the scrape reads), summed over series matching `labels`. */
  async function counted(shard: string, name: string, labels: Record<string, string> = {}): Promise<number> {
    const family = (await shardStub(shard).metrics()).find((f) => f.name === name);
    let total = 0;
    for (const sample of family?.samples ?? []) {
      if (!Object.entries(labels).every(([k, v]) => sample.labels[k] === v)) continue;
      total += "counts" in sample ? sample.count : sample.value;
    }
    return total;
  }

  it("holds back level2 deltas for a socket that stops acknowledging, then sends one conflated snapshot; others never stall", async () => {
    const dropsBefore = await counted("feed-0", "p3_feed_drops_total", { reason: "slow_consumer" });
    const framesBefore = await counted("feed-0", "p3_feed_frames_total");
    const lagBefore = await counted("feed-0", "p3_feed_delivery_lag_seconds");
    const slow = await FeedClient.connectShard("feed-0", "?subscribe=level2:EUR-USD");
    const fast = await FeedClient.connectShard("feed-0", "?subscribe=level2:EUR-USD");
    const base = (await slow.next((m) => m.type === "snapshot" && m.channel === "level2")).seq;
    await fast.next((m) => m.type === "snapshot" && m.channel === "level2");

    await push("feed-0", "level2", base + 1, base + 60);
    await fast.until("level2", "EUR-USD", base + 60);
    await fast.request("ping"); // the fast client acknowledges what it read
    await push("feed-0", "level2", base + 61, base + 150);
    await fast.until("level2", "EUR-USD", base + 150);
    expect(contiguous(fast.stream("level2", "EUR-USD", "update"), base)).toBe(base + 150);

    // Soft limit 100 messages (welcome + snapshot + 98 updates): the rest was held back.
    const got = slow.stream("level2", "EUR-USD", "update");
    expect(got.length).toBe(98);
    expect(contiguous(got, base)).toBe(base + 98);
    // The shard counts what it held back (150 pushed, 98 sent), what it sent, and each batch's lag.
    expect((await counted("feed-0", "p3_feed_drops_total", { reason: "slow_consumer" })) - dropsBefore).toBe(52);
    expect((await counted("feed-0", "p3_feed_frames_total")) - framesBefore).toBeGreaterThanOrEqual(2 * 15);
    expect((await counted("feed-0", "p3_feed_delivery_lag_seconds")) - lagBefore).toBe(15);

    // A frame from the client shows it caught up: one conflated snapshot, then deltas again.
    await slow.request("ping");
    const conflated = await slow.next(
      (m): m is MarketMessage => m.type === "snapshot" && m.channel !== "user" && m.conflated === true,
    );
    expect(conflated.channel).toBe("level2");
  });

  it("closes a socket past the hard limit with 4008, and counts it", async () => {
    const closesBefore = await counted("feed-1", "p3_feed_slow_disconnects_total");
    const slow = await FeedClient.connectShard("feed-1", "?subscribe=trades:EUR-USD");
    const base = (await slow.next((m) => m.type === "snapshot" && m.channel === "trades")).seq;
    // Trades cannot be conflated: they count up to the hard limit (300).
    await push("feed-1", "trades", base + 1, base + 320);
    const closed = await slow.closed;
    expect(closed.code).toBe(4008);
    expect(closed.reason).toContain("slow consumer");
    expect((await counted("feed-1", "p3_feed_slow_disconnects_total")) - closesBefore).toBe(1);
  });
});
