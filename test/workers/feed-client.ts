/**
 * The test client (test/client) on the market-data WebSocket inside workerd: real
 * sockets through the Worker (`exports.default.fetch("/v1/ws")`) or straight to a
 * shard, every one closed by `closeAll`; and the seed books the feed tests trade on.
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type {
  UserMessage as AccountUserMessage,
  UserSnapshot as AccountUserSnapshot,
  BalanceView,
  FillView,
  OrderView,
} from "../../durable-objects/account/contract.ts";
import { registryStub } from "../../durable-objects/instrument-registry/index.ts";
import type { BatchResult } from "../../durable-objects/order-book/contract.ts";
import { orderBookStub } from "../../durable-objects/order-book/stub.ts";
import {
  type Balance,
  type Connect,
  type Fill,
  type Order,
  RecordingSocket,
  type UserMessage,
  type UserSnapshot,
  upgrade,
} from "../client/index.ts";

export {
  contiguous,
  errorOf,
  isReply,
  type MarketMessage,
  type Message,
  type MessageOf,
  type Reply,
  resultOf,
  sleep,
  type UserMessage,
} from "../client/index.ts";

// The client types the user channel with the REST views (its files are typechecked in Node too, where the
// Account's contract is not): they must be the Account's types exactly.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree: [
  Same<Order, OrderView>,
  Same<Fill, FillView>,
  Same<Balance, BalanceView>,
  Same<UserMessage, AccountUserMessage>,
  Same<UserSnapshot, AccountUserSnapshot>,
] = [true, true, true, true, true];
void agree;

const live = new Set<FeedClient>();

let addresses = 0;

/**
 * A client address of its own for each socket (100.64.0.0/10), so the per-address socket
 * cap (FEED_MAX_SOCKETS_PER_IP, small in the test config) binds only tests that mean it to.
 */
export function freshAddress(): string {
  addresses += 1;
  return `100.64.${(addresses >> 8) & 255}.${addresses & 255}`;
}

export class FeedClient extends RecordingSocket {
  /**
   * Connects through the Worker from a fresh client address unless `headers` name one
   * (`cf-connecting-ip`); throws with the response body unless it upgrades.
   */
  static connect(query = "", headers: Record<string, string> = {}): Promise<FeedClient> {
    const from = { "cf-connecting-ip": freshAddress(), ...headers };
    return FeedClient.open(
      upgrade((url, init) => exports.default.fetch(url, init), `http://feed.test/v1/ws${query}`, from),
    );
  }

  /**
   * Connects straight to one shard (tests that need two sockets on the same shard); the shard
   * reads the client address from `x-p3-client-ip` in `headers`, else counts it as unknown.
   */
  static connectShard(shard: string, query = "", headers: Record<string, string> = {}): Promise<FeedClient> {
    const stub = env.FEED_SHARD.get(env.FEED_SHARD.idFromName(shard));
    return FeedClient.open(
      upgrade((url, init) => stub.fetch(url, init), `http://feed.test/v1/ws${query}`, {
        "x-feed-shard": shard,
        ...headers,
      }),
    );
  }

  private static async open(connect: Connect): Promise<FeedClient> {
    const client = await new FeedClient({ timeoutMs: 3000, closeTimeoutMs: 1000 }).connect(connect);
    live.add(client);
    void client.closed.then(() => live.delete(client));
    return client;
  }

  override close(): Promise<void> {
    return super.close(1000, "test done");
  }
}

/** Closes every client a test left open (call in afterEach). */
export async function closeAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.close()));
  // Let the shards process the closes before the next test counts sockets.
  await new Promise((r) => setTimeout(r, 20));
}

/**
 * Lists the seed instruments (and configures their books). The tests trade on
 * the seed books at any hour, so books with exchange hours get an always-open
 * calendar (their books refuse orders outside it; the registry keeps the real one).
 */
export async function seedInstruments(): Promise<void> {
  const listed = await registryStub(env.INSTRUMENTS).list();
  const timed = listed.filter((i) => i.symbol in HOME && i.calendar.kind !== "24x7");
  await Promise.all(timed.map((i) => book(i.symbol).configure({ ...i, calendar: { kind: "24x7" } })));
}

const HOME: Record<string, string> = { "BTC-USD": "enam", "EUR-USD": "weur", "AAPL-USD": "enam", "BHP-AUD": "apac" };

/** The book of a seed instrument. */
export function book(symbol: string) {
  return orderBookStub(env.ORDER_BOOK, { symbol, home_region: HOME[symbol] as "enam" });
}

/** The relays and shards registered with a seed instrument's book for pushes. */
export async function bookShards(symbol: string): Promise<string[]> {
  return runInDurableObject(book(symbol), (_instance, state) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT name FROM feed_shards ORDER BY name")
      .toArray()
      .map((r) => r.name),
  );
}

let orderSeq = 0;

/** Places one limit order on a seed instrument's book. */
export async function place(
  symbol: string,
  side: "buy" | "sell",
  price: string,
  size: string,
  account = side === "buy" ? "buyer" : "seller",
): Promise<BatchResult> {
  const result = await book(symbol).execute([
    { type: "place", order_id: `t${++orderSeq}`, account, side, order_type: "limit", price, size },
  ]);
  if (!result.results.every((r) => r.ok)) throw new Error(`order refused: ${JSON.stringify(result.results)}`);
  return result;
}
