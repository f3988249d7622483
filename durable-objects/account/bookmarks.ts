/**
 * Operator point-in-time recovery of one Account (docs/recovery.md): bookmark now, restore to
 * a bookmark. The bookmark's `seq` is the head of the account's event journal
 * (`account_events`, stream `account` in Postgres).
 *
 * Restoring is refused when Postgres journaled changes of this account after the bookmark: the
 * account's fills came from books whose outboxes forgot them once acknowledged, so they cannot
 * be re-applied here (roll forward of an account is not built; `POST /v1/admin/replay` rebuilds
 * its ledger from the journal into a fresh object instead). Otherwise the tables are copied
 * back in one transaction, the stream cursor moves to the journal's head (nothing Postgres
 * holds is sent again), the outcome is kept outside the tables (`lastRestore`), and the object
 * restarts so every part reloads from storage: the restoring call itself rejects.
 */
import { type BookmarkInfo, type BookmarkKind, pitrAvailable, SnapshotBookmarks } from "../runtime/bookmarks.ts";
import type { Sql } from "../runtime/sql.ts";

export type { BookmarkInfo, BookmarkKind } from "../runtime/bookmarks.ts";

export interface AccountRestorePlan {
  /** The account's last `seq` in the Postgres journal (stream `account`; 0 when it has none). */
  journaled: number;
}

export type AccountRecoveryRefusal = {
  ok: false;
  code: "bookmark_not_found" | "recovery_conflict";
  message: string;
};

export interface AccountRestored {
  ok: true;
  bookmark: string;
  bookmark_seq: number;
  journal_head: number;
  stream_cursor: number;
  rows: number;
  /** Epoch ms of the restore. */
  at: number;
}

const LAST_RESTORE = "recovery:last_restore";

export class AccountRecovery {
  private readonly ctx: DurableObjectState;
  private readonly sql: Sql;
  private readonly snapshots: SnapshotBookmarks;

  constructor(ctx: DurableObjectState, sql: Sql) {
    this.ctx = ctx;
    this.sql = sql;
    this.snapshots = new SnapshotBookmarks(ctx.storage.sql);
  }

  /** A bookmark of the state now: PITR where the runtime has it and `kind` allows, else a snapshot. */
  async take(kind?: BookmarkKind): Promise<BookmarkInfo | AccountRecoveryRefusal> {
    const now = Date.now();
    const pitr = await pitrAvailable(this.ctx.storage);
    if (kind === "pitr" && !pitr) {
      return {
        ok: false,
        code: "recovery_conflict",
        message: "This runtime has no point-in-time recovery: take a snapshot.",
      };
    }
    if (pitr && kind !== "snapshot") {
      const bookmark = await this.ctx.storage.getCurrentBookmark();
      await this.ctx.storage.put(`recovery:pitr:${bookmark}`, this.head());
      return { bookmark, kind: "pitr", created_at: now, seq: this.head(), rows: 0 };
    }
    return this.ctx.storage.transactionSync(() => this.snapshots.take(this.head(), now));
  }

  list(): BookmarkInfo[] {
    return this.snapshots.list();
  }

  /** Restores snapshot `id` and restarts the object (this call then rejects); refusals are answered. */
  async restore(id: string, plan: AccountRestorePlan): Promise<AccountRecoveryRefusal> {
    const bookmark = this.snapshots.get(id);
    if (!bookmark) return { ok: false, code: "bookmark_not_found", message: `No bookmark ${id} on this account.` };
    if (plan.journaled > bookmark.seq) return this.ahead(bookmark.seq, plan.journaled);
    const out = this.ctx.storage.transactionSync((): AccountRestored | AccountRecoveryRefusal => {
      const restored = this.snapshots.restore(id);
      if (!restored.ok) return { ok: false, code: "recovery_conflict", message: restored.message };
      const cursorAt = this.sql.one<{ seq: number }>`SELECT seq FROM stream_out WHERE id = 1`?.seq ?? 0;
      const cursor = Math.max(cursorAt, Math.min(plan.journaled, bookmark.seq));
      this.sql`UPDATE stream_out SET seq = ${cursor} WHERE id = 1`;
      return {
        ok: true,
        bookmark: id,
        bookmark_seq: bookmark.seq,
        journal_head: plan.journaled,
        stream_cursor: cursor,
        rows: restored.rows,
        at: Date.now(),
      };
    });
    if (!out.ok) return out;
    await this.ctx.storage.put(LAST_RESTORE, out);
    await this.ctx.storage.sync();
    this.ctx.abort("restored a bookmark: every part reloads from storage");
    throw new Error("restarting");
  }

  /** PITR (Cloudflare only): refused when the journal is ahead; else scheduled for the next start, then restarts. */
  async restorePitr(id: string, plan: AccountRestorePlan): Promise<AccountRecoveryRefusal> {
    if (!(await pitrAvailable(this.ctx.storage))) {
      return { ok: false, code: "recovery_conflict", message: "This runtime has no point-in-time recovery." };
    }
    const seqAtBookmark = await this.ctx.storage.get<number>(`recovery:pitr:${id}`);
    if (seqAtBookmark === undefined)
      return { ok: false, code: "bookmark_not_found", message: `No bookmark ${id} taken here.` };
    if (plan.journaled > seqAtBookmark) return this.ahead(seqAtBookmark, plan.journaled);
    const undo = await this.ctx.storage.onNextSessionRestoreBookmark(id);
    const at = Date.now();
    await this.ctx.storage.put(LAST_RESTORE, {
      ok: true,
      bookmark: id,
      bookmark_seq: seqAtBookmark,
      journal_head: plan.journaled,
      stream_cursor: -1,
      rows: 0,
      at,
      undo,
    });
    this.ctx.abort("point-in-time restore");
    throw new Error("restarting");
  }

  /** The last restore's outcome (read after the restoring call rejected). */
  async lastRestore(): Promise<AccountRestored | null> {
    return (await this.ctx.storage.get<AccountRestored>(LAST_RESTORE)) ?? null;
  }

  /** The newest seq of the account's journal (0 before any change). */
  head(): number {
    try {
      return this.sql.one<{ seq: number | null }>`SELECT max(seq) AS seq FROM account_events`?.seq ?? 0;
    } catch {
      return 0; // the schema does not exist yet: nothing was ever journaled
    }
  }

  private ahead(seq: number, journaled: number): AccountRecoveryRefusal {
    return {
      ok: false,
      code: "recovery_conflict",
      message:
        `The journal holds changes of this account after the bookmark (seq ${seq} to ${journaled}): ` +
        "an account cannot be rolled forward; rebuild it with POST /v1/admin/replay instead.",
    };
  }
}
