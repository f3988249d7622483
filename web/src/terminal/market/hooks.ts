/** Hooks the market panels share: a held public stream with a listener, and the held book redrawn once per frame. */
import type { ChannelMessage, FeedEvents, MarketMessage, OrderBook, PublicChannel } from "@platform3/client";
import { useEffect, useRef, useState } from "preact/hooks";
import { useTerminal } from "../context.ts";
import { holdBook, holdChannel } from "./holds.ts";

type MarketChannel = Exclude<PublicChannel, "level2">;

/**
 * Calls `listener` with each message of `channel` for `symbol` while mounted (the stream is held
 * meanwhile, see holds.ts). The listener may change between renders without resubscribing.
 */
export function useMarketChannel<C extends MarketChannel>(
  channel: C,
  symbol: string,
  listener: (message: ChannelMessage<C>) => void,
  onError?: (err: unknown) => void,
): void {
  const { feed } = useTerminal();
  const latest = useRef({ listener, onError });
  latest.current = { listener, onError };
  useEffect(() => {
    const handler = (m: ChannelMessage<C>) => {
      if ((m as MarketMessage).instrument === symbol) latest.current.listener(m);
    };
    // Listen first: the snapshot that answers the subscription is not missed.
    const off = feed.on(channel, handler as unknown as FeedEvents[C]);
    const release = holdChannel(feed, channel, symbol, (err) => latest.current.onError?.(err));
    return () => {
      off();
      release();
    };
  }, [feed, channel, symbol]);
}

/**
 * The maintained book of `symbol` and a counter that changes at most once per animation frame
 * after the book changed: render from `book` when `version` changes.
 */
export function useBook(symbol: string): { book: OrderBook | undefined; version: number } {
  const { feed } = useTerminal();
  const [state, setState] = useState<{ book: OrderBook | undefined; version: number }>({
    book: undefined,
    version: 0,
  });
  useEffect(() => {
    const { book, release } = holdBook(feed, symbol);
    let frame = 0;
    const redraw = () => {
      frame = 0;
      setState((s) => ({ book, version: s.version + 1 }));
    };
    const schedule = () => {
      if (frame === 0) frame = requestAnimationFrame(redraw);
    };
    const off = book.on("change", schedule);
    schedule(); // a book held by another panel already has its levels
    return () => {
      off();
      if (frame !== 0) cancelAnimationFrame(frame);
      release();
    };
  }, [feed, symbol]);
  // Until the first frame after a symbol change, the previous symbol's book is not shown.
  return state.book?.instrument === symbol ? state : { book: undefined, version: state.version };
}
