/**
 * The book's write path: a batch of commands matched (batch.ts, in its span when traced:
 * tracing.ts) and committed, and every commit (a batch's, or the alarm's GTD expiries) written
 * atomically: events and outbox rows in one commit with the rest of the turn, the event log
 * pruned now and then. What committed then goes on: the accounts concerned other than the
 * caller get their rows pushed soon, and the rolling day, the metrics, the feed channels and
 * the event stream see the logged events.
 */
import type { EngineEvent } from "../../shared/engine/index.ts";
import type { Instrument } from "../../shared/instruments/schema.ts";
import { atomically } from "../runtime/sql.ts";
import type { StreamOut } from "../runtime/stream-out.ts";
import type { BatchRun } from "./batch.ts";
import type { CallContext } from "./contract.ts";
import type { OutboxDelivery } from "./delivery.ts";
import type { OrderBookEnv } from "./env.ts";
import type { StreamedEvent } from "./event-stream.ts";
import type { BookReadings, FeedChannels } from "./feed-channels.ts";
import { type BookHandoff, refusedBatch } from "./handoff.ts";
import type { BookMetrics } from "./metrics.ts";
import type { Outbox, WrittenRows } from "./outbox.ts";
import type { BookStore, LoggedEvent } from "./store.ts";
import { runBatchInSpan, tagged } from "./tracing.ts";

/** Events kept in the log when `BOOK_EVENT_RETENTION` is unset. */
export const DEFAULT_EVENT_RETENTION = 100_000;

/** The log is pruned once every this many events (every commit when the retention is smaller). */
export const PRUNE_EVERY = 1_000;

/** How a batch is run: with wire events (`execute`) or not, and for which Account object (`submit`). */
export interface RunOptions {
  withEvents: boolean;
  caller?: string;
  fresh?: boolean | undefined;
}

export interface BookWriterDeps {
  ctx: DurableObjectState;
  env: OrderBookEnv;
  store: BookStore;
  outbox: Outbox;
  delivery: OutboxDelivery;
  stream: StreamOut<StreamedEvent>;
  channels: FeedChannels;
  metering: BookMetrics;
  handoff: BookHandoff;
  book: BookReadings & { spec(): Instrument | undefined };
  /** Re-arms the alarm after a batch committed (alarm-round.ts). */
  rearm: () => Promise<void>;
}

export class BookWriter {
  private readonly deps: BookWriterDeps;

  constructor(deps: BookWriterDeps) {
    this.deps = deps;
  }

  /** Runs one batch (batch.ts); outbox rows of accounts other than the caller are pushed to them soon after. */
  async run(input: unknown, context: CallContext, options: RunOptions): Promise<BatchRun> {
    const { ctx, env, book, store } = this.deps;
    const { spec, units } = book.configured();
    const held = this.deps.handoff.refusal();
    if (held) return { batch: refusedBatch(spec.symbol, held), ranges: [], committed: false };
    const started = Date.now();
    const commit = (events: readonly EngineEvent[], now: number, caller?: string) => this.commit(events, now, caller);
    const batchBook = { spec, units, engine: book.engine(), store, commit };
    const run = runBatchInSpan(ctx, env, batchBook, input, context, { ...options, fresh: options.fresh === true });
    if (run.committed) await this.deps.rearm();
    this.deps.metering.called(spec.symbol, options, input, run, Date.now() - started);
    return run;
  }

  /**
   * Writes a batch's events and outbox rows atomically (one commit with the rest of the turn;
   * a failure half-way resets the object, which rebuilds memory from disk). Accounts concerned
   * other than `caller` get their rows pushed soon.
   */
  commit(events: readonly EngineEvent[], now: number, caller?: string): LoggedEvent[] {
    const { ctx, env, book, store, outbox, stream } = this.deps;
    let written: WrittenRows | undefined;
    const logged = atomically(ctx, () => {
      const seqs = book.sequences();
      const out = store.commit(book.engine(), events, now, seqs);
      written = outbox.write(out.logged, out.bodies);
      const keep = Number(env.BOOK_EVENT_RETENTION ?? DEFAULT_EVENT_RETENTION);
      if (seqs.seq % PRUNE_EVERY < out.logged.length || keep < PRUNE_EVERY) {
        store.prune(seqs, keep, stream.keepAfter());
      }
      return out.logged;
    });
    if (written) {
      outbox.committed(written);
      const others = [...written.keys()].filter((a) => a !== caller);
      if (others.length > 0) this.deps.delivery.soon(others);
    }
    const day = book.day();
    for (const { event, at } of logged) if (event.type === "trade") day.add(at, event.price, event.qty);
    this.deps.metering.logged((book.spec() as Instrument).symbol, logged);
    this.deps.channels.record(logged);
    stream.logged(tagged(logged));
    return logged;
  }
}
