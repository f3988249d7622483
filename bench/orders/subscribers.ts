/**
 * Market-data subscribers for the order benchmarks, so order flow pays for its
 * fan-out as in a live venue: WebSockets subscribed to level2 and trades of one
 * instrument, acknowledging now and then as a client that keeps up does.
 */
import { CLIENT_HEADERS } from "../runtime.ts";

export interface SubscriberPool {
  size: number;
  /** Messages received so far, over all sockets. */
  messages(): number;
  close(): void;
}

/** Opens `count` subscribers, 50 at a time, each resolved once it holds both snapshots. */
export async function openSubscribers(base: string, symbol: string, count: number): Promise<SubscriberPool> {
  const sockets: WebSocket[] = [];
  let messages = 0;
  const open = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const url = `${base.replace("http", "ws")}/v1/ws?subscribe=level2:${symbol},trades:${symbol}`;
      // Node's WebSocket (undici) takes headers as an extension of the standard constructor.
      const ws = new WebSocket(url, { headers: CLIENT_HEADERS } as unknown as string[]);
      let snapshots = 0;
      let sinceAck = 0;
      ws.addEventListener("error", () => reject(new Error("subscriber socket error")));
      ws.addEventListener("message", (e) => {
        if (typeof e.data !== "string" || e.data === "pong") return;
        const frame = JSON.parse(e.data);
        for (const m of frame.type === "batch" ? frame.messages : [frame]) {
          messages++;
          if (m.type === "heartbeat" || ++sinceAck >= 200) {
            sinceAck = 0;
            ws.send("ping");
          }
          if (m.type === "snapshot" && ++snapshots === 2) resolve(ws);
        }
      });
    });
  for (let i = 0; i < count; i += 50)
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, open))));
  return {
    size: sockets.length,
    messages: () => messages,
    close: () => {
      for (const ws of sockets) ws.close(1000);
    },
  };
}
