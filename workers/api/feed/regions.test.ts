import { describe, expect, it } from "vitest";
import { allShardNames, feedRegions, servingRegion } from "./regions.ts";

const request = (headers: Record<string, string>, cf?: Record<string, unknown>) => {
  const r = new Request("https://edge.test/v1/ws", { headers });
  if (cf) Object.defineProperty(r, "cf", { value: cf });
  return r;
};

describe("servingRegion", () => {
  const production = { ENVIRONMENT: "production", FEED_REGIONS: "enam,weur,apac" };

  it("goes by request.cf in production and ignores X-P3-Region unless GEO_REGION_OVERRIDE allows it", () => {
    const tokyo = { latitude: "35.68", longitude: "139.69", continent: "AS" };
    expect(servingRegion(production, request({ "x-p3-region": "weur" }, tokyo))).toEqual({
      region: "apac",
      client: "apac",
      source: "coordinates",
    });
    const allowed = { ...production, GEO_REGION_OVERRIDE: "true" };
    expect(servingRegion(allowed, request({ "x-p3-region": "weur" }, tokyo)).region).toBe("weur");
  });

  it("serves a client of a region without shards from the nearest listed one by round trip", () => {
    const saoPaulo = { continent: "SA" };
    expect(servingRegion(production, request({}, saoPaulo))).toMatchObject({ client: "sam", region: "enam" });
    expect(servingRegion(production, request({}, { country: "AE", continent: "AS" }))).toMatchObject({
      client: "me",
      region: "weur",
    });
    expect(servingRegion(production, request({}))).toMatchObject({ region: "enam", source: "default" });
  });

  it("lists all nine regions by default, and every shard name for the scrape", () => {
    expect(feedRegions({})).toHaveLength(9);
    expect(allShardNames({ FEED_REGIONS: "weur, apac", FEED_SHARDS: "2" })).toEqual([
      "feed-weur-0",
      "feed-weur-1",
      "feed-apac-0",
      "feed-apac-1",
    ]);
    expect(() => feedRegions({ FEED_REGIONS: "weur,mars" })).toThrow(/mars/);
  });
});
