/**
 * The versions of every section in SQLite: one row per version, never updated, so the table is
 * the audit log. The live version of a section is its highest.
 */
import type { ConfigSection, ConfigVersion } from "../../shared/config/sections.ts";
import type { Sql } from "../runtime/sql.ts";

export const CONFIG_MIGRATIONS = [
  {
    idMonotonicInc: 1,
    description: "configuration versions (the audit log)",
    sql: `CREATE TABLE config_versions (
            section TEXT NOT NULL,
            version INTEGER NOT NULL,
            author TEXT NOT NULL,
            reason TEXT NOT NULL,
            at_ms INTEGER NOT NULL,
            document TEXT NOT NULL,
            PRIMARY KEY (section, version)
          ) WITHOUT ROWID;`,
  },
];

type Row = { section: string; version: number; author: string; reason: string; at_ms: number; document: string };

function entryOf<S extends ConfigSection>(row: Row): ConfigVersion<S> {
  return {
    section: row.section as S,
    version: row.version,
    author: row.author,
    reason: row.reason,
    at: new Date(row.at_ms).toISOString(),
    at_ms: row.at_ms,
    document: JSON.parse(row.document),
  };
}

export class ConfigLog {
  private readonly sql: Sql;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  latest<S extends ConfigSection>(section: S): ConfigVersion<S> | undefined {
    const row = this.sql.one<Row>`SELECT * FROM config_versions WHERE section = ${section}
                                  ORDER BY version DESC LIMIT 1`;
    return row ? entryOf<S>(row) : undefined;
  }

  at<S extends ConfigSection>(section: S, version: number): ConfigVersion<S> | undefined {
    const row = this.sql.one<Row>`SELECT * FROM config_versions WHERE section = ${section} AND version = ${version}`;
    return row ? entryOf<S>(row) : undefined;
  }

  /** Newest first, at most `limit`. */
  history<S extends ConfigSection>(section: S, limit: number): ConfigVersion<S>[] {
    return this.sql<Row>`SELECT * FROM config_versions WHERE section = ${section}
                         ORDER BY version DESC LIMIT ${limit}`.map((row) => entryOf<S>(row));
  }

  /** The live version of every section written at least once. */
  latestVersions(): Map<ConfigSection, number> {
    const rows = this.sql<{ section: string; version: number }>`
      SELECT section, max(version) AS version FROM config_versions GROUP BY section`;
    return new Map(rows.map((r) => [r.section as ConfigSection, r.version]));
  }

  append(entry: ConfigVersion): void {
    this.sql`INSERT INTO config_versions (section, version, author, reason, at_ms, document)
             VALUES (${entry.section}, ${entry.version}, ${entry.author}, ${entry.reason}, ${entry.at_ms},
                     ${JSON.stringify(entry.document)})`;
  }
}
