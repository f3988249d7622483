/**
 * The consumer's spans, when tracing is on: each Queue batch is a consumer span
 * `<queue> process` (a trace of its own) linked to the spans that produced its events
 * (the `traceparent` a traced book batch puts on each envelope), and the Postgres write
 * inside it a client span `postgres write_events`. Exported when the batch is done,
 * under the invocation's `waitUntil`.
 */

import type { Envelope } from "../../shared/events/envelope.ts";
import { exportSpans, type OtlpConfig } from "../../shared/trace/export.ts";
import { linkOf, SpanKind, type SpanLink, SpanRecorder } from "../../shared/trace/span.ts";
import { randomHex } from "../../shared/trace/traceparent.ts";

/** Most links one consumer span carries (one per producing span). */
export const MAX_LINKS = 128;

/** What the spans need of the consumer's sinks (index.ts `Sinks`). */
interface TracedSinks {
  postgres?: (events: readonly Envelope[]) => Promise<void>;
}

/** What the consumer span reports of a batch's outcome (index.ts `BatchOutcome`). */
interface Outcome {
  acked: number;
  retried: number;
  error?: string;
}

/** Handles a batch (`handle`, given the sinks to write to) inside the consumer's spans. */
export async function traceConsumer<S extends TracedSinks, O extends Outcome>(
  batch: MessageBatch<unknown>,
  config: OtlpConfig,
  waitUntil: (promise: Promise<unknown>) => void,
  sinks: S,
  handle: (sinks: S) => Promise<O>,
): Promise<O> {
  const recorder = new SpanRecorder();
  const attributes = {
    "messaging.system": "cloudflare_queues",
    "messaging.destination.name": batch.queue,
    "messaging.operation.type": "process",
    "messaging.batch.message_count": batch.messages.length,
  };
  const start = {
    name: `${batch.queue} process`,
    kind: SpanKind.CONSUMER,
    parent: { traceId: randomHex(16), flags: "01" },
    attributes,
    links: producerLinks(batch.messages),
  };
  try {
    return await recorder.within(start, async (span) => {
      const traced: S = { ...sinks };
      const postgres = sinks.postgres;
      if (postgres) {
        traced.postgres = (events) =>
          recorder.within(
            {
              name: "postgres write_events",
              kind: SpanKind.CLIENT,
              parent: span.context,
              attributes: {
                "db.system.name": "postgresql",
                "db.operation.name": "write_events",
                events: events.length,
              },
            },
            () => postgres(events),
          );
      }
      const outcome = await handle(traced);
      span.setAttribute("acked", outcome.acked).setAttribute("retried", outcome.retried);
      if (outcome.error) span.setError(outcome.error);
      return outcome;
    });
  } finally {
    waitUntil(exportSpans(config, recorder.take(), recorder.dropped));
  }
}

/** One link per distinct producing span named by the batch's envelopes (at most {@link MAX_LINKS}). */
export function producerLinks(messages: readonly Message<unknown>[]): SpanLink[] {
  const links = new Map<string, SpanLink>();
  const add = (envelope: unknown) => {
    const link = linkOf((envelope as { traceparent?: unknown } | null)?.traceparent);
    if (link && links.size < MAX_LINKS) links.set(link.spanId, link);
  };
  for (const { body } of messages) {
    const envelopes = (body as { envelopes?: unknown } | null)?.envelopes;
    if (Array.isArray(envelopes)) for (const e of envelopes) add(e);
    else add(body);
  }
  return [...links.values()];
}
