/**
 * Moving an instrument's book to another region (docs/geography.md "Books that follow the
 * session"): the registry drives the old book's and its successor's hand-off steps
 * (order-book/handoff.ts) and flips the listing to the successor's epoch and region.
 *
 * Each move is recorded before its first step and forgotten after its last, so a registry that
 * dies half-way finishes it on the next call or alarm; every step repeats safely. Until the
 * listing flips a move can still be given up (the old book is unfenced and trades on); after
 * the flip it is only ever finished.
 */
import { type HomeRegion, type Instrument, InstrumentSchema } from "../../shared/instruments/schema.ts";
import type { HandoffCursor } from "../order-book/contract.ts";
import type { OrderBook } from "../order-book/index.ts";
import { bookObjectName, orderBookStub } from "../order-book/stub.ts";
import type { Sql } from "../runtime/sql.ts";

export const MOVES_MIGRATION = {
  idMonotonicInc: 3,
  description: "book moves in progress (a registry that dies half-way finishes them), and when each book last moved",
  sql: `CREATE TABLE book_placements (symbol TEXT PRIMARY KEY, moved_at INTEGER NOT NULL);
        CREATE TABLE book_moves (
          symbol TEXT PRIMARY KEY,
          from_region TEXT NOT NULL,
          to_region TEXT NOT NULL,
          from_epoch INTEGER NOT NULL,
          to_epoch INTEGER NOT NULL,
          reason TEXT NOT NULL,
          started_at INTEGER NOT NULL
        );`,
};

/** A move's answer: where the book was and is, and how long commands were refused. */
export interface BookMove {
  symbol: string;
  /** False when the book already lived in the region asked for (nothing was done). */
  moved: boolean;
  from: HomeRegion;
  to: HomeRegion;
  /** The book's epoch now (its object is `<symbol>@<epoch>`, or `<symbol>` at 0). */
  epoch: number;
  /** From the fence of the old book to the successor taking commands, ms. */
  pause_ms: number;
  /** The book's event seq at the hand-off (the successor continues at seq + 1). */
  seq: number;
  reason: string;
}

export type MoveResult =
  | ({ ok: true } & BookMove)
  | { ok: false; code: "instrument_not_found" | "instrument_conflict" | "instrument_moving"; message: string };

interface MoveRow extends Record<string, string | number> {
  symbol: string;
  from_region: string;
  to_region: string;
  from_epoch: number;
  to_epoch: number;
  reason: string;
  started_at: number;
}

export interface MoveDeps {
  sql: Sql;
  books: DurableObjectNamespace<OrderBook>;
  /** The stored listing. */
  listing: (symbol: string) => Instrument | null;
  /** The listing as its book trades it (the configuration laid over it). */
  effective: (listing: Instrument) => Instrument;
  /** Stores a listing (the flip: its book is already configured by the hand-off). */
  store: (listing: Instrument) => void;
}

export class BookMoves {
  private readonly d: MoveDeps;
  /** One change at a time per instrument (moves, listing updates): a second waits for the first. */
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(deps: MoveDeps) {
    this.d = deps;
  }

  /** Whether a move waits to be finished. */
  pending(): string[] {
    return this.d.sql<{ symbol: string }>`SELECT symbol FROM book_moves ORDER BY symbol`.map((r) => r.symbol);
  }

  /** When the book last moved (epoch ms), if it ever did. */
  movedAt(symbol: string): number | undefined {
    return this.d.sql.one<{ moved_at: number }>`SELECT moved_at FROM book_placements WHERE symbol = ${symbol}`
      ?.moved_at;
  }

  /** Forgets when the book last moved: its schedule applies at once (a new schedule). */
  forgetMovedAt(symbol: string): void {
    this.d.sql`DELETE FROM book_placements WHERE symbol = ${symbol}`;
  }

  /**
   * Runs `task` after every earlier change of `symbol`: a listing update that read the listing
   * before a move flipped it must not write it back over the flip.
   */
  exclusive<T>(symbol: string, task: () => Promise<T>): Promise<T> {
    const before = this.running.get(symbol) ?? Promise.resolve(undefined);
    const run = before.then(task, task);
    this.running.set(symbol, run);
    void run.then(
      () => this.settled(symbol, run),
      () => this.settled(symbol, run),
    );
    return run;
  }

  /** Moves `symbol`'s book to `region` (a no-op answer when it is there already). */
  move(symbol: string, region: HomeRegion, reason: string): Promise<MoveResult> {
    return this.exclusive(symbol, () => this.moveNow(symbol, region, reason));
  }

  private settled(symbol: string, run: Promise<unknown>): void {
    if (this.running.get(symbol) === run) this.running.delete(symbol);
  }

  /** Finishes the move recorded for `symbol`, if there is one. */
  resume(symbol: string): Promise<MoveResult | undefined> {
    const row = this.row(symbol);
    return row ? this.move(symbol, row.to_region as HomeRegion, row.reason) : Promise.resolve(undefined);
  }

  private async moveNow(symbol: string, region: HomeRegion, reason: string): Promise<MoveResult> {
    const pending = this.row(symbol);
    if (pending) {
      const finished = await this.finish(pending);
      if (!finished.ok || pending.to_region === region) return finished;
    }
    const listing = this.d.listing(symbol);
    if (!listing) return { ok: false, code: "instrument_not_found", message: `no instrument ${symbol}` };
    const epoch = listing.book_epoch ?? 0;
    if (listing.home_region === region) {
      const seqs = await this.stub(symbol, epoch, region).sequences();
      return { ok: true, symbol, moved: false, from: region, to: region, epoch, pause_ms: 0, seq: seqs.seq, reason };
    }
    const row: MoveRow = {
      symbol,
      from_region: listing.home_region,
      to_region: region,
      from_epoch: epoch,
      to_epoch: epoch + 1,
      reason,
      started_at: Date.now(),
    };
    this.d.sql`INSERT INTO book_moves (symbol, from_region, to_region, from_epoch, to_epoch, reason, started_at)
               VALUES (${row.symbol}, ${row.from_region}, ${row.to_region}, ${row.from_epoch}, ${row.to_epoch},
                       ${row.reason}, ${row.started_at})`;
    return this.finish(row);
  }

  /** Runs (or re-runs) a recorded move's steps to the end; the record goes once it is done or given up. */
  private async finish(m: MoveRow): Promise<MoveResult> {
    try {
      return await this.steps(m);
    } catch (err) {
      console.warn(
        JSON.stringify({ level: "warn", msg: "book move interrupted", symbol: m.symbol, error: String(err) }),
      );
      return {
        ok: false,
        code: "instrument_moving",
        message: `The move of ${m.symbol} to ${m.to_region} did not finish (${String(err)}); it resumes at the registry's next alarm, or repeat the request.`,
      };
    }
  }

  private async steps(m: MoveRow): Promise<MoveResult> {
    const listing = this.d.listing(m.symbol);
    if (!listing) {
      this.forget(m.symbol);
      return { ok: false, code: "instrument_not_found", message: `no instrument ${m.symbol}` };
    }
    const from = m.from_region as HomeRegion;
    const to = m.to_region as HomeRegion;
    const old = this.stub(m.symbol, m.from_epoch, from);
    const next = this.stub(m.symbol, m.to_epoch, to);
    const epoch = listing.book_epoch ?? 0;
    let fencedAt = m.started_at;
    if (epoch === m.from_epoch) {
      const fence = await old.handoffFence();
      if (!fence.ok || fence.phase === "moved") {
        return this.giveUp(m, old, fence.ok ? "its book has moved already" : fence.message);
      }
      fencedAt = fence.fenced_at ?? fencedAt;
      const flipped: Instrument = { ...listing, home_region: to, book_epoch: m.to_epoch };
      const spec = InstrumentSchema.parse(this.d.effective(flipped));
      let cursor: HandoffCursor | undefined;
      for (let first = true; ; first = false) {
        const part = await old.handoffExport(cursor);
        if (!part.ok || !("tables" in part)) return this.giveUp(m, old, part.ok ? "no export" : part.message);
        const step = await next.handoffImport(part, first ? spec : undefined);
        if (!step.ok) return this.giveUp(m, old, step.message);
        if (part.next === null) break;
        cursor = part.next;
      }
      this.d.store(flipped);
    } else if (epoch !== m.to_epoch) {
      this.forget(m.symbol);
      return {
        ok: false,
        code: "instrument_conflict",
        message: `${m.symbol} is at epoch ${epoch}, not ${m.from_epoch}.`,
      };
    }
    // Flipped: from here the move is only ever finished.
    const active = await next.handoffActivate();
    if (!active.ok) throw new Error(`the successor refused to activate: ${active.message}`);
    const pause = Date.now() - fencedAt;
    const done = await old.handoffComplete({
      name: bookObjectName({ symbol: m.symbol, book_epoch: m.to_epoch }),
      epoch: m.to_epoch,
      region: to,
    });
    if (!done.ok) throw new Error(`the old book refused to complete: ${done.message}`);
    this.d.sql`INSERT INTO book_placements (symbol, moved_at) VALUES (${m.symbol}, ${Date.now()})
               ON CONFLICT (symbol) DO UPDATE SET moved_at = excluded.moved_at`;
    this.forget(m.symbol);
    // A configuration version pushed to the old book during the copy reaches the successor too.
    const current = this.d.listing(m.symbol);
    if (current) {
      await next.configure(InstrumentSchema.parse(this.d.effective(current))).catch((err: unknown) => {
        console.warn(JSON.stringify({ level: "warn", msg: "reconfiguring the moved book failed", error: String(err) }));
      });
    }
    console.log(
      JSON.stringify({
        level: "info",
        msg: "book moved",
        symbol: m.symbol,
        from,
        to,
        epoch: m.to_epoch,
        pause_ms: pause,
        seq: active.seq,
      }),
    );
    return {
      ok: true,
      symbol: m.symbol,
      moved: true,
      from,
      to,
      epoch: m.to_epoch,
      pause_ms: pause,
      seq: active.seq,
      reason: m.reason,
    };
  }

  /** Before the flip: unfences the old book (it trades on) and forgets the move. */
  private async giveUp(m: MoveRow, old: DurableObjectStub<OrderBook>, why: string): Promise<MoveResult> {
    await old.handoffAbort();
    this.forget(m.symbol);
    return { ok: false, code: "instrument_conflict", message: `The move of ${m.symbol} was refused: ${why}` };
  }

  private row(symbol: string): MoveRow | undefined {
    return this.d.sql.one<MoveRow>`SELECT * FROM book_moves WHERE symbol = ${symbol}`;
  }

  private forget(symbol: string): void {
    this.d.sql`DELETE FROM book_moves WHERE symbol = ${symbol}`;
  }

  private stub(symbol: string, epoch: number, region: HomeRegion): DurableObjectStub<OrderBook> {
    return orderBookStub(this.d.books, { symbol, home_region: region, book_epoch: epoch });
  }
}
