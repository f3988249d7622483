import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../env.ts";
import { isValidRequestId, requestId } from "./index.ts";

function app(options?: Parameters<typeof requestId>[0]) {
  const a = new Hono<AppEnv>();
  a.use("*", requestId(options));
  a.get("/", (c) => c.text(c.get("requestId") ?? ""));
  a.get("/boom", () => {
    throw new Error("boom");
  });
  a.onError((_err, c) => c.text("failed", 500));
  return a;
}

describe("requestId", () => {
  it("honours a valid incoming X-Request-Id and echoes it", async () => {
    const res = await app().request("/", { headers: { "X-Request-Id": "client-req.0001_a" } });
    expect(res.headers.get("x-request-id")).toBe("client-req.0001_a");
    expect(await res.text()).toBe("client-req.0001_a");
  });

  it.each([
    ["too short", "abc1234"],
    ["too long", "a".repeat(129)],
    ["a space", "has space here"],
    ["a slash", "abc/defghij"],
    ["a plus sign", "abcdefgh+"],
  ])("replaces an id with %s by a generated UUID", async (_why, id) => {
    const res = await app().request("/", { headers: { "X-Request-Id": id } });
    const got = res.headers.get("x-request-id") ?? "";
    expect(got).not.toBe(id);
    expect(got).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("generates one when there is none, also on error responses", async () => {
    const res = await app({ generate: () => "generated-0001" }).request("/boom");
    expect(res.status).toBe(500);
    expect(res.headers.get("x-request-id")).toBe("generated-0001");
  });

  it("accepts ids of 8 to 128 characters of A-Z a-z 0-9 . _ -", () => {
    expect(isValidRequestId("a".repeat(8))).toBe(true);
    expect(isValidRequestId("a".repeat(128))).toBe(true);
    expect(isValidRequestId("A.b_c-1234")).toBe(true);
    expect(isValidRequestId("a".repeat(7))).toBe(false);
  });

  it("validates its options when created", () => {
    expect(() => requestId({ header: "X Request" })).toThrow(/not a header name/);
  });
});
