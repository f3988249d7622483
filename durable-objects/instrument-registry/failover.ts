/**
 * Failover of a book whose home cannot be reached (docs/geography.md "Failover").
 *
 * 1. **Suspect.** The edge reports a book it could not reach (`reportUnreachable`); the
 *    registry notes since when, and checks again `FAILOVER_AFTER_MS` later (default 30 s).
 * 2. **Failover status.** If the book still does not answer its own probe then, the listing
 *    goes to status `failover` (the status before is kept): nothing trades, the edge refuses
 *    orders with 503 `instrument_failover`, market data comes from the regional replicas.
 *    A book that answers again in time clears the suspicion.
 * 3. **Restore** (`restore`, by an operator or by the policy `FAILOVER_POLICY = "auto"`): the
 *    book's journal is read from Postgres once it has stopped growing, folded, and loaded into
 *    a new-epoch object in the region asked for, with the settlement rows each account has not
 *    applied yet (shared/replay/outbox-rows.ts); the restored book is compared with the fold
 *    (the replay comparison), and only an exact match flips the listing to the new epoch and
 *    region with its status before.
 * 4. **Deposed.** The old object is told, whenever it can be reached again, that it was
 *    replaced: it then redirects like a moved book and never streams again.
 */
import { type DbEnv, hasDatabase, withClient } from "../../shared/db/neon.ts";
import { feedRegions } from "../../shared/geo/feed-regions.ts";
import { relayName } from "../../shared/geo/placement.ts";
import { isRegion, REGIONS, rttMs } from "../../shared/geo/regions.ts";
import {
  type HomeRegion,
  type Instrument,
  InstrumentSchema,
  type InstrumentStatus,
} from "../../shared/instruments/schema.ts";
import { ENGINE_OPTIONS, InstrumentUnits } from "../../shared/instruments/units.ts";
import { type BookJournalEvent, foldBook } from "../../shared/replay/book.ts";
import { diffBook } from "../../shared/replay/index.ts";
import { logTail } from "../../shared/replay/log-tail.ts";
import { journalAccounts, rebuildOutbox } from "../../shared/replay/outbox-rows.ts";
import { replaySnapshot } from "../../shared/replay/restore.ts";
import { bookJournal, type ReplayDb } from "../../shared/replay/source.ts";
import { withTimeout } from "../../shared/resilience/deadline.ts";
import type { OutboxReceiver } from "../order-book/contract.ts";
import type { OrderBook } from "../order-book/index.ts";
import { bookObjectName, orderBookStub } from "../order-book/stub.ts";
import type { Sql } from "../runtime/sql.ts";

export const FAILOVER_MIGRATION = {
  idMonotonicInc: 4,
  description: "books the edge could not reach, instruments in failover, and replaced books to depose",
  sql: `CREATE TABLE book_suspects (symbol TEXT PRIMARY KEY, epoch INTEGER NOT NULL, since INTEGER NOT NULL);
        CREATE TABLE failovers (
          symbol TEXT PRIMARY KEY, prior_status TEXT NOT NULL, epoch INTEGER NOT NULL, since INTEGER NOT NULL
        );
        CREATE TABLE deposed_books (
          symbol TEXT NOT NULL, epoch INTEGER NOT NULL, region TEXT NOT NULL,
          successor_epoch INTEGER NOT NULL, successor_region TEXT NOT NULL,
          PRIMARY KEY (symbol, epoch)
        );`,
};

export interface FailoverEnv extends DbEnv {
  ORDER_BOOK: DurableObjectNamespace<OrderBook>;
  /** The accounts, reached as a book's outbox reaches them (an empty delivery answers the cursor). */
  ACCOUNT?: DurableObjectNamespace;
  /** How long a book must stay unreachable before its instrument goes to failover, ms (default 30 000). */
  FAILOVER_AFTER_MS?: string;
  /** "auto": restore a book in failover at once, in `FAILOVER_REGION` or the nearest other region; else operators do. */
  FAILOVER_POLICY?: string;
  FAILOVER_REGION?: string;
  /** The journal must not grow for this long before it is restored from, ms (default 1 000). */
  FAILOVER_SETTLE_MS?: string;
  /** Events a restored book keeps in its log (as every book: default here 10 000). */
  BOOK_EVENT_RETENTION?: string;
  /** The regions with feed relays (workers/api/feed/regions.ts; default all). */
  FEED_REGIONS?: string;
}

export type FailoverResult =
  | {
      ok: true;
      symbol: string;
      from: HomeRegion;
      to: HomeRegion;
      book_epoch: number;
      home_region: HomeRegion;
      status: InstrumentStatus;
      /** The restored book equals the journal's fold (resting orders and sequence). */
      verified: true;
      seq: number;
      events: number;
      resting_orders: number;
      outbox_rows: number;
      /** From the book being reported unreachable to the restored book taking commands, ms. */
      outage_ms: number;
      took_ms: number;
    }
  | {
      ok: false;
      code: "instrument_not_found" | "instrument_conflict" | "history_unavailable" | "restore_not_verified";
      message: string;
      differences?: string[];
    };

export interface FailoverDeps {
  sql: Sql;
  env: FailoverEnv;
  listing: (symbol: string) => Instrument | null;
  effective: (listing: Instrument) => Instrument;
  /** Stores a listing without configuring its book (it cannot be reached). */
  store: (listing: Instrument) => void;
}

/** A probe of a suspect book that takes longer than this counts as no answer, ms. */
const PROBE_TIMEOUT_MS = 2_000;
const ALL = Number.MAX_SAFE_INTEGER;

export class BookFailover {
  private readonly d: FailoverDeps;

  constructor(deps: FailoverDeps) {
    this.d = deps;
  }

  private get afterMs(): number {
    return positive(this.d.env.FAILOVER_AFTER_MS, 30_000);
  }

  /** The edge could not reach the book of `symbol` at `epoch`: suspected from now, unless already. */
  reportUnreachable(symbol: string, epoch: number, now: number): void {
    const listing = this.d.listing(symbol);
    if (!listing || (listing.book_epoch ?? 0) !== epoch || listing.status === "failover") return;
    this.d.sql`INSERT OR IGNORE INTO book_suspects (symbol, epoch, since) VALUES (${symbol}, ${epoch}, ${now})`;
  }

  /** When the alarm must next look (a suspect's check is due, or a deposed book waits); undefined: never. */
  nextCheck(now: number): number | undefined {
    const suspect = this.d.sql.one<{ at: number | null }>`SELECT min(since) AS at FROM book_suspects`;
    let at = suspect?.at === null || suspect?.at === undefined ? undefined : suspect.at + this.afterMs;
    const deposed = this.d.sql.one<{ n: number }>`SELECT count(*) AS n FROM deposed_books`;
    if ((deposed?.n ?? 0) > 0) at = Math.min(at ?? Number.POSITIVE_INFINITY, now + 10_000);
    return at === undefined ? undefined : Math.max(at, now);
  }

  /** The alarm's round: due suspects are probed (failover if silent), replaced books deposed. */
  async check(now: number): Promise<void> {
    type Suspect = { symbol: string; epoch: number; since: number };
    const due = this.d
      .sql<Suspect>`SELECT symbol, epoch, since FROM book_suspects WHERE since <= ${now - this.afterMs}`;
    for (const s of due) {
      const listing = this.d.listing(s.symbol);
      this.d.sql`DELETE FROM book_suspects WHERE symbol = ${s.symbol}`;
      if (!listing || (listing.book_epoch ?? 0) !== s.epoch || (await this.answers(listing))) continue;
      this.enter(listing, s.since);
      if (this.d.env.FAILOVER_POLICY === "auto") {
        const out = await this.restore(s.symbol, autoRegion(this.d.env, listing.home_region), "policy");
        if (!out.ok) console.error(JSON.stringify({ level: "error", msg: "failover restore failed", ...out }));
      }
    }
    await this.depose();
  }

  /** Whether the instrument is in failover now. */
  inFailover(symbol: string): boolean {
    return this.d.sql.one`SELECT 1 AS one FROM failovers WHERE symbol = ${symbol}` !== undefined;
  }

  /**
   * Restores a book in failover into a new-epoch object in `region` from the journal, verifies it
   * against the fold, then flips the listing (see the file's comment). Repeating it after a failure
   * is safe: a half-restored successor is checked and used, not restored twice.
   */
  async restore(symbol: string, region: string, reason: string): Promise<FailoverResult> {
    const started = Date.now();
    const listing = this.d.listing(symbol);
    if (!listing) return { ok: false, code: "instrument_not_found", message: `no instrument ${symbol}` };
    const held = this.d.sql.one<{ prior_status: string; since: number }>`
      SELECT prior_status, since FROM failovers WHERE symbol = ${symbol}`;
    if (!held) {
      return {
        ok: false,
        code: "instrument_conflict",
        message: `${symbol} is not in failover (status ${listing.status})`,
      };
    }
    if (!isRegion(region)) {
      return { ok: false, code: "instrument_conflict", message: `${region} is not a region (${REGIONS.join(", ")})` };
    }
    if (!hasDatabase(this.d.env)) {
      return {
        ok: false,
        code: "history_unavailable",
        message: "No DATABASE_URL: there is no journal to restore from.",
      };
    }
    let events: BookJournalEvent[];
    try {
      events = await settledJournal(this.d.env, symbol, positive(this.d.env.FAILOVER_SETTLE_MS, 1_000));
    } catch (err) {
      return { ok: false, code: "history_unavailable", message: `The journal could not be read: ${String(err)}` };
    }
    const rebuilt = foldBook(events);
    const from = listing.home_region;
    const epoch = (listing.book_epoch ?? 0) + 1;
    const prior = held.prior_status as InstrumentStatus;
    const next = InstrumentSchema.parse({ ...listing, book_epoch: epoch, home_region: region, status: prior });
    const spec = InstrumentSchema.parse(this.d.effective(next));
    const units = new InstrumentUnits(spec);
    const fresh = orderBookStub(this.d.env.ORDER_BOOK, spec);
    const cursors = await this.cursors(symbol, journalAccounts(events));
    const outbox = rebuildOutbox(events, cursors, units);
    const { snapshot, skipped } = replaySnapshot(rebuilt, units, ENGINE_OPTIONS, Date.now());
    const seqs = { seq: rebuilt.seq, level2: rebuilt.level_events, trades: rebuilt.trade_events };
    // The log's tail keeps resumes and the trade tape going; the relays of every feed region get pushes again.
    const tail = {
      ...logTail(events, units, positive(this.d.env.BOOK_EVENT_RETENTION, 10_000)),
      subscribers: feedRegions(this.d.env).map((r) => relayName(r, symbol)),
    };
    const restored = await fresh.restoreFromReplay({ ...spec, status: "halted" }, snapshot, seqs, outbox, tail);
    const differences = [...rebuilt.problems, ...skipped.map((s) => `not restored: ${s}`)];
    // `book_not_fresh`: an earlier attempt restored it; the comparison below says whether it is right.
    if (!restored.ok && restored.code !== "book_not_fresh") differences.push(restored.message);
    const view = await fresh.book(3, ALL);
    differences.push(...diffBook(rebuilt, { bids: view.bids as never, asks: view.asks as never }));
    const restoredSeq = (await fresh.sequences()).seq;
    if (restoredSeq !== rebuilt.seq) differences.push(`seq: journal ${rebuilt.seq}, restored ${restoredSeq}`);
    if (differences.length > 0) {
      return {
        ok: false,
        code: "restore_not_verified",
        message: `The book restored into ${bookObjectName(spec)} differs from the journal: the listing was not flipped.`,
        differences,
      };
    }
    await fresh.configure(spec);
    this.d.sql`INSERT OR REPLACE INTO deposed_books (symbol, epoch, region, successor_epoch, successor_region)
               VALUES (${symbol}, ${epoch - 1}, ${from}, ${epoch}, ${region})`;
    this.d.store(next);
    this.d.sql`DELETE FROM failovers WHERE symbol = ${symbol}`;
    this.d.sql`DELETE FROM book_suspects WHERE symbol = ${symbol}`;
    console.log(
      JSON.stringify({ level: "warn", msg: "book restored by failover", symbol, from, to: region, epoch, reason }),
    );
    return {
      ok: true,
      symbol,
      from,
      to: region,
      book_epoch: epoch,
      home_region: region,
      status: prior,
      verified: true,
      seq: rebuilt.seq,
      events: rebuilt.events,
      resting_orders: rebuilt.bids.length + rebuilt.asks.length,
      outbox_rows: outbox.length,
      outage_ms: Date.now() - held.since,
      took_ms: Date.now() - started,
    };
  }

  /** Puts the listing in failover (its status before kept for the restore). */
  private enter(listing: Instrument, since: number): void {
    this.d.sql`INSERT OR IGNORE INTO failovers (symbol, prior_status, epoch, since)
               VALUES (${listing.symbol}, ${listing.status}, ${listing.book_epoch ?? 0}, ${since})`;
    this.d.store({ ...listing, status: "failover" });
    console.error(
      JSON.stringify({ level: "error", msg: "book unreachable: instrument in failover", symbol: listing.symbol }),
    );
  }

  private answers(listing: Instrument): Promise<boolean> {
    const probe = orderBookStub(this.d.env.ORDER_BOOK, listing).sequences();
    return withTimeout(probe, PROBE_TIMEOUT_MS, () => new Error("no answer")).then(
      () => true,
      () => false,
    );
  }

  /** Each account's book cursor (the last seq of this instrument it applied): an empty delivery answers it. */
  private async cursors(symbol: string, accounts: readonly string[]): Promise<Map<string, number>> {
    const ns = this.d.env.ACCOUNT;
    const out = new Map<string, number>();
    if (!ns) return out;
    for (let i = 0; i < accounts.length; i += 50) {
      const chunk = accounts.slice(i, i + 50);
      const acks = await Promise.all(
        chunk.map((a) => (ns.getByName(a) as unknown as OutboxReceiver).applyBookEvents(a, symbol, [])),
      );
      for (const [j, a] of chunk.entries()) out.set(a, acks[j]?.through ?? 0);
    }
    return out;
  }

  /** Tells each replaced book that can be reached now that it was replaced. */
  private async depose(): Promise<void> {
    type Row = { symbol: string; epoch: number; region: string; successor_epoch: number; successor_region: string };
    for (const row of this.d.sql<Row>`SELECT * FROM deposed_books`) {
      const old = orderBookStub(this.d.env.ORDER_BOOK, {
        symbol: row.symbol,
        book_epoch: row.epoch,
        home_region: row.region as HomeRegion,
      });
      const successor = {
        name: bookObjectName({ symbol: row.symbol, book_epoch: row.successor_epoch }),
        epoch: row.successor_epoch,
        region: row.successor_region as HomeRegion,
      };
      try {
        await old.handoffDepose(successor);
        this.d.sql`DELETE FROM deposed_books WHERE symbol = ${row.symbol} AND epoch = ${row.epoch}`;
      } catch {
        // Still unreachable: the next round tries again.
      }
    }
  }
}

/**
 * The journal once it stopped growing: the Queue may still be writing the book's last events
 * to Postgres, so it is read until two reads `settleMs` apart end at the same seq.
 */
async function settledJournal(env: DbEnv, symbol: string, settleMs: number): Promise<BookJournalEvent[]> {
  return withClient(env, async (client) => {
    const db: ReplayDb = { query: async (text, params) => ({ rows: (await client.query(text, params)).rows }) };
    let events = await bookJournal(db, symbol);
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, settleMs));
      const again = await bookJournal(db, symbol);
      if ((again.at(-1)?.seq ?? 0) === (events.at(-1)?.seq ?? 0)) return again;
      events = again;
    }
    return events;
  });
}

/** The policy's region: `FAILOVER_REGION`, else the region nearest the lost home. */
function autoRegion(env: FailoverEnv, home: HomeRegion): HomeRegion {
  if (isRegion(env.FAILOVER_REGION) && env.FAILOVER_REGION !== home) return env.FAILOVER_REGION;
  const others = REGIONS.filter((r) => r !== home);
  return others.reduce((best, r) => (rttMs(home, r) < rttMs(home, best) ? r : best), others[0] as HomeRegion);
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}
