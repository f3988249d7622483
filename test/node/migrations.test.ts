/**
 * `migrations/` with dbmate against a throwaway Postgres of its own (Debian
 * postgres when installed, else PGlite): `npm run db:migrate` applies them, and
 * up → down → up leaves the same schema, so every migration's down undoes its up.
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NeonWsBridge, startNeonWsBridge } from "../../scripts/neon-ws-bridge.ts";
import { dbmate, type PostgresServer, REPO_ROOT, startTestPostgres } from "../../scripts/postgres-server.ts";
import { withClient } from "../../shared/db/neon.ts";

const TABLES = [
  "accounts",
  "api_keys",
  "candles_1m",
  "dead_letters",
  "fills",
  "instruments",
  "journal",
  "ledger_entries",
  "orders",
  "trades",
];

let server: PostgresServer;
let bridge: NeonWsBridge;

/** `npm run db:migrate` with DATABASE_URL set, as against Neon. */
function npmDbMigrate(url: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", "db:migrate"], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

describe("migrations (dbmate)", () => {
  beforeAll(async () => {
    server = await startTestPostgres();
    bridge = await startNeonWsBridge({ pgHost: server.host, pgPort: server.port });
    console.log(`migrations.test: ${server.version} (${server.kind})`);
  }, 60_000);

  afterAll(async () => {
    await bridge?.close();
    await server?.stop();
  });

  /** Table → sorted "column type nullability" lines, and index names, of one database. */
  async function schema(database: string): Promise<{ tables: string[]; columns: string[]; indexes: string[] }> {
    const url = server.url.replace(/\/postgres\?/, `/${database}?`);
    return withClient({ DATABASE_URL: url, NEON_WS_PROXY: bridge.wsProxy }, async (c) => {
      const tables = await c.query<{ t: string }>(
        "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
      );
      const columns = await c.query<{ l: string }>(
        `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS l
           FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1`,
      );
      const indexes = await c.query<{ l: string }>(
        "SELECT tablename || ' ' || indexdef AS l FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
      );
      return {
        tables: tables.rows.map((r) => r.t),
        columns: columns.rows.map((r) => r.l),
        indexes: indexes.rows.map((r) => r.l),
      };
    });
  }

  it("npm run db:migrate applies every migration to $DATABASE_URL, then finds nothing pending", async () => {
    const first = await npmDbMigrate(server.url);
    expect(first.output).toMatch(/Applied: 20261124000000_init\.sql/);
    expect(first.code).toBe(0);
    const second = await npmDbMigrate(server.url);
    expect(second.code).toBe(0);
    expect(second.output).toMatch(/no pending migrations/);
    const { tables, indexes, columns } = await schema("postgres");
    expect(tables).toEqual([...TABLES, "schema_migrations"].sort());
    expect(columns).toContain("orders.last_seq bigint NO");
    expect(columns).toContain("fills.price numeric NO");
    expect(columns).toContain("api_keys.scopes ARRAY NO");
    const defs = indexes.join("\n");
    expect(defs).toMatch(/journal_pkey .*\(stream, key, seq\)/);
    expect(defs).toMatch(/UNIQUE INDEX .* ON public\.orders USING btree \(account_id, client_order_id\)/);
    expect(defs).toMatch(/orders_account_created_idx .*\(account_id, created_at DESC/);
    expect(defs).toMatch(/fills_account_at_idx .*\(account_id, at DESC/);
    expect(defs).toMatch(/trades_instrument_at_idx .*\(instrument, at DESC/);
    expect(defs).toMatch(/ledger_entries_pkey .*\(account_id, entry_id\)/);
    expect(defs).toMatch(/candles_1m_pkey .*\(instrument, start\)/);
  }, 60_000);

  it("dbmate up, down, up: down removes every table, up restores the identical schema", async () => {
    // A database of its own: `up` creates it, `drop` removes it.
    const url = server.url.replace(/\/postgres\?/, "/migrations_roundtrip?");
    await dbmate(url, ["up"], { quiet: true });
    const before = await schema("migrations_roundtrip");
    expect(before.tables).toEqual([...TABLES, "schema_migrations"].sort());

    // `down` rolls back one migration: once per migration file.
    const files = readdirSync(join(REPO_ROOT, "migrations")).filter((f) => f.endsWith(".sql"));
    for (const _ of files) await dbmate(url, ["down"], { quiet: true });
    const down = await schema("migrations_roundtrip");
    expect(down.tables).toEqual(["schema_migrations"]);

    await dbmate(url, ["up"], { quiet: true });
    expect(await schema("migrations_roundtrip")).toEqual(before);

    const status = await dbmate(url, ["status"], { quiet: true });
    expect(status).toMatch(/\[X\] 20261124000000_init\.sql/);
    expect(status).toMatch(/Pending: 0/);
    if (server.kind === "postgres") await dbmate(url, ["drop"], { quiet: true });
  }, 60_000);
});
