import { describe, expect, it } from "vitest";
import {
  feedObjectRegion,
  isRelayName,
  parseRelayName,
  relayName,
  shardName,
  shardRegion,
  simulatedOneWayMs,
} from "./placement.ts";
import { oneWayMs } from "./regions.ts";

describe("feed object names", () => {
  it("round-trips relay and shard names, symbols with dashes included", () => {
    expect(relayName("apac", "BTC-USD")).toBe("relay-apac-BTC-USD");
    expect(parseRelayName("relay-apac-BTC-USD")).toEqual({ region: "apac", symbol: "BTC-USD" });
    expect(parseRelayName("relay-mars-BTC-USD")).toBeUndefined();
    expect(isRelayName("feed-apac-0")).toBe(false);
    expect(shardRegion(shardName("weur", 3))).toBe("weur");
    // Older names carry no region: such shards subscribe at the book.
    expect(shardRegion("feed-3")).toBeUndefined();
    expect(feedObjectRegion("relay-oc-EUR-USD")).toBe("oc");
  });
});

describe("simulated latency", () => {
  it("waits the one-way time between regions only when GEO_LATENCY is simulate", () => {
    const on = { GEO_LATENCY: "simulate" };
    expect(simulatedOneWayMs(on, "enam", "apac")).toBe(oneWayMs("enam", "apac"));
    expect(simulatedOneWayMs(on, "apac", "apac")).toBe(1);
    expect(simulatedOneWayMs({}, "enam", "apac")).toBe(0);
    expect(simulatedOneWayMs(on, "enam", undefined)).toBe(0);
  });
});
