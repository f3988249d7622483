/**
 * Dead letters: what the event consumer sends to the dead-letter queue for one rejected
 * event (a {@link DeadLetterMessage}), and the rows the dead-letter consumer stores from
 * what arrives there, which is either such a message or a message the Queue itself
 * dead-lettered after `max_retries` (its original body: reason `max_retries`).
 */
import { z } from "zod";
import type { EnvelopeBatch } from "./envelope.ts";
import { REJECT_REASONS, type RejectedEvent, type RejectReason, selfDescription } from "./validate.ts";

/** One rejected event on its way to the dead-letter queue. */
export interface DeadLetterMessage {
  dead_letter: {
    /** `<queue>:<message id>:<index>`: the same for a redelivered message, so it is stored once. */
    id: string;
    reason: RejectReason;
    detail: string;
    /** The queue the event came from, and its message there. */
    queue: string;
    message_id: string;
    attempts: number;
    /** Epoch ms the consumer rejected it. */
    at: number;
  };
  /** The event as received. */
  event: unknown;
}

const DeadLetterMessageSchema = z.object({
  dead_letter: z.object({
    id: z.string().min(1).max(512),
    reason: z.enum(REJECT_REASONS),
    detail: z.string().max(4000),
    queue: z.string().min(1).max(128),
    message_id: z.string().max(256),
    attempts: z.number().int().nonnegative(),
    at: z.number().int().nonnegative(),
  }),
  event: z.unknown(),
});

/** The dead-letter message of one rejected event of `message` (from `queue`). */
export function deadLetterMessage(
  queue: string,
  message: { id: string; attempts: number },
  rejected: RejectedEvent,
  now = Date.now(),
): DeadLetterMessage {
  return {
    dead_letter: {
      id: `${queue}:${message.id}:${rejected.index}`,
      reason: rejected.reason,
      detail: rejected.detail,
      queue,
      message_id: message.id,
      attempts: message.attempts,
      at: now,
    },
    event: rejected.raw,
  };
}

/** One row of `dead_letters` (migrations/20261207000000_dead_letters.sql), before it has an id. */
export interface DeadLetterRow {
  dedup_key: string;
  queue: string;
  /** RFC 3339. */
  received_at: string;
  reason: RejectReason;
  detail: string;
  schema: string | null;
  version: number | null;
  stream: string | null;
  type: string | null;
  key: string | null;
  seq: number | null;
  body: unknown;
  attempts: number;
}

/** A message as it arrives on the dead-letter queue. */
export interface ArrivedMessage {
  id: string;
  body: unknown;
  attempts: number;
  timestamp: Date;
}

/** The queue a dead-letter queue serves: its name without `-dlq` (`platform3-events-dlq` → `platform3-events`). */
export function sourceQueue(dlq: string): string {
  return dlq.endsWith("-dlq") ? dlq.slice(0, -4) : dlq;
}

/**
 * The rows of one message of dead-letter queue `dlq`: one for a {@link DeadLetterMessage};
 * for a message the Queue gave up (after `maxRetries` retries), one per envelope it held.
 */
export function deadLetterRows(dlq: string, message: ArrivedMessage, maxRetries: number): DeadLetterRow[] {
  const received_at = message.timestamp.toISOString();
  const ours = DeadLetterMessageSchema.safeParse(message.body);
  if (ours.success) {
    const d = ours.data.dead_letter;
    return [
      row(ours.data.event, {
        dedup_key: d.id,
        queue: d.queue,
        received_at,
        reason: d.reason,
        detail: d.detail,
        attempts: d.attempts,
      }),
    ];
  }
  const list = (message.body as EnvelopeBatch | null)?.envelopes;
  const events = Array.isArray(list) && list.length > 0 ? list : [message.body];
  return events.map((event, i) =>
    row(event, {
      dedup_key: `${dlq}:${message.id}:${i}`,
      queue: sourceQueue(dlq),
      received_at,
      reason: "max_retries",
      detail: `the Queue gave the message up after ${maxRetries} retries (${message.id})`,
      attempts: maxRetries + 1,
    }),
  );
}

function row(
  event: unknown,
  fields: Pick<DeadLetterRow, "dedup_key" | "queue" | "received_at" | "reason" | "detail" | "attempts">,
): DeadLetterRow {
  const self = selfDescription(event);
  return {
    ...fields,
    schema: self.schema ?? null,
    version: self.version ?? null,
    stream: self.stream ?? null,
    type: self.type ?? null,
    key: self.key ?? null,
    seq: self.seq ?? null,
    body: jsonSafe(event),
  };
}

/**
 * A copy of `value` Postgres `jsonb` takes: NUL characters and lone surrogates (which
 * jsonb refuses) become U+FFFD, bigints strings, values JSON cannot hold dropped, and
 * nesting beyond 64 levels a marker, so no dead letter is ever refused by the table.
 */
export function jsonSafe(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return clean(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (value === null || typeof value === "boolean") return value;
  if (typeof value !== "object") return null;
  if (depth >= 64) return "[nested too deep]";
  if (Array.isArray(value)) return value.map((v) => jsonSafe(v, depth + 1) ?? null);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
    out[clean(k)] = jsonSafe(v, depth + 1);
  }
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function clean(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what jsonb refuses.
  return s.replace(LONE_SURROGATE, "\uFFFD").replace(/\u0000/g, "\uFFFD");
}
