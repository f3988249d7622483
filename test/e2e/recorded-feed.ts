/**
 * The journey's WebSocket: the SDK's {@link FeedClient}, with a record of everything it
 * passed on (market data, the user channel, heartbeats, in arrival order) for the checks
 * at the end, and a tap on the wire underneath it.
 *
 * The SDK repairs what it can quietly (a gap, a resync, a dropped socket), so a consumer
 * never sees the server misbehave. The journey checks the server, so the feed never
 * reconnects, anything the client had to repair is recorded as trouble (which must stay
 * empty), and {@link RecordedFeed.checkPassedOn} compares what the client passed on with
 * the frames the server sent: the same messages, none dropped, none repaired.
 */
import { deepStrictEqual, equal } from "node:assert/strict";
import {
  FeedClient,
  type FeedMessage,
  type HeartbeatMessage,
  type MarketMessage,
  type UserEvent,
  type WebSocketConstructor,
} from "../../sdk/src/index.ts";

/** What the client passes on: market data, the user channel and heartbeats. */
export type Received = MarketMessage | UserEvent | HeartbeatMessage;

const PASSED_ON = new Set(["snapshot", "update", "order", "fill", "balance", "heartbeat"]);
const decoder = new TextDecoder();

/** Node's WebSocket, also recording each message of every frame it receives (batches flattened). */
function tapped(wire: FeedMessage[]): WebSocketConstructor {
  return class TappedWebSocket extends globalThis.WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      // Added before the client's own listener: the tap sees each frame first.
      this.addEventListener("message", (e: MessageEvent) => {
        const text = typeof e.data === "string" ? e.data : decoder.decode(e.data as ArrayBuffer);
        if (text === "pong") return;
        const frame = JSON.parse(text) as FeedMessage | { type: "batch"; messages: FeedMessage[] };
        wire.push(...("type" in frame && frame.type === "batch" ? frame.messages : [frame as FeedMessage]));
      });
    }
  };
}

export class RecordedFeed {
  readonly client: FeedClient;
  /** Every message the client passed on, in order. */
  readonly received: Received[] = [];
  /** Every message the server sent on the socket. */
  readonly wire: FeedMessage[] = [];
  /** Gaps, resyncs, closes and errors the client saw (each would have been repaired, or failed). */
  readonly trouble: unknown[] = [];
  private readonly wake = new Set<() => void>();

  constructor(url: string, token: () => Promise<string>) {
    this.client = new FeedClient({ url, token, WebSocket: tapped(this.wire), reconnect: false });
    const push = (m: Received): void => {
      this.received.push(m);
      for (const w of this.wake) w();
    };
    this.client.on("message", push);
    this.client.on("user", push);
    this.client.on("heartbeat", push);
    for (const event of ["gap", "resync", "close", "error"] as const) {
      this.client.on(event, (x: unknown) => this.trouble.push({ [event]: x instanceof Error ? x.message : x }));
    }
  }

  /** The first message from index `from` on that matches, waiting up to `ms` for it. */
  next<T extends Received>(match: (m: Received) => m is T, ms: number, what: string, from?: number): Promise<T>;
  next(match: (m: Received) => boolean, ms: number, what: string, from?: number): Promise<Received>;
  next(match: (m: Received) => boolean, ms: number, what: string, from = 0): Promise<Received> {
    return new Promise((resolve, reject) => {
      let at = from;
      const look = (): boolean => {
        for (; at < this.received.length; at++) {
          const m = this.received[at] as Received;
          if (match(m)) {
            done();
            resolve(m);
            return true;
          }
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${ms} ms (trouble: ${JSON.stringify(this.trouble)})`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        this.wake.delete(wakeUp);
      };
      const wakeUp = (): void => void look();
      this.wake.add(wakeUp);
      look();
    });
  }

  /** Nothing went wrong underneath: one socket, nothing repaired, every message the server sent passed on as sent. */
  checkPassedOn(name: string): void {
    deepStrictEqual(this.trouble, [], `${name}: no gap, resync, close or error on the feed`);
    equal(this.client.connections, 1, `${name}: one socket`);
    deepStrictEqual(
      this.received,
      this.wire.filter((m) => "type" in m && PASSED_ON.has(m.type)),
      `${name}: the client passed on every message the server sent`,
    );
  }

  close(): void {
    this.client.close();
  }
}
