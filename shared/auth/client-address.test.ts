import { describe, expect, it } from "vitest";
import { clientAddress, clientIpTrust, forwardedAddress, isLoopbackAddress } from "./client-address.ts";

describe("client addresses", () => {
  it("believes CF-Connecting-IP behind Cloudflare's edge", () => {
    expect(clientAddress("203.0.113.9", "cloudflare")).toEqual({ ip: "203.0.113.9", loopback: false });
    expect(clientAddress("127.0.0.1", "cloudflare")).toEqual({ ip: "127.0.0.1", loopback: true });
    expect(clientAddress("not an ip", "cloudflare")).toEqual({ ip: undefined, loopback: false });
  });

  it("believes only a loopback value locally, where the client may have chosen it", () => {
    expect(clientAddress("203.0.113.9", "local")).toEqual({ ip: undefined, loopback: false });
    expect(clientAddress("::1", "local")).toEqual({ ip: "::1", loopback: true });
    expect(clientAddress("::ffff:127.0.0.1", "local")).toEqual({ ip: "::ffff:127.0.0.1", loopback: true });
  });

  it("counts a request that never crossed a socket as loopback", () => {
    expect(clientAddress(null, "local")).toEqual({ ip: "127.0.0.1", loopback: true });
    expect(clientAddress(undefined, "cloudflare")).toEqual({ ip: "127.0.0.1", loopback: true });
  });

  it("reads back what the edge forwards to objects", () => {
    expect(forwardedAddress("unknown")).toEqual({ ip: undefined, loopback: false });
    expect(forwardedAddress(null)).toEqual({ ip: undefined, loopback: false });
    expect(forwardedAddress("127.0.0.1")).toEqual({ ip: "127.0.0.1", loopback: true });
    expect(isLoopbackAddress("10.0.0.1")).toBe(false);
    expect(isLoopbackAddress(undefined)).toBe(false);
  });

  it("trusts the header by default only in staging and production, and refuses an unknown source", () => {
    expect(clientIpTrust({ ENVIRONMENT: "production" })).toBe("cloudflare");
    expect(clientIpTrust({ ENVIRONMENT: "staging" })).toBe("cloudflare");
    expect(clientIpTrust({ ENVIRONMENT: "development" })).toBe("local");
    expect(clientIpTrust({ ENVIRONMENT: "production", CLIENT_IP_SOURCE: "local" })).toBe("local");
    expect(() => clientIpTrust({ CLIENT_IP_SOURCE: "x-forwarded-for" })).toThrow(/cloudflare/);
  });
});
