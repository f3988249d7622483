/**
 * The book's event log to the `EVENTS` Queue (runtime/stream-out.ts): each logged event
 * as a `book` envelope keyed by the instrument, its body the wire event, stamped with its
 * schema and version (shared/events/registry.ts).
 */
import { stampOf } from "../../shared/events/registry.ts";
import type { Instrument } from "../../shared/instruments/schema.ts";
import type { InstrumentUnits } from "../../shared/instruments/units.ts";
import type { Sql } from "../runtime/sql.ts";
import { StreamOut, streamDelayMs } from "../runtime/stream-out.ts";
import type { OrderBookEnv } from "./env.ts";
import type { BookStore, LoggedEvent } from "./store.ts";
import { type Traced, traceField } from "./tracing.ts";
import { toWireEvent } from "./wire.ts";

/** What the event stream carries of each logged event. */
export type StreamedEvent = Pick<LoggedEvent, "seq" | "at" | "event"> & Traced;

export interface BookStreamParts {
  sql: Sql;
  env: OrderBookEnv;
  store: BookStore;
  configured: () => { spec: Instrument; units: InstrumentUnits };
  /** The newest logged seq. */
  head: () => number;
  /** The book's symbol, if configured (log lines). */
  symbol: () => string | undefined;
  /** True while a hand-off holds the stream (handoff.ts): nothing is sent, the successor sends it. */
  stopped?: () => boolean;
}

export function bookEventStream(parts: BookStreamParts): StreamOut<StreamedEvent> {
  return new StreamOut<StreamedEvent>({
    sql: parts.sql,
    queue: () => (parts.stopped?.() ? undefined : parts.env.EVENTS),
    read: (after, limit) => parts.store.eventsAfter(after, limit),
    envelope: ({ seq, at, event, traceparent }) => {
      const { spec, units } = parts.configured();
      const body = toWireEvent(event, units);
      const stamp = stampOf("book", event.type);
      return {
        stream: "book",
        key: spec.symbol,
        seq,
        at,
        type: event.type,
        ...stamp,
        body,
        ...traceField({ traceparent }),
      };
    },
    head: parts.head,
    delayMs: streamDelayMs(parts.env.EVENT_STREAM_DELAY_MS),
    label: () => `book:${parts.symbol() ?? "?"}`,
  });
}
