/**
 * The consumer isolates bad data: each event is checked against its schema, the good ones
 * are written, only the bad ones go to the dead-letter queue (with their reason), and the
 * batch is acknowledged. The proof case of issue 18: one good trade and two malformed
 * ones used to write nothing (the whole batch retried, then dead-lettered with the good
 * trade); now the trade's row is written and exactly the two bad ones are dead-lettered.
 */
import { createExecutionContext, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DeadLetterMessage } from "../../shared/events/dead-letter.ts";
import { handleEventBatch } from "../../workers/consumer/index.ts";
import { batchOf, consumerCounter, recordingQueue, tradeEnvelope } from "./event-helpers.ts";
import { hasDb, sql } from "./postgres-helpers.ts";

const tag = Math.random().toString(36).slice(2, 7).toUpperCase();

const journalSeqs = async (key: string) =>
  (await sql<{ seq: string }>("SELECT seq::text FROM journal WHERE key = $1 ORDER BY seq", [key])).map((r) =>
    Number(r.seq),
  );

describe.skipIf(!hasDb)("consumer isolation of bad events", () => {
  it("writes the good trade and dead-letters exactly the two malformed ones, with their reasons", async () => {
    const key = `ISOA${tag}-USD`;
    const good = tradeEnvelope(key, 1);
    const badPrice = tradeEnvelope(key, 2, { price: "12,50" });
    const { trade_id: _id, ...noTradeId } = tradeEnvelope(key, 3).body;
    const badId = { ...tradeEnvelope(key, 3), body: noTradeId };
    const dlq = recordingQueue();
    const label = { type: "book.trade", reason: "invalid_body" };
    const before = await consumerCounter("p3_consumer_invalid_events_total", label);

    const batch = batchOf("platform3-events", [good, badPrice, badId]);
    const ctx = createExecutionContext();
    const outcome = await handleEventBatch(batch, { ...env, EVENTS_DLQ: dlq });
    expect(outcome).toMatchObject({ acked: 3, retried: 0, invalid: 2, deadLettered: 2 });
    expect((await getQueueResult(batch, ctx)).ackAll).toBe(true);

    // The good trade is in Postgres: journal and the trades projection.
    expect(await journalSeqs(key)).toEqual([1]);
    const trades = await sql<{ trade_id: number; price: string }>(
      "SELECT trade_id::int, price::text FROM trades WHERE instrument = $1",
      [key],
    );
    expect(trades).toEqual([{ trade_id: 1, price: "101.25" }]);

    // Exactly the two bad ones went to the dead-letter queue, as received, each with its reason.
    const letters = dlq.sent as DeadLetterMessage[];
    expect(letters.map((l) => l.event)).toEqual([badPrice, badId]);
    expect(letters.map((l) => l.dead_letter.reason)).toEqual(["invalid_body", "invalid_body"]);
    expect(letters[0]?.dead_letter.detail).toMatch(/^book\.trade v1: price: expected a non-negative decimal/);
    expect(letters[1]?.dead_letter.detail).toMatch(/^book\.trade v1: trade_id: /);
    expect(letters.map((l) => l.dead_letter.queue)).toEqual(["platform3-events", "platform3-events"]);

    // Counted per type and reason (data quality), through the metrics hub.
    expect(await consumerCounter("p3_consumer_invalid_events_total", label)).toBe(before + 2);
  });

  it("writes the good events of a message and dead-letters the bad one beside them", async () => {
    const key = `ISOB${tag}-USD`;
    const envelopes = [tradeEnvelope(key, 1), { ...tradeEnvelope(key, 2), version: 7 }, tradeEnvelope(key, 3)];
    const dlq = recordingQueue();
    const before = await consumerCounter("p3_consumer_invalid_events_total", {
      type: "book.trade",
      reason: "unknown_version",
    });
    const outcome = await handleEventBatch(batchOf("platform3-events", [{ envelopes }, "not an envelope"]), {
      ...env,
      EVENTS_DLQ: dlq,
    });
    expect(outcome).toMatchObject({ acked: 2, retried: 0, invalid: 2, deadLettered: 2 });
    expect(await journalSeqs(key)).toEqual([1, 3]);
    const letters = dlq.sent as DeadLetterMessage[];
    expect(letters.map((l) => [l.dead_letter.reason, l.dead_letter.id.split(":").at(-1)])).toEqual([
      ["unknown_version", "1"],
      ["not_an_envelope", "0"],
    ]);
    expect(
      await consumerCounter("p3_consumer_invalid_events_total", { type: "book.trade", reason: "unknown_version" }),
    ).toBe(before + 1);
  });

  it("retries a message with bad events while the dead-letter queue fails, and acks the good-only ones", async () => {
    const key = `ISOC${tag}-USD`;
    const batch = batchOf("platform3-events", [tradeEnvelope(key, 1), tradeEnvelope(key, 2, { size: "-1" })]);
    const ctx = createExecutionContext();
    const outcome = await handleEventBatch(batch, { ...env, EVENTS_DLQ: recordingQueue(true) });
    expect(outcome).toMatchObject({ acked: 1, retried: 1, invalid: 1, deadLettered: 0 });
    expect(outcome.error).toMatch(/dead-letter queue failed/);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([batch.messages[0]?.id]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([batch.messages[1]?.id]);
    expect(await journalSeqs(key)).toEqual([1]);
  });

  it("measures and tolerates duplicates and out-of-order events per key", async () => {
    const key = `ISOD${tag}-USD`;
    const [e1, e2, e3] = [1, 2, 3].map((s) => tradeEnvelope(key, s));
    const before = await consumerCounter("p3_consumer_reordered_events_total", { kind: "duplicate" });
    const late = await consumerCounter("p3_consumer_reordered_events_total", { kind: "out_of_order" });
    const outcome = await handleEventBatch(batchOf("platform3-events", [e3, e1, e3, e2]), {
      ...env,
      EVENTS_DLQ: recordingQueue(),
    });
    expect(outcome).toMatchObject({ acked: 4, retried: 0, invalid: 0 });
    expect(await journalSeqs(key)).toEqual([1, 2, 3]);
    expect(await consumerCounter("p3_consumer_reordered_events_total", { kind: "duplicate" })).toBe(before + 1);
    expect(await consumerCounter("p3_consumer_reordered_events_total", { kind: "out_of_order" })).toBe(late + 2);
  });
});
