/**
 * Bookmarks of an object's SQLite state, for operator point-in-time recovery (docs/recovery.md).
 *
 * Two kinds behind one interface:
 * - `snapshot` (works everywhere, the only kind local workerd supports): every table of the
 *   object is copied into `bm<n>_<table>` inside the object's own storage; restoring copies
 *   them back in one transaction. The last {@link KEEP_SNAPSHOTS} are kept.
 * - `pitr` (Cloudflare only): `ctx.storage.getCurrentBookmark()` / `getBookmarkForTime(t)`;
 *   restoring is `onNextSessionRestoreBookmark(b)` then `ctx.abort()`, so it needs a restart.
 *
 * A snapshot records the schema (every table's `CREATE` statement) it was taken under and is
 * refused after a migration changed it: the copied rows would not fit.
 */

/** Snapshots kept per object; taking one more drops the oldest. */
export const KEEP_SNAPSHOTS = 8;

/** A snapshot bookmark's id: `snap-<n>-<epoch ms>`. */
const SNAPSHOT_ID = /^snap-(\d{1,9})-(\d{1,15})$/;
/** Cloudflare's bookmark format (four dash-separated hex groups). */
const PITR_ID = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

export type BookmarkKind = "snapshot" | "pitr";

export interface BookmarkInfo {
  bookmark: string;
  kind: BookmarkKind;
  /** Epoch ms it was taken. */
  created_at: number;
  /** The object's own sequence at that moment (a book's event seq, an account's last ledger entry). */
  seq: number;
  /** Rows copied (snapshots only; 0 for PITR). */
  rows: number;
}

/** Which kind an id names, or null when it is neither. */
export function bookmarkKind(id: string): BookmarkKind | null {
  if (SNAPSHOT_ID.test(id)) return "snapshot";
  if (PITR_ID.test(id)) return "pitr";
  return null;
}

/**
 * Whether this runtime implements Cloudflare's point-in-time recovery. Local workerd answers
 * `getCurrentBookmark()` with a zero bookmark and throws "does not implement point-in-time
 * recovery" from `getBookmarkForTime`, so the probe is the latter.
 */
export async function pitrAvailable(storage: DurableObjectStorage): Promise<boolean> {
  try {
    await storage.getBookmarkForTime(Date.now());
    return true;
  } catch {
    return false;
  }
}

const META = "recovery_bookmarks";
const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Snapshot bookmarks of one object's tables. Every method runs synchronously (call inside `transactionSync`). */
export class SnapshotBookmarks {
  private readonly sql: SqlStorage;
  private ready = false;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  /** Copies every table into a new snapshot; drops the oldest beyond {@link KEEP_SNAPSHOTS}. */
  take(seq: number, now: number): BookmarkInfo {
    this.init();
    const tables = this.tables();
    const n = (this.sql.exec(`SELECT coalesce(max(n), 0) + 1 AS n FROM ${META}`).one().n as number) ?? 1;
    let rows = 0;
    for (const t of tables) {
      this.sql.exec(`CREATE TABLE "bm${n}_${t.name}" AS SELECT * FROM "${t.name}"`);
      rows += this.sql.exec(`SELECT count(*) AS c FROM "bm${n}_${t.name}"`).one().c as number;
    }
    const id = `snap-${n}-${now}`;
    this.sql.exec(
      `INSERT INTO ${META} (n, id, created_at, seq, rows, schema) VALUES (?, ?, ?, ?, ?, ?)`,
      n,
      id,
      now,
      seq,
      rows,
      JSON.stringify(tables),
    );
    const old = this.sql
      .exec(`SELECT n, schema FROM ${META} ORDER BY n DESC LIMIT -1 OFFSET ${KEEP_SNAPSHOTS}`)
      .toArray();
    for (const r of old) this.drop(r.n as number, JSON.parse(r.schema as string) as TableDef[]);
    return { bookmark: id, kind: "snapshot", created_at: now, seq, rows };
  }

  list(): BookmarkInfo[] {
    this.init();
    return this.sql
      .exec(`SELECT id, created_at, seq, rows FROM ${META} ORDER BY n`)
      .toArray()
      .map((r) => ({
        bookmark: r.id as string,
        kind: "snapshot" as const,
        created_at: r.created_at as number,
        seq: r.seq as number,
        rows: r.rows as number,
      }));
  }

  get(id: string): BookmarkInfo | undefined {
    return this.list().find((b) => b.bookmark === id);
  }

  /**
   * Replaces every table's rows with the snapshot's. Refused (returns a reason) when the
   * snapshot is unknown or the schema changed since. Call inside `transactionSync`.
   */
  restore(id: string): { ok: true; rows: number } | { ok: false; reason: "unknown" | "schema"; message: string } {
    this.init();
    const row = this.sql.exec(`SELECT n, schema FROM ${META} WHERE id = ?`, id).toArray()[0];
    if (!row) return { ok: false, reason: "unknown", message: `No bookmark ${id} on this object.` };
    const saved = JSON.parse(row.schema as string) as TableDef[];
    if (JSON.stringify(saved) !== JSON.stringify(this.tables())) {
      return {
        ok: false,
        reason: "schema",
        message: `The schema changed since ${id} was taken: it cannot be restored.`,
      };
    }
    let rows = 0;
    for (const t of saved) {
      this.sql.exec(`DELETE FROM "${t.name}"`);
      this.sql.exec(`INSERT INTO "${t.name}" SELECT * FROM "bm${row.n}_${t.name}"`);
      rows += this.sql.exec(`SELECT count(*) AS c FROM "${t.name}"`).one().c as number;
    }
    return { ok: true, rows };
  }

  /** Deletes every row of the object's own tables (the drill's loss; snapshots are kept). */
  wipe(): void {
    for (const t of this.tables()) this.sql.exec(`DELETE FROM "${t.name}"`);
  }

  private drop(n: number, tables: TableDef[]): void {
    for (const t of tables) this.sql.exec(`DROP TABLE IF EXISTS "bm${n}_${t.name}"`);
    this.sql.exec(`DELETE FROM ${META} WHERE n = ?`, n);
  }

  /** The object's own tables (not SQLite's, not Cloudflare's `_cf_*`, not snapshots). */
  private tables(): TableDef[] {
    return this.sql
      .exec(`SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name`)
      .toArray()
      .map((r) => ({ name: r.name as string, sql: r.sql as string }))
      .filter((t) => SAFE_NAME.test(t.name) && !/^(sqlite_|_cf_|bm\d+_)/.test(t.name) && t.name !== META);
  }

  private init(): void {
    if (this.ready) return;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS ${META} (
      n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,
      seq INTEGER NOT NULL, rows INTEGER NOT NULL, schema TEXT NOT NULL)`);
    this.ready = true;
  }
}

interface TableDef {
  name: string;
  sql: string;
}
