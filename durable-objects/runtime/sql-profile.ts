/**
 * SQL statement profiling for `npm run profile:orders` (var `SQL_PROFILE="true"`; off
 * everywhere else, where `sqlOver` never calls into this module).
 *
 * Two things a V8 CPU profile cannot tell by itself:
 * - which statement a sample of SQLite's native `exec` belongs to: every `exec` is
 *   called from the same helper, so the profile sees one caller. Here each distinct
 *   statement text is run through its own call site (one of {@link SLOTS}, each a
 *   separate function literal, so a separate node in the profile); the profiler finds
 *   the literals in the bundle in order and maps slot i back to its statement with
 *   {@link sqlProfileReport};
 * - how much each statement does: calls, rows read and rows written (SQLite's own
 *   counters on the cursor), which show a statement whose work grows with the tables.
 *
 * One registry per isolate: locally the edge and every object share one, so the
 * benchmark's route reads what all of them ran.
 */

type Row = Record<string, SqlStorageValue>;
type Exec = (storage: SqlStorage, text: string, values: unknown[]) => Drained;

interface Drained {
  rows: Row[];
  rowsRead: number;
  rowsWritten: number;
}

/** Steps the cursor to the end (where SQLite does its work) inside the slot that called it. */
function drain(cursor: SqlStorageCursor<Row>): Drained {
  const rows = cursor.toArray();
  return { rows, rowsRead: cursor.rowsRead, rowsWritten: cursor.rowsWritten };
}

// The profiler finds slot i as the i-th of these function literals in the bundle (bench/profile).
const SLOTS: readonly Exec[] = [
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)),
  (s, q, v) => drain(s.exec(q, ...v)), // the last slot is shared by every statement beyond the others
];

/** What one statement text did since the last reset. */
export interface StatementStats {
  /** The statement, whitespace collapsed. */
  text: string;
  /** The table it writes (INSERT/UPDATE/DELETE) or first reads. */
  table: string;
  /** Its call site in {@link SLOTS} (line offset after the marker). */
  slot: number;
  calls: number;
  rowsRead: number;
  rowsWritten: number;
}

const byText = new Map<string, StatementStats>();

/** Runs `text` through its statement's own call site, counts it and returns its rows. */
export function execProfiled(storage: SqlStorage, text: string, values: unknown[]): Row[] {
  let stats = byText.get(text);
  if (!stats) {
    const compact = text.replace(/\s+/g, " ").trim();
    const slot = Math.min(byText.size, SLOTS.length - 1);
    stats = { text: compact, table: tableOf(compact), slot, calls: 0, rowsRead: 0, rowsWritten: 0 };
    byText.set(text, stats);
  }
  const run = (SLOTS[stats.slot] as Exec)(storage, text, values);
  stats.calls++;
  stats.rowsRead += run.rowsRead;
  stats.rowsWritten += run.rowsWritten;
  return run.rows;
}

/** Every statement run since the last reset (none while profiling is off). */
export function sqlProfileReport(): { slots: number; statements: StatementStats[] } {
  return { slots: SLOTS.length, statements: [...byText.values()].map((s) => ({ ...s })) };
}

/** Forgets every statement: the next ones take the call sites from the first, so a profile started now can name them all. */
export function resetSqlProfile(): void {
  byText.clear();
}

function tableOf(text: string): string {
  const m =
    /^\s*(?:INSERT(?: OR \w+)? INTO|UPDATE|DELETE FROM)\s+(\w+)/i.exec(text) ?? /\bFROM\s+(\w+)/i.exec(text) ?? null;
  return m ? (m[1] as string) : "?";
}
