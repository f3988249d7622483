/**
 * A relay as its region's read replica of the instrument's public REST market data.
 *
 * - Level 1 and level 2 books are built from the relay's live L2 state (RelayLog): no call to the book.
 * - Trades, ticker and candles are the book's own answers, kept per query until a push on a
 *   channel they depend on arrives (then the next read asks the book again, once, for the whole
 *   region). Between pushes a kept answer is exactly what the book would say.
 * - The age of an answer is the time since the relay last knew it was current: the last push
 *   or probe it heard from the book. `stale` says the book did not answer the relay's last probe
 *   (or has been silent past `staleAfterMs`): the answer is the last known state.
 */
import type { PublicChannel } from "../../shared/feed/messages.ts";
import type { RelayLog } from "../../shared/feed/relay-log.ts";
import type { CandleInterval } from "../../shared/market/candles.ts";
import type { BookView, CandleView, TickerView, TradeView } from "../order-book/contract.ts";

export type ReplicaQuery =
  | { kind: "book"; level: 1 | 2; depth: number }
  | { kind: "trades"; query: { before?: number | undefined; after?: number | undefined; limit: number } }
  | { kind: "ticker" }
  | { kind: "candles"; interval: CandleInterval; start: number; end: number };

export interface TradesPage {
  trades: TradeView[];
  next_before: number | null;
  next_after: number | null;
}

/** What each query answers: the same shapes as the book's RPCs. */
export type ReplicaBody<Q extends ReplicaQuery> = Q extends { kind: "book" }
  ? BookView
  : Q extends { kind: "trades" }
    ? TradesPage
    : Q extends { kind: "ticker" }
      ? TickerView
      : CandleView[];

export interface ReplicaAnswer<T> {
  body: T;
  /** Epoch ms at which the relay last knew this answer to be the book's. */
  as_of: number;
  /** The book is not answering the relay: this is the last state it knew. */
  stale: boolean;
}

/** The push channels after which a kept answer of each kind is out of date. */
const DEPENDS_ON: Record<Exclude<ReplicaQuery["kind"], "book">, readonly PublicChannel[]> = {
  trades: ["trades"],
  ticker: ["ticker", "level2", "trades"],
  candles: ["candles", "trades"],
};

/** Answers kept at most (queries with cursors or odd windows each take one). */
const MAX_KEPT = 64;

interface Kept {
  body: unknown;
  /** Sum of the depended-on channels' generations when the answer was fetched. */
  generation: number;
  fetchedAt: number;
}

export interface ReplicaDeps {
  /** The relay's synced state (syncs from the book the first time). */
  log: () => Promise<RelayLog>;
  /** Asks the book itself (trades, ticker, candles). */
  fetch: (query: Exclude<ReplicaQuery, { kind: "book" }>) => Promise<unknown>;
  /** When the relay last heard from the book (a push, a sync or a probe), epoch ms. */
  lastHeard: () => number;
  /** Whether the book failed the relay's last probe. */
  unreachable: () => boolean;
  staleAfterMs: number;
}

export class ReplicaReads {
  private readonly deps: ReplicaDeps;
  private readonly generations: Record<PublicChannel, number> = { level2: 0, trades: 0, ticker: 0, candles: 0 };
  private readonly kept = new Map<string, Kept>();

  constructor(deps: ReplicaDeps) {
    this.deps = deps;
  }

  /** A push on `channel` reached the relay: answers depending on it are asked again. */
  changed(channel: PublicChannel): void {
    this.generations[channel]++;
  }

  /** The relay lost its state (evicted, or left the book): nothing kept is known current any more. */
  forget(): void {
    this.kept.clear();
  }

  async read<Q extends ReplicaQuery>(query: Q, now: number): Promise<ReplicaAnswer<ReplicaBody<Q>>> {
    const log = await this.deps.log();
    const stale = this.deps.unreachable() || now - this.deps.lastHeard() > this.deps.staleAfterMs;
    if (query.kind === "book") {
      const body = levels(log, query.level, query.depth, now);
      return { body: body as ReplicaBody<Q>, as_of: this.deps.lastHeard(), stale };
    }
    const key = JSON.stringify(query);
    const generation = DEPENDS_ON[query.kind].reduce((sum, c) => sum + this.generations[c], 0);
    const kept = this.kept.get(key);
    if (kept && kept.generation === generation) {
      return { body: kept.body as ReplicaBody<Q>, as_of: Math.max(kept.fetchedAt, this.deps.lastHeard()), stale };
    }
    try {
      const body = await this.deps.fetch(query as Exclude<ReplicaQuery, { kind: "book" }>);
      this.keep(key, { body, generation, fetchedAt: Date.now() });
      return { body: body as ReplicaBody<Q>, as_of: Date.now(), stale: false };
    } catch (err) {
      // The book does not answer: the last answer it gave, marked stale, else the failure.
      if (kept) return { body: kept.body as ReplicaBody<Q>, as_of: kept.fetchedAt, stale: true };
      throw err;
    }
  }

  private keep(key: string, entry: Kept): void {
    this.kept.delete(key);
    this.kept.set(key, entry);
    if (this.kept.size > MAX_KEPT) this.kept.delete(this.kept.keys().next().value as string);
  }
}

/** A level 1 or level 2 book from the relay's L2 state, as `OrderBook.book(level, depth)` answers it. */
function levels(log: RelayLog, level: 1 | 2, depth: number, now: number): BookView {
  const snapshot = log.snapshot("level2", now);
  if (snapshot?.channel !== "level2" || snapshot.type !== "snapshot") {
    throw new Error(`${log.instrument}: the relay has no level2 state yet`);
  }
  const n = level === 1 ? 1 : depth;
  return {
    instrument: log.instrument,
    level,
    seq: snapshot.seq,
    time: now,
    bids: snapshot.bids.slice(0, n),
    asks: snapshot.asks.slice(0, n),
  };
}
