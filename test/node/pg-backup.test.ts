/**
 * `npm run db:backup` / `db:restore` (scripts/pg-backup.ts) against a throwaway Debian Postgres of
 * its own: a migrated database with journal rows is dumped (`pg_dump -Fc`), damaged (a journal
 * row changed, a table emptied), restored (`pg_restore --clean`), and the integrity check
 * (rows per table, the journal's md5) finds the damage before and equality after. Skipped
 * without the Debian binaries (PGlite has no pg_dump of its own).
 */

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backup, compareIntegrity, integrity, pgToolsDir, restore } from "../../scripts/pg-backup.ts";
import { dbmate, findPostgresBin, type PostgresServer, startPostgresServer } from "../../scripts/postgres-server.ts";

const bin = findPostgresBin();
const usable = bin !== undefined && pgToolsDir() !== undefined;
if (!usable) console.warn("pg-backup: no Debian pg_dump/postgres (PG_BIN): skipped");

let server: PostgresServer;
let dir: string;
const psql = (sql: string) =>
  execFileSync(join(pgToolsDir() as string, "psql"), [
    "-X",
    "-At",
    "-v",
    "ON_ERROR_STOP=1",
    "-d",
    server.url,
    "-c",
    sql,
  ]).toString();

describe.skipIf(!usable)("pg_dump / pg_restore with the integrity check", () => {
  beforeAll(async () => {
    server = await startPostgresServer({ bin: bin as string });
    await dbmate(server.url, ["up"], { quiet: true });
    dir = mkdtempSync(join(tmpdir(), "pg-backup-"));
    psql(`INSERT INTO journal (stream, key, seq, at, type, body)
          SELECT 'book', 'BTC-USD', g, now(), 'accepted', jsonb_build_object('order_id', 'o' || g) FROM generate_series(1, 50) g`);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("restores exactly what was backed up, and the check sees any damage", async () => {
    const file = join(dir, "db.dump");
    const before = await backup(server.url, file);
    expect(before.tables.journal).toBe(50);
    expect(before.journal_md5).toMatch(/^[0-9a-f]{32}$/);

    psql(`UPDATE journal SET body = '{"order_id":"tampered"}' WHERE seq = 7`);
    psql("DELETE FROM journal WHERE seq > 40");
    const damaged = compareIntegrity(before, await integrity(server.url));
    expect(damaged).toContain("journal: 50 rows before, 40 after");
    expect(damaged.some((d) => d.startsWith("journal md5"))).toBe(true);

    const { differences, actual } = await restore(server.url, file);
    expect(differences).toEqual([]);
    expect(actual).toEqual({ tables: before.tables, journal_md5: before.journal_md5 });
    expect(psql("SELECT body->>'order_id' FROM journal WHERE seq = 7").trim()).toBe("o7");
  }, 60_000);
});
