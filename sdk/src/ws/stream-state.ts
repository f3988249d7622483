/** The state the client keeps per public stream, and the `subscribe` params it derives from it. */
import type { OrderBook } from "./order-book.ts";
import type { AsyncQueue } from "./queue.ts";
import { type MarketMessage, type PublicChannel, RESUMABLE_CHANNELS, type StreamKey } from "./types.ts";

export interface MarketStream {
  key: StreamKey;
  channel: PublicChannel;
  instrument: string;
  /** Seq of the last message passed on; undefined before the first snapshot. */
  last: number | undefined;
  /** Updates are passed on only when synced: after a snapshot or `resumed` on the current socket. */
  synced: boolean;
  /** When a repair (resubscribe) was requested, while it is pending. */
  repairing: number | undefined;
  /** Subscription holders: explicit subscribe, iterators, the book. */
  holders: number;
  queues: Set<AsyncQueue<MarketMessage>>;
  /** Iterators that joined after the stream's snapshot: they start at the next one (asked for). */
  waiting: Set<AsyncQueue<MarketMessage>>;
  book: OrderBook | undefined;
  /** The `subscribe` sent for it on the socket of `generation`. */
  subscribing: { generation: number; promise: Promise<unknown> } | undefined;
}

export const streamKey = (channel: PublicChannel, instrument: string): StreamKey => `${channel}:${instrument}`;

export function newStream(channel: PublicChannel, instrument: string): MarketStream {
  return {
    key: streamKey(channel, instrument),
    channel,
    instrument,
    last: undefined,
    synced: false,
    repairing: undefined,
    holders: 0,
    queues: new Set(),
    waiting: new Set(),
    book: undefined,
    subscribing: undefined,
  };
}

/** `subscribe` params of streams of one channel, with `resume_from` where the server can replay. */
export function subscribeParams(channel: PublicChannel, streams: readonly MarketStream[]): Record<string, unknown> {
  const params: Record<string, unknown> = { channels: [channel], instruments: streams.map((s) => s.instrument) };
  if (RESUMABLE_CHANNELS.includes(channel)) {
    const resume: Record<string, number> = {};
    // A stream with a consumer waiting for a snapshot must not resume: a snapshot is what it needs.
    const needSnapshot = (s: MarketStream) => s.waiting.size > 0 || (s.book !== undefined && s.book.seq < 0);
    for (const s of streams) if (s.last !== undefined && !needSnapshot(s)) resume[s.key] = s.last;
    if (Object.keys(resume).length > 0) params.resume_from = resume;
  }
  return params;
}
