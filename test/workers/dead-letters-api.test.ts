/**
 * The operator's dead-letter API (`/v1/admin/dead-letters`, admin scope): list with filters
 * and pages, inspect one, replay. Replay re-checks against the current registry, sends
 * the good ones back to the event queue (the real one: this Worker consumes it into
 * Postgres) and marks them replayed; replaying again sends nothing, and nothing is ever
 * written twice. Two fixes are replayed: events the Queue gave up because Postgres was
 * down, and events a newly registered schema version accepts.
 */
import { createExecutionContext, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { EVENT_REGISTRY } from "../../shared/events/registry.ts";
import { handleDeadLetterBatch } from "../../workers/consumer/dead-letters.ts";
import { handleEventBatch } from "../../workers/consumer/index.ts";
import { OPERATOR } from "./auth-helpers.ts";
import { batchOf, tradeEnvelope } from "./event-helpers.ts";
import { hasDb, sql, until } from "./postgres-helpers.ts";

const tag = Math.random().toString(36).slice(2, 7).toUpperCase();
const letters = Array.from({ length: 6 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");
const BASE = "http://platform3.test/v1/admin/dead-letters";
const operator = { authorization: OPERATOR, "cf-connecting-ip": "198.19.12.1", "content-type": "application/json" };

interface Letter {
  id: number;
  reason: string;
  type: string | null;
  key: string | null;
  seq: number | null;
  replayed_at: string | null;
  replay_count: number;
}
interface Page {
  dead_letters: Letter[];
  next_cursor: string | null;
}
interface Report {
  replayed: number;
  results: Array<{ id: number; outcome: string; version: number | null; reason: string | null }>;
  next_after: number | null;
}

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await exports.default.fetch(`${BASE}${path}`, { headers: operator });
  return { status: res.status, body: (await res.json()) as T };
}

async function replay(body: unknown): Promise<{ status: number; body: Report }> {
  const res = await exports.default.fetch(`${BASE}/replay`, {
    method: "POST",
    headers: operator,
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Report };
}

/** Dead letters of `key`, newest first, read through the API (every page). */
async function lettersOf(key: string, query = ""): Promise<Letter[]> {
  const out: Letter[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: Page } = await get<Page>(
      `?limit=500${query}${cursor ? `&cursor=${cursor}` : ""}`,
    );
    expect(page.status).toBe(200);
    out.push(...page.body.dead_letters.filter((l) => l.key === key));
    cursor = page.body.next_cursor;
  } while (cursor);
  return out;
}

const journalSeqs = async (key: string) =>
  (await sql<{ seq: string }>("SELECT seq::text FROM journal WHERE key = $1 ORDER BY seq", [key])).map((r) =>
    Number(r.seq),
  );
const tradeCount = async (key: string) =>
  (await sql<{ n: number }>("SELECT count(*)::int AS n FROM trades WHERE instrument = $1", [key]))[0]?.n;

describe("dead-letter API: access and validation", () => {
  it("is for operators only", async () => {
    expect((await exports.default.fetch(BASE, { headers: { "cf-connecting-ip": "198.19.12.2" } })).status).toBe(401);
    const replayed = await exports.default.fetch(`${BASE}/replay`, {
      method: "POST",
      headers: { "cf-connecting-ip": "198.19.12.2", "content-type": "application/json" },
      body: JSON.stringify({ ids: [1] }),
    });
    expect(replayed.status).toBe(401);
  });

  it("refuses bad filters, ids and replay bodies with 400 naming the field, and an unknown id with 404", async () => {
    for (const q of ["?reason=bogus", "?limit=0", "?type=Bad-Type", "?replayed=maybe", "?cursor=%2B%2B"]) {
      const res = await get<{ code: string }>(q);
      expect(res.status, q).toBe(400);
      expect(res.body.code, q).toBe("invalid_request");
    }
    expect((await get<{ code: string }>("/abc")).status).toBe(400);
    expect((await get<{ code: string }>("/999999999999")).body).toMatchObject({ code: "not_found" });
    for (const body of [
      {},
      { ids: [] },
      { ids: [1], all: true },
      { ids: ["x"] },
      { ids: [1], reason: "max_retries" },
    ]) {
      const res = await replay(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe.skipIf(!hasDb)("dead-letter API: list, show, replay", () => {
  it("lists with filters and pages, and shows one with what was received", async () => {
    const key = `DLAL${tag}-USD`;
    const type = `probe_${letters}`;
    const bodies = [1, 2, 3].map((seq) => ({ ...tradeEnvelope(key, seq), type }));
    await handleDeadLetterBatch(batchOf("platform3-events-dlq", [{ envelopes: bodies }]), env);
    const first = await get<Page>(`?type=${type}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.dead_letters.map((l) => l.seq)).toEqual([3, 2]);
    const second = await get<Page>(`?type=book.${type}&limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.dead_letters.map((l) => l.seq)).toEqual([1]);
    expect(second.body.next_cursor).toBeNull();
    expect((await get<Page>(`?type=${type}&reason=invalid_body`)).body.dead_letters).toEqual([]);
    expect((await get<Page>(`?type=${type}&reason=max_retries&replayed=false`)).body.dead_letters).toHaveLength(3);
    const id = first.body.dead_letters[0]?.id as number;
    const shown = await get<Letter & { body: unknown }>(`/${id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ id, reason: "max_retries", type, key, seq: 3, replayed_at: null });
    expect(shown.body.body).toEqual(bodies[2]);
  });

  it("replays events the Queue gave up while Postgres was down: written once, a second replay sends nothing", async () => {
    const key = `DLAR${tag}-USD`;
    const events = [1, 2].map((seq) => tradeEnvelope(key, seq));
    // The last delivery fails (Postgres down): the consumer retries, so the Queue dead-letters the message.
    const down = { ...env, DATABASE_URL: `postgres://postgres@127.0.0.1:1/platform3-${key}` };
    const last = batchOf("platform3-events", [{ envelopes: events }], 11);
    const ctx = createExecutionContext();
    expect(await handleEventBatch(last, down)).toMatchObject({ acked: 0, retried: 1 });
    expect((await getQueueResult(last, ctx)).retryBatch.retry).toBe(true);
    // …which delivers the message as it was to the dead-letter queue.
    await handleDeadLetterBatch(batchOf("platform3-events-dlq", [{ envelopes: events }]), env);
    const stored = await lettersOf(key);
    expect(stored.map((l) => [l.reason, l.seq])).toEqual([
      ["max_retries", 2],
      ["max_retries", 1],
    ]);
    const ids = stored.map((l) => l.id).sort((a, b) => a - b);

    const first = await replay({ ids });
    expect(first.status).toBe(200);
    expect(first.body.replayed).toBe(2);
    expect(first.body.results.map((r) => [r.id, r.outcome, r.version])).toEqual(ids.map((id) => [id, "replayed", 1]));
    await until("the replayed events in Postgres", async () =>
      (await journalSeqs(key)).length === 2 ? true : undefined,
    );
    expect(await tradeCount(key)).toBe(2);
    expect((await lettersOf(key)).every((l) => l.replayed_at !== null && l.replay_count === 1)).toBe(true);

    // Idempotent: nothing sent again, nothing written twice.
    const second = await replay({ ids: [...ids, 999_999_999_999] });
    expect(second.body.replayed).toBe(0);
    expect(second.body.results.map((r) => r.outcome)).toEqual(["already_replayed", "already_replayed", "not_found"]);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await journalSeqs(key)).toEqual([1, 2]);
    expect(await tradeCount(key)).toBe(2);
    expect((await lettersOf(key)).map((l) => l.replay_count)).toEqual([1, 1]);
    expect(await lettersOf(key, "&replayed=false")).toEqual([]);
  });

  it("leaves an event the registry still refuses, and replays it once a new version accepts it", async () => {
    const key = `DLAV${tag}-USD`;
    const bad = tradeEnvelope(key, 1, { aggressor_side: "BUY" });
    // Refused by book.trade v1 and dead-lettered (the real dead-letter queue stores it).
    expect(await handleEventBatch(batchOf("platform3-events", [bad]), env)).toMatchObject({ deadLettered: 1 });
    const [letter] = await until("the dead letter", async () => {
      const l = await lettersOf(key);
      return l.length > 0 ? l : undefined;
    });
    expect(letter).toMatchObject({ reason: "invalid_body", seq: 1 });
    const id = (letter as Letter).id;
    const refused = await replay({ ids: [id] });
    expect(refused.body).toMatchObject({ replayed: 0, results: [{ id, outcome: "invalid", reason: "invalid_body" }] });
    expect((await lettersOf(key))[0]?.replayed_at).toBeNull();

    // The fix: book.trade v2 takes upper-case sides. Replay re-stamps the event v2 and the consumer writes it.
    const v1 = EVENT_REGISTRY.find("book.trade", 1)?.body as z.ZodObject;
    EVENT_REGISTRY.register({
      schema: "book.trade",
      version: 2,
      stream: "book",
      type: "trade",
      body: v1.extend({ aggressor_side: z.enum(["buy", "sell", "BUY", "SELL"]) }),
    });
    try {
      // `all`, from just before this one, one at a time (other files' dead letters share the table).
      const fixed = await replay({ all: true, type: "book.trade", reason: "invalid_body", after: id - 1, limit: 1 });
      expect(fixed.status).toBe(200);
      expect(fixed.body).toMatchObject({
        replayed: 1,
        results: [{ id, outcome: "replayed", version: 2 }],
        next_after: id,
      });
      await until("the fixed event in Postgres", async () =>
        (await journalSeqs(key)).length === 1 ? true : undefined,
      );
      const again = await replay({ ids: [id] });
      expect(again.body.results).toMatchObject([{ id, outcome: "already_replayed" }]);
    } finally {
      EVENT_REGISTRY.unregisterLatest("book.trade");
    }
    expect(await journalSeqs(key)).toEqual([1]);
    const journal = await sql<{ body: { aggressor_side: string } }>("SELECT body FROM journal WHERE key = $1", [key]);
    expect(journal[0]?.body.aggressor_side).toBe("BUY");
  });
});
