/**
 * Findings 7 and 8 of the hostile review of the WebSocket feed.
 *
 * 7. A socket's private `user` channel is bounded by its token: when the token expires
 *    (checked at each heartbeat and before each push, also after the shard hibernated)
 *    or its refresh family or API key is revoked (the Account tells the shards), the
 *    channel ends with an error frame (`unauthenticated`, reason `token_expired` /
 *    `token_revoked`) while the socket and its public streams stay; `auth` renews.
 * 8. Sockets are capped per client address (FEED_MAX_SOCKETS_PER_IP, 4 in the test
 *    config, across shards) and per account (FEED_MAX_SOCKETS_PER_ACCOUNT, 3 in the test
 *    config, counted at `auth`); sockets that neither authenticate nor subscribe are closed
 *    after FEED_IDLE_TIMEOUT_MS; anonymous sockets fill at most FEED_UNAUTHENTICATED_SHARE
 *    (0.8: 4 of a test shard's 5 slots), the rest is kept for authenticated ones.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { issueAccessToken } from "../../shared/auth/access-token.ts";
import { authConfig } from "../../shared/auth/config.ts";
import type { Scope } from "../../shared/auth/scopes.ts";
import { signingKeys } from "../../shared/auth/signing-keys.ts";
import { deposit } from "./account-helpers.ts";
import { bearer, createAccount, JSON_HEADERS, tokenFor } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";
import { closeAll, errorOf, FeedClient, freshAddress, type Message, resultOf, sleep } from "./feed-client.ts";

afterEach(closeAll);

const BASE = "http://platform3.test/v1";
const SYMBOL = "RWS-USD";

beforeAll(async () => {
  await listInstrument(testInstrument(SYMBOL));
});

interface Trader {
  account: string;
  keyId: string;
  secret: string;
  token: string;
  refresh: string;
}

async function trader(): Promise<Trader> {
  const created = await createAccount(["read", "trade"]);
  await deposit(created.account, { USD: "100000" });
  const tokens = await tokenFor(created.keyId, created.secret);
  return { ...created, token: tokens.access_token, refresh: tokens.refresh_token };
}

/** An access token of `token`'s session (same account, key and family) that expires in about `seconds`. */
async function expiringToken(token: string, seconds: number): Promise<{ token: string; expiresAtMs: number }> {
  const claims = decodeJwt(token) as { sub: string; scope: string; kid: string; fam: string };
  const config = authConfig(env);
  const keys = await signingKeys(env.JWT_SIGNING_KEYS);
  // Issued in the past, so that its ordinary lifetime ends `seconds` from now.
  const issuedAt = Date.now() - (config.accessTtlS - seconds) * 1000;
  const grant = {
    account: claims.sub,
    key_id: claims.kid,
    scopes: claims.scope.split(" ") as Scope[],
    family: claims.fam,
    key_expires_at: null,
    ip_allowlist: null,
  };
  const issued = await issueAccessToken(grant, keys, config, issuedAt);
  return { token: issued.token, expiresAtMs: (decodeJwt(issued.token).exp as number) * 1000 };
}

async function authenticated(token: string, query = ""): Promise<FeedClient> {
  const c = await FeedClient.connect(query);
  resultOf(await c.request("auth", { token }));
  return c;
}

async function onUserChannel(c: FeedClient): Promise<void> {
  resultOf(await c.request("subscribe", { channels: ["user"] }));
  await c.next((m) => m.type === "snapshot" && m.channel === "user");
}

const shardStub = (name: string) => env.FEED_SHARD.get(env.FEED_SHARD.idFromName(name));

const shards = new WeakMap<FeedClient, string>();

/** The shard a socket's welcome named. */
async function shardOf(c: FeedClient): Promise<string> {
  let shard = shards.get(c);
  if (shard === undefined) {
    shard = (await c.next((m) => m.type === "welcome")).shard;
    shards.set(c, shard);
  }
  return shard;
}

let orders = 0;
const bid = () => ({
  client_order_id: `rw-${++orders}`,
  instrument: SYMBOL,
  side: "buy",
  type: "limit",
  price: "10.00",
  size: "1",
});

const isUserEnd = (reason: string) => (m: Message) =>
  m.type === "error" && "channel" in m && m.channel === "user" && "reason" in m && m.reason === reason;

const userData = (c: FeedClient) =>
  c.received.filter((m) => m.type === "order" || m.type === "fill" || m.type === "balance" || m.type === "resync");

async function eventually(check: () => Promise<void>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(25);
    }
  }
}

function upgradeAt(path: string, headers: Record<string, string>): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, { headers: { Upgrade: "websocket", ...headers } });
}

describe("finding 7: the user channel ends with the token's grant", { timeout: 15_000 }, () => {
  it("ends at the heartbeat after the token expires (token_expired); the socket and its public streams stay, and auth renews", async () => {
    const t = await trader();
    const short = await expiringToken(t.token, 2);
    const c = await FeedClient.connect(`?subscribe=trades:${SYMBOL}`);
    await c.next((m) => m.type === "snapshot" && m.channel === "trades");
    expect(resultOf(await c.request("auth", { token: short.token })).expires_at_ms).toBe(short.expiresAtMs);
    await onUserChannel(c);

    await sleep(short.expiresAtMs - Date.now() + 50);
    await runDurableObjectAlarm(shardStub(await shardOf(c)));
    const ended = await c.next(isUserEnd("token_expired"), 2000);
    expect(ended).toMatchObject({ type: "error", channel: "user", code: "unauthenticated", reason: "token_expired" });
    expect(resultOf(await c.request("list")).subscriptions).toEqual([`trades:${SYMBOL}`]);
    const beat = await c.next((m) => m.type === "heartbeat", 2000, "a heartbeat", c.received.indexOf(ended));
    expect(beat.type === "heartbeat" && Object.keys(beat.seqs)).toEqual([`trades:${SYMBOL}`]);
    // Order methods refuse the expired session as before.
    expect(errorOf(await c.request("order.place", bid()))).toMatchObject({ reason: "token_expired" });

    // A fresh token renews the grant; the user channel can be subscribed again.
    resultOf(await c.request("auth", { token: t.token }));
    await onUserChannel(c);
    expect(c.isClosed).toBe(false);
  });

  it("sends no user message once the token has expired, even before the heartbeat (checked before each push)", async () => {
    const t = await trader();
    const short = await expiringToken(t.token, 2);
    const c = await authenticated(short.token);
    await onUserChannel(c);
    const trading = await authenticated(t.token);
    await onUserChannel(trading);

    await sleep(short.expiresAtMs - Date.now() + 50);
    resultOf(await trading.request("order.place", bid()));
    await trading.next((m) => m.type === "order");
    await c.next(isUserEnd("token_expired"), 2000);
    await sleep(50);
    expect(userData(c)).toEqual([]);
  });

  it("keeps the token's expiry across hibernation", async () => {
    const t = await trader();
    const short = await expiringToken(t.token, 2);
    const c = await authenticated(short.token);
    await onUserChannel(c);
    await evictDurableObject(shardStub(await shardOf(c)));
    const trading = await authenticated(t.token);

    await sleep(short.expiresAtMs - Date.now() + 50);
    resultOf(await trading.request("order.place", bid()));
    await c.next(isUserEnd("token_expired"), 2000);
    await sleep(50);
    // No resync, no snapshot, no order: the socket woke with its session and saw it had expired.
    expect(userData(c)).toEqual([]);
    expect(c.received.filter((m) => m.type === "snapshot")).toHaveLength(1);
  });

  it("ends at once when the refresh family is revoked (token_revoked), and order methods stop", async () => {
    const t = await trader();
    const c = await authenticated(t.token, `?subscribe=trades:${SYMBOL}`);
    await onUserChannel(c);

    const revoked = await exports.default.fetch(`${BASE}/auth/revoke`, {
      method: "POST",
      headers: { ...JSON_HEADERS, "cf-connecting-ip": freshAddress() },
      body: JSON.stringify({ token: t.refresh }),
    });
    expect(revoked.status).toBe(200);
    const ended = await c.next(isUserEnd("token_revoked"), 2000);
    expect(ended).toMatchObject({ code: "unauthenticated" });
    expect(resultOf(await c.request("list")).subscriptions).toEqual([`trades:${SYMBOL}`]);
    expect(errorOf(await c.request("order.place", bid()))).toMatchObject({
      code: "unauthenticated",
      reason: "token_revoked",
    });
    expect(c.isClosed).toBe(false);
  });

  it("ends for the sockets of a revoked API key only, not for the account's other keys", async () => {
    const t = await trader();
    const created = await exports.default.fetch(`${BASE}/accounts/me/api-keys`, {
      method: "POST",
      headers: { ...JSON_HEADERS, ...bearer(t.token), "cf-connecting-ip": freshAddress() },
      body: JSON.stringify({ name: "second", scopes: ["read", "trade"] }),
    });
    expect(created.status).toBe(201);
    const second = await created.json<{ id: string; secret: string }>();
    const secondToken = (await tokenFor(second.id, second.secret)).access_token;
    const doomed = await authenticated(secondToken);
    const kept = await authenticated(t.token);
    for (const c of [doomed, kept]) await onUserChannel(c);

    const revoke = await exports.default.fetch(`${BASE}/accounts/me/api-keys/${second.id}`, {
      method: "DELETE",
      headers: { ...bearer(t.token), "cf-connecting-ip": freshAddress() },
    });
    expect(revoke.status).toBe(204);
    await doomed.next(isUserEnd("token_revoked"), 2000);

    resultOf(await kept.request("order.place", bid()));
    await kept.next((m) => m.type === "order");
    await sleep(50);
    expect(userData(doomed)).toEqual([]);
    expect(kept.received.some(isUserEnd("token_revoked"))).toBe(false);
  });
});

describe("finding 8: socket capacity", { timeout: 15_000 }, () => {
  it("caps the sockets of one client address (429 feed_ip_limit, Retry-After); a closed one frees its slot", async () => {
    const ip = { "cf-connecting-ip": freshAddress() };
    const sockets: FeedClient[] = [];
    for (let i = 0; i < 4; i++) sockets.push(await FeedClient.connect(`?subscribe=trades:${SYMBOL}`, ip));
    // One address's sockets go to one shard (its home) while it has room.
    expect(new Set(await Promise.all(sockets.map(shardOf))).size).toBe(1);

    const refused = await upgradeAt("/ws", ip);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ code: "feed_ip_limit", status: 429 });
    // Other addresses are not affected.
    await FeedClient.connect();

    await (sockets[0] as FeedClient).close();
    await sleep(20);
    await FeedClient.connect("", ip);
  });

  it("counts an address's sockets across shards: those that spilled over when its home shard was full still count", async () => {
    const ip = { "cf-connecting-ip": freshAddress() };
    const first = await FeedClient.connect("", ip);
    await FeedClient.connect("", ip);
    const home = await shardOf(first);
    // Others fill the home shard's anonymous share (4 of 5).
    for (let i = 0; i < 2; i++) await FeedClient.connectShard(home, "", { "x-p3-client-ip": freshAddress() });
    const spilled = [await FeedClient.connect("", ip), await FeedClient.connect("", ip)];
    for (const c of spilled) expect(await shardOf(c)).not.toBe(home);

    const refused = await upgradeAt("/ws", ip);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: "feed_ip_limit" });
  });

  it("caps the authenticated sockets of one account across shards (feed_account_limit at auth and at the upgrade)", async () => {
    const t = await trader();
    const held: FeedClient[] = [];
    for (let i = 0; i < 3; i++) held.push(await authenticated(t.token));
    const fourth = await FeedClient.connect();
    const refused = errorOf(await fourth.request("auth", { token: t.token }));
    expect(refused.code).toBe("feed_account_limit");
    // It stays open and unauthenticated.
    expect(errorOf(await fourth.request("order.place", bid())).code).toBe("unauthenticated");
    const upgrade = await upgradeAt("/ws", { ...bearer(t.token), "cf-connecting-ip": freshAddress() });
    expect(upgrade.status).toBe(429);
    expect(await upgrade.json()).toMatchObject({ code: "feed_account_limit" });

    // Another account is not affected; a closed socket frees its account's slot.
    resultOf(await fourth.request("auth", { token: (await trader()).token }));
    await (held[0] as FeedClient).close();
    const fifth = await FeedClient.connect();
    await eventually(async () => {
      resultOf(await fifth.request("auth", { token: t.token }));
    });
  });

  it("closes sockets that neither authenticate nor subscribe within FEED_IDLE_TIMEOUT_MS", async () => {
    const t = await trader();
    const idle = await FeedClient.connectShard("feed-1", "", { "x-p3-client-ip": freshAddress() });
    const watching = await FeedClient.connectShard("feed-1", `?subscribe=trades:${SYMBOL}`, {
      "x-p3-client-ip": freshAddress(),
    });
    const trading = await FeedClient.connectShard("feed-1", "", { "x-p3-client-ip": freshAddress() });
    resultOf(await trading.request("auth", { token: t.token }));
    // Every socket here connected long ago, as far as the shard knows.
    await runInDurableObject(shardStub("feed-1"), (instance) => {
      const sockets = (instance as unknown as { sockets: Map<WebSocket, { connectedAt: number }> }).sockets;
      for (const socket of sockets.values()) socket.connectedAt -= 11 * 60_000;
    });
    await runDurableObjectAlarm(shardStub("feed-1"));
    const { code, reason } = await idle.closed;
    expect(code).toBe(4001);
    expect(reason).toContain("idle");
    await sleep(20);
    expect(watching.isClosed).toBe(false);
    expect(trading.isClosed).toBe(false);
  });

  it("keeps part of a shard for authenticated sockets: anonymous ones fill at most the unauthenticated share", async () => {
    const t = await trader();
    const other = await trader();
    const from = () => ({ "x-p3-client-ip": freshAddress() });
    const anonymous: FeedClient[] = [];
    for (let i = 0; i < 4; i++) anonymous.push(await FeedClient.connectShard("feed-0", "", from()));
    // The fifth anonymous socket does not fit: the last slot is kept for authenticated ones.
    await expect(FeedClient.connectShard("feed-0", "", from())).rejects.toThrow(/503/);

    // An upgrade that authenticates with a bearer token takes the kept slot.
    const bearerSocket = await FeedClient.connectShard("feed-0", "", { ...from(), ...bearer(t.token) });
    const welcome = await bearerSocket.next((m) => m.type === "welcome");
    expect(welcome).toMatchObject({ session: { account: t.account } });
    expect(errorOf(await bearerSocket.request("order.place", { nope: true })).code).not.toBe("unauthenticated");
    await expect(FeedClient.connectShard("feed-0", "", { ...from(), ...bearer(other.token) })).rejects.toThrow(/503/);

    // A socket that authenticates leaves the anonymous share: another anonymous one fits.
    await bearerSocket.close();
    await sleep(20);
    resultOf(await (anonymous[0] as FeedClient).request("auth", { token: other.token }));
    await FeedClient.connectShard("feed-0", "", from());
  });

  it("refuses an upgrade whose bearer token is not valid (401 unauthorized)", async () => {
    const res = await upgradeAt("/ws", { ...bearer("not-a-token"), "cf-connecting-ip": freshAddress() });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "unauthorized" });
  });

  it("ignores an edge session header a client sends: the socket has no session and no user channel", async () => {
    const t = await trader();
    // The header the edge's own stream bridge uses (durable-objects/feed/identity.ts), forged.
    const forged = JSON.stringify({
      account: t.account,
      scopes: ["read", "trade"],
      via: "access_token",
      expires_at: Date.now() + 60_000,
    });
    const c = await FeedClient.connect("", { "x-p3-edge-session": forged });
    const welcome = await c.next((m) => m.type === "welcome");
    expect(welcome.session).toBeUndefined();
    expect(errorOf(await c.request("subscribe", { channels: ["user"] })).code).toBe("unauthenticated");
  });
});
