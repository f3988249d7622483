/**
 * What test/sdk/runtimes.test.ts runs inside a browser page and inside workerd, through the
 * SDK's browser bundle (this file is bundled with the SDK left as the external module
 * `./sdk.js`, so both runtimes load the very same SDK bundle):
 * - an `api_key` client (token session) places a resting buy, reads it back and cancels it;
 * - an `hmac` client (the runtime's Web Crypto) reads who it is and the balances, while the
 *   order rests and after it is gone;
 * - a `FeedClient` on the runtime's WebSocket keeps the level-2 book and sees the order's
 *   level appear and disappear.
 * Everything comes back as JSON, for the test to check against REST answers fetched from Node.
 */
import {
  type Balances,
  createRestClient,
  FeedClient,
  type Me,
  type Order,
  type TokenSession,
  type WebSocketConstructor,
} from "../../../sdk/src/index.ts";

export interface ScenarioParams {
  /** `http://127.0.0.1:<port>` of the API. */
  base: string;
  apiKey: string;
  apiSecret: string;
  symbol: string;
  /** The resting buy's price and size (a level of its own: no other bid there). */
  price: string;
  size: string;
  clientOrderId: string;
}

interface Levels {
  seq: number;
  bids: [string, string][];
  asks: [string, string][];
}

export interface ScenarioResult {
  /** `navigator.userAgent` where this ran. */
  userAgent: string;
  /** Whether the runtime has `window` and `document` (a page) or neither (a Worker). */
  hasDocument: boolean;
  tokenMe: Me;
  signedMe: Me;
  placed: Order;
  read: Order;
  cancelled: Order;
  /** Signed balances while the order rests, and after its cancel. */
  balancesOpen: Balances;
  balancesAfter: Balances;
  /** The feed's book: its first snapshot, with the order's level, and after the cancel. */
  bookBefore: Levels;
  bookWithOrder: Levels;
  bookAfter: Levels;
  /** Sockets the feed client opened. */
  connections: number;
  /** Milliseconds: the whole scenario, and from each REST answer until the book showed it. */
  ms: { total: number; placeSeen: number; cancelSeen: number };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` until it gives something, or fails after `ms`. */
async function until<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

export async function scenario(p: ScenarioParams, WebSocket?: WebSocketConstructor): Promise<ScenarioResult> {
  const started = Date.now();
  const rest = createRestClient({
    baseUrl: p.base,
    auth: { type: "api_key", apiKey: p.apiKey, apiSecret: p.apiSecret },
  });
  const signed = createRestClient({ baseUrl: p.base, auth: { type: "hmac", keyId: p.apiKey, secret: p.apiSecret } });
  const session = rest.auth as TokenSession;
  const tokenMe = await rest.me();

  const feed = new FeedClient({
    url: `${p.base.replace(/^http/, "ws")}/v1/ws`,
    token: () => session.accessToken(),
    reconnect: false,
    ...(WebSocket ? { WebSocket } : {}),
  });
  try {
    const book = feed.book(p.symbol);
    await book.waitFor(0);
    const bookBefore = book.levels();
    const hasLevel = () => book.bids.some(([price, size]) => price === p.price && size === p.size);

    const { order: placed } = await rest.placeOrder({
      instrument: p.symbol,
      side: "buy",
      type: "limit",
      price: p.price,
      size: p.size,
      client_order_id: p.clientOrderId,
    });
    const placedAt = Date.now();
    const read = await rest.getOrder(placed.order_id);
    const bookWithOrder = await until("the order's level in the book", () => (hasLevel() ? book.levels() : undefined));
    const placeSeen = Date.now() - placedAt;
    const balancesOpen = await signed.balances();

    const { order: cancelled } = await rest.cancelOrder(placed.order_id);
    const cancelledAt = Date.now();
    const bookAfter = await until("the order's level gone from the book", () =>
      hasLevel() ? undefined : book.levels(),
    );
    const cancelSeen = Date.now() - cancelledAt;
    const signedMe = await signed.me();
    const balancesAfter = await signed.balances();
    const g = globalThis as { navigator?: { userAgent?: string }; document?: unknown; window?: unknown };
    return {
      userAgent: g.navigator?.userAgent ?? "",
      hasDocument: g.document !== undefined && g.window !== undefined,
      tokenMe,
      signedMe,
      placed,
      read,
      cancelled,
      balancesOpen,
      balancesAfter,
      bookBefore,
      bookWithOrder,
      bookAfter,
      connections: feed.connections,
      ms: { total: Date.now() - started, placeSeen, cancelSeen },
    };
  } finally {
    feed.close();
  }
}
