/** Helpers for the tests of the event pipeline's data quality: envelopes, batches, a recording queue, counters. */
import { createMessageBatch } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type { Envelope } from "../../shared/events/envelope.ts";
import { pushConsumerMetricsIfDue } from "../../workers/consumer/metrics.ts";
import { parsePrometheus, sumOf } from "../prometheus.ts";
import { OPERATOR } from "./auth-helpers.ts";

/** A well-formed, stamped `book.trade` envelope; `body` overrides fields of the body. */
export function tradeEnvelope(key: string, seq: number, body: Record<string, unknown> = {}, at = Date.now()): Envelope {
  return {
    stream: "book",
    key,
    seq,
    at: at + seq,
    type: "trade",
    schema: "book.trade",
    version: 1,
    body: {
      type: "trade",
      trade_id: seq,
      price: `${100 + seq}.25`,
      size: "0.001",
      aggressor_side: "buy",
      maker_order_id: `m${seq}`,
      maker_account: "maker",
      taker_order_id: `t${seq}`,
      taker_account: "taker",
      maker_remaining_size: "0",
      ...body,
    },
  };
}

/** A batch of `queue` with one message per body. */
export function batchOf(queue: string, bodies: unknown[], attempts = 1, idPrefix = crypto.randomUUID()) {
  return createMessageBatch<unknown>(
    queue,
    bodies.map((body, i) => ({ id: `${idPrefix}-${i}`, timestamp: new Date(), attempts, body })),
  );
}

/** A Queue that records what is sent to it (or fails every send). */
export function recordingQueue(fail = false): Queue & { sent: unknown[] } {
  const sent: unknown[] = [];
  const queue = {
    sent,
    async send(body: unknown) {
      if (fail) throw new Error("queue unavailable");
      sent.push(body);
    },
    async sendBatch(messages: Iterable<{ body: unknown }>) {
      if (fail) throw new Error("queue unavailable");
      for (const m of messages) sent.push(m.body);
    },
  };
  return queue as unknown as Queue & { sent: unknown[] };
}

/** One counter of the scrape (`GET /v1/admin/metrics`), after the consumer pushed what it counted. */
export async function consumerCounter(name: string, labels: Record<string, string>): Promise<number> {
  // The test's push interval is 200 ms (vitest.config.ts): wait it out, then push.
  await new Promise((r) => setTimeout(r, 250));
  await pushConsumerMetricsIfDue(env);
  const res = await exports.default.fetch("http://platform3.test/v1/admin/metrics", {
    headers: { authorization: OPERATOR, "cf-connecting-ip": "198.19.9.1" },
  });
  if (res.status !== 200) throw new Error(`metrics: ${res.status}`);
  return sumOf(parsePrometheus(await res.text()), name, labels);
}
