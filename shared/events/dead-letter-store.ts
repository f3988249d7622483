/**
 * The `dead_letters` table (migrations/20261207000000_dead_letters.sql): storing what the
 * dead-letter queue delivers (idempotent by `dedup_key`), pages for operators (newest
 * first, keyset by id), and the replay's claim, so one dead letter is sent back once.
 * SQL only, over any client with `query(text, params)` (the Neon driver, PGlite).
 */
import { type DeadLetterRow, jsonSafe } from "./dead-letter.ts";
import type { RejectReason } from "./validate.ts";

/** What the store needs of a Postgres client. */
export interface DeadLetterDb {
  // biome-ignore lint/suspicious/noExplicitAny: rows are read field by field below.
  query(text: string, params?: unknown[]): Promise<{ rows: any[] }>;
}

/** A stored dead letter, as operators see it. */
export interface StoredDeadLetter {
  id: number;
  queue: string;
  received_at: string;
  reason: RejectReason;
  detail: string;
  schema: string | null;
  version: number | null;
  stream: string | null;
  type: string | null;
  key: string | null;
  seq: number | null;
  attempts: number;
  replayed_at: string | null;
  replay_count: number;
}

/** One with what was received. */
export interface DeadLetterDetail extends StoredDeadLetter {
  body: unknown;
}

export interface DeadLetterFilter {
  /** An event type (`trade`) or a schema name (`book.trade`). */
  type?: string | undefined;
  reason?: RejectReason | undefined;
  /** true: only replayed ones; false: only those not replayed yet. */
  replayed?: boolean | undefined;
}

const COLUMNS = `id, queue, received_at, reason, detail, schema, version, stream, type, key, seq, attempts,
  replayed_at, replay_count`;

const WHERE = `($1::text IS NULL OR type = $1 OR stream || '.' || type = $1)
  AND ($2::text IS NULL OR reason = $2)
  AND ($3::boolean IS NULL OR (replayed_at IS NOT NULL) = $3)`;

const filterParams = (f: DeadLetterFilter) => [f.type ?? null, f.reason ?? null, f.replayed ?? null];

// biome-ignore lint/suspicious/noExplicitAny: a row of COLUMNS.
function stored(r: any): StoredDeadLetter {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const time = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());
  return {
    id: Number(r.id),
    queue: r.queue,
    received_at: time(r.received_at) as string,
    reason: r.reason,
    detail: r.detail,
    schema: r.schema,
    version: num(r.version),
    stream: r.stream,
    type: r.type,
    key: r.key,
    seq: num(r.seq),
    attempts: Number(r.attempts),
    replayed_at: time(r.replayed_at),
    replay_count: Number(r.replay_count),
  };
}

/** Stores rows, skipping those already stored (same `dedup_key`); answers the reasons of the new ones. */
export async function insertDeadLetters(db: DeadLetterDb, rows: readonly DeadLetterRow[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const result = await db.query(
    `INSERT INTO dead_letters (dedup_key, queue, received_at, reason, detail, schema, version, stream, type, key, seq,
       body, attempts)
     SELECT dedup_key, queue, received_at, reason, detail, schema, version, stream, type, key, seq, body, attempts
     FROM jsonb_to_recordset($1::jsonb) AS r(dedup_key text, queue text, received_at timestamptz, reason text,
       detail text, schema text, version integer, stream text, type text, key text, seq bigint, body jsonb,
       attempts integer)
     ON CONFLICT (dedup_key) DO NOTHING
     RETURNING reason`,
    // Every string made safe for text and jsonb (no NUL, no lone surrogate): a dead letter is never refused.
    [JSON.stringify(rows.map((r) => jsonSafe(r)))],
  );
  return result.rows.map((r) => String(r.reason));
}

/** A page, newest first: ids below `before` (a previous page's last id). */
export async function listDeadLetters(
  db: DeadLetterDb,
  filter: DeadLetterFilter,
  limit: number,
  before?: number,
): Promise<{ rows: StoredDeadLetter[]; next: number | null }> {
  const result = await db.query(
    `SELECT ${COLUMNS} FROM dead_letters WHERE ${WHERE} AND ($4::bigint IS NULL OR id < $4)
     ORDER BY id DESC LIMIT $5`,
    [...filterParams(filter), before ?? null, limit + 1],
  );
  const rows = result.rows.slice(0, limit).map(stored);
  return { rows, next: result.rows.length > limit ? (rows.at(-1)?.id ?? null) : null };
}

/** One dead letter with its body, or undefined. */
export async function getDeadLetter(db: DeadLetterDb, id: number): Promise<DeadLetterDetail | undefined> {
  const result = await db.query(`SELECT ${COLUMNS}, body FROM dead_letters WHERE id = $1`, [id]);
  const r = result.rows[0];
  return r ? { ...stored(r), body: r.body } : undefined;
}

/** Dead letters by id (those that exist), with their bodies. */
export async function getDeadLetters(db: DeadLetterDb, ids: readonly number[]): Promise<DeadLetterDetail[]> {
  const result = await db.query(`SELECT ${COLUMNS}, body FROM dead_letters WHERE id = ANY($1::bigint[]) ORDER BY id`, [
    ids.map(String),
  ]);
  return result.rows.map((r) => ({ ...stored(r), body: r.body }));
}

/** Not yet replayed ones matching `filter`, oldest first, ids above `after`. */
export async function pendingDeadLetters(
  db: DeadLetterDb,
  filter: Omit<DeadLetterFilter, "replayed">,
  after: number,
  limit: number,
): Promise<DeadLetterDetail[]> {
  const result = await db.query(
    `SELECT ${COLUMNS}, body FROM dead_letters WHERE ${WHERE} AND id > $4 ORDER BY id LIMIT $5`,
    [filter.type ?? null, filter.reason ?? null, false, after, limit],
  );
  return result.rows.map((r) => ({ ...stored(r), body: r.body }));
}

/** Marks ids replayed, only those not replayed yet; answers the ids this call claimed. */
export async function claimForReplay(db: DeadLetterDb, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const result = await db.query(
    `UPDATE dead_letters SET replayed_at = now(), replay_count = replay_count + 1
     WHERE id = ANY($1::bigint[]) AND replayed_at IS NULL RETURNING id`,
    [ids.map(String)],
  );
  return result.rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/** Gives back a claim whose events could not be sent. */
export async function releaseClaim(db: DeadLetterDb, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `UPDATE dead_letters SET replayed_at = NULL, replay_count = replay_count - 1
     WHERE id = ANY($1::bigint[]) AND replayed_at IS NOT NULL`,
    [ids.map(String)],
  );
}
