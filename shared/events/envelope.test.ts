import { describe, expect, it } from "vitest";
import { type Envelope, envelopeBytes, groupByKey, parseEnvelope, queueBatches } from "./envelope.ts";

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

  it("splits sendBatch calls at 100 messages and at the byte limit, keeping order", () => {
    const many = Array.from({ length: 250 }, (_, i) => ev("book", "BTC-USD", i + 1));
    const batches = queueBatches(many);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(batches.flat().map((e) => e.seq)).toEqual(many.map((e) => e.seq));

    const big = Array.from({ length: 10 }, (_, i) => ev("book", "BTC-USD", i + 1, { pad: "x".repeat(50_000) }));
    const bySize = queueBatches(big);
    for (const b of bySize) expect(b.reduce((n, e) => n + envelopeBytes(e), 0)).toBeLessThanOrEqual(246_000);
    expect(bySize.flat().map((e) => e.seq)).toEqual(big.map((e) => e.seq));
    expect(bySize.length).toBeGreaterThan(2);
    expect(queueBatches([])).toEqual([]);
  });
});
