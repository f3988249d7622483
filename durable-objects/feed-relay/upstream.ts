/**
 * A relay's link to its instrument's book: the book found through the registry (its
 * name and home region may change with a hand-off, so a failed call looks it up again),
 * and every call paying the simulated round trip between the relay's region and the
 * book's home (shared/geo/placement.ts).
 */
import type { PublicChannel, SubscribeReply } from "../../shared/feed/messages.ts";
import { inFlight, simulatedOneWayMs } from "../../shared/geo/placement.ts";
import type { Region } from "../../shared/geo/regions.ts";
import type { Instrument } from "../../shared/instruments/schema.ts";
import { registryStub } from "../instrument-registry/index.ts";
import type { OrderBook } from "../order-book/index.ts";
import { orderBookStub } from "../order-book/stub.ts";
import { isUnreachable, reportUnreachable } from "../runtime/unreachable.ts";
import type { RelayEnv } from "./contract.ts";
import type { ReplicaQuery } from "./replica.ts";

export class Upstream {
  private readonly env: RelayEnv;
  private readonly relay: string;
  private readonly region: Region;
  private readonly symbol: string;
  private instrument: Instrument | undefined;

  constructor(env: RelayEnv, relay: { name: string; region: Region; symbol: string }) {
    this.env = env;
    this.relay = relay.name;
    this.region = relay.region;
    this.symbol = relay.symbol;
  }

  /** Subscribes the relay to one channel of the book: a snapshot, or the updates after `resumeFrom`. */
  async subscribe(channel: PublicChannel, resumeFrom?: number): Promise<SubscribeReply> {
    return this.call(async (book) => (await book.feedSubscribe(this.relay, channel, resumeFrom)) as SubscribeReply);
  }

  /** The book's own answer to a market-data read (the relay's replica keeps it until a push changes it). */
  async read(query: Exclude<ReplicaQuery, { kind: "book" }>): Promise<unknown> {
    return this.call(async (book): Promise<unknown> => {
      switch (query.kind) {
        case "trades":
          return book.trades(query.query);
        case "ticker":
          return book.ticker();
        case "candles":
          return book.candles(query.interval, query.start, query.end);
      }
    });
  }

  async unsubscribe(): Promise<void> {
    await this.call((book) => book.feedUnsubscribe(this.relay));
  }

  /** The book's home region, once known. */
  home(): string | undefined {
    return this.instrument?.home_region;
  }

  private async call<T>(use: (book: DurableObjectStub<OrderBook>) => Promise<T>): Promise<T> {
    const instrument = await this.lookup();
    const flight = simulatedOneWayMs(this.env, this.region, instrument.home_region);
    await inFlight(flight);
    try {
      const out = await use(orderBookStub(this.env.ORDER_BOOK, instrument));
      await inFlight(flight);
      return out;
    } catch (err) {
      // The book may have moved: ask the registry again next time. If it is unreachable, say so.
      this.instrument = undefined;
      if (isUnreachable(err)) reportUnreachable(() => registryStub(this.env.INSTRUMENTS), instrument);
      throw err;
    }
  }

  private async lookup(): Promise<Instrument> {
    if (this.instrument) return this.instrument;
    const found = (await registryStub(this.env.INSTRUMENTS).get(this.symbol)) as Instrument | null;
    if (!found) throw new Error(`${this.symbol} is not listed in the instrument registry`);
    this.instrument = found;
    return found;
  }
}
