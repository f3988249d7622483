/**
 * The AsyncAPI document of the feed (`GET /v1/asyncapi.json`, workers/api/asyncapi/)
 * against the Worker and its objects in workerd (Miniflare, bench/runtime.ts): it is a
 * valid AsyncAPI 3.0 document for `@asyncapi/parser`; every method of `METHODS` has
 * its send operation with request and reply; error codes and close codes are the
 * catalogue's; and real frames from live sockets (welcome, replies to every method,
 * snapshots, updates, heartbeats, a batch, the user channel, error replies, resume)
 * validate against the document's payload schemas, while frames that differ from
 * them do not. (The parser reads from disk, hence Node.)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Parser } from "@asyncapi/parser";
import { Ajv, type ValidateFunction } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createTraders, listInstrument, RUN, SYMBOL, type Trader } from "../../bench/orders/setup.ts";
import { CLIENT_HEADERS, startServer, stopServer } from "../../bench/runtime.ts";
import { DESK_ERROR_CODES, FEED_ERROR_CODES } from "../../shared/errors/codes.ts";
import { AuthParamsSchema, CancelOnDisconnectParamsSchema, CLOSE_CODES, METHODS } from "../../shared/feed/protocol.ts";
import { renderTables, withTables } from "../../workers/api/asyncapi/tables.ts";

type Json = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: frames and the document are read field by field.
type Any = any;

/** `DiagnosticSeverity.Error` of the parser's diagnostics (@stoplight/types). */
const SEVERITY_ERROR = 0;
/** Where the test files the document's components for ajv. */
const DOC_ID = "https://platform3.test/asyncapi.json";

let base: string;
let doc: Any;
let openapi: Any;
let maker: Trader;
let taker: Trader;

beforeAll(async () => {
  const server = await startServer({ runtime: "miniflare", label: "asyncapi", vars: { FEED_HEARTBEAT_MS: "500" } });
  base = server.base;
  await listInstrument(base, SYMBOL);
  [maker, taker] = (await createTraders(base, 2, `aa-${RUN}`)) as [Trader, Trader];
  const res = await fetch(`${base}/v1/asyncapi.json`, { headers: CLIENT_HEADERS });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  doc = await res.json();
  openapi = await (await fetch(`${base}/v1/openapi.json`, { headers: CLIENT_HEADERS })).json();
}, 240_000);

afterAll(() => {
  for (const s of sockets) s.close();
  stopServer();
});

// ── the document's payload schemas, compiled ─────────────────────────────

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/** The validator of one message's payload (`components.messages.<key>.payload`, refs resolved in the document). */
function validator(key: string): ValidateFunction {
  let v = validators.get(key);
  if (!v) {
    if (!ajv) {
      // The document's components as one schema, so `#/components/schemas/…` refs resolve as in the document.
      ajv = new Ajv({ strict: false, allErrors: true });
      ajv.addSchema({ $id: DOC_ID, components: { schemas: doc.components.schemas } });
    }
    const message = doc.components.messages[key];
    if (!message) throw new Error(`no message ${key} in the document`);
    const payload = message.payload as Json;
    const schema =
      typeof payload.$ref === "string" ? { $ref: `${DOC_ID}${payload.$ref}` } : (payload as Record<string, unknown>);
    v = ajv.compile(schema);
    validators.set(key, v);
  }
  return v;
}

function valid(key: string, frame: unknown): boolean {
  return validator(key)(frame) === true;
}

function why(key: string, frame: unknown): string {
  const v = validator(key);
  v(frame);
  return `${key}: ${JSON.stringify(v.errors?.slice(0, 3))} for ${JSON.stringify(frame).slice(0, 400)}`;
}

/** Message keys referenced by an operation (or its reply). */
function keysOf(refs: Array<{ $ref: string }>): string[] {
  return refs.map((r) => r.$ref.split("/").pop() as string);
}

/** Every message the server may send unasked: those of the receive operations. */
function receivedKeys(): string[] {
  return Object.values(doc.operations as Record<string, Any>)
    .filter((op) => op.action === "receive")
    .flatMap((op) => keysOf(op.messages));
}

function operationOf(method: string): Any {
  return Object.values(doc.operations as Record<string, Any>).find((op) => op["x-method"] === method);
}

// ── a live socket ────────────────────────────────────────────────────────

class Feed {
  readonly ws: WebSocket;
  /** Every frame, parsed when JSON (text otherwise), in order. */
  readonly frames: unknown[] = [];
  private waiters: Array<() => void> = [];
  private nextId = 1;

  constructor(query: string, headers: Record<string, string>) {
    this.ws = new WebSocket(`${base.replace(/^http/, "ws")}/v1/ws${query}`, { headers });
    this.ws.on("message", (data, binary) => {
      const text = binary ? "" : data.toString();
      let frame: unknown = text;
      try {
        frame = JSON.parse(text);
      } catch {
        // the text frame `pong`
      }
      this.frames.push(frame);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
    });
  }

  /** The first frame (from `from` on) that `match` accepts. */
  async until(match: (frame: Any) => boolean, from = 0, timeoutMs = 10_000): Promise<Any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) {
        throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(-1500)}`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** Sends a request and answers its reply frame, with the method it answers. */
  async request(method: string, params?: unknown): Promise<{ method: string; frame: Any }> {
    const id = `r${this.nextId++}`;
    this.ws.send(JSON.stringify(params === undefined ? { id, method } : { id, method, params }));
    const frame = await this.until((f) => typeof f === "object" && f !== null && f.id === id);
    replies.push({ method, frame });
    return { method, frame };
  }

  close(): void {
    this.ws.close();
  }
}

/** Matches a frame that is, or is a batch holding, a message `match` accepts. */
function carrying(match: (message: Any) => boolean): (frame: Any) => boolean {
  return (f) => match(f) || (f?.type === "batch" && Array.isArray(f.messages) && f.messages.some(match));
}

/** Every reply received, with the method it answers. */
const replies: Array<{ method: string; frame: Any }> = [];
const sockets: Feed[] = [];

async function open(query: string, headers: Record<string, string>): Promise<Feed> {
  const feed = new Feed(query, headers);
  sockets.push(feed);
  await feed.opened();
  return feed;
}

/** The server's own frames (not replies) of every socket, batches unpacked too. */
function unasked(): { frames: Any[]; inner: Any[] } {
  const frames: Any[] = [];
  const inner: Any[] = [];
  for (const s of sockets) {
    for (const f of s.frames) {
      if (typeof f !== "object" || f === null || "id" in f) continue;
      frames.push(f);
      if ((f as Any).type === "batch") inner.push(...(f as Any).messages);
    }
  }
  return { frames, inner };
}

// ── the document ─────────────────────────────────────────────────────────

describe("GET /v1/asyncapi.json", () => {
  it("is a valid AsyncAPI 3.0 document, and the parser does find errors in a broken one", async () => {
    const parser = new Parser();
    const diagnostics = await parser.validate(JSON.stringify(doc));
    const errors = diagnostics.filter((d) => d.severity === SEVERITY_ERROR);
    expect(errors.map((d) => `${d.code}: ${d.message} at ${d.path.join(".")}`)).toEqual([]);
    expect(doc.asyncapi).toBe("3.0.0");
    // The same check on a document with a dangling reference fails: the check is not vacuous.
    const broken = structuredClone(doc);
    broken.operations.subscribe.messages = [{ $ref: "#/channels/feed/messages/noSuchMessage" }];
    const brokenErrors = (await parser.validate(JSON.stringify(broken))).filter((d) => d.severity === SEVERITY_ERROR);
    expect(brokenErrors.length).toBeGreaterThan(0);
  });

  it("has the OpenAPI document's version and the origin asked as a ws server", () => {
    expect(doc.info.version).toBe(openapi.info.version);
    const servers = Object.values(doc.servers) as Any[];
    expect(servers).toHaveLength(1);
    const url = new URL(base);
    expect(servers[0]).toMatchObject({ host: url.host, protocol: "ws", pathname: "/v1" });
    expect(doc.channels.feed.address).toBe("/ws");
    expect(`${servers[0].pathname}${doc.channels.feed.address}`).toBe("/v1/ws");
    const binding = doc.channels.feed.bindings.ws;
    expect(binding.method).toBe("GET");
    expect(Object.keys(binding.query.properties)).toEqual(["subscribe"]);
    expect(Object.keys(binding.headers.properties)).toEqual(["Authorization"]);
    expect(binding.headers.required ?? []).toEqual([]);
  });

  it("has a send operation with request and reply for every method, and no others", () => {
    const methods = Object.values(doc.operations as Record<string, Any>)
      .map((op) => op["x-method"])
      .filter((m) => m !== undefined);
    expect([...methods].sort()).toEqual([...METHODS].sort());
    for (const method of METHODS) {
      const op = operationOf(method);
      expect(op?.action, method).toBe("send");
      const [request] = keysOf(op.messages);
      const requestSchema =
        doc.components.schemas[doc.components.messages[request as string].payload.$ref.split("/").pop()];
      expect(requestSchema.properties.method.const, method).toBe(method);
      expect(requestSchema.required, method).toEqual(expect.arrayContaining(["id", "method"]));
      const replyKeys = keysOf(op.reply.messages);
      expect(replyKeys, method).toContain("errorReply");
      expect(replyKeys.length, method).toBe(2);
      for (const key of replyKeys) expect(doc.channels.feed.messages[key], `${method} ${key}`).toBeDefined();
    }
  });

  it("is summed up in docs/asyncapi.md as it is (npm run asyncapi:doc)", () => {
    const page = readFileSync(join(import.meta.dirname, "..", "..", "docs", "asyncapi.md"), "utf8");
    expect(withTables(page)).toBe(page);
    // The tables of the served document are those of the page (they name no origin or release).
    expect(renderTables(doc)).toBe(renderTables());
    expect(renderTables()).toContain("`orderPlace` | `order.place`");
  });

  it("enumerates the error codes of the catalogue and the close codes", () => {
    const codes = doc.components.schemas.ErrorReply.properties.error.properties.code.enum;
    expect([...codes].sort()).toEqual([...new Set([...FEED_ERROR_CODES, ...DESK_ERROR_CODES])].sort());
    expect(doc.components.messages.errorReply["x-error-codes"].map((c: Any) => c.code)).toEqual(codes);
    const close = doc.channels.feed["x-close-codes"].map((c: Any) => c.code).sort();
    expect(close).toEqual(Object.values(CLOSE_CODES).sort());
  });
});

// ── real frames ──────────────────────────────────────────────────────────

describe("frames from live sockets", () => {
  it("validate against the document's payload schemas", async () => {
    const mine = await open(`?subscribe=level2:${SYMBOL}`, maker.headers);
    const welcome = await mine.until((f) => f.type === "welcome");
    expect(welcome.session?.account).toBe(maker.account);
    await mine.until((f) => f.type === "snapshot" && f.channel === "level2");

    await mine.request("subscribe", { channels: ["trades", "ticker", "candles", "user"], instruments: [SYMBOL] });
    await mine.until((f) => f.type === "snapshot" && f.channel === "user");
    await mine.request("list");
    await mine.request("ping");
    await mine.request("auth", { token: maker.token });
    await mine.request("session.cancel_on_disconnect", { enabled: false });
    const placed = await mine.request("order.place", {
      client_order_id: `aa-${RUN}-1`,
      instrument: SYMBOL,
      side: "buy",
      type: "limit",
      price: "100.00",
      size: "3",
    });
    expect(placed.frame.result?.order?.status, JSON.stringify(placed.frame)).toBeDefined();
    const resting = await mine.request("order.place", {
      client_order_id: `aa-${RUN}-2`,
      instrument: SYMBOL,
      side: "buy",
      type: "limit",
      price: "99.00",
      size: "1",
    });
    await mine.request("order.amend", { client_order_id: `aa-${RUN}-2`, size: "2" });
    await mine.request("order.cancel", { order_id: resting.frame.result.order.order_id });
    // The taker sells into the bid: a trade, level2 and ticker updates, the maker's fill and balances.
    const sold = await fetch(`${base}/v1/orders`, {
      method: "POST",
      headers: { ...taker.headers, "content-type": "application/json" },
      body: JSON.stringify({
        client_order_id: `aa-${RUN}-t1`,
        instrument: SYMBOL,
        side: "sell",
        type: "limit",
        price: "100.00",
        size: "1",
      }),
    });
    expect(sold.status).toBeLessThan(300);
    await mine.until(carrying((m) => m.type === "update" && m.channel === "trades"));
    await mine.until(carrying((m) => m.type === "fill"));
    await mine.request("order.cancel_all", { instrument: SYMBOL });
    await mine.until((f) => f.type === "heartbeat" && typeof f.seqs.user === "number");

    // Errors: not JSON (id null), an unknown method, invalid params, an unknown channel.
    const at = mine.frames.length;
    mine.ws.send("not json");
    const invalidJson = await mine.until((f) => f.id === null && f.error?.code === "invalid_json", at);
    replies.push({ method: "(none)", frame: invalidJson });
    await mine.request("no.such.method");
    await mine.request("order.place", { instrument: SYMBOL });
    await mine.request("subscribe", { channels: ["nope"], instruments: [SYMBOL] });
    // The text ping.
    const beforePing = mine.frames.length;
    mine.ws.send("ping");
    await mine.until((f) => f === "pong", beforePing);

    // A second socket resumes trades from 0: `resumed`, then the replayed updates.
    const again = await open("", { "cf-connecting-ip": "10.88.0.1" });
    await again.until((f) => f.type === "welcome");
    await again.request("subscribe", { channels: ["trades"], instruments: [SYMBOL], resume_from: 0 });
    await again.until((f) => f.type === "resumed");
    await again.until((f) => f.type === "heartbeat");
    await again.request("unsubscribe", { channels: ["trades"], instruments: [SYMBOL] });

    // Every unasked frame matches exactly one received message of the document.
    const received = receivedKeys();
    const seen = new Set<string>();
    const { frames, inner } = unasked();
    for (const frame of frames) {
      const matches = received.filter((key) => valid(key, frame));
      expect(matches.length, `${JSON.stringify(frame).slice(0, 300)} matches ${matches}`).toBe(1);
      seen.add(matches[0] as string);
    }
    for (const message of inner) {
      const matches = received.filter((key) => valid(key, message));
      expect(matches.length, JSON.stringify(message).slice(0, 300)).toBe(1);
      seen.add(matches[0] as string);
    }
    for (const key of [
      "welcome",
      "level2Snapshot",
      "level2Update",
      "tradesSnapshot",
      "tradesUpdate",
      "tickerSnapshot",
      "tickerUpdate",
      "candlesSnapshot",
      "candlesUpdate",
      "heartbeat",
      "batch",
      "resumed",
      "userSnapshot",
      "userOrder",
      "userFill",
      "userBalance",
    ]) {
      expect(seen, key).toContain(key);
    }
    expect(mine.frames).toContain("pong");
    expect(valid("textPong", "pong")).toBe(true);

    // Every reply matches its method's reply message, or the error reply.
    const methodsAnswered = new Set<string>();
    for (const { method, frame } of replies) {
      const keys = method === "(none)" ? ["errorReply"] : keysOf(operationOf(method)?.reply?.messages ?? []);
      if (method === "no.such.method") keys.push("errorReply");
      const key = "error" in frame ? "errorReply" : keys.find((k) => k !== "errorReply");
      expect(keys, method).toContain(key);
      expect(valid(key as string, frame), why(key as string, frame)).toBe(true);
      if (!("error" in frame)) methodsAnswered.add(method);
    }
    // A successful reply to every method was checked.
    expect([...methodsAnswered].sort()).toEqual([...METHODS].sort());
    const codes = replies.filter((r) => "error" in r.frame).map((r) => r.frame.error.code);
    expect(codes).toEqual(
      expect.arrayContaining(["invalid_json", "unknown_method", "invalid_params", "unknown_channel"]),
    );
  }, 60_000);

  it("that differ from the schemas are refused by them", async () => {
    const { frames } = unasked();
    const welcome = frames.find((f) => f.type === "welcome");
    const update = frames.find((f) => f.type === "update" && f.channel === "level2");
    const heartbeat = frames.find((f) => f.type === "heartbeat");
    expect(valid("welcome", welcome)).toBe(true);
    expect(valid("welcome", { ...welcome, surprise: 1 })).toBe(false);
    const { shard: _shard, ...noShard } = welcome;
    expect(valid("welcome", noShard)).toBe(false);
    expect(valid("level2Update", { ...update, seq: "1" })).toBe(false);
    expect(valid("level2Update", { ...update, changes: [["up", "1.00", "1"]] })).toBe(false);
    expect(valid("level2Snapshot", update)).toBe(false);
    expect(valid("heartbeat", { ...heartbeat, seqs: { "level2:X": "7" } })).toBe(false);
    expect(valid("errorReply", { id: 1, error: { code: "no_such_code", message: "x" } })).toBe(false);
    expect(valid("batch", { type: "batch", messages: [update] })).toBe(false);
    expect(valid("orderPlaceRequest", { id: 1, method: "order.place", params: { instrument: SYMBOL } })).toBe(false);
    expect(valid("subscribeRequest", { id: 1, method: "subscribe", params: { channels: [], instruments: [] } })).toBe(
      false,
    );
  });

  it("auth and cancel-on-disconnect params: the shard refuses what the document's schemas refuse", async () => {
    const feed = await open("", taker.headers);
    await feed.until((f) => f.type === "welcome");
    const cases: Array<[string, unknown, boolean]> = [
      ["auth", { token: "" }, false],
      ["auth", { token: "x", extra: 1 }, false],
      ["auth", { token: "x", cancel_on_disconnect: "yes" }, false],
      ["auth", "token", false],
      ["auth", { token: "not-a-jwt" }, true],
      ["auth", { token: taker.token, cancel_on_disconnect: true }, true],
      ["session.cancel_on_disconnect", { enabled: "yes" }, false],
      ["session.cancel_on_disconnect", {}, false],
      ["session.cancel_on_disconnect", { enabled: false }, true],
    ];
    for (const [method, params, accepted] of cases) {
      const schema = method === "auth" ? AuthParamsSchema : CancelOnDisconnectParamsSchema;
      expect(schema.safeParse(params).success, `${method} ${JSON.stringify(params)}`).toBe(accepted);
      const key = method === "auth" ? "authRequest" : "sessionCancelOnDisconnectRequest";
      expect(valid(key, { id: 1, method, params }), `${key} ${JSON.stringify(params)}`).toBe(accepted);
      const { frame } = await feed.request(method, params);
      expect(
        frame.error?.code === "invalid_params",
        `${method} ${JSON.stringify(params)}: ${JSON.stringify(frame)}`,
      ).toBe(!accepted);
    }
  });
});
