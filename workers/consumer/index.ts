/**
 * The `EVENTS` Queue consumer (this Worker's `queue` handler): each batch of event
 * envelopes (a message holds one envelope or an `EnvelopeBatch` of several) goes to
 * Postgres in ONE transaction (postgres-writer.ts) and, when
 * configured, to Kafka (kafka-rest.ts), each behind its breaker (breakers.ts). Every write is keyed by `(stream, key, seq)`,
 * so delivery may be at least once: on success the whole batch is acknowledged; on any
 * failure the whole batch is retried later (Queues retries up to `max_retries`, then
 * moves the messages to the dead-letter queue). A message that is not an envelope is
 * never written: it is retried on its own until it lands in the dead-letter queue.
 */

import { type DbEnv, hasDatabase, transaction } from "../../shared/db/neon.ts";
import { type Envelope, groupByKey, parseMessage } from "../../shared/events/envelope.ts";
import { fullJitter } from "../../shared/resilience/backoff.ts";
import { CircuitOpenError } from "../../shared/resilience/errors.ts";
import { otlpConfig, type TraceEnv } from "../../shared/trace/export.ts";
import { sinkBreaker } from "./breakers.ts";
import { type KafkaRestEnv, type KafkaResult, kafkaConfig, produceToKafka } from "./kafka-rest.ts";
import {
  type ConsumerMetricsEnv,
  countBatch,
  countPostgresWrite,
  countRetry,
  countWritten,
  pushConsumerMetricsIfDue,
  type RetryCause,
} from "./metrics.ts";
import { writeEvents } from "./postgres-writer.ts";
import { traceConsumer } from "./tracing.ts";

export interface ConsumerEnv extends DbEnv, KafkaRestEnv, ConsumerMetricsEnv, TraceEnv {
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
  /** Messages acknowledged (written, or nothing configured to write them to). */
  acked: number;
  /** Messages to be delivered again. */
  retried: number;
  /** Messages that are not envelopes (retried until the dead-letter queue takes them). */
  invalid: number;
  delaySeconds?: number;
  error?: string;
}

/** Longest delay of a retried batch, seconds. */
export const MAX_RETRY_DELAY_SECONDS = 300;

let warnedNoSink = false;

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

/** Handles one batch: writes it, then acks it all, or retries it all after a delay. */
export async function handleEventBatch(
  batch: MessageBatch<unknown>,
  env: ConsumerEnv,
  sinks: Sinks = sinksFor(env),
): Promise<BatchOutcome> {
  countBatch(batch.messages.length);
  const maxRetries = Number(env.EVENTS_MAX_RETRIES ?? 10);
  const valid: Array<Message<unknown>> = [];
  const invalid: Array<Message<unknown>> = [];
  const events: Envelope[] = [];
  for (const message of batch.messages) {
    const envelopes = parseMessage(message.body);
    if (envelopes) {
      valid.push(message);
      events.push(...envelopes);
    } else invalid.push(message);
  }
  for (const message of invalid) {
    console.error(
      JSON.stringify({ level: "error", msg: "event queue: not an envelope", queue: batch.queue, id: message.id }),
    );
    message.retry();
  }
  countRetry("invalid", invalid, maxRetries);
  if (!sinks.postgres && !sinks.kafka && !warnedNoSink) {
    warnedNoSink = true;
    console.warn(
      JSON.stringify({
        level: "warn",
        msg: "event queue: neither DATABASE_URL nor KAFKA_REST_URL is set; events are acknowledged and dropped",
      }),
    );
  }
  let failing: RetryCause = "postgres";
  try {
    if (events.length > 0) {
      await sinks.postgres?.(events);
      failing = "kafka";
      const kafka = await sinks.kafka?.(events);
      if (kafka && !kafka.ok) throw new Error(kafka.error);
    }
  } catch (err) {
    const attempts = Math.max(1, ...valid.map((m) => m.attempts));
    const base = Number(env.EVENTS_RETRY_DELAY_SECONDS ?? 5);
    // Full jitter, and never before an open breaker would let the sink be tried again.
    const jittered = fullJitter(attempts - 1, Math.max(0, base), MAX_RETRY_DELAY_SECONDS);
    const coolOff = err instanceof CircuitOpenError ? Math.ceil(err.retryAfterMs / 1000) : 0;
    const delaySeconds = Math.min(MAX_RETRY_DELAY_SECONDS, Math.max(jittered, coolOff));
    const error = String(err);
    console.warn(
      JSON.stringify({
        level: "warn",
        msg: "event queue: batch failed; retried",
        queue: batch.queue,
        messages: valid.length,
        attempts,
        delay_seconds: delaySeconds,
        error,
      }),
    );
    batch.retryAll({ delaySeconds });
    countRetry(failing, valid, maxRetries);
    return { acked: 0, retried: valid.length + invalid.length, invalid: invalid.length, delaySeconds, error };
  }
  if (sinks.postgres || sinks.kafka) countWritten(events);
  if (invalid.length === 0) batch.ackAll();
  else for (const message of valid) message.ack();
  return { acked: valid.length, retried: invalid.length, invalid: invalid.length };
}

/** The Worker's `queue` handler; after the batch, its metrics go to the hub when a push is due. */
export async function queue(batch: MessageBatch<unknown>, env: ConsumerEnv, ctx?: ExecutionContext): Promise<void> {
  try {
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
