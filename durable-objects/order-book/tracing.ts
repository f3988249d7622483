/**
 * The book's spans: each batch call (`execute`, `submit`, `executeSummary`) that carries a
 * sampled `traceparent` is matched and committed (the SQLite writes of its transaction)
 * inside a server span `OrderBook/<method>`, with `instrument` and the batch's figures.
 * The events that batch commits go to the Queue carrying that span's `traceparent`
 * (`tagged`), so the consumer's span can link to the span that produced them.
 * Tracing off: one property read per batch, and nothing else.
 */
import type { Span } from "../../shared/trace/span.ts";
import { serve } from "../runtime/tracing.ts";
import { type BatchBook, type BatchOptions, type BatchRun, runBatch } from "./batch.ts";
import type { CallContext } from "./contract.ts";
import type { OrderBookEnv } from "./env.ts";

/** What an event carries to the Queue when the batch that logged it was traced. */
export interface Traced {
  traceparent?: string;
}

/**
 * The span of the batch being matched and committed right now. Batches run synchronously
 * (no await between matching and commit), so one variable per isolate is enough.
 */
let producing: string | undefined;

/** `runBatch`, in a span `OrderBook/<method>` when the call is traced (matching and commit are synchronous). */
export function runBatchInSpan(
  ctx: DurableObjectState,
  env: OrderBookEnv,
  book: BatchBook,
  input: unknown,
  context: CallContext,
  options: BatchOptions,
): BatchRun {
  const method = options.caller !== undefined ? "submit" : options.withEvents ? "execute" : "executeSummary";
  const attributes = { "rpc.system": "cloudflare_durable_objects", "rpc.service": "OrderBook", "rpc.method": method };
  const run = () => runBatch(book, input, context, options);
  return serve(
    ctx,
    env,
    `OrderBook/${method}`,
    context.traceparent,
    { ...attributes, instrument: book.spec.symbol },
    (span) => (span ? traced(span, run) : run()),
  );
}

/** `logged` as the Queue gets it: with the producing span's `traceparent` while a traced batch commits. */
export function tagged<T extends object>(logged: T[]): Array<T & Traced> {
  const traceparent = producing;
  return traceparent ? logged.map((event) => ({ ...event, traceparent })) : logged;
}

/** The `traceparent` field of an envelope, for an event that has one. */
export function traceField(event: Traced): Traced {
  return event.traceparent ? { traceparent: event.traceparent } : {};
}

function traced(span: Span, run: () => BatchRun): BatchRun {
  producing = span.traceparent;
  let out: BatchRun;
  try {
    out = run();
  } finally {
    producing = undefined;
  }
  const { results, first_seq, last_seq, error } = out.batch;
  span
    .setAttribute("book.commands", results.length)
    .setAttribute("book.refused", results.filter((r) => !r.ok).length)
    .setAttribute("book.first_seq", first_seq)
    .setAttribute("book.last_seq", last_seq)
    .setAttribute("book.error", error?.code);
  return out;
}
