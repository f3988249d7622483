import { describe, expect, it } from "vitest";
import { z } from "zod";
import { deadLetterMessage, deadLetterRows, jsonSafe } from "./dead-letter.ts";
import type { Envelope } from "./envelope.ts";
import { EVENT_REGISTRY, EventRegistry, stampOf } from "./registry.ts";
import { checkEnvelope, checkMessage, newestAcceptingVersion } from "./validate.ts";

const trade = (seq: number, body: Record<string, unknown> = {}): Envelope => ({
  stream: "book",
  key: "BTC-USD",
  seq,
  at: 1_773_232_200_000 + seq,
  type: "trade",
  schema: "book.trade",
  version: 1,
  body: {
    type: "trade",
    trade_id: seq,
    price: "100.25",
    size: "0.5",
    aggressor_side: "buy",
    maker_order_id: "m1",
    maker_account: "alice",
    taker_order_id: "t1",
    taker_account: "bob",
    maker_remaining_size: "0",
    ...body,
  },
});

describe("the event registry", () => {
  it("has one schema per event type the book and the accounts stream, each at version 1, stamped so", () => {
    expect(EVENT_REGISTRY.entries().map((e) => `${e.schema}@${e.version}`)).toEqual([
      "account.fill@1",
      "account.ledger_entry@1",
      "account.order@1",
      "book.accepted@1",
      "book.amended@1",
      "book.done@1",
      "book.level@1",
      "book.reduced@1",
      "book.stop_triggered@1",
      "book.trade@1",
    ]);
    expect(stampOf("book", "trade")).toEqual({ schema: "book.trade", version: 1 });
    expect(stampOf("account", "ledger_entry")).toEqual({ schema: "account.ledger_entry", version: 1 });
    expect(stampOf("book", "rejected")).toEqual({});
  });

  it("takes versions in order, each once, named <stream>.<type>", () => {
    const r = new EventRegistry();
    const body = z.object({});
    expect(() => r.register({ schema: "book.x", version: 2, stream: "book", type: "x", body })).toThrow(/1 expected/);
    expect(() => r.register({ schema: "book.y", version: 1, stream: "book", type: "x", body })).toThrow(/book\.x/);
    r.register({ schema: "book.x", version: 1, stream: "book", type: "x", body });
    r.register({ schema: "book.x", version: 2, stream: "book", type: "x", body });
    expect(r.stampOf("book", "x")).toEqual({ schema: "book.x", version: 2 });
    r.unregisterLatest("book.x");
    expect(r.stampOf("book", "x")).toEqual({ schema: "book.x", version: 1 });
  });
});

describe("checking events", () => {
  it("accepts a good event, stamped or not (unstamped is version 1)", () => {
    expect(checkEnvelope(trade(1))).toEqual({ ok: true, envelope: trade(1) });
    const { schema: _s, version: _v, ...old } = trade(2);
    expect(checkEnvelope(old).ok).toBe(true);
    // Fields a newer producer adds pass (tolerant reader).
    expect(checkEnvelope(trade(3, { venue_note: "x" })).ok).toBe(true);
  });

  it("refuses each kind of bad event with its reason and the failing field", () => {
    const reject = (raw: unknown) => {
      const c = checkEnvelope(raw);
      if (c.ok) throw new Error("expected a rejection");
      return c.rejected;
    };
    expect(reject("nope")).toMatchObject({ reason: "not_an_envelope", label: "unknown" });
    expect(reject({ ...trade(1), seq: 0 })).toMatchObject({ reason: "not_an_envelope", key: "BTC-USD", seq: 0 });
    expect(reject({ ...trade(1), type: "teleport" })).toMatchObject({ reason: "unknown_type", label: "unknown" });
    expect(reject({ ...trade(1), schema: "book.done" })).toMatchObject({
      reason: "schema_mismatch",
      label: "book.trade",
    });
    expect(reject({ ...trade(1), version: 9 })).toMatchObject({ reason: "unknown_version", version: 9 });
    const price = reject(trade(1, { price: "1e3" }));
    expect(price).toMatchObject({ reason: "invalid_body", label: "book.trade", stream: "book", seq: 1 });
    expect(price.detail).toMatch(/^book\.trade v1: price: expected a non-negative decimal string/);
    expect(reject(trade(1, { trade_id: undefined })).detail).toMatch(/trade_id/);
    expect(reject(trade(1, { aggressor_side: "BUY" })).detail).toMatch(/aggressor_side/);
  });

  it("splits a message into its good and bad events, keeping order", () => {
    const m = checkMessage({ envelopes: [trade(1), trade(2, { size: -1 }), trade(3), { junk: true }] });
    expect(m.events.map((e) => e.seq)).toEqual([1, 3]);
    expect(m.rejected.map((r) => [r.index, r.reason])).toEqual([
      [1, "invalid_body"],
      [3, "not_an_envelope"],
    ]);
    expect(checkMessage({ envelopes: [] }).rejected.map((r) => r.reason)).toEqual(["not_an_envelope"]);
    expect(checkMessage(trade(4)).events).toHaveLength(1);
  });

  it("finds the newest version that takes a body (replay after a new version is registered)", () => {
    const r = new EventRegistry(EVENT_REGISTRY.entries());
    const bad = trade(1, { aggressor_side: "BUY" });
    expect(newestAcceptingVersion(bad, r)).toBeUndefined();
    const v1 = r.find("book.trade", 1)?.body as z.ZodObject;
    r.register({
      schema: "book.trade",
      version: 2,
      stream: "book",
      type: "trade",
      body: v1.extend({ aggressor_side: z.enum(["buy", "sell", "BUY", "SELL"]) }),
    });
    expect(newestAcceptingVersion(bad, r)).toBe(2);
    expect(newestAcceptingVersion(trade(2), r)).toBe(2);
  });
});

describe("dead letters", () => {
  it("carry the event as received with its reason, and become one row each", () => {
    const rejected = checkMessage({ envelopes: [trade(1), trade(2, { price: "x" })] }).rejected[0];
    if (!rejected) throw new Error("expected a rejection");
    const message = deadLetterMessage("platform3-events", { id: "m-1", attempts: 2 }, rejected, 5);
    expect(message.dead_letter).toEqual({
      id: "platform3-events:m-1:1",
      reason: "invalid_body",
      detail: rejected.detail,
      queue: "platform3-events",
      message_id: "m-1",
      attempts: 2,
      at: 5,
    });
    const arrived = { id: "d-1", attempts: 1, timestamp: new Date(10), body: message };
    expect(deadLetterRows("platform3-events-dlq", arrived, 10)).toEqual([
      {
        dedup_key: "platform3-events:m-1:1",
        queue: "platform3-events",
        received_at: new Date(10).toISOString(),
        reason: "invalid_body",
        detail: rejected.detail,
        schema: "book.trade",
        version: 1,
        stream: "book",
        type: "trade",
        key: "BTC-USD",
        seq: 2,
        body: trade(2, { price: "x" }),
        attempts: 2,
      },
    ]);
  });

  it("read a message the Queue gave up as max_retries, one row per envelope", () => {
    const arrived = { id: "d-2", attempts: 1, timestamp: new Date(10), body: { envelopes: [trade(1), trade(2)] } };
    const rows = deadLetterRows("platform3-events-staging-dlq", arrived, 10);
    expect(rows.map((r) => [r.dedup_key, r.queue, r.reason, r.seq, r.attempts])).toEqual([
      ["platform3-events-staging-dlq:d-2:0", "platform3-events-staging", "max_retries", 1, 11],
      ["platform3-events-staging-dlq:d-2:1", "platform3-events-staging", "max_retries", 2, 11],
    ]);
    const garbage = deadLetterRows("q-dlq", { ...arrived, body: "not json at all" }, 3);
    expect(garbage).toMatchObject([{ reason: "max_retries", stream: null, seq: null, body: "not json at all" }]);
  });

  it("are made safe for jsonb: no NUL, no lone surrogate, no bigint", () => {
    expect(jsonSafe({ "k\u0000": ["a\u0000b", "\ud800x", 1n, Number.NaN, undefined] })).toEqual({
      "k\uFFFD": ["a\uFFFDb", "\uFFFDx", "1", null, null],
    });
    let deep: unknown = "leaf";
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(JSON.stringify(jsonSafe(deep))).toContain("[nested too deep]");
  });
});
