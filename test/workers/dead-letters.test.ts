/**
 * The dead-letter queue's consumer (this Worker's `queue` handler for `platform3-events-dlq`):
 * every dead letter is stored in Postgres `dead_letters`, once, whether the event consumer
 * sent it with a reason or the Queue gave the message up after `max_retries`; the real
 * path (event consumer → Miniflare's dead-letter queue → this consumer → Postgres); and a
 * batch that cannot be stored waits in the queue.
 */
import { createExecutionContext, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type DeadLetterMessage, deadLetterMessage } from "../../shared/events/dead-letter.ts";
import { checkEnvelope } from "../../shared/events/validate.ts";
import { handleDeadLetterBatch } from "../../workers/consumer/dead-letters.ts";
import { handleEventBatch } from "../../workers/consumer/index.ts";
import { batchOf, consumerCounter, tradeEnvelope } from "./event-helpers.ts";
import { hasDb, sql, until } from "./postgres-helpers.ts";

const tag = Math.random().toString(36).slice(2, 7).toUpperCase();
const DLQ = "platform3-events-dlq";

interface Row {
  reason: string;
  queue: string;
  stream: string | null;
  type: string | null;
  seq: string | null;
  attempts: number;
  body: unknown;
}
const rowsOf = (key: string) =>
  sql<Row>(
    "SELECT reason, queue, stream, type, seq::text, attempts, body FROM dead_letters WHERE key = $1 ORDER BY seq, id",
    [key],
  );

function letterFor(raw: unknown, messageId: string): DeadLetterMessage {
  const check = checkEnvelope(raw);
  if (check.ok) throw new Error("expected a bad event");
  return deadLetterMessage("platform3-events", { id: messageId, attempts: 1 }, check.rejected);
}

describe.skipIf(!hasDb)("the dead-letter store", () => {
  it("stores refused events and messages the Queue gave up, each once", async () => {
    const key = `DLQA${tag}-USD`;
    const bad = tradeEnvelope(key, 1, { price: "abc" });
    const givenUp = { envelopes: [tradeEnvelope(key, 2), tradeEnvelope(key, 3)] };
    const before = await consumerCounter("p3_dead_letters_stored_total", { reason: "max_retries" });
    const batch = batchOf(DLQ, [letterFor(bad, `m-${key}`), givenUp], 1, `dlq-${key}`);
    const ctx = createExecutionContext();
    expect(await handleDeadLetterBatch(batch, env)).toMatchObject({ rows: 3, stored: 3, acked: 2, retried: 0 });
    expect((await getQueueResult(batch, ctx)).ackAll).toBe(true);
    const rows = await rowsOf(key);
    expect(rows.map((r) => [r.reason, r.queue, r.stream, r.type, r.seq, r.attempts])).toEqual([
      ["invalid_body", "platform3-events", "book", "trade", "1", 1],
      ["max_retries", "platform3-events", "book", "trade", "2", 11],
      ["max_retries", "platform3-events", "book", "trade", "3", 11],
    ]);
    expect(rows[0]?.body).toEqual(bad);
    expect(rows[1]?.body).toEqual(givenUp.envelopes[0]);

    // Redelivered (same message ids): nothing new.
    const again = batchOf(DLQ, [letterFor(bad, `m-${key}`), givenUp], 2, `dlq-${key}`);
    expect(await handleDeadLetterBatch(again, env)).toMatchObject({ rows: 3, stored: 0, acked: 2 });
    expect(await rowsOf(key)).toHaveLength(3);
    expect(await consumerCounter("p3_dead_letters_stored_total", { reason: "max_retries" })).toBe(before + 2);
  });

  it("keeps anything at all, even what jsonb refuses as it is", async () => {
    const key = `DLQB${tag}-USD`;
    const nasty = { ...tradeEnvelope(key, 1), body: { note: "nul\u0000 and \ud800", n: 1 } };
    const batch = batchOf(DLQ, [nasty, "plain text", 42]);
    expect(await handleDeadLetterBatch(batch, env)).toMatchObject({ rows: 3, stored: 3, acked: 3 });
    const rows = await rowsOf(key);
    expect(rows.map((r) => [r.reason, r.seq, r.body])).toEqual([
      ["max_retries", "1", { ...nasty, body: { note: "nul\uFFFD and \uFFFD", n: 1 } }],
    ]);
  });

  it("retries the whole batch while Postgres is down, and stores it once it is back", async () => {
    const key = `DLQC${tag}-USD`;
    const down = { ...env, DATABASE_URL: `postgres://postgres@127.0.0.1:1/platform3-${key}` };
    const batch = batchOf(DLQ, [{ envelopes: [tradeEnvelope(key, 1)] }], 1, `dlq-${key}`);
    const ctx = createExecutionContext();
    const outcome = await handleDeadLetterBatch(batch, down);
    expect(outcome).toMatchObject({ stored: 0, acked: 0, retried: 1 });
    const result = await getQueueResult(batch, ctx);
    expect(result.ackAll).toBe(false);
    expect(result.retryBatch.retry).toBe(true);
    expect(await rowsOf(key)).toEqual([]);
    const later = batchOf(DLQ, [{ envelopes: [tradeEnvelope(key, 1)] }], 2, `dlq-${key}`);
    expect(await handleDeadLetterBatch(later, env)).toMatchObject({ stored: 1, acked: 1 });
  });

  it("end to end: bad events go from the consumer through the real dead-letter queue into Postgres", async () => {
    const key = `DLQD${tag}-USD`;
    const good = tradeEnvelope(key, 1);
    const bad = [tradeEnvelope(key, 2, { aggressor_side: "sideways" }), { ...tradeEnvelope(key, 3), type: "teleport" }];
    const outcome = await handleEventBatch(batchOf("platform3-events", [good, ...bad]), env);
    expect(outcome).toMatchObject({ acked: 3, invalid: 2, deadLettered: 2 });
    const rows = await until("the dead letters in Postgres", async () => {
      const r = await rowsOf(key);
      return r.length >= 2 ? r : undefined;
    });
    expect(rows.map((r) => [r.reason, r.type, r.seq])).toEqual([
      ["invalid_body", "trade", "2"],
      ["unknown_type", "teleport", "3"],
    ]);
    expect(rows.map((r) => r.body)).toEqual(bad);
  });
});
