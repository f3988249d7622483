/**
 * The traders of the load run: each places limit orders around the mid (a third
 * of them crossing) and cancels its resting ones, over HTTP (`POST /v1/orders`,
 * `DELETE /v1/orders/{id}`) or over its authenticated feed socket (`order.place`,
 * `order.cancel`), closed loop, until told to stop.
 *
 * A request without a definite answer (transport failure, 5xx, 429, a crashed
 * object's `unavailable`) is retried as a careful client would: the same
 * `client_order_id` and `Idempotency-Key`, so a retry gets the first outcome and
 * never places twice. Its latency runs from the first send to the definite answer.
 */
import { mulberry32 } from "../flow.ts";
import { MID_TICKS, type Trader } from "./setup.ts";
import { call, type Msg, RpcSocket, sleep } from "./wire.ts";

/** Order states in which an order rests on its book. */
const RESTING = new Set(["pending_new", "new", "partially_filled"]);
/** Feed reply codes that mean "not decided, try again". */
const RETRY_WS = new Set([
  "unavailable",
  "order_status_unknown",
  "rate_limited",
  "timeout",
  "socket_closed",
  "internal_error",
]);
const MAX_ATTEMPTS = 40;

export interface AckedOrder {
  account: string;
  instrument: string;
  client_order_id: string;
  status: string;
}

export class LoadResults {
  /** Order requests (places and cancels) with a definite answer: ms from first send. */
  readonly latencies: number[] = [];
  places = 0;
  cancels = 0;
  /** Every acknowledged order by id, with the last status a reply gave. */
  readonly acked = new Map<string, AckedOrder>();
  /** Answers that were not a success, by "<via> <status> <code>", retried ones included. */
  readonly errors = new Map<string, number>();
  /** Definite refusals by code (e.g. a cancel that lost the race to a fill: `order_not_open`). */
  readonly refusals = new Map<string, number>();
  /** Requests still undecided after every retry. */
  unresolved = 0;
  /** Places answered `replayed` (a retry that found the first outcome). */
  replayed = 0;
  /** Only answers after this instant are counted (the warm-up before it is not). */
  countFrom = 0;

  note(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}

interface Channel {
  place(body: Msg): Promise<{ ok: boolean; retry: boolean; key: string; body: Msg }>;
  cancel(orderId: string): Promise<{ ok: boolean; retry: boolean; key: string; body: Msg }>;
}

function httpChannel(base: string, t: Trader): Channel {
  const decide = (a: { status: number; body: Msg }) => ({
    ok: a.status >= 200 && a.status < 300,
    retry: a.status === 0 || a.status >= 500 || a.status === 429,
    key: `http ${a.status} ${a.body?.code ?? ""}`.trim(),
    body: a.body,
  });
  return {
    place: async (body) =>
      decide(await call(base, "POST", "/v1/orders", { ...t.headers, "idempotency-key": body.client_order_id }, body)),
    cancel: async (orderId) =>
      decide(await call(base, "DELETE", `/v1/orders/${orderId}`, { ...t.headers, "idempotency-key": `x-${orderId}` })),
  };
}

/** Order entry over the trader's own feed socket, re-opened and re-authenticated if it closes. */
async function wsChannel(base: string, t: Trader): Promise<Channel & { close(): void }> {
  const url = `${base.replace(/^http/, "ws")}/v1/ws`;
  let socket: RpcSocket | undefined;
  let opening: Promise<RpcSocket> | undefined;
  const connect = async (): Promise<RpcSocket> => {
    const s = await RpcSocket.open(url);
    const auth = await s.request("auth", { token: t.token });
    if (auth.error) throw new Error(`auth on the feed: ${JSON.stringify(auth.error)}`);
    return s;
  };
  const current = async (): Promise<RpcSocket> => {
    if (socket && !socket.closed) return socket;
    opening ??= connect().finally(() => {
      opening = undefined;
    });
    socket = await opening;
    return socket;
  };
  await current();
  const rpc = async (method: string, params: Msg) => {
    let reply: Msg;
    try {
      reply = await (await current()).request(method, params);
    } catch (err) {
      reply = { error: { code: "socket_closed", message: String(err) } };
    }
    const code: string | undefined = reply.error?.code;
    return {
      ok: !reply.error,
      retry: code !== undefined && RETRY_WS.has(code),
      key: `ws ${code ?? "ok"}`,
      body: reply.error ?? reply.result,
    };
  };
  return {
    place: (body) => rpc("order.place", body),
    cancel: (orderId) => rpc("order.cancel", { order_id: orderId }),
    close: () => socket?.close(),
  };
}

export interface TraderOptions {
  base: string;
  symbols: readonly string[];
  /** Requests one trader keeps in flight (HTTP / WebSocket). */
  httpInflight: number;
  wsInflight: number;
  results: LoadResults;
  stopped: () => boolean;
}

/** Runs one trader until `stopped()`; resolves when its last request is decided. */
export async function runTrader(t: Trader, index: number, o: TraderOptions): Promise<void> {
  const channel = t.via === "http" ? httpChannel(o.base, t) : await wsChannel(o.base, t);
  const random = mulberry32(0x9e3779b9 ^ index);
  const resting: string[] = [];
  let n = 0;
  const r = o.results;

  const settle = async (
    kind: "place" | "cancel",
    send: () => ReturnType<Channel["place"]>,
  ): Promise<{ ok: boolean; body: Msg } | undefined> => {
    const started = performance.now();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const a = await send();
      const counted = Date.now() >= r.countFrom;
      if (a.ok || !a.retry) {
        if (counted) {
          r.latencies.push(performance.now() - started);
          if (a.ok) kind === "place" ? r.places++ : r.cancels++;
          else r.note(r.refusals, `${kind} ${a.body?.code ?? a.key}`);
        }
        return a;
      }
      if (counted) r.note(r.errors, a.key);
      await sleep(Math.min(2_000, 50 * attempt));
    }
    r.unresolved++;
    return undefined;
  };

  const place = async (): Promise<void> => {
    const side = random() < 0.5 ? "buy" : "sell";
    const crossing = random() < 1 / 3;
    const away = 1 + Math.floor(random() * 20);
    const ticks = crossing
      ? side === "buy"
        ? MID_TICKS + 5
        : MID_TICKS - 5
      : side === "buy"
        ? MID_TICKS - away
        : MID_TICKS + away;
    const body = {
      client_order_id: `c${index}-${n++}`,
      instrument: o.symbols[Math.floor(random() * o.symbols.length)] as string,
      side,
      type: "limit",
      price: (ticks / 100).toFixed(2),
      size: ((1 + Math.floor(random() * 10)) / 1000).toFixed(3),
    };
    const a = await settle("place", () => channel.place(body));
    const order = a?.ok ? a.body?.order : undefined;
    if (!order) return;
    if (a?.body?.replayed) r.replayed++;
    r.acked.set(order.order_id, {
      account: t.account,
      instrument: body.instrument,
      client_order_id: body.client_order_id,
      status: order.status,
    });
    if (RESTING.has(order.status)) resting.push(order.order_id);
  };

  const cancel = async (): Promise<void> => {
    const at = Math.floor(random() * resting.length);
    const orderId = resting[at] as string;
    resting[at] = resting[resting.length - 1] as string;
    resting.pop();
    const a = await settle("cancel", () => channel.cancel(orderId));
    const order = a?.ok ? a.body?.order : undefined;
    const known = r.acked.get(orderId);
    if (order && known) known.status = order.status;
  };

  const loop = async (): Promise<void> => {
    while (!o.stopped()) {
      if (resting.length > 0 && (random() < 0.3 || resting.length > 40)) await cancel();
      else await place();
    }
  };
  const lanes = t.via === "http" ? o.httpInflight : o.wsInflight;
  await Promise.all(Array.from({ length: lanes }, loop));
  if ("close" in channel) (channel as { close(): void }).close();
}

/** Closed-loop calls of `POST /v1/bench/noop` (one no-op Durable Object call) until `stopped()`; answers per second. */
export async function runNoop(
  base: string,
  traders: readonly Trader[],
  seconds: number,
  lanes: number,
): Promise<{ perSecond: number; errors: number }> {
  let ok = 0;
  let errors = 0;
  const until = Date.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    traders.flatMap((t) =>
      Array.from({ length: lanes }, async () => {
        while (Date.now() < until) {
          const a = await call(base, "POST", "/v1/bench/noop", t.headers, {
            client_order_id: "noop",
            instrument: "X-USD",
          });
          if (a.status === 200) ok++;
          else errors++;
        }
      }),
    ),
  );
  return { perSecond: ok / ((performance.now() - started) / 1000), errors };
}
