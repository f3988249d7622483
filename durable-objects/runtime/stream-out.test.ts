/**
 * Retries of an object's event stream back off: while the Queue refuses, each failed send
 * widens the alarm's wait (exponential, full jitter, 100 ms floor, 60 s cap); the first
 * send that goes through brings it back to the 2 s safety net, and nothing read from the
 * log for a failed send is skipped by the next.
 */
import { describe, expect, it } from "vitest";
import type { Envelope } from "../../shared/events/envelope.ts";
import { MIN_RETRY_MS, retryDelayMs } from "./alarm.ts";
import type { Sql } from "./sql.ts";
import { STREAM_MAX_RETRY_MS, STREAM_RETRY_MS, StreamOut } from "./stream-out.ts";

const event = (seq: number): Envelope => ({ stream: "book", key: "BO-USD", seq, at: seq, type: "trade", body: {} });

/** A stream over an in-memory log of `n` events and a Queue that fails while `down` says so. */
function streamOver(n: number, down: () => boolean) {
  const log = Array.from({ length: n }, (_, i) => ({ seq: i + 1 }));
  // The cursor table: only `SELECT seq FROM stream_out` is read back (the cursor starts at 0).
  const sql = Object.assign(() => [], { one: () => ({ seq: 0 }) }) as unknown as Sql;
  const sent: number[] = [];
  const queue = {
    sendBatch: async (messages: { body: { envelopes: Envelope[] } }[]) => {
      if (down()) throw new Error("Queue send failed: 503");
      for (const m of messages) for (const e of m.body.envelopes) sent.push(e.seq);
    },
  } as unknown as Queue;
  const stream = new StreamOut<{ seq: number }>({
    sql,
    queue: () => queue,
    read: (after, limit) => log.filter((e) => e.seq > after).slice(0, limit),
    envelope: (item) => event(item.seq),
    head: () => n,
    delayMs: 1_000_000,
    cursorSaveMs: 1_000_000,
    label: () => "book BO-USD",
  });
  return { stream, sent };
}

describe("retryDelayMs", () => {
  it("draws uniformly up to min(cap, base·2^(failures−1)), never under the floor", () => {
    expect(retryDelayMs(1, 2_000, 60_000, () => 0.999_999)).toBe(2_000);
    expect(retryDelayMs(3, 2_000, 60_000, () => 0.999_999)).toBe(8_000);
    expect(retryDelayMs(20, 2_000, 60_000, () => 0.999_999)).toBe(60_000);
    expect(retryDelayMs(5, 2_000, 60_000, () => 0)).toBe(MIN_RETRY_MS);
    expect(retryDelayMs(2, 2_000, 60_000, () => 0.5)).toBe(2_000);
  });
});

describe("StreamOut retries", () => {
  it("back off while the Queue refuses and reset once a send goes through", async () => {
    let down = true;
    const { stream, sent } = streamOver(3, () => down);
    const top = () => 0.999_999;
    expect(stream.lag()).toBe(3);
    expect(stream.retryDelayMs(top)).toBe(STREAM_RETRY_MS);
    const ceilings: number[] = [];
    for (let i = 0; i < 7; i++) {
      expect(await stream.flush()).toBe(false);
      ceilings.push(stream.retryDelayMs(top));
    }
    expect(ceilings).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, STREAM_MAX_RETRY_MS, STREAM_MAX_RETRY_MS]);
    // The wait is random below the ceiling: many streams that failed together spread out.
    const draws = new Set(Array.from({ length: 50 }, () => stream.retryDelayMs()));
    expect(draws.size).toBeGreaterThan(10);
    down = false;
    expect(await stream.flush()).toBe(true);
    expect(sent).toEqual([1, 2, 3]);
    expect(stream.lag()).toBe(0);
    expect(stream.retryDelayMs(top)).toBe(STREAM_RETRY_MS);
  });
});
