/**
 * Feed capacity: the test config runs 2 shards per region of 5 sockets each (vitest.config.ts), of
 * which anonymous sockets may fill 4 (FEED_UNAUTHENTICATED_SHARE 0.8): the fifth is kept
 * for upgrades that authenticate. Its own file, so no other test's sockets count.
 */
import { env, exports } from "cloudflare:workers";
import { afterAll, expect, it } from "vitest";
import { bearer, createAccount, tokenFor } from "./auth-helpers.ts";
import { closeAll, FeedClient, freshAddress, sleep } from "./feed-client.ts";

afterAll(closeAll);

it("fills every shard, then answers 503 feed_capacity; a freed slot is reused", async () => {
  const clients: FeedClient[] = [];
  for (let i = 0; i < 8; i++) clients.push(await FeedClient.connect());
  const shards = await Promise.all(clients.map(async (c) => (await c.next((m) => m.type === "welcome")).shard));
  // A shard whose anonymous share is full sends the Worker on to the next one, so both fill up.
  expect(shards.filter((s) => s === "feed-enam-0")).toHaveLength(4);
  expect(shards.filter((s) => s === "feed-enam-1")).toHaveLength(4);

  const full = await env.FEED_SHARD.get(env.FEED_SHARD.idFromName("feed-enam-0")).fetch("http://feed.test/v1/ws", {
    headers: { Upgrade: "websocket", "x-feed-shard": "feed-enam-0" },
  });
  expect(full.status).toBe(503);

  const res = await exports.default.fetch("http://feed.test/v1/ws", { headers: { Upgrade: "websocket" } });
  expect(res.status).toBe(503);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(res.headers.get("retry-after")).toBe("5");
  expect(await res.json()).toMatchObject({ code: "feed_capacity", status: 503 });

  // Upgrades that authenticate take the slots kept for them, then every shard is full.
  const created = await createAccount(["read"]);
  const token = (await tokenFor(created.keyId, created.secret)).access_token;
  const authed = [await FeedClient.connect("", bearer(token)), await FeedClient.connect("", bearer(token))];
  const authedShards = await Promise.all(authed.map(async (c) => (await c.next((m) => m.type === "welcome")).shard));
  expect(authedShards.sort()).toEqual(["feed-enam-0", "feed-enam-1"]);
  const none = await exports.default.fetch("http://feed.test/v1/ws", {
    headers: { Upgrade: "websocket", ...bearer(token), "cf-connecting-ip": freshAddress() },
  });
  expect(none.status).toBe(503);

  const leaving = clients[shards.indexOf("feed-enam-1")] as FeedClient;
  await leaving.close();
  await sleep(20);
  const again = await FeedClient.connect();
  expect((await again.next((m) => m.type === "welcome")).shard).toBe("feed-enam-1");
});
