/**
 * One batch of book commands: validated, each matched in order (a refused command changes
 * nothing and gets its own error), committed together, and answered with each command's
 * wire events and the sequences they were logged at.
 */
import { BookBatchSchema, type BookCommand } from "../../shared/book/commands.ts";
import type { EngineEvent, MatchingEngine } from "../../shared/engine/index.ts";
import type { Instrument } from "../../shared/instruments/schema.ts";
import type { InstrumentUnits } from "../../shared/instruments/units.ts";
import type { BatchResult, BatchSummary, CallContext, CommandResult, CommandSummary } from "./contract.ts";
import type { BookStore, LoggedEvent } from "./store.ts";
import { type BookReject, ENGINE_REJECT_MESSAGES, toEngineCommand, toWireEvent } from "./wire.ts";

/** What a batch needs of its book. */
export interface BatchBook {
  spec: Instrument;
  units: InstrumentUnits;
  engine: MatchingEngine;
  store: BookStore;
  /** Writes the batch's events atomically and answers them as logged. */
  commit(events: readonly EngineEvent[], now: number, caller: string | undefined): LoggedEvent[];
}

export interface BatchOptions {
  /** Build each command's wire events (`execute`); summaries and Account submits need none. */
  withEvents: boolean;
  /** The Account object whose own commands these are (`submit`). */
  caller?: string | undefined;
  /** Every place carries an id minted for this send: skip looking the ids up. */
  fresh?: boolean;
}

export type SeqRange = { first: number; last: number } | undefined;

export interface BatchRun {
  batch: BatchResult;
  /** Each command's range of logged sequences, if it logged any. */
  ranges: SeqRange[];
  /** Whether anything was committed (the book re-arms its alarm). */
  committed: boolean;
}

export function runBatch(book: BatchBook, input: unknown, context: CallContext, options: BatchOptions): BatchRun {
  const { spec, store } = book;
  const { caller, withEvents } = options;
  const ranges: SeqRange[] = [];
  const parsed = BookBatchSchema.safeParse(input);
  if (!parsed.success) {
    // Returned, not thrown: bad input is the caller's error, not the object's.
    const message = parsed.error.issues.map((i) => `${i.path.join(".") || "batch"}: ${i.message}`).join("; ");
    const error = { code: "invalid_batch" as const, message };
    return {
      batch: { instrument: spec.symbol, results: [], first_seq: null, last_seq: null, error },
      ranges,
      committed: false,
    };
  }
  const now = Date.now();
  const perCommand: EngineEvent[][] = [];
  const results: CommandResult[] = [];
  const newIds = new Set<string>();
  const known = options.fresh
    ? new Map<string, { code: string; message: string } | null>()
    : store.knownOrderIds(parsed.data.flatMap((c) => (c.type === "place" ? [c.order_id] : [])));
  const refusals: Array<{ order_id: string; code: string; message: string }> = [];
  for (const cmd of parsed.data) {
    if (cmd.type === "place" && (newIds.has(cmd.order_id) || known.has(cmd.order_id))) {
      // Order ids are unique for ever, not only among open orders. An Account object resending
      // an order it refused gets the first refusal back, so the outcome it records is the real one.
      const first = known.get(cmd.order_id);
      const error: BookReject =
        caller !== undefined && first
          ? { code: first.code as BookReject["code"], message: first.message }
          : { code: "duplicate_order_id", message: ENGINE_REJECT_MESSAGES.duplicate_order_id };
      perCommand.push([]);
      results.push({ ok: false, events: [], error });
      continue;
    }
    if (cmd.type === "place") newIds.add(cmd.order_id);
    const outcome = runOne(book, cmd, now, withEvents);
    perCommand.push(outcome.events);
    results.push(outcome.result);
    if (caller !== undefined && cmd.type === "place" && outcome.result.error) {
      refusals.push({ order_id: cmd.order_id, ...outcome.result.error });
    }
  }
  store.rememberRefusals(refusals, now);
  const all = perCommand.flat();
  let firstSeq: number | null = null;
  let lastSeq: number | null = null;
  const committed = all.some((e) => e.type !== "rejected");
  if (committed) {
    const logged = book.commit(all, now, caller);
    firstSeq = logged[0]?.seq ?? null;
    lastSeq = logged[logged.length - 1]?.seq ?? null;
    stitch(perCommand, results, logged, ranges);
  }
  if (context.traceparent || context.request_id) logBatch(spec.symbol, results, firstSeq, lastSeq, context);
  return { batch: { instrument: spec.symbol, results, first_seq: firstSeq, last_seq: lastSeq }, ranges, committed };
}

/** Last trade price, else the mid, else none: the price band's anchor. */
export function referencePrice(engine: MatchingEngine): number | undefined {
  const last = engine.lastTradePrice;
  if (last !== undefined) return last;
  const { bid, ask } = engine.bbo();
  return bid && ask ? Math.floor((bid.price + ask.price) / 2) : undefined;
}

/** The run answered with `{ok, error?, first_seq?, last_seq?}` per command instead of its events. */
export function summarize({ batch, ranges }: BatchRun): BatchSummary {
  return {
    ...batch,
    results: batch.results.map((result, i) => {
      const out: CommandSummary = { ok: result.ok };
      if (result.error) out.error = result.error;
      const range = ranges[i];
      if (range) {
        out.first_seq = range.first;
        out.last_seq = range.last;
      }
      return out;
    }),
  };
}

function runOne(
  book: BatchBook,
  cmd: BookCommand,
  now: number,
  withEvents: boolean,
): { events: EngineEvent[]; result: CommandResult } {
  const { units } = book;
  const command = toEngineCommand(cmd, units, {
    status: book.spec.status ?? "closed",
    referencePrice: referencePrice(book.engine),
    now,
    calendar: book.spec.calendar,
  });
  if ("code" in command) return { events: [], result: { ok: false, events: [], error: command } };
  const events = book.engine.execute(command, now);
  const rejected = events.find((e) => e.type === "rejected");
  const wire = withEvents ? events.map((e) => toWireEvent(e, units)) : [];
  if (rejected && rejected.type === "rejected") {
    const error = { code: rejected.reason, message: ENGINE_REJECT_MESSAGES[rejected.reason] };
    return { events, result: { ok: false, events: wire, error } };
  }
  return { events, result: { ok: true, events: wire } };
}

/** Attaches each logged event's seq and time to its wire form, in order, and notes each command's range. */
function stitch(
  perCommand: EngineEvent[][],
  results: CommandResult[],
  logged: LoggedEvent[],
  ranges: SeqRange[],
): void {
  let i = 0;
  for (const [c, events] of perCommand.entries()) {
    const result = results[c] as CommandResult;
    for (const [k, event] of events.entries()) {
      if (event.type === "rejected") continue;
      const entry = logged[i++];
      if (!entry) continue;
      const range = ranges[c];
      if (range) range.last = entry.seq;
      else ranges[c] = { first: entry.seq, last: entry.seq };
      const wire = result.events[k];
      if (wire) {
        wire.seq = entry.seq;
        wire.time = entry.at;
      }
    }
  }
}

/** One line per batch, under the caller's trace id, so a request can be followed into its book. */
function logBatch(
  instrument: string,
  results: CommandResult[],
  firstSeq: number | null,
  lastSeq: number | null,
  context: CallContext,
): void {
  console.log(
    JSON.stringify({
      level: "info",
      msg: "book batch",
      instrument,
      commands: results.length,
      refused: results.filter((r) => !r.ok).length,
      first_seq: firstSeq,
      last_seq: lastSeq,
      trace_id: context.traceparent?.split("-")[1] ?? null,
      request_id: context.request_id ?? null,
    }),
  );
}
