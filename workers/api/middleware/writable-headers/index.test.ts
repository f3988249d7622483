import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { writableHeaders } from "./index.ts";

describe("writableHeaders", () => {
  it("lets outer middleware decorate a response whose headers are immutable", async () => {
    const upstream = Response.redirect("https://example.com/elsewhere", 302); // immutable headers
    expect(() => upstream.headers.set("x-probe", "1")).toThrow();
    const app = new Hono();
    app.use("*", async (c, next) => {
      await next();
      c.res.headers.set("x-decorated", "yes");
    });
    app.use("*", writableHeaders());
    app.get("/", () => upstream);
    const res = await app.request("/");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://example.com/elsewhere");
    expect(res.headers.get("x-decorated")).toBe("yes");
  });
});
