import { describe, expect, it } from "vitest";
import { addressGroup, homeShard } from "../../../shared/feed/address.ts";
import type { Env } from "../env.ts";
import { connectToShard } from "./shards.ts";

/** A FEED_SHARD namespace whose shards answer (or throw) as `answer` says, recording the order they were asked in. */
function shards(answer: (name: string) => Response | Error): { env: Env; asked: string[] } {
  const asked: string[] = [];
  const namespace = {
    idFromName: (name: string) => name,
    get: (name: string) => ({
      fetch: async () => {
        asked.push(name);
        const out = answer(name);
        if (out instanceof Error) throw out;
        return out;
      },
    }),
  };
  return { env: { FEED_SHARDS: "4", FEED_REGIONS: "weur,apac", FEED_SHARD: namespace } as unknown as Env, asked };
}

const upgrade = () => new Request("https://edge.test/v1/ws", { headers: { upgrade: "websocket" } });
const IP = "203.0.113.7";
const home = homeShard(addressGroup(IP), 4);
const nth = (k: number) => `feed-weur-${(home + k) % 4}`;

describe("connectToShard", () => {
  it("moves on past a shard that fails to answer, to the next one", async () => {
    const { env, asked } = shards((name) =>
      name === nth(0) ? new Error("Network connection lost.") : new Response("ok"),
    );
    const res = await connectToShard(env, upgrade(), IP);
    expect(await res?.text()).toBe("ok");
    expect(asked).toEqual([nth(0), nth(1)]);
  });

  it("moves on past a full shard (503), and gives up only when every shard is full or failing", async () => {
    const { env, asked } = shards((name) =>
      name === nth(1) ? new Error("overloaded") : new Response(null, { status: 503 }),
    );
    expect(await connectToShard(env, upgrade(), IP)).toBeUndefined();
    expect(asked).toEqual([nth(0), nth(1), nth(2), nth(3)]);
  });
});
