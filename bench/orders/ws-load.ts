/**
 * WebSocket order entry for the order benchmark: sockets authenticated with a
 * trader's token, each keeping `window` `order.place` requests outstanding,
 * paced under the per-connection order limit its `welcome` advertises.
 */
import { FeedSocket, type Reply, type Results, type WelcomeMessage } from "../../test/client/index.ts";
import { globalWebSocket } from "../../test/client/node.ts";
import { CLIENT_HEADERS, sleep } from "../runtime.ts";
import { errorKinds, noteError } from "./http-load.ts";
import { nextOrder, type Trader } from "./setup.ts";

export interface WsResult {
  /** Requests per second per socket it was paced to (0: unpaced). */
  rate: number;
  perSecond: number;
  ok: number;
  errors: number;
  latencies: Float64Array;
}

/** One socket: opened, authenticated, then keeps requests outstanding until told to stop. */
class OrderSocket {
  /** Requests time out after 10 s (a `timeout` error reply). */
  readonly socket = new FeedSocket({
    timeoutMs: 10_000,
    onFrame: (messages) => {
      for (const m of messages) {
        if (m.type === "welcome") this.welcome = m;
        else if (m.type === "heartbeat") this.socket.ping();
      }
    },
  });
  /** The feed's first message (shard, heartbeat, limits). */
  welcome: WelcomeMessage | undefined;
  /** Requests per second this socket sends at most (0: unpaced). */
  rate = 0;
  private nextAt = 0;
  private readonly opened: Promise<FeedSocket>;

  constructor(base: string) {
    this.opened = this.socket.connect(
      globalWebSocket(`${base.replace("http", "ws")}/v1/ws`, { headers: CLIENT_HEADERS }),
    );
  }

  /** Sends one request; its reply, or an error reply of code `socket_closed` or `timeout`. */
  request<M extends keyof Results>(method: M, params: unknown): { at: number; reply: Promise<Reply<Results[M]>> } {
    const at = performance.now();
    return { at, reply: this.socket.request(method, params) };
  }

  async open(token: string): Promise<Reply<Results["auth"]>> {
    await this.opened;
    return this.request("auth", { token }).reply;
  }

  /** Waits for this socket's next send slot under `rate`. */
  async pace(): Promise<void> {
    if (this.rate <= 0) return;
    const now = performance.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + 1000 / this.rate;
    if (at > now) await sleep(at - now);
  }
}

export interface WsOptions {
  sockets: number;
  window: number;
  /** Requests per second per socket: "auto" is 90 % of the limit `welcome` advertises; 0 is unpaced. */
  rate: number | "auto";
  seconds: number;
  symbol: string;
}

export async function wsLoad(
  base: string,
  traders: Trader[],
  o: WsOptions,
): Promise<WsResult | { unavailable: string }> {
  const sockets = Array.from({ length: o.sockets }, () => new OrderSocket(base));
  try {
    const auths = await Promise.all(sockets.map((s, i) => s.open((traders[i % traders.length] as Trader).token)));
    const refused = auths.find((a) => a.error);
    if (refused) return { unavailable: `"auth" answered ${JSON.stringify(refused.error)}` };
    for (const s of sockets) {
      const limit = Number(s.welcome?.limits?.orders_per_second ?? s.welcome?.limits?.messages_per_second);
      s.rate = o.rate !== "auto" ? o.rate : Number.isFinite(limit) && limit > 0 ? Math.floor(0.9 * limit) : 0;
    }
    // Warm-up, then the measured window.
    const warm = await drive(sockets, o.window, 1, o.symbol);
    if (warm.ok === 0) {
      const sample = [...errorKinds].find(([k]) => k.startsWith("ws: "));
      return { unavailable: `no order.place succeeded${sample ? ` (${sample[0]}: ${sample[1].sample})` : ""}` };
    }
    for (const key of [...errorKinds.keys()]) if (key.startsWith("ws: ")) errorKinds.delete(key);
    return await drive(sockets, o.window, o.seconds, o.symbol);
  } finally {
    for (const s of sockets) void s.socket.close(1000);
  }
}

async function drive(sockets: OrderSocket[], window: number, seconds: number, symbol: string): Promise<WsResult> {
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    sockets.flatMap((socket) =>
      Array.from({ length: window }, async () => {
        while (performance.now() < end && !socket.socket.isClosed) {
          await socket.pace();
          if (performance.now() >= end) break;
          const { at, reply } = socket.request("order.place", nextOrder("w", symbol));
          const frame = await reply;
          latencies.push(performance.now() - at);
          if (frame.error) {
            errors++;
            noteError("ws", String(frame.error.code), JSON.stringify(frame.error));
          } else {
            ok++;
          }
        }
      }),
    ),
  );
  const elapsed = (performance.now() - start) / 1000;
  const rate = sockets[0]?.rate ?? 0;
  return { rate, perSecond: ok / elapsed, ok, errors, latencies: Float64Array.from(latencies).sort() };
}
