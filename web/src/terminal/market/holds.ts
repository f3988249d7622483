/**
 * Shared holds on the feed's public streams. `feed.unsubscribe(channel, symbol)` drops a stream
 * whoever else subscribed it, and `book.close()` ends the one book object every panel of that
 * symbol shares; so panels never call those directly but hold a stream here, counted per feed,
 * and the last holder to let go releases it (Tape and CandlesChart both hold `trades`, Ladder and
 * DepthChart both hold the book).
 */
import type { FeedClient, OrderBook, PublicChannel } from "@platform3/client";

type MarketChannel = Exclude<PublicChannel, "level2">;

interface Counted<T> {
  count: number;
  value: T;
}

const channelHolds = new WeakMap<FeedClient, Map<string, Counted<null>>>();
const bookHolds = new WeakMap<FeedClient, Map<string, Counted<OrderBook>>>();

function table<T>(holds: WeakMap<FeedClient, Map<string, Counted<T>>>, feed: FeedClient): Map<string, Counted<T>> {
  let map = holds.get(feed);
  if (!map) {
    map = new Map();
    holds.set(feed, map);
  }
  return map;
}

/** Holds `channel:symbol` subscribed until the returned function is called (once). */
export function holdChannel(
  feed: FeedClient,
  channel: MarketChannel,
  symbol: string,
  onError?: (err: unknown) => void,
): () => void {
  const map = table(channelHolds, feed);
  const key = `${channel}:${symbol}`;
  let hold = map.get(key);
  if (!hold) {
    hold = { count: 0, value: null };
    map.set(key, hold);
    feed.subscribe(channel, symbol).catch((err: unknown) => {
      // A refusal leaves nothing subscribed: forget the hold so the next holder tries again.
      if (map.get(key) === hold) map.delete(key);
      onError?.(err);
    });
  }
  hold.count++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const current = map.get(key);
    if (current !== hold || !hold) return;
    hold.count--;
    if (hold.count > 0) return;
    map.delete(key);
    feed.unsubscribe(channel, symbol).catch(() => {});
  };
}

/** The maintained level-2 book of `symbol`, held until the returned `release` is called (once). */
export function holdBook(feed: FeedClient, symbol: string): { book: OrderBook; release: () => void } {
  const map = table(bookHolds, feed);
  let hold = map.get(symbol);
  // A book the client ended (a refused stream, the client closed) is not reused.
  if (!hold || hold.value.released) {
    hold = { count: 0, value: feed.book(symbol) };
    map.set(symbol, hold);
  }
  const held = hold;
  held.count++;
  let released = false;
  return {
    book: held.value,
    release: () => {
      if (released) return;
      released = true;
      held.count--;
      if (held.count > 0) return;
      if (map.get(symbol) === held) map.delete(symbol);
      held.value.close();
    },
  };
}
