/**
 * How a feed shard reaches books: instruments looked up in the registry (and
 * cached), and one link per instrument that orders the shard's `feedSubscribe`
 * and `feedUnsubscribe` calls so a late unsubscribe never cancels a newer
 * subscription. A shard of a region (`feed-<region>-<n>`) subscribes at its region's
 * relay of the instrument (durable-objects/feed-relay/), which answers exactly as the
 * book would; a shard without a region, or with `FEED_RELAYS = "false"`, at the book.
 */
import type { PublicChannel, SubscribeReply } from "../../shared/feed/messages.ts";
import { type GeoLatencyEnv, inFlight, relayName, shardRegion, simulatedOneWayMs } from "../../shared/geo/placement.ts";
import type { Instrument } from "../../shared/instruments/schema.ts";
import type { FeedRelay } from "../feed-relay/index.ts";
import { type InstrumentRegistry, registryStub } from "../instrument-registry/index.ts";
import type { OrderBook } from "../order-book/index.ts";
import { orderBookStub } from "../order-book/stub.ts";
import type { BookFeed } from "./streams.ts";

export interface BooksEnv extends GeoLatencyEnv {
  ORDER_BOOK: DurableObjectNamespace<OrderBook>;
  INSTRUMENTS: DurableObjectNamespace<InstrumentRegistry>;
  FEED_RELAY?: DurableObjectNamespace<FeedRelay>;
  /** "false": regional shards subscribe at the book itself, not at their region's relay (bench:geo's baseline). */
  FEED_RELAYS?: string;
}

/** Where a link subscribes: the region's relay or the book, and the simulated one-way time to it. */
interface Upstream {
  subscribe(shard: string, channel: PublicChannel, resumeFrom?: number): Promise<SubscribeReply>;
  unsubscribe(shard: string): Promise<void>;
  oneWayMs: number;
}

/** Unknown symbols are asked again after this long (a new listing becomes visible). */
const NEGATIVE_TTL_MS = 5_000;

export class Books {
  private readonly env: BooksEnv;
  private readonly shard: () => string;
  private readonly known = new Map<string, Instrument>();
  private readonly unknown = new Map<string, number>();
  private readonly links = new Map<string, BookLink>();

  constructor(env: BooksEnv, shard: () => string) {
    if (!env.ORDER_BOOK || !env.INSTRUMENTS) {
      throw new Error("FeedShard needs the ORDER_BOOK and INSTRUMENTS bindings: declare them in wrangler.toml.");
    }
    this.env = env;
    this.shard = shard;
  }

  /** Looks symbols up in the registry; the map holds null for unknown ones. */
  async resolve(symbols: Iterable<string>): Promise<Map<string, Instrument | null>> {
    const out = new Map<string, Instrument | null>();
    const now = Date.now();
    const ask: string[] = [];
    for (const s of new Set(symbols)) {
      const hit = this.known.get(s);
      if (hit) out.set(s, hit);
      else if ((this.unknown.get(s) ?? 0) > now) out.set(s, null);
      else ask.push(s);
    }
    if (ask.length > 0) {
      const registry = registryStub(this.env.INSTRUMENTS);
      const found = await Promise.all(ask.map((s) => registry.get(s)));
      for (const [i, s] of ask.entries()) {
        const instrument = (found[i] ?? null) as Instrument | null;
        if (instrument) this.known.set(s, instrument);
        else this.unknown.set(s, now + NEGATIVE_TTL_MS);
        out.set(s, instrument);
      }
    }
    return out;
  }

  /** The shard's link to one instrument's book. */
  link(symbol: string): BookLink {
    let link = this.links.get(symbol);
    if (!link) {
      link = new BookLink(this, symbol);
      this.links.set(symbol, link);
    }
    return link;
  }

  /** @internal The shard's region's relay of `symbol`, else the book. */
  async upstream(symbol: string): Promise<Upstream> {
    const instrument = (await this.resolve([symbol])).get(symbol);
    if (!instrument) throw new Error(`${symbol} is not listed in the instrument registry`);
    const region = shardRegion(this.shard());
    const relays = this.env.FEED_RELAY;
    if (region && relays && this.env.FEED_RELAYS !== "false") {
      const name = relayName(region, symbol);
      const relay = relays.get(relays.idFromName(name), { locationHint: region as DurableObjectLocationHint });
      return {
        subscribe: async (shard, channel, resumeFrom) =>
          (await relay.feedSubscribe(name, shard, channel, resumeFrom)) as SubscribeReply,
        unsubscribe: (shard) => relay.feedUnsubscribe(shard),
        oneWayMs: simulatedOneWayMs(this.env, region, region),
      };
    }
    const book = orderBookStub(this.env.ORDER_BOOK, instrument);
    return {
      subscribe: async (shard, channel, resumeFrom) =>
        (await book.feedSubscribe(shard, channel, resumeFrom)) as SubscribeReply,
      unsubscribe: (shard) => book.feedUnsubscribe(shard),
      oneWayMs: simulatedOneWayMs(this.env, region, instrument.home_region),
    };
  }

  /** @internal */
  shardName(): string {
    return this.shard();
  }
}

export class BookLink implements BookFeed {
  private readonly books: Books;
  readonly symbol: string;
  /** The last unsubscribe sent; subscribes wait for it. */
  private unsubscribing: Promise<void> = Promise.resolve();

  constructor(books: Books, symbol: string) {
    this.books = books;
    this.symbol = symbol;
  }

  async subscribe(channel: PublicChannel, resumeFrom?: number): Promise<SubscribeReply> {
    await this.unsubscribing;
    const upstream = await this.books.upstream(this.symbol);
    await inFlight(upstream.oneWayMs);
    const reply = await upstream.subscribe(this.books.shardName(), channel, resumeFrom);
    await inFlight(upstream.oneWayMs);
    return reply;
  }

  /** Tells the book this shard no longer wants the instrument. */
  unsubscribe(): void {
    this.unsubscribing = this.unsubscribing
      .then(async () => {
        const upstream = await this.books.upstream(this.symbol);
        await upstream.unsubscribe(this.books.shardName());
      })
      .catch((err: unknown) => {
        // Harmless: the book drops this shard anyway at its next push ({subscribed: false}).
        console.error(
          JSON.stringify({ level: "warn", msg: "feedUnsubscribe failed", instrument: this.symbol, error: String(err) }),
        );
      });
  }
}
