/**
 * The real `@neondatabase/serverless` driver, inside workerd, reaching the run's
 * Postgres (test/global-setup-postgres.ts: Debian postgres, else PGlite) through
 * the WebSocket-to-TCP bridge, configured only by the `DATABASE_URL` and
 * `NEON_WS_PROXY` bindings via shared/db/neon.ts, as in `npm run dev`.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { hasDatabase, poolFor, transaction, withClient } from "../../shared/db/neon.ts";
import type {} from "../global-setup-context.ts";

const run = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

describe(`Postgres through the Neon driver and the bridge (${inject("postgresKind")})`, () => {
  it("has DATABASE_URL and NEON_WS_PROXY bindings and reaches the server", async () => {
    expect(hasDatabase(env)).toBe(true);
    expect(env.NEON_WS_PROXY).toMatch(/^127\.0\.0\.1:\d+\/v2$/);
    const { rows } = await withClient(env, (c) => c.query<{ version: string }>("SELECT version() AS version"));
    expect(rows[0]?.version).toMatch(/PostgreSQL/);
    console.log(`postgres.test: ${inject("postgresVersion")} (${inject("postgresKind")})`);
  });

  it("appends to the journal idempotently: the same (stream, key, seq) twice is one row", async () => {
    const key = `BTC-USD-${run}`;
    const insert = `INSERT INTO journal (stream, key, seq, at, type, body)
                    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (stream, key, seq) DO NOTHING`;
    const params = ["book", key, 1, "2026-11-24T12:00:00.000Z", "trade", JSON.stringify({ price: "100.5", size: "2" })];
    const counts = await withClient(env, async (c) => {
      const first = await c.query(insert, params);
      const second = await c.query(insert, params);
      return [first.rowCount, second.rowCount];
    });
    expect(counts).toEqual([1, 0]);
    const { rows } = await withClient(env, (c) =>
      c.query<{ n: string; body: { price: string } }>(
        "SELECT count(*) OVER () AS n, body FROM journal WHERE stream = 'book' AND key = $1",
        [key],
      ),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.n).toBe("1");
    expect(rows[0]?.body).toEqual({ price: "100.5", size: "2" });
  });

  it("commits a transaction as a whole, and rolls it back as a whole on a throw", async () => {
    const committed = `acct-c-${run}`;
    const rolledBack = `acct-r-${run}`;
    await transaction(env, async (c) => {
      await c.query("INSERT INTO accounts (account_id, name, created_at) VALUES ($1, 'c', now())", [committed]);
      await c.query(
        "INSERT INTO journal (stream, key, seq, at, type, body) VALUES ('account', $1, 1, now(), 'created', '{}')",
        [committed],
      );
    });
    await expect(
      transaction(env, async (c) => {
        await c.query("INSERT INTO accounts (account_id, name, created_at) VALUES ($1, 'r', now())", [rolledBack]);
        await c.query(
          "INSERT INTO journal (stream, key, seq, at, type, body) VALUES ('account', $1, 1, now(), 'created', '{}')",
          [rolledBack],
        );
        // Same primary key again: the statement fails, so nothing of this transaction remains.
        await c.query("INSERT INTO accounts (account_id, name, created_at) VALUES ($1, 'r', now())", [rolledBack]);
      }),
    ).rejects.toThrow(/duplicate key/);
    const { rows } = await withClient(env, (c) =>
      c.query<{ account_id: string; journal: string }>(
        `SELECT a.account_id, (SELECT count(*) FROM journal j WHERE j.stream = 'account' AND j.key = a.account_id) AS journal
           FROM accounts a WHERE a.account_id = ANY($1) ORDER BY a.account_id`,
        [[committed, rolledBack]],
      ),
    );
    expect(rows).toEqual([{ account_id: committed, journal: "1" }]);
    const orphans = await withClient(env, (c) =>
      c.query("SELECT 1 FROM journal WHERE stream = 'account' AND key = $1", [rolledBack]),
    );
    expect(orphans.rowCount).toBe(0);
  });

  it("round-trips numeric exactly (as strings), beyond what a double holds", async () => {
    const big = "12345678901234567890.12345678";
    const account = `acct-n-${run}`;
    const { rows } = await withClient(env, async (c) => {
      await c.query(
        `INSERT INTO ledger_entries (account_id, entry_id, tx_id, at, type, asset, amount, balance, hold, reference)
         VALUES ($1, 1, 1, now(), 'deposit', 'USD', $2, $2, '0', 'dep-1')`,
        [account, big],
      );
      return c.query<{ amount: string; balance: string; doubled: string; echoed: string }>(
        "SELECT amount, balance, amount * 2 AS doubled, $2::numeric AS echoed FROM ledger_entries WHERE account_id = $1",
        [account, big],
      );
    });
    expect(rows).toEqual([{ amount: big, balance: big, doubled: "24691357802469135780.24691356", echoed: big }]);
  });

  it("the bridge connects only to its own Postgres: another address is refused", async () => {
    const elsewhere = (env.DATABASE_URL ?? "").replace(/@127\.0\.0\.1:\d+\//, "@127.0.0.1:1/");
    expect(elsewhere).toContain("@127.0.0.1:1/");
    await expect(
      withClient({ DATABASE_URL: elsewhere, NEON_WS_PROXY: env.NEON_WS_PROXY }, (c) => c.query("SELECT 1")),
    ).rejects.toThrow();
  });

  it("serves concurrent queries from a pool, each on its own bridged connection", async () => {
    const pool = poolFor(env, { max: 4 });
    try {
      const results = await Promise.all(
        [1, 2, 3, 4, 5, 6].map((i) => pool.query<{ i: number }>("SELECT $1::int AS i, pg_sleep(0.01)", [i])),
      );
      expect(results.map((r) => r.rows[0]?.i)).toEqual([1, 2, 3, 4, 5, 6]);
    } finally {
      await pool.end();
    }
  });
});
