import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../env.ts";
import type { problemException } from "../../problem.ts";
import { bodyLimit } from "./index.ts";

function app(options?: Parameters<typeof bodyLimit>[0]) {
  const a = new Hono<AppEnv>();
  a.use("*", bodyLimit(options));
  a.post("/", async (c) => c.json({ bytes: (await c.req.arrayBuffer()).byteLength }));
  a.onError((err) =>
    err instanceof Error && "getResponse" in err
      ? (err as ReturnType<typeof problemException>).getResponse()
      : new Response("?", { status: 500 }),
  );
  return a;
}

function stream(bytes: number): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (let sent = 0; sent < bytes; sent += 1000) controller.enqueue(new Uint8Array(Math.min(1000, bytes - sent)));
      controller.close();
    },
  });
}

describe("bodyLimit", () => {
  it("passes bodies up to the limit (MAX_BODY_BYTES)", async () => {
    const res = await app().request("/", { method: "POST", body: "x".repeat(100) }, { MAX_BODY_BYTES: "100" });
    expect(await res.json()).toEqual({ bytes: 100 });
  });

  it("answers 413 payload_too_large by Content-Length", async () => {
    const res = await app().request("/", { method: "POST", body: "x".repeat(101) }, { MAX_BODY_BYTES: "100" });
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "payload_too_large", detail: expect.stringContaining("100 bytes") });
  });

  it("counts a streamed body without Content-Length", async () => {
    const init = { method: "POST", body: stream(5_000), duplex: "half" } as RequestInit;
    expect((await app({ maxBytes: 4_096 }).request("/", init)).status).toBe(413);
    const ok = { method: "POST", body: stream(4_000), duplex: "half" } as RequestInit;
    expect(await (await app({ maxBytes: 4_096 }).request("/", ok)).json()).toEqual({ bytes: 4_000 });
  });

  it("defaults to 256 KiB", async () => {
    expect((await app().request("/", { method: "POST", body: "x".repeat(262_144) })).status).toBe(200);
    expect((await app().request("/", { method: "POST", body: "x".repeat(262_145) })).status).toBe(413);
  });

  it("validates its options when created, and names a bad MAX_BODY_BYTES", async () => {
    expect(() => bodyLimit({ maxBytes: 0 })).toThrow(/positive integer/);
    const a = new Hono<AppEnv>();
    a.use("*", bodyLimit());
    a.post("/", (c) => c.text("ok"));
    a.onError((err, c) => c.text(err.message, 500));
    const res = await a.request("/", { method: "POST", body: "x" }, { MAX_BODY_BYTES: "lots" });
    expect(await res.text()).toMatch(/MAX_BODY_BYTES="lots" is not a positive integer/);
  });
});
