import { describe, expect, it } from "vitest";
import { type Envelope, envelopeBytes, groupByKey, parseEnvelope, parseMessage, queueMessages } from "./envelope.ts";

const ev = (stream: "book" | "account", key: string, seq: number, body: Record<string, unknown> = {}): Envelope => ({
  stream,
  key,
  seq,
  at: 1_773_232_200_000 + seq,
  type: "trade",
  body,
});

describe("event envelope", () => {
  it("parses envelopes and refuses anything else", () => {
    expect(parseEnvelope(ev("book", "BTC-USD", 1))).toEqual(ev("book", "BTC-USD", 1));
    expect(parseEnvelope({ ...ev("book", "BTC-USD", 1), stream: "feed" })).toBeNull();
    expect(parseEnvelope({ ...ev("book", "BTC-USD", 1), seq: 0 })).toBeNull();
    expect(parseEnvelope({ ...ev("book", "BTC-USD", 1), seq: 1.5 })).toBeNull();
    expect(parseEnvelope({ ...ev("book", "", 1) })).toBeNull();
    expect(parseEnvelope({ ...ev("book", "BTC-USD", 1), body: "x" })).toBeNull();
    expect(parseEnvelope("not json")).toBeNull();
    expect(parseEnvelope(null)).toBeNull();
  });

  it("groups by (stream, key), in seq order, each seq once", () => {
    const groups = groupByKey([
      ev("book", "BTC-USD", 3),
      ev("account", "BTC-USD", 1),
      ev("book", "BTC-USD", 1),
      ev("book", "ETH-USD", 7),
      ev("book", "BTC-USD", 3),
      ev("book", "BTC-USD", 2),
    ]);
    expect(groups.map((g) => [g.stream, g.key, g.events.map((e) => e.seq)])).toEqual([
      ["book", "BTC-USD", [1, 2, 3]],
      ["account", "BTC-USD", [1]],
      ["book", "ETH-USD", [7]],
    ]);
  });

  it("packs events into as few messages as the Queue's limits allow, keeping order", () => {
    const many = Array.from({ length: 250 }, (_, i) => ev("book", "BTC-USD", i + 1));
    const calls = queueMessages(many);
    // 250 small events: one message, one call.
    expect(calls.map((c) => c.map((m) => m.envelopes.length))).toEqual([[250]]);
    const seqs = (c: ReturnType<typeof queueMessages>) => c.flat().flatMap((m) => m.envelopes.map((e) => e.seq));
    expect(seqs(calls)).toEqual(many.map((e) => e.seq));

    const big = Array.from({ length: 10 }, (_, i) => ev("book", "BTC-USD", i + 1, { pad: "x".repeat(50_000) }));
    const bySize = queueMessages(big);
    for (const call of bySize) {
      const sizes = call.map((m) => m.envelopes.reduce((n, e) => n + envelopeBytes(e), 0));
      for (const s of sizes) expect(s).toBeLessThanOrEqual(127_000);
      expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(246_000);
    }
    expect(seqs(bySize)).toEqual(big.map((e) => e.seq));
    expect(bySize.flat().length).toBe(5); // two 50 kB events per message
    // A call never carries more than 100 messages.
    const wide = Array.from({ length: 150 }, (_, i) => ev("book", "BTC-USD", i + 1));
    expect(queueMessages(wide, 50).map((c) => c.length)).toEqual([100, 50]); // one envelope per message at most 50 bytes
    expect(queueMessages([])).toEqual([]);
  });

  it("reads a message of one envelope or of several, and refuses one with any bad envelope", () => {
    expect(parseMessage(ev("book", "BTC-USD", 1))).toEqual([ev("book", "BTC-USD", 1)]);
    const two = { envelopes: [ev("book", "BTC-USD", 1), ev("book", "BTC-USD", 2)] };
    expect(parseMessage(two)?.map((e) => e.seq)).toEqual([1, 2]);
    expect(parseMessage({ envelopes: [ev("book", "BTC-USD", 1), { seq: "x" }] })).toBeNull();
    expect(parseMessage({ envelopes: [] })).toBeNull();
    expect(parseMessage("nope")).toBeNull();
  });

  it("counts bytes as UTF-8", () => {
    expect(envelopeBytes(ev("book", "BTC-USD", 1, { note: "é" }))).toBe(
      new TextEncoder().encode(JSON.stringify(ev("book", "BTC-USD", 1, { note: "é" }))).byteLength,
    );
  });
});
