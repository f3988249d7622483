/**
 * The dead-letter routes (mount at /v1; `admin`): list, inspect and replay the events the
 * consumer could not write (shared/events/dead-letter-store.ts over Postgres, read through
 * the edge's breaker, history/postgres-reads.ts).
 *
 * Replay checks each dead letter against the current registry (shared/events/validate.ts):
 * as stamped first, then under the newest version of its schema whose body check passes
 * (a version registered to take what the old one refused), and re-stamps it with that
 * version. It claims the good ones (`replayed_at`, only if not set, so two replays never
 * both send one), sends them to `EVENTS`, and gives the claim back if the send fails. The
 * consumer writes by `(stream, key, seq)`, so an event replayed after it was written some
 * other way (a resend) changes nothing.
 */
import type { Context } from "hono";
import { type DbEnv, hasDatabase } from "../../../shared/db/neon.ts";
import {
  claimForReplay,
  type DeadLetterDb,
  type DeadLetterDetail,
  getDeadLetter,
  getDeadLetters,
  listDeadLetters,
  pendingDeadLetters,
  releaseClaim,
} from "../../../shared/events/dead-letter-store.ts";
import { type Envelope, parseEnvelope, queueMessages } from "../../../shared/events/envelope.ts";
import { schemaName } from "../../../shared/events/registry.ts";
import { checkEnvelope, newestAcceptingVersion } from "../../../shared/events/validate.ts";
import { beforeId, nextIdCursor } from "../cursors.ts";
import type { AppEnv } from "../env.ts";
import { readPostgres, retryAfterSeconds } from "../history/postgres-reads.ts";
import {
  DEFAULT_DEAD_LETTER_PAGE,
  getDeadLetter as getDeadLetterRoute,
  listDeadLetters as listDeadLettersRoute,
  MAX_DEAD_LETTER_PAGE,
  replayDeadLetters,
} from "../openapi/contracts/dead-letters.ts";
import { createRouter } from "../openapi/router.ts";
import { problemException } from "../problem.ts";

export const deadLetters = createRouter();

deadLetters.openapi(listDeadLettersRoute, async (c) => {
  const q = c.req.valid("query");
  const before = beforeId(q.cursor);
  const filter = {
    type: q.type,
    reason: q.reason,
    replayed: q.replayed === undefined ? undefined : q.replayed === "true",
  };
  const page = await query(c, (db) => listDeadLetters(db, filter, q.limit ?? DEFAULT_DEAD_LETTER_PAGE, before));
  return c.json({ dead_letters: page.rows, next_cursor: nextIdCursor(page.next) }, 200);
});

deadLetters.openapi(getDeadLetterRoute, async (c) => {
  const { id } = c.req.valid("param");
  const letter = await query(c, (db) => getDeadLetter(db, id));
  if (!letter) throw problemException("not_found", `No dead letter ${id}.`, { extensions: { instance: c.req.path } });
  return c.json(letter as never, 200);
});

type Outcome = "replayed" | "already_replayed" | "invalid" | "not_found";
interface ReplayResult {
  id: number;
  outcome: Outcome;
  version: number | null;
  reason: string | null;
  detail: string | null;
}

deadLetters.openapi(replayDeadLetters, async (c) => {
  const body = c.req.valid("json");
  const queue = c.env.EVENTS;
  if (!queue) {
    throw problemException("unavailable", "Replay sends to the event queue, and this Worker has no EVENTS binding.", {
      extensions: { instance: c.req.path },
    });
  }
  const limit = body.limit ?? MAX_DEAD_LETTER_PAGE;
  const report = await query(c, async (db) => {
    const letters = body.ids
      ? await getDeadLetters(db, [...new Set(body.ids)])
      : await pendingDeadLetters(db, { type: body.type, reason: body.reason }, body.after ?? 0, limit);
    const results = new Map<number, ReplayResult>();
    const good = new Map<number, Envelope>();
    for (const letter of letters) {
      const checked = recheck(letter);
      if (letter.replayed_at !== null) results.set(letter.id, result(letter.id, "already_replayed"));
      else if ("envelope" in checked) good.set(letter.id, checked.envelope);
      else results.set(letter.id, { ...result(letter.id, "invalid"), reason: checked.reason, detail: checked.detail });
    }
    // Claim first: only what this call claimed is sent, so concurrent replays send each once.
    const claimed = await claimForReplay(db, [...good.keys()]);
    const envelopes = claimed.map((id) => good.get(id) as Envelope);
    try {
      for (const call of queueMessages(envelopes)) {
        await queue.sendBatch(call.map((message) => ({ body: message, contentType: "json" })));
      }
    } catch (err) {
      // Not thrown: a queue failure is not the database's (the read breaker must not count it).
      await releaseClaim(db, claimed);
      return { sendError: `sending to the event queue failed: ${String(err)}` };
    }
    for (const id of good.keys()) {
      const envelope = good.get(id) as Envelope;
      results.set(
        id,
        claimed.includes(id)
          ? { ...result(id, "replayed"), version: envelope.version ?? 1 }
          : result(id, "already_replayed"),
      );
    }
    for (const id of body.ids ?? []) if (!results.has(id)) results.set(id, result(id, "not_found"));
    const last = letters.at(-1)?.id;
    return {
      replayed: claimed.length,
      results: [...results.values()].sort((a, b) => a.id - b.id),
      next_after: body.all && letters.length === limit && last !== undefined ? last : null,
    };
  });
  if ("sendError" in report) {
    throw problemException("unavailable", `${report.sendError}; nothing was marked replayed.`, {
      headers: { "retry-after": "5" },
      extensions: { instance: c.req.path },
    });
  }
  return c.json(report, 200);
});

const result = (id: number, outcome: Outcome): ReplayResult => ({
  id,
  outcome,
  version: null,
  reason: null,
  detail: null,
});

/** A dead letter checked against the current registry: the envelope to send (re-stamped if need be), or why not. */
function recheck(letter: DeadLetterDetail): { envelope: Envelope } | { reason: string; detail: string } {
  const check = checkEnvelope(letter.body);
  if (check.ok) return { envelope: check.envelope };
  const { reason, detail } = check.rejected;
  if (reason === "invalid_body" || reason === "unknown_version") {
    // A sound envelope whose body its version refuses: a newer (or other) version may take it.
    const { schema: _schema, version: _version, ...unstamped } = letter.body as Record<string, unknown>;
    const bare = parseEnvelope(unstamped);
    const version = bare ? newestAcceptingVersion(bare) : undefined;
    if (bare && version !== undefined) {
      return { envelope: { ...bare, schema: schemaName(bare.stream, bare.type), version } };
    }
  }
  return { reason, detail };
}

/** Runs `fn` on Postgres; 503 `history_unavailable` (with `Retry-After`) without it or when it fails. */
async function query<T>(c: Context<AppEnv>, fn: (db: DeadLetterDb) => Promise<T>): Promise<T> {
  const env: DbEnv = c.env;
  if (!hasDatabase(env)) {
    throw problemException(
      "history_unavailable",
      "Dead letters live in Postgres, and none is configured (DATABASE_URL).",
      {
        extensions: { instance: c.req.path },
      },
    );
  }
  try {
    return await readPostgres(env, (client) => fn(client));
  } catch (err) {
    console.error(
      JSON.stringify({
        level: "error",
        msg: "dead letters: postgres unavailable",
        request_id: c.get("requestId") ?? null,
        error: err instanceof Error ? err.message : String(err),
      }),
    );
    throw problemException("history_unavailable", "The dead letters could not be read (the database did not answer).", {
      headers: { "retry-after": String(retryAfterSeconds(err)) },
      extensions: { instance: c.req.path },
    });
  }
}
