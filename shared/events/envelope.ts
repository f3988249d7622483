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
 *
 * `schema` and `version` name the body's schema in the registry (registry.ts): producers
 * stamp both; an envelope without them (sent before stamping) is read as version 1 of
 * `<stream>.<type>`. Here the body is only an object: validate.ts checks it against its schema.
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
  /** `<stream>.<type>` (registry.ts); absent on envelopes sent before stamping. */
  schema: z.string().min(1).max(96).optional(),
  /** The schema's version the body follows; absent: 1. */
  version: z.number().int().positive().max(1_000_000).optional(),
  body: z.record(z.string(), z.unknown()),
  /**
   * W3C `traceparent` of the span that produced the event (the book's batch span), only
   * while tracing is on: the consumer's span links to it (docs/operations.md "Traces").
   */
  traceparent: z.string().max(64).optional(),
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

/**
 * One Queue message carrying several events of one stream and key, oldest first: producers
 * pack what they send into as few messages as the Queue's limits allow (a message per
 * event cost each order a dozen messages), and consumers take either form.
 */
export interface EnvelopeBatch {
  envelopes: Envelope[];
}

/**
 * Packs envelopes (in order) into messages of at most `maxMessageBytes`, and the messages
 * into `sendBatch` calls within the Queue's count and byte limits.
 */
export function queueMessages(
  envelopes: readonly Envelope[],
  maxMessageBytes = QUEUE_MESSAGE_BYTES,
  maxMessages = QUEUE_BATCH_MESSAGES,
  maxBytes = QUEUE_BATCH_BYTES,
): EnvelopeBatch[][] {
  const calls: EnvelopeBatch[][] = [];
  let call: EnvelopeBatch[] = [];
  let callBytes = 0;
  let message: Envelope[] = [];
  let messageBytes = 0;
  const closeMessage = () => {
    if (message.length === 0) return;
    if (call.length > 0 && (call.length >= maxMessages || callBytes + messageBytes > maxBytes)) {
      calls.push(call);
      call = [];
      callBytes = 0;
    }
    call.push({ envelopes: message });
    callBytes += messageBytes;
    message = [];
    messageBytes = 0;
  };
  for (const e of envelopes) {
    const size = envelopeBytes(e) + 1;
    if (message.length > 0 && messageBytes + size > maxMessageBytes) closeMessage();
    message.push(e);
    messageBytes += size;
  }
  closeMessage();
  if (call.length > 0) calls.push(call);
  return calls;
}

const utf8 = new TextEncoder();

/** UTF-8 size of the envelope as JSON (what the Queue counts, near enough). */
export function envelopeBytes(e: Envelope): number {
  const json = JSON.stringify(e);
  // Printable ASCII (nearly every event, JSON escapes control characters): one byte per character.
  return /[^ -~]/.test(json) ? utf8.encode(json).byteLength : json.length;
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

/** Parses one envelope; `null` when it is not one. */
export function parseEnvelope(body: unknown): Envelope | null {
  const parsed = EnvelopeSchema.safeParse(body);
  return parsed.success ? parsed.data : null;
}

/**
 * The envelopes of a Queue message body: one envelope, or an {@link EnvelopeBatch}; `null`
 * when the body is neither or any envelope in it is malformed.
 */
export function parseMessage(body: unknown): Envelope[] | null {
  if (typeof body === "object" && body !== null && Array.isArray((body as EnvelopeBatch).envelopes)) {
    const out: Envelope[] = [];
    for (const e of (body as EnvelopeBatch).envelopes) {
      const parsed = parseEnvelope(e);
      if (!parsed) return null;
      out.push(parsed);
    }
    return out.length > 0 ? out : null;
  }
  const one = parseEnvelope(body);
  return one ? [one] : null;
}
