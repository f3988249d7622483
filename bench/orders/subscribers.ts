/**
 * Market-data subscribers for the order benchmarks, so order flow pays for its
 * fan-out as in a live venue: WebSockets subscribed to level2 and trades of one
 * instrument, acknowledging now and then as a client that keeps up does.
 */
import { FeedSocket } from "../../test/client/index.ts";
import { globalWebSocket } from "../../test/client/node.ts";
import { CLIENT_HEADERS } from "../runtime.ts";

export interface SubscriberPool {
  size: number;
  /** Messages received so far, over all sockets. */
  messages(): number;
  close(): void;
}

/** Opens `count` subscribers, 50 at a time, each resolved once it holds both snapshots. */
export async function openSubscribers(base: string, symbol: string, count: number): Promise<SubscriberPool> {
  const sockets: FeedSocket[] = [];
  let messages = 0;
  const url = `${base.replace("http", "ws")}/v1/ws?subscribe=level2:${symbol},trades:${symbol}`;
  const open = () =>
    new Promise<FeedSocket>((resolve, reject) => {
      let snapshots = 0;
      let sinceAck = 0;
      const socket = new FeedSocket({
        onFrame: (frame) => {
          for (const m of frame) {
            messages++;
            if (m.type === "heartbeat" || ++sinceAck >= 200) {
              sinceAck = 0;
              socket.ping();
            }
            if (m.type === "snapshot" && ++snapshots === 2) resolve(socket);
          }
        },
      });
      socket
        .connect(globalWebSocket(url, { headers: CLIENT_HEADERS }))
        .catch(() => reject(new Error("subscriber socket error")));
    });
  for (let i = 0; i < count; i += 50)
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, open))));
  return {
    size: sockets.length,
    messages: () => messages,
    close: () => {
      for (const socket of sockets) void socket.close(1000);
    },
  };
}
