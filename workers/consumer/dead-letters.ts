/**
 * The dead-letter side of the consumer:
 * - `sendDeadLetters`: the events a batch refused, one message each (shared/events/
 *   dead-letter.ts `DeadLetterMessage`: the event as received plus its reason), to the
 *   `EVENTS_DLQ` queue, within `sendBatch`'s limits;
 * - `handleDeadLetterBatch`: the dead-letter queue's consumer (the Worker's `queue` handler
 *   dispatches a queue named `*-dlq` here): stores each message in Postgres
 *   (`dead_letters`, once per dedup key), whether the event consumer sent it with a reason
 *   or the Queue moved it there after `max_retries` (reason `max_retries`). While Postgres
 *   fails, the batch waits in the queue (retried with full jitter, behind the writes' breaker).
 */
import { type DbEnv, hasDatabase, transaction } from "../../shared/db/neon.ts";
import { type DeadLetterMessage, type DeadLetterRow, deadLetterRows } from "../../shared/events/dead-letter.ts";
import { insertDeadLetters } from "../../shared/events/dead-letter-store.ts";
import { QUEUE_BATCH_BYTES, QUEUE_BATCH_MESSAGES } from "../../shared/events/envelope.ts";
import { fullJitter } from "../../shared/resilience/backoff.ts";
import { CircuitOpenError } from "../../shared/resilience/errors.ts";
import { sinkBreaker } from "./breakers.ts";
import { countDeadLettersStored } from "./metrics.ts";

export interface DeadLetterEnv extends DbEnv {
  /** The dead-letter queue (`platform3-events-dlq`): refused events go there with their reason. */
  EVENTS_DLQ?: Queue;
  EVENTS_MAX_RETRIES?: string;
  EVENTS_RETRY_DELAY_SECONDS?: string;
}

/** Longest delay of a retried dead-letter batch, seconds. */
const MAX_DELAY_SECONDS = 300;

/** Sends `messages` to `queue` in as few `sendBatch` calls as its limits allow. */
export async function sendDeadLetters(queue: Queue, messages: readonly DeadLetterMessage[]): Promise<void> {
  let call: Array<{ body: DeadLetterMessage; contentType: "json" }> = [];
  let bytes = 0;
  for (const body of messages) {
    const size = JSON.stringify(body).length + 100;
    if (call.length > 0 && (call.length >= QUEUE_BATCH_MESSAGES || bytes + size > QUEUE_BATCH_BYTES)) {
      await queue.sendBatch(call);
      call = [];
      bytes = 0;
    }
    call.push({ body, contentType: "json" });
    bytes += size;
  }
  if (call.length > 0) await queue.sendBatch(call);
}

/** Where the dead-letter consumer stores rows (tests pass their own). */
export type DeadLetterStore = (rows: readonly DeadLetterRow[]) => Promise<string[]>;

export function deadLetterStoreFor(env: DbEnv): DeadLetterStore | undefined {
  if (!hasDatabase(env)) return undefined;
  return (rows) =>
    sinkBreaker("postgres_writes", env.DATABASE_URL).run(() =>
      transaction(env, (client) => insertDeadLetters(client, rows)),
    );
}

export interface DeadLetterOutcome {
  /** Rows offered and rows newly stored. */
  rows: number;
  stored: number;
  acked: number;
  retried: number;
  delaySeconds?: number;
  error?: string;
}

/** Stores one batch of the dead-letter queue, then acks it all, or retries it all after a delay. */
export async function handleDeadLetterBatch(
  batch: MessageBatch<unknown>,
  env: DeadLetterEnv,
  store: DeadLetterStore | undefined = deadLetterStoreFor(env),
): Promise<DeadLetterOutcome> {
  const maxRetries = Number(env.EVENTS_MAX_RETRIES ?? 10);
  const rows = batch.messages.flatMap((m) => deadLetterRows(batch.queue, m, maxRetries));
  try {
    if (!store) throw new Error("no Postgres is configured (DATABASE_URL): dead letters wait in their queue");
    const reasons = await store(rows);
    countDeadLettersStored(reasons);
    batch.ackAll();
    return { rows: rows.length, stored: reasons.length, acked: batch.messages.length, retried: 0 };
  } catch (err) {
    const attempts = Math.max(1, ...batch.messages.map((m) => m.attempts));
    const base = Math.max(0, Number(env.EVENTS_RETRY_DELAY_SECONDS ?? 5));
    const coolOff = err instanceof CircuitOpenError ? Math.ceil(err.retryAfterMs / 1000) : 0;
    const delaySeconds = Math.min(
      MAX_DELAY_SECONDS,
      Math.max(fullJitter(attempts - 1, base, MAX_DELAY_SECONDS), coolOff),
    );
    const error = String(err);
    console.error(
      JSON.stringify({
        level: "error",
        msg: "dead-letter queue: batch not stored; retried",
        queue: batch.queue,
        messages: batch.messages.length,
        attempts,
        delay_seconds: delaySeconds,
        error,
      }),
    );
    batch.retryAll({ delaySeconds });
    return { rows: rows.length, stored: 0, acked: 0, retried: batch.messages.length, delaySeconds, error };
  }
}
