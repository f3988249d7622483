/**
 * The parts of an OrderBook object, built once by its constructor over its SQLite: the store,
 * the outbox and its delivery to the Account objects, the metrics, the event stream to the
 * Queue, point-in-time recovery, the hand-off, the feed channels, the write path (writer.ts)
 * and the alarm's round (alarm-round.ts). The book's state in memory (instrument, engine,
 * sequences, rolling day) stays on the object, which a reload replaces: the parts read it
 * through the closures of `BookState`, so each call sees it as it is now.
 */
import type { Instrument } from "../../shared/instruments/schema.ts";
import { EarliestAlarm } from "../runtime/alarm.ts";
import { feedTarget } from "../runtime/feed-targets.ts";
import { type Sql, sqlOver } from "../runtime/sql.ts";
import type { StreamOut } from "../runtime/stream-out.ts";
import { AlarmRound } from "./alarm-round.ts";
import { BookRecovery } from "./bookmarks.ts";
import type { OutboxReceiver } from "./contract.ts";
import { OutboxDelivery } from "./delivery.ts";
import type { OrderBookEnv } from "./env.ts";
import { bookEventStream, type StreamedEvent } from "./event-stream.ts";
import { type BookReadings, FeedChannels } from "./feed-channels.ts";
import { BookHandoff } from "./handoff.ts";
import { BookMetrics } from "./metrics.ts";
import { Outbox } from "./outbox.ts";
import { BookStore } from "./store.ts";
import { BookWriter } from "./writer.ts";

/**
 * The book's state in memory, as the parts read it: arrow functions over the object (the
 * parts call them detached), each answering the state as it is now.
 */
export interface BookState extends BookReadings {
  /** The instrument, if configured. */
  spec(): Instrument | undefined;
  /** Rebuilds everything in memory from SQLite and re-arms the alarm. */
  reload(): Promise<void>;
}

export interface BookParts {
  sql: Sql;
  store: BookStore;
  outbox: Outbox;
  /** Pushes outbox rows to their accounts (delivery.ts). */
  delivery: OutboxDelivery;
  /** Sends the event log to the EVENTS Queue (runtime/stream-out.ts). */
  stream: StreamOut<StreamedEvent>;
  /** Snapshots, resumes and pushes for feed shards (feed-channels.ts). */
  channels: FeedChannels;
  /** GTD expiries, outbox sweeps and acks, stream retries (one alarm, only moved earlier). */
  alarmClock: EarliestAlarm;
  /** Commands, refusals, trades, call durations; the storage gauges when scraped (metrics.ts). */
  metering: BookMetrics;
  /** Operator point-in-time recovery: bookmarks, restore, roll forward (bookmarks.ts). */
  recovery: BookRecovery;
  /** The fenced hand-off to a successor in another region (handoff.ts). */
  handoff: BookHandoff;
  /** Batches matched and committed, and every commit's aftermath (writer.ts). */
  writer: BookWriter;
  /** When the alarm runs next, and what it does (alarm-round.ts). */
  round: AlarmRound;
}

export function bookParts(ctx: DurableObjectState, env: OrderBookEnv, book: BookState): BookParts {
  const tickMs = Number(env.FEED_TICK_MS ?? 10);
  const alarmClock = new EarliestAlarm(ctx.storage);
  const sql = sqlOver(ctx.storage.sql);
  const store = new BookStore(sql);
  const outbox = new Outbox(sql);
  const metering = new BookMetrics(() => env.ANALYTICS, store, outbox);
  const recovery = new BookRecovery({ ctx, env, sql, store, seq: () => book.sequences().seq, reload: book.reload });
  const delivery = new OutboxDelivery({
    outbox,
    instrument: () => book.configured().spec.symbol,
    receiver: (account) => accountOf(env, account),
    delayMs: tickMs,
  });
  const stream = bookEventStream({
    sql,
    env,
    store,
    configured: book.configured,
    head: () => book.sequences().seq,
    symbol: () => book.spec()?.symbol,
    stopped: () => handoff.streamStopped,
  });
  const handoff: BookHandoff = new BookHandoff({
    ctx,
    env,
    sql,
    store,
    spec: book.spec,
    seqs: book.sequences,
    engine: book.engine,
    stream,
    flushAcks: () => outbox.flushAcks(),
    reload: book.reload,
  });
  const channels = new FeedChannels({
    sql,
    store,
    configured: book.configured,
    engine: book.engine,
    sequences: book.sequences,
    day: book.day,
    shard: (name) => feedTarget(env, name, book.spec()?.home_region),
    tickMs,
  });
  const round = new AlarmRound({
    alarmClock,
    outbox,
    delivery,
    stream,
    handoff,
    spec: book.spec,
    engine: book.engine,
    commit: (events, now) => writer.commit(events, now),
  });
  const writer: BookWriter = new BookWriter({
    ctx,
    env,
    store,
    outbox,
    delivery,
    stream,
    channels,
    metering,
    handoff,
    book,
    rearm: () => round.rearm(),
  });
  return { sql, store, outbox, delivery, stream, channels, alarmClock, metering, recovery, handoff, writer, round };
}

/** The Account object an outbox row goes to. */
function accountOf(env: OrderBookEnv, account: string): OutboxReceiver {
  const ns = env.ACCOUNT;
  if (!ns) throw new Error("ACCOUNT binding is missing: the outbox cannot deliver");
  return ns.getByName(account) as unknown as OutboxReceiver;
}
