/**
 * The envelope every event travels in, from the objects that produce it (OrderBook,
 * Account) through the Queue to Postgres and Kafka. Per `(stream, key)` the `seq` is
 * contiguous and never reused, so `(stream, key, seq)` names an event for ever: every
 * consumer writes with that key and a redelivered event changes nothing.
 *
 * - `book`: key = instrument symbol; `type` = the book's wire event type (`accepted`,
 *   `trade`, `done`, `level`, …); `body` = the wire event (snake_case, decimal strings).
 * - `account`: key = account id; `type` = `order` (body: the order's view after the
 *   change), `fill` (a fill view) or `ledger_entry` (one journal entry).
 */
import { z } from "zod";

export const STREAMS = ["book", "account"] as const;
export type Stream = (typeof STREAMS)[number];

export const EnvelopeSchema = z.object({
  stream: z.enum(STREAMS),
  key: z.string().min(1).max(128),
  seq: z.number().int().positive(),
  /** Epoch milliseconds. */
  at: z.number().int().nonnegative(),
  type: z.string().min(1).max(64),
  body: z.record(z.string(), z.unknown()),
});

export type Envelope = z.infer<typeof EnvelopeSchema>;

/** Account stream event types. */
export type AccountEventType = "order" | "fill" | "ledger_entry";

/** The most messages one `Queue.sendBatch` takes. */
export const QUEUE_BATCH_MESSAGES = 100;
/** The most bytes one `Queue.sendBatch` takes (256 KB), less a margin for per-message overhead. */
export const QUEUE_BATCH_BYTES = 256_000 - 100 * 100;
/** The largest single message a Queue accepts (128 KB), less a margin. */
export const QUEUE_MESSAGE_BYTES = 127_000;

/** Splits envelopes (in order) into `sendBatch` calls within the Queue's count and byte limits. */
export function queueBatches(
  envelopes: readonly Envelope[],
  maxMessages = QUEUE_BATCH_MESSAGES,
  maxBytes = QUEUE_BATCH_BYTES,
): Envelope[][] {
  const out: Envelope[][] = [];
  let current: Envelope[] = [];
  let bytes = 0;
  for (const e of envelopes) {
    const size = envelopeBytes(e);
    if (current.length > 0 && (current.length >= maxMessages || bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** UTF-8 size of the envelope as JSON (what the Queue counts, near enough). */
export function envelopeBytes(e: Envelope): number {
  return new TextEncoder().encode(JSON.stringify(e)).byteLength;
}

/** One (stream, key)'s events of a batch, each seq once, oldest first. */
export interface KeyGroup {
  stream: Stream;
  key: string;
  events: Envelope[];
}

/**
 * Groups envelopes by `(stream, key)`, drops repeated seqs (redelivery inside one batch)
 * and sorts each group by seq. Groups come in first-seen order.
 */
export function groupByKey(envelopes: Iterable<Envelope>): KeyGroup[] {
  const groups = new Map<string, { group: KeyGroup; seen: Set<number> }>();
  for (const e of envelopes) {
    const id = `${e.stream}\u0000${e.key}`;
    let entry = groups.get(id);
    if (!entry) {
      entry = { group: { stream: e.stream, key: e.key, events: [] }, seen: new Set() };
      groups.set(id, entry);
    }
    if (entry.seen.has(e.seq)) continue;
    entry.seen.add(e.seq);
    entry.group.events.push(e);
  }
  const out = [...groups.values()].map((g) => g.group);
  for (const g of out) g.events.sort((a, b) => a.seq - b.seq);
  return out;
}

/** Parses a queue message body; `null` when it is not an envelope. */
export function parseEnvelope(body: unknown): Envelope | null {
  const parsed = EnvelopeSchema.safeParse(body);
  return parsed.success ? parsed.data : null;
}
