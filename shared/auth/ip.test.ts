import { describe, expect, it } from "vitest";
import { invalidAllowlistEntries, ipAllowed, parseIp } from "./ip.ts";

describe("IP allowlists", () => {
  it("matches IPv4 addresses and CIDR blocks", () => {
    const list = ["192.0.2.10", "10.0.0.0/8", "172.16.0.0/12"];
    expect(ipAllowed(list, "192.0.2.10")).toBe(true);
    expect(ipAllowed(list, "192.0.2.11")).toBe(false);
    expect(ipAllowed(list, "10.255.1.2")).toBe(true);
    expect(ipAllowed(list, "172.31.255.255")).toBe(true);
    expect(ipAllowed(list, "172.32.0.0")).toBe(false);
    expect(ipAllowed(["0.0.0.0/0"], "8.8.8.8")).toBe(true);
  });

  it("matches IPv6 addresses and blocks, compressed or not", () => {
    const list = ["2001:db8::/32", "fe80::1"];
    expect(ipAllowed(list, "2001:db8:ffff::1")).toBe(true);
    expect(ipAllowed(list, "2001:0db8:0000:0000:0000:0000:0000:0001")).toBe(true);
    expect(ipAllowed(list, "2001:db9::1")).toBe(false);
    expect(ipAllowed(list, "FE80:0:0:0:0:0:0:1")).toBe(true);
    expect(ipAllowed(["2001:db8:abcd:12::/63"], "2001:db8:abcd:13::1")).toBe(true);
    expect(ipAllowed(["2001:db8:abcd:12::/64"], "2001:db8:abcd:13::1")).toBe(false);
  });

  it("treats IPv4-mapped IPv6 as IPv4, and never mixes families otherwise", () => {
    expect(ipAllowed(["192.0.2.0/24"], "::ffff:192.0.2.5")).toBe(true);
    expect(ipAllowed(["::ffff:192.0.2.0/120"], "192.0.2.5")).toBe(true);
    expect(ipAllowed(["::/0"], "192.0.2.5")).toBe(false);
    expect(ipAllowed(["0.0.0.0/0"], "2001:db8::1")).toBe(false);
  });

  it("refuses malformed entries and never matches a missing or malformed address", () => {
    expect(
      invalidAllowlistEntries([
        "1.2.3.4",
        "1.2.3.256",
        "10.0.0.0/33",
        "01.2.3.4",
        "::1/129",
        "1::2::3",
        "a/b/c",
        "::1",
        "1.2.3.4/0",
      ]),
    ).toEqual(["1.2.3.256", "10.0.0.0/33", "01.2.3.4", "::1/129", "1::2::3", "a/b/c"]);
    expect(ipAllowed(["0.0.0.0/0"], undefined)).toBe(false);
    expect(ipAllowed(["0.0.0.0/0"], "localhost")).toBe(false);
    expect(parseIp("1:2:3:4:5:6:7:8:9")).toBeUndefined();
    expect(parseIp("::")).toEqual(new Uint8Array(16));
  });
});
