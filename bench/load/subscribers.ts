/**
 * The market-data subscribers of the load run: sockets subscribed to `trades` of one
 * instrument each (every `level2Every`-th also to `level2`), checking on every
 * message that each stream's sequence is contiguous (`first_seq` = last `seq` + 1),
 * counting trades (with a checksum of their ids, to compare with Postgres without
 * keeping them) and how long each trade took from the book's clock to this socket.
 */
import { FeedSocket, type Message, sleep } from "../../test/client/index.ts";
import { wsPackage } from "../../test/client/node.ts";

/** Delivery latency histogram: 1 ms buckets up to 60 s. */
export class Histogram {
  private readonly buckets = new Float64Array(60_001);
  count = 0;

  add(ms: number): void {
    const b = Math.min(this.buckets.length - 1, Math.max(0, Math.round(ms)));
    this.buckets[b] = (this.buckets[b] as number) + 1;
    this.count++;
  }

  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i] as number;
      if (seen >= rank) return i;
    }
    return this.buckets.length - 1;
  }
}

export class Subscriber {
  readonly instrument: string;
  readonly socket: FeedSocket;
  /** Last seq per stream ("trades", "level2"). */
  readonly last = new Map<string, number>();
  gaps = 0;
  trades = 0;
  /** Sum of trade ids seen, as a bigint-free checksum (ids stay far below 2^53 / count). */
  tradeIdSum = 0;
  /** The newest trade id of the trades snapshot: the subscriber gets every later trade. */
  after = 0;
  /** Control messages that mean the stream was interrupted (`resync`), and closes. */
  interruptions = 0;
  private readonly index: number;
  private readonly feedLatency: Histogram;
  private readonly counting: { on: boolean };

  constructor(instrument: string, index: number, feedLatency: Histogram, counting: { on: boolean }) {
    this.instrument = instrument;
    this.index = index;
    this.feedLatency = feedLatency;
    this.counting = counting;
    this.socket = new FeedSocket({
      timeoutMs: 30_000,
      onFrame: (messages, receivedAt) => {
        for (const m of messages) this.receive(m, receivedAt);
      },
    });
  }

  private receive(m: Message, receivedAt: number): void {
    if (!("channel" in m) || (m.channel !== "trades" && m.channel !== "level2")) {
      // `resync`, `error`: the stream was interrupted (welcome and heartbeats are not).
      if (m.type === "resync" || m.type === "error") this.interruptions++;
      return;
    }
    if (m.type === "snapshot") {
      this.last.set(m.channel, m.seq);
      if (m.channel === "trades") this.after = Math.max(0, ...m.trades.map((t) => t.trade_id));
      return;
    }
    if (m.type !== "update") {
      this.interruptions++;
      if (this.interruptions === 1) console.error(`subscriber ${this.index}: ${JSON.stringify(m).slice(0, 300)}`);
      return;
    }
    const last = this.last.get(m.channel);
    if (last === undefined || m.first_seq !== last + 1) this.gaps++;
    this.last.set(m.channel, m.seq);
    if (m.channel === "trades") {
      for (const t of m.trades) {
        this.trades++;
        this.tradeIdSum += t.trade_id;
        if (this.counting.on) this.feedLatency.add(receivedAt - t.time);
      }
    }
  }
}

export interface SubscriberPool {
  subscribers: Subscriber[];
  feedLatency: Histogram;
  /** Latency samples count only while true (not during the drain). */
  counting: { on: boolean };
  close(): void;
}

export async function openSubscribers(
  base: string,
  symbols: readonly string[],
  count: number,
  level2Every: number,
  log: (line: string) => void,
): Promise<SubscriberPool> {
  const url = `${base.replace(/^http/, "ws")}/v1/ws`;
  const feedLatency = new Histogram();
  const counting = { on: true };
  const subscribers: Subscriber[] = [];
  const one = async (i: number): Promise<Subscriber> => {
    const s = new Subscriber(symbols[i % symbols.length] as string, i, feedLatency, counting);
    await s.socket.connect(wsPackage(url, { perMessageDeflate: false, timeoutMs: 30_000 }));
    const channels = i % level2Every === 0 ? ["trades", "level2"] : ["trades"];
    const reply = await s.socket.request("subscribe", { channels, instruments: [s.instrument] });
    if (reply.error) throw new Error(`subscriber ${i}: ${JSON.stringify(reply.error)}`);
    return s;
  };
  for (let i = 0; i < count; i += 50) {
    subscribers.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, k) => one(i + k)))));
    if (i > 0 && i % 250 === 0) log(`  ${i} subscribers connected`);
  }
  // Snapshots arrive right after the subscribe reply.
  await sleep(500);
  return {
    subscribers,
    feedLatency,
    counting,
    close: () => {
      for (const s of subscribers) s.socket.terminate();
    },
  };
}
