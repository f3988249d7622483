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
import { fullJitter } from "../../shared/resilience/backoff.ts";
import { type Answer, FeedSocket, type OrderReply, type Reply, sleep } from "../../test/client/index.ts";
import { wsPackage } from "../../test/client/node.ts";
import { mulberry32 } from "../flow.ts";
import { MID_TICKS, type Trader } from "./setup.ts";

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

/** An order request's answer, over either channel. */
interface Outcome {
  ok: boolean;
  retry: boolean;
  /** The kind of answer, for the error tally: "<via> <status> <code>". */
  key: string;
  /** The refusal's code, if it was one. */
  code: string | undefined;
  /** The reply when ok. */
  reply: OrderReply | undefined;
}

interface NewOrder {
  client_order_id: string;
  instrument: string;
  side: "buy" | "sell";
  type: "limit";
  price: string;
  size: string;
}

interface Channel {
  place(body: NewOrder): Promise<Outcome>;
  cancel(orderId: string): Promise<Outcome>;
  close?(): void;
}

function httpChannel(t: Trader): Channel {
  const decide = (a: Answer<OrderReply>): Outcome => {
    // Status 0: no HTTP answer (a transport failure).
    const code = a.ok ? undefined : a.status === 0 ? "transport" : a.body?.code;
    return {
      ok: a.ok,
      retry: a.status === 0 || a.status >= 500 || a.status === 429,
      key: `http ${a.status} ${code ?? ""}`.trim(),
      code,
      reply: a.ok ? a.body : undefined,
    };
  };
  return {
    place: async (body) =>
      decide(await t.http.call<OrderReply>("POST", "/v1/orders", body, { "idempotency-key": body.client_order_id })),
    cancel: async (orderId) =>
      decide(
        await t.http.call<OrderReply>("DELETE", `/v1/orders/${orderId}`, undefined, {
          "idempotency-key": `x-${orderId}`,
        }),
      ),
  };
}

/** Order entry over the trader's own feed socket, re-opened and re-authenticated if it closes. */
async function wsChannel(base: string, t: Trader): Promise<Channel> {
  const url = `${base.replace(/^http/, "ws")}/v1/ws`;
  let socket: FeedSocket | undefined;
  let opening: Promise<FeedSocket> | undefined;
  const connect = async (): Promise<FeedSocket> => {
    const s = await new FeedSocket({ timeoutMs: 30_000 }).connect(
      wsPackage(url, { perMessageDeflate: false, timeoutMs: 30_000 }),
    );
    const auth = await s.request("auth", { token: t.token });
    if (auth.error) throw new Error(`auth on the feed: ${JSON.stringify(auth.error)}`);
    return s;
  };
  const current = async (): Promise<FeedSocket> => {
    if (socket && !socket.isClosed) return socket;
    opening ??= connect().finally(() => {
      opening = undefined;
    });
    socket = await opening;
    return socket;
  };
  await current();
  const rpc = async (method: "order.place" | "order.cancel", params: unknown): Promise<Outcome> => {
    let reply: Reply<OrderReply>;
    try {
      reply = await (await current()).request(method, params);
    } catch (err) {
      reply = { id: null, error: { code: "socket_closed", message: String(err) } };
    }
    const code: string | undefined = reply.error?.code;
    return {
      ok: !reply.error,
      retry: code !== undefined && RETRY_WS.has(code),
      key: `ws ${code ?? "ok"}`,
      code,
      reply: reply.error ? undefined : reply.result,
    };
  };
  return {
    place: (body) => rpc("order.place", body),
    cancel: (orderId) => rpc("order.cancel", { order_id: orderId }),
    close: () => socket?.terminate(),
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
  const channel = t.via === "http" ? httpChannel(t) : await wsChannel(o.base, t);
  const random = mulberry32(0x9e3779b9 ^ index);
  const resting: string[] = [];
  let n = 0;
  const r = o.results;

  const settle = async (kind: "place" | "cancel", send: () => Promise<Outcome>): Promise<Outcome | undefined> => {
    const started = performance.now();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const a = await send();
      const counted = Date.now() >= r.countFrom;
      if (a.ok || !a.retry) {
        if (counted) {
          r.latencies.push(performance.now() - started);
          if (a.ok) kind === "place" ? r.places++ : r.cancels++;
          else r.note(r.refusals, `${kind} ${a.code ?? a.key}`);
        }
        return a;
      }
      if (counted) r.note(r.errors, a.key);
      // Exponential backoff with full jitter: traders that failed together (a crashed book) do not retry together.
      await sleep(fullJitter(attempt - 1, 50, 2_000));
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
    const body: NewOrder = {
      client_order_id: `c${index}-${n++}`,
      instrument: o.symbols[Math.floor(random() * o.symbols.length)] as string,
      side,
      type: "limit",
      price: (ticks / 100).toFixed(2),
      size: ((1 + Math.floor(random() * 10)) / 1000).toFixed(3),
    };
    const a = await settle("place", () => channel.place(body));
    const order = a?.reply?.order;
    if (!order) return;
    if (a?.reply?.replayed) r.replayed++;
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
    const order = a?.reply?.order;
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
  channel.close?.();
}

/** Closed-loop calls of `POST /v1/bench/noop` (one no-op Durable Object call) until `stopped()`; answers per second. */
export async function runNoop(
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
          const a = await t.http.call("POST", "/v1/bench/noop", {
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
