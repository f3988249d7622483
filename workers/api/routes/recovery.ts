/**
 * Operator point-in-time recovery (`admin`; docs/recovery.md), over the objects' bookmarks
 * (`durable-objects/order-book/bookmarks.ts`, `durable-objects/account/bookmarks.ts`):
 *
 * - `POST …/books/{symbol}/bookmarks`, `GET` the list; the same under `…/accounts/{account}`.
 * - `POST …/books/{symbol}/restore {bookmark, roll_forward?}`: reads the book's whole journal from
 *   Postgres, folds it (`shared/replay/book.ts`) and hands the book the tail after the bookmark,
 *   so it restores and rolls forward in one transaction; then pushes the registry's current
 *   instrument to it (status changes made after the bookmark stay).
 * - `POST …/accounts/{account}/restore {bookmark}`: the account's journal head decides whether it
 *   may (an account is not rolled forward); the object restarts, so its call rejects and the
 *   outcome is read back.
 * - `GET …/verify`: the replay check of one book or account (`routes/replay.ts`), plus the
 *   journal's head against the live object's.
 * (The drill's loss, `POST …/books/{symbol}/wipe`, is a fault route: routes/faults.ts.)
 */
import { accountStub } from "../../../durable-objects/account/stub.ts";
import { registryStub } from "../../../durable-objects/instrument-registry/index.ts";
import type { BookRestorePlan, JournalTailEvent } from "../../../durable-objects/order-book/contract.ts";
import { bookmarkKind } from "../../../durable-objects/runtime/bookmarks.ts";
import { type DbEnv, hasDatabase, withClient } from "../../../shared/db/neon.ts";
import type { ErrorCode } from "../../../shared/errors/codes.ts";
import type { Instrument } from "../../../shared/instruments/schema.ts";
import { ENGINE_OPTIONS, InstrumentUnits } from "../../../shared/instruments/units.ts";
import { type BookJournalEvent, foldBook } from "../../../shared/replay/book.ts";
import type { ReplayDb } from "../../../shared/replay/index.ts";
import { replaySnapshot } from "../../../shared/replay/restore.ts";
import { accountLedger, bookJournal } from "../../../shared/replay/source.ts";
import type { Env } from "../env.ts";
import { currentBook } from "../instruments.ts";
import {
  accountBookmark,
  accountBookmarks,
  accountRestore,
  accountVerify,
  bookBookmark,
  bookBookmarks,
  bookRestore,
  bookVerify,
} from "../openapi/contracts/recovery.ts";
import { createRouter } from "../openapi/router.ts";
import { problemException } from "../problem.ts";
import { replayAccountInto, replayBookInto } from "./replay.ts";

export const recoveryRoutes = createRouter();

type Refusal = { ok: false; code: string; message: string };
const refused = (r: unknown): r is Refusal => typeof r === "object" && r !== null && (r as Refusal).ok === false;

function refuse(r: Refusal): never {
  const code = (r.code === "faults_disabled" ? "not_found" : r.code) as ErrorCode;
  throw problemException(code, r.message);
}

async function listed(env: Env, symbol: string): Promise<Instrument> {
  const spec = await registryStub(env.INSTRUMENTS).get(symbol);
  if (spec === null) throw problemException("instrument_not_found", `No instrument ${symbol}.`);
  return spec;
}

async function existing(env: Env, account: string) {
  const stub = accountStub(env.ACCOUNT, account);
  if ((await stub.describe(account)) === null) throw problemException("account_not_found", `No account ${account}.`);
  return stub;
}

/** Runs `fn` on Postgres; 503 `history_unavailable` without one or when it does not answer. */
async function journal<T>(env: DbEnv, fn: (db: ReplayDb) => Promise<T>): Promise<T> {
  if (!hasDatabase(env)) {
    throw problemException("history_unavailable", "Recovery needs the journal: no Postgres is configured.");
  }
  try {
    return await withClient(env, (client) =>
      fn({ query: async (text, params) => ({ rows: (await client.query(text, params)).rows }) }),
    );
  } catch (err) {
    throw problemException("history_unavailable", `The journal could not be read: ${String(err)}`, {
      headers: { "retry-after": "5" },
    });
  }
}

async function streamHead(db: ReplayDb, stream: "book" | "account", key: string): Promise<number> {
  const { rows } = await db.query(
    "SELECT coalesce(max(seq), 0)::text AS seq FROM journal WHERE stream = $1 AND key = $2",
    [stream, key],
  );
  return Number((rows[0] as { seq: string }).seq);
}

recoveryRoutes.openapi(bookBookmark, async (c) => {
  const { symbol } = c.req.valid("param");
  await listed(c.env, symbol);
  const out = await (await currentBook(c.env, symbol)).bookmark(c.req.valid("json").kind);
  if (refused(out)) refuse(out);
  return c.json(out, 201);
});

recoveryRoutes.openapi(bookBookmarks, async (c) => {
  const { symbol } = c.req.valid("param");
  await listed(c.env, symbol);
  return c.json({ bookmarks: await (await currentBook(c.env, symbol)).bookmarks() }, 200);
});

recoveryRoutes.openapi(bookRestore, async (c) => {
  const started = Date.now();
  const { symbol } = c.req.valid("param");
  const { bookmark, roll_forward = true } = c.req.valid("json");
  const spec = await listed(c.env, symbol);
  const after = bookmarkSeq(await (await currentBook(c.env, symbol)).bookmarks(), bookmark);
  const { events, tail } = await journal(c.env, async (db) => ({
    events: await bookJournal(db, symbol),
    tail: roll_forward ? await journalTail(db, symbol, after) : [],
  }));
  const plan = bookPlan(spec, events, tail, roll_forward, after);
  const stub = await currentBook(c.env, symbol);
  let out: Awaited<ReturnType<typeof stub.restoreBookmark>>;
  if (bookmarkKind(bookmark) === "pitr") {
    const scheduled = await stub.schedulePitrRestore(bookmark);
    if (refused(scheduled)) refuse(scheduled);
    await stub.restartForRestore().catch(() => undefined); // rejects: the object restarts on the bookmark
    out = await (await currentBook(c.env, symbol)).finishPitrRestore(bookmark, plan);
  } else {
    out = await stub.restoreBookmark(bookmark, plan);
  }
  if (refused(out)) refuse(out);
  await (await currentBook(c.env, symbol)).configure(spec);
  const { ok: _, ...restored } = out;
  return c.json({ ...restored, restart_ms: Date.now() - started }, 200);
});

/** The bookmark's seq when this object lists it (snapshots); else 0, so the whole journal is the tail. */
function bookmarkSeq(list: Array<{ bookmark: string; seq: number }>, id: string): number {
  return list.find((b) => b.bookmark === id)?.seq ?? 0;
}

/** The journal's head and, to roll forward, the whole journal folded plus its tail after `after`. */
function bookPlan(
  spec: Instrument,
  events: BookJournalEvent[],
  tail: JournalTailEvent[],
  roll: boolean,
  after: number,
): BookRestorePlan {
  const journaled = events.at(-1)?.seq ?? 0;
  if (!roll || journaled <= after) return { journaled };
  const rebuilt = foldBook(events);
  if (rebuilt.problems.length > 0) {
    throw problemException(
      "recovery_conflict",
      `The journal does not fold cleanly: ${rebuilt.problems.slice(0, 3).join("; ")}`,
    );
  }
  const { snapshot, skipped } = replaySnapshot(rebuilt, new InstrumentUnits(spec), ENGINE_OPTIONS, Date.now());
  if (skipped.length > 0) throw problemException("recovery_conflict", `Cannot roll forward: ${skipped.join("; ")}`);
  return { journaled, rollForward: { snapshot, tail } };
}

/** The book's journal after `after` with each event's time (epoch ms), for roll forward. */
async function journalTail(db: ReplayDb, symbol: string, after: number): Promise<JournalTailEvent[]> {
  const { rows } = await db.query(
    `SELECT seq::text AS seq, round(extract(epoch FROM at) * 1000)::bigint::text AS at, type, body FROM journal
     WHERE stream = 'book' AND key = $1 AND seq > $2::bigint ORDER BY journal.seq`,
    [symbol, after],
  );
  return (rows as Array<{ seq: string; at: string; type: string; body: unknown }>).map((r) => {
    const body = (typeof r.body === "string" ? JSON.parse(r.body) : r.body) as Record<string, unknown>;
    return { seq: Number(r.seq), at: Number(r.at), body: { ...body, type: r.type } };
  });
}

recoveryRoutes.openapi(bookVerify, async (c) => {
  const { symbol } = c.req.valid("param");
  await listed(c.env, symbol);
  const events = await journal(c.env, (db) => bookJournal(db, symbol));
  const replay = await replayBookInto(c.env, symbol, events, Date.now());
  const live = (await (await currentBook(c.env, symbol)).sequences()).seq;
  const head = events.at(-1)?.seq ?? 0;
  const differences = [...replay.differences];
  if (head !== live) differences.push(`the journal ends at seq ${head}, the live book at ${live}`);
  return c.json(
    {
      equal: differences.length === 0,
      journal_head: head,
      live_seq: live,
      fresh_object: replay.fresh_object,
      differences,
    },
    200,
  );
});

recoveryRoutes.openapi(accountBookmark, async (c) => {
  const { account } = c.req.valid("param");
  const out = await (await existing(c.env, account)).bookmark(c.req.valid("json").kind);
  if (refused(out)) refuse(out);
  return c.json(out, 201);
});

recoveryRoutes.openapi(accountBookmarks, async (c) => {
  const { account } = c.req.valid("param");
  return c.json({ bookmarks: await (await existing(c.env, account)).bookmarks() }, 200);
});

recoveryRoutes.openapi(accountRestore, async (c) => {
  const started = Date.now();
  const { account } = c.req.valid("param");
  const { bookmark } = c.req.valid("json");
  const stub = await existing(c.env, account);
  const journaled = await journal(c.env, (db) => streamHead(db, "account", account));
  const before = await stub.lastRestore();
  let answer: unknown;
  try {
    answer = await stub.restoreBookmark(bookmark, { journaled }, bookmarkKind(bookmark) === "pitr");
  } catch {
    // A restore restarts the object, so the call rejects: its outcome is read back.
  }
  if (refused(answer)) refuse(answer);
  const after = await accountStub(c.env.ACCOUNT, account).lastRestore();
  if (!after || after.bookmark !== bookmark || after.at === before?.at) {
    throw problemException("object_unavailable", "The account did not confirm the restore: ask again.");
  }
  const { ok: _, at: __, ...restored } = after;
  return c.json({ ...restored, seq: after.bookmark_seq, rolled_forward: 0, restart_ms: Date.now() - started }, 200);
});

recoveryRoutes.openapi(accountVerify, async (c) => {
  const { account } = c.req.valid("param");
  await existing(c.env, account);
  const [entries, head] = await journal(
    c.env,
    async (db) => [await accountLedger(db, account), await streamHead(db, "account", account)] as const,
  );
  const replay = await replayAccountInto(c.env, account, entries, Date.now());
  const status = await accountStub(c.env.ACCOUNT, account).journalHead();
  const differences = [...replay.differences];
  if (status !== head) differences.push(`the journal ends at seq ${head}, the live account at ${status}`);
  return c.json(
    {
      equal: differences.length === 0,
      journal_head: head,
      live_seq: status,
      fresh_object: replay.fresh_object,
      differences,
    },
    200,
  );
});
