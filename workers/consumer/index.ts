/**
 * The `EVENTS` Queue consumer (this Worker's `queue` handler): each event of a batch (a
 * message holds one envelope or an `EnvelopeBatch` of several) is checked against its
 * schema in the registry (shared/events/validate.ts). The good ones go to Postgres in ONE
 * transaction (postgres-writer.ts) and, when configured, to Kafka (kafka-rest.ts), each
 * behind its breaker (breakers.ts); the bad ones go to the dead-letter queue with their
 * reason (dead-letters.ts) and are acknowledged, so one malformed event never holds back
 * the batch. Every write is keyed by `(stream, key, seq)`, so delivery may be at least
 * once: when a sink fails, the messages with good events are retried later with full
 * jitter (Queues retries up to `max_retries`, then moves them to the dead-letter queue).
 * The dead-letter queue's own batches are stored in Postgres (`handleDeadLetterBatch`).
 */

import { type DbEnv, hasDatabase, transaction } from "../../shared/db/neon.ts";
import { deadLetterMessage } from "../../shared/events/dead-letter.ts";
import { type Envelope, groupByKey } from "../../shared/events/envelope.ts";
import { EVENT_REGISTRY, type EventRegistry } from "../../shared/events/registry.ts";
import { checkMessage, type MessageCheck } from "../../shared/events/validate.ts";
import { fullJitter } from "../../shared/resilience/backoff.ts";
import { CircuitOpenError } from "../../shared/resilience/errors.ts";
import { otlpConfig, type TraceEnv } from "../../shared/trace/export.ts";
import { sinkBreaker } from "./breakers.ts";
import { type DeadLetterEnv, handleDeadLetterBatch, sendDeadLetters } from "./dead-letters.ts";
import { type KafkaRestEnv, type KafkaResult, kafkaConfig, produceToKafka } from "./kafka-rest.ts";
import {
  type ConsumerMetricsEnv,
  countBatch,
  countInvalid,
  countPostgresWrite,
  countReordered,
  countRetry,
  countWritten,
  pushConsumerMetricsIfDue,
  type RetryCause,
} from "./metrics.ts";
import { measureOrdering } from "./ordering.ts";
import { writeEvents } from "./postgres-writer.ts";
import { traceConsumer } from "./tracing.ts";

export interface ConsumerEnv extends DbEnv, KafkaRestEnv, ConsumerMetricsEnv, TraceEnv, DeadLetterEnv {
  /** Base delay before a failed batch is redelivered, seconds (default 5): attempt n waits a random 0…base·2^(n-1), at most 300, and at least an open breaker's cool-off. */
  EVENTS_RETRY_DELAY_SECONDS?: string;
  /** The consumer's `max_retries` in wrangler.toml (default 10): a message retried past it is dead-lettered. */
  EVENTS_MAX_RETRIES?: string;
}

/** Where a batch goes; each throws (or reports failure) to have the batch retried. */
export interface Sinks {
  postgres?: (events: readonly Envelope[]) => Promise<void>;
  kafka?: (events: readonly Envelope[]) => Promise<KafkaResult>;
}

export interface BatchOutcome {
  /** Messages acknowledged (their good events written, or nothing configured to write them to; their bad ones dead-lettered). */
  acked: number;
  /** Messages to be delivered again. */
  retried: number;
  /** Events that failed their schema check. */
  invalid: number;
  /** Of those, sent to the dead-letter queue by this delivery. */
  deadLettered: number;
  delaySeconds?: number;
  error?: string;
}

/** Longest delay of a retried batch, seconds. */
export const MAX_RETRY_DELAY_SECONDS = 300;

let warnedNoSink = false;
let warnedNoDlq = false;

/** The sinks this environment configures: Postgres with `DATABASE_URL`, Kafka with `KAFKA_REST_URL`. */
export function sinksFor(env: ConsumerEnv): Sinks {
  const sinks: Sinks = {};
  if (hasDatabase(env)) {
    sinks.postgres = (events) =>
      sinkBreaker("postgres_writes", env.DATABASE_URL).run(async () => {
        const started = Date.now();
        await transaction(env, (client) => writeEvents(client, events));
        countPostgresWrite(Date.now() - started);
      });
  }
  const kafka = kafkaConfig(env);
  if (kafka) {
    sinks.kafka = (events) =>
      sinkBreaker("kafka", kafka.url).run(async () => {
        const result = await produceToKafka(kafka, groupByKey(events));
        if (!result.ok) throw new Error(result.error);
        return result;
      });
  }
  return sinks;
}

/** One message of a batch with what its check found. */
interface Checked extends MessageCheck {
  message: Message<unknown>;
}

/**
 * Handles one batch: checks each event against its schema, writes the good ones, sends the
 * bad ones to the dead-letter queue, then acks what is done and retries the rest.
 *
 * A message is done when its good events are written (or it has none) and its bad ones
 * are in the dead-letter queue. When a sink fails, the messages with good events are
 * retried (their bad events go to the DLQ on the delivery that writes the good ones);
 * without an `EVENTS_DLQ` binding, or when sending to it fails, a message with bad events
 * is retried, and the Queue dead-letters it after `max_retries` (reason `max_retries`).
 */
export async function handleEventBatch(
  batch: MessageBatch<unknown>,
  env: ConsumerEnv,
  sinks: Sinks = sinksFor(env),
  registry: EventRegistry = EVENT_REGISTRY,
): Promise<BatchOutcome> {
  countBatch(batch.messages.length);
  const maxRetries = Number(env.EVENTS_MAX_RETRIES ?? 10);
  if (!sinks.postgres && !sinks.kafka) {
    if (!warnedNoSink) {
      warnedNoSink = true;
      console.warn(
        JSON.stringify({
          level: "warn",
          msg: "event queue: neither DATABASE_URL nor KAFKA_REST_URL is set; events are acknowledged and dropped",
        }),
      );
    }
    // Nothing to write to, so nothing to check either: acknowledged and dropped, as before.
    batch.ackAll();
    return { acked: batch.messages.length, retried: 0, invalid: 0, deadLettered: 0 };
  }

  const checked: Checked[] = batch.messages.map((message) => ({ message, ...checkMessage(message.body, registry) }));
  const events = checked.flatMap((c) => c.events);
  const invalid = checked.reduce((n, c) => n + c.rejected.length, 0);
  const ordering = measureOrdering(events);
  countReordered(ordering.duplicates, ordering.outOfOrder);

  // 1. The good events, all messages' together, to every sink.
  let sinkError: unknown;
  let failing: RetryCause = "postgres";
  try {
    if (events.length > 0) {
      await sinks.postgres?.(events);
      failing = "kafka";
      const kafka = await sinks.kafka?.(events);
      if (kafka && !kafka.ok) throw new Error(kafka.error);
    }
  } catch (err) {
    sinkError = err;
  }
  const written = sinkError === undefined;
  const waiting = written ? [] : checked.filter((c) => c.events.length > 0);
  const done = written ? checked : checked.filter((c) => c.events.length === 0);

  // 2. The bad events of the messages whose good ones are written, to the dead-letter queue.
  const refusing = done.filter((c) => c.rejected.length > 0);
  let undelivered: Checked[] = [];
  let dlqCause: RetryCause = "dlq";
  let dlqError: string | undefined;
  let deadLettered = 0;
  if (refusing.length > 0) {
    logRefused(batch.queue, refusing);
    countInvalid(refusing.flatMap((c) => c.rejected));
    const dlq = env.EVENTS_DLQ;
    const letters = refusing.flatMap((c) => c.rejected.map((r) => deadLetterMessage(batch.queue, c.message, r)));
    if (!dlq) {
      undelivered = refusing;
      dlqCause = "invalid";
      dlqError = "no EVENTS_DLQ binding: messages with refused events are retried until the Queue dead-letters them";
      if (!warnedNoDlq) {
        warnedNoDlq = true;
        console.warn(JSON.stringify({ level: "warn", msg: `event queue: ${dlqError}` }));
      }
    } else {
      try {
        await sendDeadLetters(dlq, letters);
        deadLettered = letters.length;
      } catch (err) {
        undelivered = refusing;
        dlqError = `sending to the dead-letter queue failed: ${String(err)}`;
        console.error(JSON.stringify({ level: "error", msg: "event queue: dead-letter send failed", error: dlqError }));
      }
    }
  }

  // 3. Ack what is done, retry the rest.
  const retry = new Set<Checked>([...waiting, ...undelivered]);
  const ack = checked.filter((c) => !retry.has(c));
  if (written) countWritten(events);
  if (retry.size === 0) {
    batch.ackAll();
    return { acked: ack.length, retried: 0, invalid, deadLettered };
  }
  const attempts = Math.max(1, ...[...retry].map((c) => c.message.attempts));
  const base = Number(env.EVENTS_RETRY_DELAY_SECONDS ?? 5);
  // Full jitter, and never before an open breaker would let the sink be tried again.
  const jittered = fullJitter(attempts - 1, Math.max(0, base), MAX_RETRY_DELAY_SECONDS);
  const coolOff = sinkError instanceof CircuitOpenError ? Math.ceil(sinkError.retryAfterMs / 1000) : 0;
  const delaySeconds = Math.min(MAX_RETRY_DELAY_SECONDS, Math.max(jittered, coolOff));
  const error = sinkError === undefined ? (dlqError as string) : String(sinkError);
  if (!written) {
    console.warn(
      JSON.stringify({
        level: "warn",
        msg: "event queue: batch failed; retried",
        queue: batch.queue,
        messages: waiting.length,
        attempts,
        delay_seconds: delaySeconds,
        error,
      }),
    );
    countRetry(
      failing,
      waiting.map((c) => c.message),
      maxRetries,
    );
  }
  countRetry(
    dlqCause,
    undelivered.map((c) => c.message),
    maxRetries,
  );
  if (ack.length === 0) batch.retryAll({ delaySeconds });
  else {
    for (const c of ack) c.message.ack();
    for (const c of retry) c.message.retry({ delaySeconds });
  }
  return { acked: ack.length, retried: retry.size, invalid, deadLettered, delaySeconds, error };
}

/** One log line per batch with refused events: how many, by reason, and the first one. */
function logRefused(queue: string, refusing: readonly Checked[]): void {
  const all = refusing.flatMap((c) => c.rejected);
  const reasons: Record<string, number> = {};
  for (const r of all) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
  const first = all[0];
  console.warn(
    JSON.stringify({
      level: "warn",
      msg: "event queue: events refused by their schema check; dead-lettered",
      queue,
      events: all.length,
      reasons,
      first: first && { type: first.label, stream: first.stream, key: first.key, seq: first.seq, detail: first.detail },
    }),
  );
}

/** Whether `queue` is a dead-letter queue (its name ends in `-dlq`). */
export function isDeadLetterQueue(queue: string): boolean {
  return queue.endsWith("-dlq");
}

/**
 * The Worker's `queue` handler, for the event queue and its dead-letter queue; after the
 * batch, its metrics go to the hub when a push is due.
 */
export async function queue(batch: MessageBatch<unknown>, env: ConsumerEnv, ctx?: ExecutionContext): Promise<void> {
  try {
    // The dead-letter queue (`platform3-events-dlq`, `-staging-dlq`, …): stored for operators.
    if (isDeadLetterQueue(batch.queue)) {
      await handleDeadLetterBatch(batch, env);
      return;
    }
    // Tracing on: the batch in a consumer span, the Postgres write in a client span (tracing.ts).
    const config = otlpConfig(env);
    const waitUntil = (promise: Promise<unknown>) => (ctx ? ctx.waitUntil(promise) : void promise);
    await (config
      ? traceConsumer(batch, config, waitUntil, sinksFor(env), (sinks) => handleEventBatch(batch, env, sinks))
      : handleEventBatch(batch, env));
  } finally {
    const push = pushConsumerMetricsIfDue(env);
    if (push) ctx?.waitUntil(push);
  }
}
