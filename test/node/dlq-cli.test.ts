/**
 * `npm run dlq` (scripts/dlq.ts) against a stand-in of the operator API on loopback: the
 * requests it makes (paths, filters, bearer token, bodies), paging through `replay --all`,
 * what it prints and its exit codes.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../scripts/dlq.ts";

const seen: Array<{ method: string; url: string; auth: string | undefined; body: unknown }> = [];
let server: Server;
let url: string;

const letter = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  queue: "platform3-events",
  received_at: "2026-12-07T10:00:00.000Z",
  reason: "invalid_body",
  detail: "book.trade v1: price: expected a non-negative decimal string like 100.25",
  schema: "book.trade",
  version: 1,
  stream: "book",
  type: "trade",
  key: "BTC-USD",
  seq: id,
  attempts: 1,
  replayed_at: null,
  replay_count: 0,
  ...extra,
});

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : undefined;
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await bodyOf(req);
    seen.push({ method: req.method ?? "", url: req.url ?? "", auth: req.headers.authorization, body });
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
    };
    const path = (req.url ?? "").split("?")[0];
    if (path === "/v1/admin/dead-letters")
      return send(200, { dead_letters: [letter(2), letter(1)], next_cursor: "Mg" });
    if (path === "/v1/admin/dead-letters/7") return send(200, { ...letter(7), body: { seq: 7 } });
    if (path === "/v1/admin/dead-letters/8") return send(404, { code: "not_found", detail: "No dead letter 8." });
    if (path === "/v1/admin/dead-letters/replay") {
      const b = body as { ids?: number[]; after?: number };
      if (b.ids) {
        return send(200, {
          replayed: 1,
          results: [
            { id: 1, outcome: "replayed", version: 1, reason: null, detail: null },
            { id: 2, outcome: "invalid", version: null, reason: "invalid_body", detail: "price: bad" },
          ],
          next_after: null,
        });
      }
      const page = b.after === 0 ? [3, 4] : [5];
      return send(200, {
        replayed: page.length,
        results: page.map((id) => ({ id, outcome: "replayed", version: 1, reason: null, detail: null })),
        next_after: b.after === 0 ? 4 : null,
      });
    }
    send(404, { code: "not_found", detail: "?" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function run(...argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await main([...argv, "--url", url, "--token", "t0k"], (l) => out.push(l));
  return { code, out };
}

describe("npm run dlq", () => {
  it("lists with filters and prints one line per dead letter and the next cursor", async () => {
    seen.length = 0;
    const { code, out } = await run("list", "--type", "book.trade", "--reason", "invalid_body", "--limit", "2");
    expect(code).toBe(0);
    expect(seen).toEqual([
      {
        method: "GET",
        url: "/v1/admin/dead-letters?type=book.trade&reason=invalid_body&limit=2",
        auth: "Bearer t0k",
        body: undefined,
      },
    ]);
    expect(out[0]).toBe(
      "2 2026-12-07T10:00:00.000Z invalid_body book.trade BTC-USD#2 — book.trade v1: price: expected a non-negative decimal string like 100.25",
    );
    expect(out.at(-1)).toBe("more: --cursor Mg");
  });

  it("shows one, and says why the API refused", async () => {
    const shown = await run("show", "7");
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out.join("\n"))).toMatchObject({ id: 7, body: { seq: 7 } });
    expect(await run("show", "8")).toEqual({ code: 2, out: ["dlq: 404 not_found: No dead letter 8."] });
    expect((await run("show", "x")).code).toBe(2);
  });

  it("replays ids (exit 1 when one stays refused) and --all page by page", async () => {
    seen.length = 0;
    const ids = await run("replay", "1", "2");
    expect(seen[0]).toMatchObject({ method: "POST", url: "/v1/admin/dead-letters/replay", body: { ids: [1, 2] } });
    expect(ids).toEqual({
      code: 1,
      out: ["1 replayed (v1)", "2 invalid: invalid_body: price: bad", "replayed 1 of 2"],
    });

    seen.length = 0;
    const all = await run("replay", "--all", "--reason", "max_retries");
    expect(seen.map((s) => s.body)).toEqual([
      { all: true, reason: "max_retries", after: 0 },
      { all: true, reason: "max_retries", after: 4 },
    ]);
    expect(all).toEqual({
      code: 0,
      out: ["3 replayed (v1)", "4 replayed (v1)", "5 replayed (v1)", "replayed 3 of 3"],
    });
    expect((await run("replay")).code).toBe(2);
    expect((await run("replay", "1", "--all")).code).toBe(2);
    expect((await run("frobnicate")).code).toBe(2);
  });
});
