/**
 * The public streams (level2, trades, ticker, candles) a feed client keeps, and their
 * seq checks. Each stream is held by explicit subscriptions, iterators and its book;
 * it is unsubscribed when the last holder lets go. Streams survive reconnects: each is
 * subscribed again with `resume_from` = the last seq seen (level2, trades: `resumed` and
 * the missed updates, or `resync` and a fresh snapshot; ticker, candles: a snapshot).
 * A gap (`first_seq` ≠ last seq + 1, or a heartbeat ahead of the last seq) is repaired
 * the same way, on the same socket. Consumers never see a gap: only contiguous updates,
 * or a snapshot.
 */
import { Platform3Error, TransportError } from "../errors.ts";
import type { Connection } from "./connection.ts";
import type { EmitFeedEvent } from "./options.ts";
import { OrderBook } from "./order-book.ts";
import { AsyncQueue } from "./queue.ts";
import type { Requests } from "./requests.ts";
import { type MarketStream, newStream, streamKey, subscribeParams } from "./stream-state.ts";
import {
  type ChannelMessage,
  type HeartbeatMessage,
  type MarketMessage,
  PUBLIC_CHANNELS,
  type PublicChannel,
  type ResumedMessage,
  type StreamKey,
  type SubscriptionsResult,
} from "./types.ts";

/** Streams per `subscribe` request when resubscribing after a reconnect. */
const RESUBSCRIBE_CHUNK = 100;

export class MarketStreams {
  private readonly connection: Connection;
  private readonly requests: Requests;
  private readonly emit: EmitFeedEvent;
  private readonly streams = new Map<StreamKey, MarketStream>();
  private readonly books = new Map<string, OrderBook>();

  constructor(connection: Connection, requests: Requests, emit: EmitFeedEvent) {
    this.connection = connection;
    this.requests = requests;
    this.emit = emit;
  }

  /** The streams kept (`"<channel>:<instrument>"`). */
  keys(): StreamKey[] {
    return [...this.streams.keys()];
  }

  /** The seq of the last message passed on for a stream (undefined before its snapshot). */
  lastSeq(channel: PublicChannel, instrument: string): number | undefined {
    return this.streams.get(streamKey(channel, instrument))?.last;
  }

  /** Holds a stream (until {@link unsubscribe}); resolves once the server accepted it. */
  async subscribe(channel: PublicChannel, instrument: string): Promise<void> {
    const s = this.ensure(channel, instrument);
    s.holders++;
    await this.subscribeNow(s);
  }

  /** Drops a stream whoever holds it: its iterators end, its book stops updating. */
  async unsubscribe(channel: PublicChannel, instrument: string): Promise<void> {
    const key = streamKey(channel, instrument);
    const s = this.streams.get(key);
    if (!s) return;
    this.forget(s);
    if (this.connection.ready) {
      await this.requests.send("unsubscribe", { channels: [channel], instruments: [instrument] });
    }
  }

  /** An iterator of a stream's messages; it holds the stream until the loop ends. */
  stream<C extends PublicChannel>(channel: C, instrument: string): AsyncIterableIterator<ChannelMessage<C>> {
    const s = this.ensure(channel, instrument);
    s.holders++;
    const queue = new AsyncQueue<MarketMessage>(() => {
      s.queues.delete(queue);
      s.waiting.delete(queue);
      this.release(s);
    });
    s.queues.add(queue);
    if (s.last !== undefined) {
      // The stream is past its snapshot: this iterator starts at a fresh one.
      s.waiting.add(queue);
      this.requestSnapshot(s).catch((err: Error) => queue.end(err));
    } else {
      this.subscribeNow(s).catch((err: Error) => queue.end(err));
    }
    return queue as unknown as AsyncIterableIterator<ChannelMessage<C>>;
  }

  /** The book of an instrument, one object per instrument; it holds the level2 stream until closed. */
  book(instrument: string): OrderBook {
    const existing = this.books.get(instrument);
    if (existing && !existing.released) return existing;
    const s = this.ensure("level2", instrument);
    s.holders++;
    const book = new OrderBook(instrument, () => {
      this.books.delete(instrument);
      s.book = undefined;
      this.release(s);
    });
    s.book = book;
    this.books.set(instrument, book);
    // A book joining a stream past its snapshot ignores updates until a fresh one (asked for).
    (s.last !== undefined ? this.requestSnapshot(s) : this.subscribeNow(s)).catch((err: Error) => {
      book.fail(err);
      this.emit("error", err);
    });
    return book;
  }

  /** After a (re)connect: every stream again, resuming from its last seq. */
  resubscribeAll(): void {
    const byChannel = new Map<PublicChannel, MarketStream[]>();
    for (const s of this.streams.values()) {
      s.repairing = Date.now();
      const list = byChannel.get(s.channel) ?? [];
      list.push(s);
      byChannel.set(s.channel, list);
    }
    for (const [channel, list] of byChannel) {
      for (let i = 0; i < list.length; i += RESUBSCRIBE_CHUNK) {
        const chunk = list.slice(i, i + RESUBSCRIBE_CHUNK);
        const promise = this.requests.send("subscribe", subscribeParams(channel, chunk));
        for (const s of chunk) s.subscribing = { generation: this.connection.generation, promise };
        promise.catch((err: Error) => this.resubscribeFailed(chunk, err));
      }
    }
  }

  /** The socket is gone: no stream is in sync until it is subscribed again on the next one. */
  socketLost(): void {
    for (const s of this.streams.values()) {
      s.synced = false;
      s.repairing = undefined;
    }
  }

  /** The client closed: every iterator ends. */
  endIterators(): void {
    for (const s of this.streams.values()) for (const q of s.queues) q.end();
  }

  /** The client closed: every book ends. */
  endBooks(): void {
    for (const b of this.books.values()) b.end();
  }

  /** A heartbeat carries the last seq of each stream: one ahead of ours is a gap; a repair without an answer is retried. */
  checkHeartbeat(m: HeartbeatMessage, now: number, patience: number): void {
    for (const s of this.streams.values()) {
      if (s.repairing !== undefined) {
        if (now - s.repairing > patience) this.repair(s);
        continue;
      }
      const seq = m.seqs[s.key];
      if (typeof seq === "number" && s.synced && s.last !== undefined && seq > s.last) {
        // The last message(s) never came.
        this.gap(s, s.last + 1, seq + 1);
        this.repair(s);
      }
    }
  }

  resumed(m: ResumedMessage): void {
    const s = this.streams.get(streamKey(m.channel, m.instrument));
    if (!s) return;
    this.emit("resumed", m);
    if (s.last === undefined || m.from_seq !== s.last + 1) {
      // A resume from somewhere else than where the client is: ask for a snapshot instead.
      s.last = undefined;
      this.repair(s);
      return;
    }
    s.synced = true;
    s.repairing = undefined;
  }

  /** A `resync` of a public stream: a fresh snapshot follows. */
  resync(channel: PublicChannel, instrument: string | undefined): void {
    const s = this.streams.get(streamKey(channel, instrument ?? ""));
    if (!s) return;
    s.synced = false;
    s.repairing ??= Date.now();
  }

  /** The server ended a stream (`error`): it is no longer subscribed there, so it ends here too. */
  ended(channel: PublicChannel, instrument: string | undefined, error: Error): void {
    const s = this.streams.get(streamKey(channel, instrument ?? ""));
    this.emit("error", error);
    if (s) this.forget(s, error);
  }

  /** A market-data message: passed on to the book, the iterators and the events if it continues the stream. */
  market(m: MarketMessage): void {
    const s = this.streams.get(streamKey(m.channel, m.instrument));
    if (!s) return;
    if (m.type === "snapshot") {
      s.last = m.seq;
      s.synced = true;
      s.repairing = undefined;
    } else {
      if (!s.synced) return; // a repair is under way: its replay or snapshot covers this
      if (s.last !== undefined && m.seq <= s.last) return; // seen already
      if (s.last === undefined || m.first_seq !== s.last + 1) {
        this.gap(s, (s.last ?? -1) + 1, m.first_seq);
        this.repair(s);
        return;
      }
      s.last = m.seq;
    }
    if (m.channel === "level2") s.book?.apply(m);
    if (m.type === "snapshot") s.waiting.clear();
    for (const q of s.queues) if (!s.waiting.has(q)) q.push(m);
    this.emit("message", m);
    (this.emit as (channel: PublicChannel, message: MarketMessage) => void)(m.channel, m);
  }

  private ensure(channel: PublicChannel, instrument: string): MarketStream {
    if (!(PUBLIC_CHANNELS as readonly string[]).includes(channel)) {
      throw new TypeError(`unknown channel ${channel}: one of ${PUBLIC_CHANNELS.join(", ")}`);
    }
    const key = streamKey(channel, instrument);
    let s = this.streams.get(key);
    if (!s) {
      s = newStream(channel, instrument);
      this.streams.set(key, s);
    }
    return s;
  }

  /** Subscribes a stream on the current socket, unless that socket has it already. */
  private async subscribeNow(s: MarketStream): Promise<void> {
    await this.connection.whenReady(this.requests.timeoutMs);
    if (this.streams.get(s.key) !== s) return;
    if (s.subscribing?.generation !== this.connection.generation) {
      s.repairing ??= Date.now();
      s.subscribing = {
        generation: this.connection.generation,
        promise: this.requests.send<SubscriptionsResult>("subscribe", subscribeParams(s.channel, [s])),
      };
    }
    try {
      await s.subscribing.promise;
    } catch (err) {
      if (err instanceof Platform3Error) this.forget(s, err);
      throw err;
    }
  }

  /** Asks the server for a fresh snapshot of a subscribed stream (it re-syncs a stream subscribed again without `resume_from`). */
  private async requestSnapshot(s: MarketStream): Promise<void> {
    await this.connection.whenReady(this.requests.timeoutMs);
    if (this.streams.get(s.key) !== s) return;
    s.repairing ??= Date.now();
    const promise = this.requests.send<SubscriptionsResult>("subscribe", {
      channels: [s.channel],
      instruments: [s.instrument],
    });
    s.subscribing = { generation: this.connection.generation, promise };
    await promise;
  }

  /** One holder lets go; the last one unsubscribes the stream. */
  private release(s: MarketStream): void {
    s.holders--;
    if (s.holders > 0 || this.streams.get(s.key) !== s) return;
    this.forget(s);
    if (this.connection.ready) {
      this.requests.send("unsubscribe", { channels: [s.channel], instruments: [s.instrument] }).catch(() => {});
    }
  }

  /** Removes a stream from the client (its iterators end, with `error` if given). */
  private forget(s: MarketStream, error?: Error): void {
    if (this.streams.get(s.key) !== s) return;
    this.streams.delete(s.key);
    s.holders = 0;
    for (const q of [...s.queues]) q.end(error);
    s.queues.clear();
    s.waiting.clear();
    if (s.book) {
      this.books.delete(s.instrument);
      if (error) s.book.fail(error);
      else s.book.end();
      s.book = undefined;
    }
  }

  private resubscribeFailed(streams: readonly MarketStream[], err: Error): void {
    if (err instanceof TransportError) return; // the socket went: the next one resubscribes
    this.emit("error", err);
    // Refused for good (the instrument was delisted …): those streams end.
    if ((err as Platform3Error).code !== "rate_limited" && (err as Platform3Error).code !== "unavailable") {
      for (const s of streams) this.forget(s, err);
    }
  }

  /** Repairs one stream on the current socket: resubscribe with `resume_from` (or for a snapshot). */
  private repair(s: MarketStream): void {
    s.synced = false;
    s.repairing = Date.now();
    if (!this.connection.socket) return;
    this.requests
      .send("subscribe", subscribeParams(s.channel, [s]))
      .catch((err: Error) => this.resubscribeFailed([s], err));
  }

  private gap(s: MarketStream, expected: number, got: number): void {
    this.emit("gap", { stream: s.key, expected, got });
  }
}
