import { describe, expect, it } from "vitest";
import { addressGroup, homeShard, UNKNOWN_ADDRESS } from "./address.ts";

describe("addressGroup", () => {
  it("keeps IPv4, groups IPv6 by /64 and everything else as unknown", () => {
    expect(addressGroup("203.0.113.7")).toBe("203.0.113.7");
    expect(addressGroup("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(addressGroup("2001:db8:1:2::5")).toBe("2001:db8:1:2::/64");
    expect(addressGroup("2001:db8:1:2:ffff::9")).toBe(addressGroup("2001:0db8:0001:0002::1"));
    expect(addressGroup("2001:db8:1:3::5")).not.toBe(addressGroup("2001:db8:1:2::5"));
    expect(addressGroup(undefined)).toBe(UNKNOWN_ADDRESS);
    expect(addressGroup("not an address")).toBe(UNKNOWN_ADDRESS);
  });
});

describe("homeShard", () => {
  it("is stable, in range and spreads addresses over the shards", () => {
    expect(homeShard("203.0.113.7", 16)).toBe(homeShard("203.0.113.7", 16));
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 1600; i++) {
      const shard = homeShard(`10.0.${i >> 8}.${i & 255}`, 16);
      expect(shard).toBeGreaterThanOrEqual(0);
      expect(shard).toBeLessThan(16);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    expect(Math.min(...counts)).toBeGreaterThan(50);
  });
});
