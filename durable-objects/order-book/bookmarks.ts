/**
 * Operator point-in-time recovery of one OrderBook (docs/recovery.md): bookmark now, restore
 * to a bookmark, then roll forward from the Postgres journal so the book ends at the last
 * journaled event with the same `seq`s Postgres and the accounts already know.
 *
 * Restoring, in one transaction:
 * 1. the bookmark's tables replace the live ones (`snapshot`, ../runtime/bookmarks.ts);
 * 2. when the journal is ahead of the bookmark, its tail is re-applied (roll-forward.ts), or the
 *    restore is refused: a book whose `seq` went back would hand out numbers Postgres and the
 *    accounts' cursors already hold for other events;
 * 3. the stream cursor moves to the journal's head, so no event Postgres holds is sent again.
 * Then memory is rebuilt from storage, as after a restart.
 *
 * PITR bookmarks (Cloudflare only) restore on the object's next start: `schedulePitr` then the
 * caller restarts the object and calls `finish` with the same plan.
 */
import { InstrumentUnits } from "../../shared/instruments/units.ts";
import { type BookmarkInfo, type BookmarkKind, pitrAvailable, SnapshotBookmarks } from "../runtime/bookmarks.ts";
import { faultsEnabled } from "../runtime/fault-injection.ts";
import type { Sql } from "../runtime/sql.ts";
import { type RollForwardInput, rollForward } from "./roll-forward.ts";
import type { BookStore, Sequences } from "./store.ts";

export type { BookmarkInfo, BookmarkKind } from "../runtime/bookmarks.ts";
export type { JournalTailEvent, RollForwardInput } from "./roll-forward.ts";

/** What the caller (the recovery route) read from Postgres before restoring. */
export interface BookRestorePlan {
  /** The book's last `seq` in the Postgres journal (0 when it has none). */
  journaled: number;
  /** The journal after the bookmark, to re-apply; absent: restore only (refused if the journal is ahead). */
  rollForward?: RollForwardInput;
}

export type BookRecoveryRefusal = {
  ok: false;
  code: "bookmark_not_found" | "recovery_conflict" | "faults_disabled";
  message: string;
};

export interface BookRestored {
  ok: true;
  bookmark: string;
  /** The bookmark's seq, the journal's head, and the book's seq after restoring. */
  bookmark_seq: number;
  journal_head: number;
  seq: number;
  /** Journal events re-applied after the bookmark. */
  rolled_forward: number;
  /** The stream cursor after restoring: events at or below it are not sent to the Queue again. */
  stream_cursor: number;
  rows: number;
}

export interface BookRecoveryParts {
  ctx: DurableObjectState;
  sql: Sql;
  store: BookStore;
  env: { FAULT_ROUTES?: string };
  seq: () => number;
  /** Rebuilds memory from storage (engine, outbox, stream, feed). */
  reload: () => Promise<void>;
}

export class BookRecovery {
  private readonly p: BookRecoveryParts;
  private readonly snapshots: SnapshotBookmarks;

  constructor(parts: BookRecoveryParts) {
    this.p = parts;
    this.snapshots = new SnapshotBookmarks(parts.ctx.storage.sql);
  }

  /** A bookmark of the state now: PITR where the runtime has it and `kind` allows, else a snapshot. */
  async take(kind?: BookmarkKind): Promise<BookmarkInfo | BookRecoveryRefusal> {
    const now = Date.now();
    const pitr = await pitrAvailable(this.p.ctx.storage);
    if (kind === "pitr" && !pitr) {
      return {
        ok: false,
        code: "recovery_conflict",
        message: "This runtime has no point-in-time recovery: take a snapshot.",
      };
    }
    if (pitr && kind !== "snapshot") {
      const bookmark = await this.p.ctx.storage.getCurrentBookmark();
      return { bookmark, kind: "pitr", created_at: now, seq: this.p.seq(), rows: 0 };
    }
    return this.p.ctx.storage.transactionSync(() => this.snapshots.take(this.p.seq(), now));
  }

  list(): BookmarkInfo[] {
    return this.snapshots.list();
  }

  /** Restores snapshot `id`, rolls forward per `plan`, and rebuilds memory. */
  async restore(id: string, plan: BookRestorePlan): Promise<BookRestored | BookRecoveryRefusal> {
    let out: BookRestored | BookRecoveryRefusal;
    try {
      out = this.p.ctx.storage.transactionSync(() => {
        const restored = this.snapshots.restore(id);
        if (!restored.ok) {
          const code = restored.reason === "unknown" ? "bookmark_not_found" : "recovery_conflict";
          throw new Refused({ ok: false, code, message: restored.message });
        }
        return this.finishSync(id, restored.rows, plan);
      });
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      out = err.refusal;
    }
    await this.p.reload();
    return out;
  }

  /** PITR (Cloudflare only): schedules the restore for the next start; answers the undo bookmark. */
  async schedulePitr(id: string): Promise<{ ok: true; undo: string } | BookRecoveryRefusal> {
    if (!(await pitrAvailable(this.p.ctx.storage))) {
      return { ok: false, code: "recovery_conflict", message: "This runtime has no point-in-time recovery." };
    }
    const undo = await this.p.ctx.storage.onNextSessionRestoreBookmark(id);
    return { ok: true, undo };
  }

  /** Restarts the object (after `schedulePitr`): this call rejects, as a crash's would. */
  restart(): never {
    this.p.ctx.abort("point-in-time restore");
    throw new Error("restarting");
  }

  /** After a PITR restart: the cursor and roll forward of `plan`, as a snapshot restore does them. */
  async finish(id: string, plan: BookRestorePlan): Promise<BookRestored | BookRecoveryRefusal> {
    let out: BookRestored | BookRecoveryRefusal;
    try {
      out = this.p.ctx.storage.transactionSync(() => this.finishSync(id, 0, plan));
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      out = err.refusal;
    }
    await this.p.reload();
    return out;
  }

  /** The drill's loss (`FAULT_ROUTES` builds only): every row of the book's tables deleted, bookmarks kept. */
  async wipe(): Promise<{ ok: true } | BookRecoveryRefusal> {
    if (!faultsEnabled(this.p.env)) return { ok: false, code: "faults_disabled", message: "Fault routes are off." };
    this.p.ctx.storage.transactionSync(() => {
      this.snapshots.wipe();
      this.p.sql`INSERT INTO book_state VALUES (1, NULL, 1, 1, 0, 0, 0, 0, 0, 0)`;
      this.p.sql`INSERT INTO stream_out (id, seq) VALUES (1, 0)`;
    });
    await this.p.reload();
    return { ok: true };
  }

  private finishSync(id: string, rows: number, plan: BookRestorePlan): BookRestored {
    const base = this.p.store.loadSequences();
    const cursorAt = this.p.sql.one<{ seq: number }>`SELECT seq FROM stream_out WHERE id = 1`?.seq ?? 0;
    let seqs: Sequences = base;
    let rolled = 0;
    if (plan.journaled > base.seq) {
      const spec = this.p.store.loadInstrument();
      const units = spec ? new InstrumentUnits(spec) : undefined;
      if (!plan.rollForward) {
        throw new Refused({
          ok: false,
          code: "recovery_conflict",
          message:
            `The journal holds ${plan.journaled - base.seq} events after this bookmark (seq ${base.seq} to ` +
            `${plan.journaled}): restore with roll_forward, or the book would reuse their seqs.`,
        });
      }
      const last = plan.rollForward.tail.at(-1)?.seq ?? base.seq;
      if (last !== plan.journaled || units === undefined) {
        throw new Refused({
          ok: false,
          code: "recovery_conflict",
          message: `The journal tail read ends at seq ${last}, not at its head ${plan.journaled}.`,
        });
      }
      try {
        seqs = rollForward(this.p.sql, this.p.store, units, base, plan.rollForward, Date.now());
      } catch (err) {
        throw new Refused({ ok: false, code: "recovery_conflict", message: `Roll forward failed: ${String(err)}` });
      }
      rolled = seqs.seq - base.seq;
    }
    const cursor = Math.max(cursorAt, Math.min(plan.journaled, seqs.seq));
    this.p.sql`UPDATE stream_out SET seq = ${cursor} WHERE id = 1`;
    return {
      ok: true,
      bookmark: id,
      bookmark_seq: base.seq,
      journal_head: plan.journaled,
      seq: seqs.seq,
      rolled_forward: rolled,
      stream_cursor: cursor,
      rows,
    };
  }
}

/** A refusal thrown out of a transaction so nothing of it commits. */
class Refused extends Error {
  readonly refusal: BookRecoveryRefusal;
  constructor(refusal: BookRecoveryRefusal) {
    super(refusal.message);
    this.refusal = refusal;
  }
}
