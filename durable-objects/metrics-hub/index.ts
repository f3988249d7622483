/**
 * MetricsHub: where holders too numerous to scrape push their metrics (every edge
 * isolate, the queue consumer, Accounts), sharded by name (`hub-0` … `hub-<N-1>`,
 * `METRICS_HUB_SHARDS`, stub.ts). Each shard holds a `MetricsAccumulator`: the totals of
 * every change pushed to it, and each source's latest max gauges while fresh.
 *
 * The totals are counters a scrape sums across shards, so they must outlive the object:
 * each report is written as a row before it is answered (the output gate), and every
 * {@link COMPACT_EVERY} reports the rows are folded into one totals row. A restart
 * absorbs the totals, then the rows since. Max gauges are not kept across a restart: the
 * holders push theirs again within their interval.
 */
import { DurableObject } from "cloudflare:workers";
import { SQLSchemaMigrations } from "durable-utils/sql-migrations";
import { MetricsAccumulator } from "../../shared/metrics/accumulator.ts";
import { isMetricsSnapshot, type MetricsSnapshot } from "../../shared/metrics/registry.ts";
import { type Sql, sqlOver } from "../runtime/sql.ts";
import type { MetricsHubRpc } from "./contract.ts";

export type * from "./contract.ts";

/** Reports between two compactions of the pushed rows into the totals row. */
export const COMPACT_EVERY = 50;
/** How long a source's max gauges count without a new push, ms. */
const GAUGE_TTL_MS = 60_000;
/** Label combinations a shard keeps per metric (every holder's series, merged). */
const MAX_SERIES = 1_000;

const MIGRATIONS = [
  {
    idMonotonicInc: 1,
    description: "metric totals and the reports since they were last compacted",
    sql: `
      CREATE TABLE totals (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE TABLE reports (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL);
    `,
  },
];

export class MetricsHub extends DurableObject implements MetricsHubRpc {
  private readonly sql: Sql;
  private accumulator = new MetricsAccumulator(GAUGE_TTL_MS, MAX_SERIES);
  private sinceCompaction = 0;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.sql = sqlOver(ctx.storage.sql);
    const migrations = new SQLSchemaMigrations({ doStorage: ctx.storage, migrations: MIGRATIONS });
    void ctx.blockConcurrencyWhile(async () => {
      await migrations.runAll();
      this.load();
    });
  }

  /** Totals, then every report since they were compacted. */
  private load(): void {
    this.accumulator = new MetricsAccumulator(GAUGE_TTL_MS, MAX_SERIES);
    const totals = this.sql.one<{ body: string }>`SELECT body FROM totals WHERE id = 1`;
    if (totals) this.accumulator.absorb("totals", JSON.parse(totals.body) as MetricsSnapshot, 0);
    const rows = this.sql<{ source: string; at: number; body: string }>`
      SELECT source, at, body FROM reports ORDER BY id`;
    for (const row of rows) this.accumulator.absorb(row.source, JSON.parse(row.body) as MetricsSnapshot, row.at);
    this.sinceCompaction = rows.length;
  }

  async report(source: string, drained: MetricsSnapshot): Promise<void> {
    if (typeof source !== "string" || source.length === 0 || source.length > 200) {
      throw new TypeError("report(source, drained): source is the holder's name, 1 to 200 characters.");
    }
    if (!isMetricsSnapshot(drained)) {
      throw new TypeError("report(source, drained): drained is what MetricsRegistry.drain() returns.");
    }
    const now = Date.now();
    this.sql`INSERT INTO reports (source, at, body) VALUES (${source}, ${now}, ${JSON.stringify(drained)})`;
    this.accumulator.absorb(source, drained, now);
    if (++this.sinceCompaction >= COMPACT_EVERY) this.compact(now);
  }

  async snapshot(): Promise<MetricsSnapshot> {
    return this.accumulator.snapshot(Date.now());
  }

  /** Folds the reports into the totals row (one commit with the report that triggered it). */
  private compact(now: number): void {
    const body = JSON.stringify(this.accumulator.totals());
    this.sql`INSERT INTO totals (id, body, at) VALUES (1, ${body}, ${now})
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, at = excluded.at`;
    this.sql`DELETE FROM reports`;
    this.sinceCompaction = 0;
  }
}
