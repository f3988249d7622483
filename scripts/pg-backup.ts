/**
 * `npm run db:backup` / `npm run db:restore` (docs/recovery.md): a logical backup of Postgres
 * with `pg_dump -Fc` and its restore with `pg_restore --clean`, each followed by an integrity
 * check: the row count of every table in `public` and an md5 of the whole journal (every
 * `stream:key:seq:type:body` in key order), saved beside the dump as `<file>.manifest.json`
 * and compared after a restore.
 *
 *   npm run db:backup  -- [--database-url URL] [--out FILE]      (default .data/backups/<time>.dump)
 *   npm run db:restore -- --in FILE [--database-url URL]
 *
 * The URL defaults to `$DATABASE_URL`, else the local database of `npm run dev`. The binaries
 * (`pg_dump`, `pg_restore`, `psql`) come from `$PG_BIN`, else the newest Debian version, else the
 * PATH. Exit code 0 when the check passed, 1 when it did not, 2 when it could not run.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { LOCAL_DATABASE_URL } from "./pg-local.ts";
import { REPO_ROOT } from "./postgres-server.ts";

/** What the check compares: rows per table and the journal's checksum. */
export interface Integrity {
  tables: Record<string, number>;
  journal_md5: string;
}

/** The directory holding pg_dump: `$PG_BIN`, the newest Debian version, or undefined (use the PATH). */
export function pgToolsDir(): string | undefined {
  const candidates = [process.env.PG_BIN, ...["17", "16", "15", "14"].map((v) => `/usr/lib/postgresql/${v}/bin`)];
  return candidates.find((d) => d !== undefined && existsSync(join(d, "pg_dump")));
}

function tool(name: string): string {
  const dir = pgToolsDir();
  return dir ? join(dir, name) : name;
}

/** Whether pg_dump can be run here. */
export async function hasPgDump(): Promise<boolean> {
  return run("pg_dump", ["--version"]).then(
    () => true,
    () => false,
  );
}

function run(name: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool(name), args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err)
        reject(new Error(`${name} ${args.filter((a) => !a.includes("://")).join(" ")}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

const psql = (url: string, query: string) =>
  run("psql", ["-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", query]);

/** Row counts of every table in `public` and the journal's md5. */
export async function integrity(url: string): Promise<Integrity> {
  const names = (
    await psql(
      url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
  )
    .split("\n")
    .filter((n) => /^[a-z_][a-z0-9_]*$/.test(n));
  const tables: Record<string, number> = {};
  if (names.length > 0) {
    const counts = await psql(url, names.map((n) => `SELECT '${n}', count(*) FROM "${n}"`).join(" UNION ALL "));
    for (const line of counts.split("\n").filter(Boolean)) {
      const [name, n] = line.split("|");
      tables[name as string] = Number(n);
    }
  }
  const journal_md5 = names.includes("journal")
    ? (
        await psql(
          url,
          "SELECT md5(coalesce(string_agg(stream || ':' || key || ':' || seq || ':' || type || ':' || body::text, " +
            "E'\\n' ORDER BY stream, key, seq), '')) FROM journal",
        )
      ).trim()
    : "";
  return { tables, journal_md5 };
}

/** The differences between two checks (empty: equal). */
export function compareIntegrity(before: Integrity, after: Integrity): string[] {
  const out: string[] = [];
  for (const name of new Set([...Object.keys(before.tables), ...Object.keys(after.tables)])) {
    if (before.tables[name] !== after.tables[name]) {
      out.push(`${name}: ${before.tables[name] ?? "absent"} rows before, ${after.tables[name] ?? "absent"} after`);
    }
  }
  if (before.journal_md5 !== after.journal_md5)
    out.push(`journal md5 ${before.journal_md5} before, ${after.journal_md5} after`);
  return out;
}

/** `pg_dump -Fc` of `url` into `file`, and its manifest beside it. */
export async function backup(url: string, file: string): Promise<Integrity> {
  mkdirSync(dirname(file), { recursive: true });
  const before = await integrity(url);
  await run("pg_dump", ["-Fc", "--no-owner", "-f", file, "-d", url]);
  writeFileSync(
    `${file}.manifest.json`,
    `${JSON.stringify({ created_at: new Date().toISOString(), ...before }, null, 2)}\n`,
  );
  return before;
}

/** `pg_restore --clean --if-exists` of `file` into `url`, then the check against the manifest. */
export async function restore(
  url: string,
  file: string,
): Promise<{ expected: Integrity; actual: Integrity; differences: string[] }> {
  const expected = JSON.parse(readFileSync(`${file}.manifest.json`, "utf8")) as Integrity;
  await run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction", "-d", url, file]);
  const actual = await integrity(url);
  return { expected, actual, differences: compareIntegrity(expected, actual) };
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: { "database-url": { type: "string" }, out: { type: "string" }, in: { type: "string" } },
  });
  const url = values["database-url"] ?? process.env.DATABASE_URL ?? LOCAL_DATABASE_URL;
  if (!(await hasPgDump())) {
    console.error("pg_dump is not installed: apt-get install postgresql-client (or set PG_BIN).");
    return 2;
  }
  if (command === "backup") {
    const file =
      values.out ?? join(REPO_ROOT, ".data", "backups", `${new Date().toISOString().replace(/[:.]/g, "-")}.dump`);
    const check = await backup(url, file);
    const rows = Object.values(check.tables).reduce((a, b) => a + b, 0);
    console.log(
      `backup ${file}: ${Object.keys(check.tables).length} tables, ${rows} rows, journal md5 ${check.journal_md5}`,
    );
    return 0;
  }
  if (command === "restore") {
    if (!values.in) {
      console.error("usage: npm run db:restore -- --in FILE [--database-url URL]");
      return 2;
    }
    const { differences } = await restore(url, values.in);
    for (const d of differences) console.log(`DIFFERENT ${d}`);
    console.log(
      differences.length === 0
        ? `restored ${values.in}: integrity equal`
        : `restored ${values.in}: integrity DIFFERENT`,
    );
    return differences.length === 0 ? 0 : 1;
  }
  console.error("usage: pg-backup.ts backup|restore [options]");
  return 2;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(2);
    },
  );
}
