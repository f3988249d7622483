/**
 * Regional relays (issue 22): sockets go to shards of the client's region, each region's
 * shards subscribe at that region's relay, and the book pushes once per region however many
 * sockets there are. Resumes are answered in the region; an evicted relay loses nothing.
 */
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { relayName } from "../../shared/geo/placement.ts";
import { book, bookShards, closeAll, contiguous, FeedClient, place, seedInstruments } from "./feed-client.ts";

beforeAll(seedInstruments);
afterEach(closeAll);

const SYMBOL = "BHP-AUD";
const relay = (region: string) => env.FEED_RELAY.getByName(relayName(region as "apac", SYMBOL));
const from = (region: string) => ({ "x-p3-region": region });

describe("routing by region", () => {
  it("puts a socket on a shard of the client's region (X-P3-Region here), the nearest served one, or the fallback", async () => {
    const shardOf = async (headers: Record<string, string>) =>
      (await (await FeedClient.connect("", headers)).next((m) => m.type === "welcome")).shard;
    expect(await shardOf(from("apac"))).toMatch(/^feed-apac-[01]$/);
    expect(await shardOf(from("WEUR"))).toMatch(/^feed-weur-[01]$/);
    // Sydney has no shards in this deployment (FEED_REGIONS = enam,weur,apac): Tokyo is nearest.
    expect(await shardOf(from("oc"))).toMatch(/^feed-apac-[01]$/);
    // Not a region: ignored, never an error; the fallback is the first region listed.
    expect(await shardOf(from("mars"))).toMatch(/^feed-enam-[01]$/);
    expect(await shardOf({})).toMatch(/^feed-enam-[01]$/);
  });
});

describe("relays", () => {
  it("the book pushes once per region, whatever the number of sockets and shards, and every socket gets every update", async () => {
    const clients: FeedClient[] = [];
    for (const region of ["apac", "apac", "apac", "weur", "weur", "weur"]) {
      clients.push(await FeedClient.connect(`?subscribe=level2:${SYMBOL}`, from(region)));
    }
    const snaps = await Promise.all(clients.map((c) => c.next((m) => m.type === "snapshot" && m.channel === "level2")));
    const shards = new Set(
      await Promise.all(clients.map(async (c) => (await c.next((m) => m.type === "welcome")).shard)),
    );
    expect(shards.size).toBeGreaterThan(2);
    // The book knows two subscribers, the relays: not the shards, not the sockets.
    expect(await bookShards(SYMBOL)).toEqual([relayName("apac", SYMBOL), relayName("weur", SYMBOL)]);
    const { shards: apacShards } = await relay("apac").status();
    expect(apacShards).toBeGreaterThanOrEqual(1);

    await place(SYMBOL, "sell", "45.10", "3");
    await place(SYMBOL, "sell", "45.20", "4");
    const head = (await book(SYMBOL).sequences()).level2;
    for (const [i, c] of clients.entries()) {
      await c.until("level2", SYMBOL, head);
      expect(contiguous(c.stream("level2", SYMBOL, "update"), (snaps[i] as { seq: number }).seq)).toBe(head);
      expect(c.received.some((m) => m.type === "resync")).toBe(false);
    }
    expect((await relay("apac").status()).heads.level2).toBe(head);
  });

  it("answers resume_from from the region's relay, and passes an older one on to the book", async () => {
    const c = await FeedClient.connect("", from("apac"));
    await c.request("subscribe", { channels: ["level2"], instruments: [SYMBOL] });
    const snap = await c.next((m) => m.type === "snapshot" && m.channel === "level2");
    const keep = await FeedClient.connect(`?subscribe=level2:${SYMBOL}`, from("apac"));
    await keep.next((m) => m.type === "snapshot");
    await c.request("unsubscribe", { channels: ["level2"], instruments: [SYMBOL] });
    await place(SYMBOL, "sell", "46.10", "1");
    await place(SYMBOL, "sell", "46.20", "1");
    const head = (await book(SYMBOL).sequences()).level2;
    await keep.until("level2", SYMBOL, head);
    const before = await relay("apac").status();

    await c.request("subscribe", { channels: ["level2"], instruments: [SYMBOL], resume_from: { [SYMBOL]: snap.seq } });
    expect(await c.next((m) => m.type === "resumed")).toMatchObject({ from_seq: snap.seq + 1 });
    await c.until("level2", SYMBOL, head);
    const after = await relay("apac").status();
    expect(after.resumes_local - before.resumes_local).toBe(1);
    expect(after.resumes_upstream).toBe(before.resumes_upstream);
  });

  it("loses nothing when its relay is evicted: the next pushes sync it again from the book", async () => {
    const c = await FeedClient.connect(`?subscribe=level2:${SYMBOL},trades:${SYMBOL}`, from("weur"));
    const snap = await c.next((m) => m.type === "snapshot" && m.channel === "level2");
    await evictDurableObject(relay("weur"));
    await place(SYMBOL, "sell", "47.10", "2");
    await place(SYMBOL, "buy", "47.10", "1");
    const head = (await book(SYMBOL).sequences()).level2;
    await c.until("level2", SYMBOL, head);
    expect(contiguous(c.stream("level2", SYMBOL, "update"), snap.seq)).toBe(head);
    expect(c.received.some((m) => m.type === "resync")).toBe(false);
    expect((await relay("weur").status()).synced).toBe(true);
  });
});
