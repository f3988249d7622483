/**
 * Order entry over the feed WebSocket and the `user` channel, end to end: real
 * sockets through the Worker, tokens from the real token endpoint, Account
 * objects with funds, real books. Also cancel-on-disconnect, before and after
 * the shard hibernates.
 */
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import type { Scope } from "../../workers/api/auth-context.ts";
import { createAccount, JSON_HEADERS, postJson, tokenFor } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";
import { closeAll, FeedClient, type MessageOf, resultOf, sleep, type UserMessage } from "./feed-client.ts";

afterEach(closeAll);

beforeAll(async () => {
  await Promise.all(
    ["WSA-USD", "WSB-USD", "WSC-USD", "WSD-USD", "WSE-USD"].map((s) => listInstrument(testInstrument(s))),
  );
});

interface Trader {
  account: string;
  token: string;
  refresh: string;
}

/** A new account with a key of `scopes`, funded by deposits, and an access token. */
async function trader(deposits: Record<string, string>, scopes: Scope[] = ["read", "trade"]): Promise<Trader> {
  const created = await createAccount(scopes);
  const stub = accountStub(env.ACCOUNT, created.account);
  for (const [asset, amount] of Object.entries(deposits)) {
    const r = await stub.deposit(created.account, { asset, amount, reference: `seed-${asset}` });
    if (!r.ok) throw new Error(r.code);
  }
  const tokens = await tokenFor(created.keyId, created.secret);
  return { account: created.account, token: tokens.access_token, refresh: tokens.refresh_token };
}

/** A socket authenticated with the trader's token. */
async function session(t: Trader, params: Record<string, unknown> = {}): Promise<FeedClient> {
  const c = await FeedClient.connect();
  const reply = await c.request("auth", { token: t.token, ...params });
  expect(resultOf(reply)).toMatchObject({ account: t.account });
  return c;
}

const limit = (id: string, instrument: string, side: "buy" | "sell", price: string, size: string) => ({
  client_order_id: id,
  instrument,
  side,
  type: "limit",
  price,
  size,
});

async function balance(account: string, asset: string) {
  const r = await accountStub(env.ACCOUNT, account).balances(account);
  if (!r.ok) throw new Error(r.code);
  return r.balances.find((b) => b.asset === asset) ?? { asset, total: "0", hold: "0", available: "0" };
}

async function openOrders(account: string) {
  return (await accountStub(env.ACCOUNT, account).listOrders(account, { status: "open", limit: 50 })).items;
}

/** Polls until `check` passes (asynchronous effects: cancel-on-disconnect, maker settlement). */
async function eventually(check: () => Promise<void>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(20);
    }
  }
}

/** User-channel messages received so far (not snapshots or control messages). */
const userMessages = (c: FeedClient): UserMessage[] =>
  c.received.filter((m) => m.type === "order" || m.type === "fill" || m.type === "balance");

describe("authentication", () => {
  it("answers auth with the account, scopes and expiry; refuses bad, revoked and foreign tokens", async () => {
    const t = await trader({});
    const c = await FeedClient.connect();
    const ok = await c.request("auth", { token: t.token });
    expect(resultOf(ok)).toMatchObject({ account: t.account, scopes: ["read", "trade"], cancel_on_disconnect: false });
    expect(resultOf(ok).expires_at_ms).toBeGreaterThan(Date.now());

    const other = await trader({});
    expect(await c.request("auth", { token: other.token })).toMatchObject({ error: { code: "account_mismatch" } });

    const d = await FeedClient.connect();
    expect(await d.request("auth", { token: "not-a-jwt" })).toMatchObject({
      error: { code: "unauthenticated", reason: "malformed_token" },
    });
    const tampered = `${t.token.slice(0, -4)}AAAA`;
    expect(await d.request("auth", { token: tampered })).toMatchObject({ error: { code: "unauthenticated" } });
    expect(await d.request("auth", {})).toMatchObject({ error: { code: "invalid_params" } });

    // A revoked session cannot authenticate a socket.
    const revoked = await trader({});
    const res = await postJson("/v1/auth/revoke", { token: revoked.refresh }, JSON_HEADERS);
    expect(res.status).toBeLessThan(300);
    expect(await d.request("auth", { token: revoked.token })).toMatchObject({
      error: { code: "unauthenticated", reason: "token_revoked" },
    });
    // Errors never close the socket.
    expect((await d.call("ping")).pong).toBe(true);
  });

  it("refuses order methods and the user channel before auth, and trading with a read-only token", async () => {
    const t = await trader({ USD: "1000" }, ["read"]);
    const c = await FeedClient.connect();
    const order = limit("early", "WSA-USD", "buy", "10.00", "1");
    expect(await c.request("order.place", order)).toMatchObject({ error: { code: "unauthenticated" } });
    expect(await c.request("order.cancel", { client_order_id: "early" })).toMatchObject({
      error: { code: "unauthenticated" },
    });
    expect(await c.request("subscribe", { channels: ["user"] })).toMatchObject({ error: { code: "unauthenticated" } });

    await c.request("auth", { token: t.token });
    expect(await c.request("order.place", order)).toMatchObject({
      error: { code: "missing_scope", scope: "trade" },
    });
    expect(await c.request("auth", { token: t.token, cancel_on_disconnect: true })).toMatchObject({
      error: { code: "missing_scope" },
    });
    // Reading its own channel is allowed.
    expect((await c.call("subscribe", { channels: ["user"] })).subscriptions).toEqual(["user"]);
    await c.next((m) => m.type === "snapshot" && m.channel === "user");
    expect(await openOrders(t.account)).toEqual([]);
    expect(await balance(t.account, "USD")).toMatchObject({ hold: "0.00000000" });
  });
});

describe("order entry", () => {
  it("places, amends and cancels, each answered with the desk's outcome", async () => {
    const t = await trader({ USD: "1000" });
    const c = await session(t);
    const placed = await c.request("order.place", limit("b1", "WSA-USD", "buy", "10.00", "2"));
    expect(resultOf(placed).order).toMatchObject({ client_order_id: "b1", status: "new", remaining_size: "2.000" });
    expect(resultOf(placed).fills).toEqual([]);
    expect(await balance(t.account, "USD")).toMatchObject({ hold: "20.04000000" });

    // The same client_order_id again: the first outcome, nothing placed twice.
    const again = await c.request("order.place", limit("b1", "WSA-USD", "buy", "10.00", "2"));
    expect(resultOf(again)).toMatchObject({ replayed: true, order: { order_id: resultOf(placed).order.order_id } });

    const amended = await c.request("order.amend", { client_order_id: "b1", size: "1", price: "11.00" });
    expect(resultOf(amended).order).toMatchObject({ price: "11.00", size: "1.000", status: "new" });
    expect(await balance(t.account, "USD")).toMatchObject({ hold: "11.02200000" });

    const cancelled = await c.request("order.cancel", { order_id: resultOf(placed).order.order_id });
    expect(resultOf(cancelled).order).toMatchObject({ status: "cancelled" });
    expect(await balance(t.account, "USD")).toMatchObject({ hold: "0.00000000" });

    // The desk's refusals keep their codes.
    expect(await c.request("order.cancel", { client_order_id: "b1" })).toMatchObject({
      error: { code: "order_not_open", order: { status: "cancelled" } },
    });
    expect(await c.request("order.cancel", { client_order_id: "nope" })).toMatchObject({
      error: { code: "order_not_found" },
    });
    expect(await c.request("order.place", limit("big", "WSA-USD", "buy", "10.00", "500"))).toMatchObject({
      error: { code: "order_rejected", reason: "insufficient_available", asset: "USD" },
    });

    await c.request("order.place", limit("b2", "WSA-USD", "buy", "9.00", "1"));
    await c.request("order.place", limit("b3", "WSA-USD", "buy", "8.00", "1"));
    const all = await c.request("order.cancel_all", { instrument: "WSA-USD" });
    expect(
      resultOf(all)
        .cancelled.map((o) => o.client_order_id)
        .sort(),
    ).toEqual(["b2", "b3"]);
    expect(await openOrders(t.account)).toEqual([]);
  });

  it("answers bad params with invalid_params and changes nothing", async () => {
    const t = await trader({ USD: "1000" });
    const c = await session(t);
    const before = await accountStub(env.ACCOUNT, t.account).listOrders(t.account, { limit: 50 });
    const bad: Array<[string, unknown]> = [
      ["order.place", { ...limit("x1", "WSA-USD", "buy", "10.00", "1"), price: undefined }],
      ["order.place", { ...limit("x2", "WSA-USD", "buy", "10.00", "1"), size: "-1" }],
      ["order.place", { ...limit("x3", "WSA-USD", "buy", "10.00", "1"), extra: true }],
      ["order.place", { ...limit("x4", "WSA-USD", "buy", "10.00", "1"), side: "hold" }],
      ["order.place", "nonsense"],
      ["order.place", undefined],
      ["order.cancel", {}],
      ["order.cancel", { order_id: "a", client_order_id: "b" }],
      ["order.amend", { client_order_id: "x1" }],
      ["order.amend", { order_id: "a", client_order_id: "b", size: "1" }],
      ["order.amend", { client_order_id: "x1", size: "1e3" }],
      ["order.cancel_all", { side: "both" }],
      ["session.cancel_on_disconnect", { enabled: "yes" }],
    ];
    for (const [method, params] of bad) {
      const reply = await c.request(method, params);
      expect(reply.error?.code, `${method} ${JSON.stringify(params)}`).toBe("invalid_params");
    }
    expect(await accountStub(env.ACCOUNT, t.account).listOrders(t.account, { limit: 50 })).toEqual(before);
    expect(await balance(t.account, "USD")).toMatchObject({ total: "1000.00000000", hold: "0.00000000" });
    expect(await c.raw("x".repeat(20_000))).toMatchObject({ error: { code: "message_too_large" } });
    // Multi-byte text is measured in bytes: 6,000 × 3 bytes is over 16 KiB.
    expect(await c.raw("€".repeat(6_000))).toMatchObject({ error: { code: "message_too_large" } });
  });
});

describe("user channel", () => {
  it("streams order, fill and balance messages in contiguous seq after a snapshot", async () => {
    const maker = await trader({ WSB: "10" });
    const taker = await trader({ USD: "1000" });
    const m = await session(maker);
    const sub = await m.request("subscribe", { channels: ["user"] });
    expect(resultOf(sub).subscriptions).toEqual(["user"]);
    const snap = await m.next((x) => x.type === "snapshot" && x.channel === "user");
    expect(snap.orders).toEqual([]);
    expect(snap.balances).toContainEqual(expect.objectContaining({ asset: "WSB", total: "10.00000000" }));
    expect((await m.call("list")).subscriptions).toEqual(["user"]);

    const ask = await m.request("order.place", limit("ask", "WSB-USD", "sell", "100.00", "2"));
    expect(resultOf(ask).order.status).toBe("new");
    const resting = await m.next((x): x is MessageOf<"order"> => x.type === "order" && x.order.status === "new");
    expect(resting.seq).toBe(snap.seq + 1);
    // The hold shows as a balance change.
    await m.next((x) => x.type === "balance" && x.balances.some((b) => b.asset === "WSB" && b.hold === "2.00000000"));

    // Another account crosses it over its own socket.
    const t = await session(taker);
    const bid = await t.request("order.place", limit("bid", "WSB-USD", "buy", "101.00", "1.5"));
    expect(resultOf(bid).order).toMatchObject({ status: "filled", filled_size: "1.500" });
    expect(resultOf(bid).fills).toHaveLength(1);

    const fill = await m.next((x) => x.type === "fill");
    expect(fill.fill).toMatchObject({ client_order_id: "ask", size: "1.500", price: "100.00", liquidity: "maker" });
    const partial = await m.next(
      (x): x is MessageOf<"order"> => x.type === "order" && x.order.status === "partially_filled",
    );
    expect(partial.order).toMatchObject({ filled_size: "1.500", remaining_size: "0.500" });
    const settled = await m.next(
      (x): x is MessageOf<"balance"> =>
        x.type === "balance" && x.balances.some((b) => b.asset === "USD" && b.total === "149.85000000"),
    );
    expect(settled.balances).toContainEqual(
      expect.objectContaining({ asset: "WSB", total: "8.50000000", hold: "0.50000000" }),
    );

    await m.request("order.cancel", { client_order_id: "ask" });
    await m.next((x) => x.type === "order" && x.order.status === "cancelled");
    await m.next((x) => x.type === "balance" && x.balances.some((b) => b.asset === "WSB" && b.hold === "0.00000000"));

    const seqs = userMessages(m).map((x) => x.seq);
    expect(seqs).toEqual(seqs.map((_, i) => snap.seq + 1 + i));
    // Heartbeats carry the channel's last seq, so a lost last message is noticed too.
    const shard = (await m.next((x) => x.type === "welcome")).shard;
    await runDurableObjectAlarm(env.FEED_SHARD.get(env.FEED_SHARD.idFromName(shard)));
    const beat = await m.next(
      (x): x is MessageOf<"heartbeat"> => x.type === "heartbeat" && x.seqs.user === seqs.at(-1),
    );
    expect(beat.seqs.user).toBe(seqs.at(-1));
    // The taker's socket never subscribed: it got no user messages.
    expect(userMessages(t)).toEqual([]);
  });

  it("serves every socket of the account, resyncs after the shard restarts, and stops after unsubscribe", async () => {
    const a = await trader({ USD: "1000" });
    const first = await session(a);
    const second = await session(a);
    for (const c of [first, second]) {
      await c.request("subscribe", { channels: ["user"] });
      await c.next((x) => x.type === "snapshot" && x.channel === "user");
    }
    await first.request("order.place", limit("o1", "WSC-USD", "buy", "10.00", "1"));
    for (const c of [first, second]) await c.next((x) => x.type === "order" && x.order.client_order_id === "o1");

    // The shard loses its memory as hibernation would: the next message comes after a resync and a snapshot.
    const shard = (await first.next((x) => x.type === "welcome")).shard;
    await evictDurableObject(env.FEED_SHARD.get(env.FEED_SHARD.idFromName(shard)));
    await sleep(20);
    await second.request("order.place", limit("o2", "WSC-USD", "buy", "9.00", "1"));
    await first.next((x) => x.type === "resync" && x.channel === "user");
    const snap = await first.next((x) => x.type === "snapshot" && x.channel === "user");
    expect(snap.orders.map((o) => o.client_order_id).sort()).toEqual(["o1", "o2"]);

    await first.request("unsubscribe", { channels: ["user"] });
    expect((await first.call("list")).subscriptions).toEqual([]);
    const seen = userMessages(first).length;
    await second.request("order.cancel_all", {});
    await second.next((x) => x.type === "order" && x.order.client_order_id === "o2" && x.order.status === "cancelled");
    await sleep(30);
    expect(userMessages(first)).toHaveLength(seen);
  });
});

describe("cancel on disconnect", () => {
  it("cancels the account's open orders when the socket closes", async () => {
    const t = await trader({ USD: "1000" });
    const c = await session(t, { cancel_on_disconnect: true });
    await c.request("order.place", limit("c1", "WSD-USD", "buy", "10.00", "1"));
    await c.request("order.place", limit("c2", "WSD-USD", "buy", "11.00", "1"));
    // Sent just before closing: cancel-on-disconnect waits for it, so it is cancelled too.
    c.send(JSON.stringify({ id: 99, method: "order.place", params: limit("c3", "WSD-USD", "buy", "12.00", "1") }));
    await c.close();
    await eventually(async () => {
      expect(await openOrders(t.account)).toEqual([]);
    });
    const done = await accountStub(env.ACCOUNT, t.account).listOrders(t.account, { status: "done", limit: 10 });
    expect(done.items.map((o) => [o.client_order_id, o.status]).sort()).toEqual([
      ["c1", "cancelled"],
      ["c2", "cancelled"],
      ["c3", "cancelled"],
    ]);
    expect(await balance(t.account, "USD")).toMatchObject({ hold: "0.00000000" });
  });

  it("survives hibernation, can be turned off, and leaves orders alone without it", async () => {
    const t = await trader({ USD: "1000" });
    const c = await session(t);
    expect(await c.call("session.cancel_on_disconnect", { enabled: true })).toEqual({
      cancel_on_disconnect: true,
    });
    await c.request("order.place", limit("h1", "WSE-USD", "buy", "10.00", "1"));
    const shard = (await c.next((x) => x.type === "welcome")).shard;
    await evictDurableObject(env.FEED_SHARD.get(env.FEED_SHARD.idFromName(shard)));
    await sleep(20);
    await c.close();
    await eventually(async () => {
      expect(await openOrders(t.account)).toEqual([]);
    });

    const d = await session(t, { cancel_on_disconnect: true });
    await d.request("order.place", limit("h2", "WSE-USD", "buy", "10.00", "1"));
    expect(await d.call("session.cancel_on_disconnect", { enabled: false })).toEqual({
      cancel_on_disconnect: false,
    });
    await d.close();
    await sleep(100);
    expect((await openOrders(t.account)).map((o) => o.client_order_id)).toEqual(["h2"]);
  });
});
