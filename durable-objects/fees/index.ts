/**
 * FeesCollector: the exchange's fees account, one object ("fees"). Every Account
 * object reports the fees its fills have paid so far, as running totals per
 * instrument and quote asset with a version that only grows. Keeping the latest
 * totals per source (never adding deltas) makes a report idempotent: a repeat or
 * an older report changes nothing, so delivery may be at least once.
 *
 * The collected total per asset is the sum over sources; with every account's
 * balances it closes the books: Σ totals + fees = deposits − withdrawals.
 */
import { DurableObject } from "cloudflare:workers";
import { SQLSchemaMigrations } from "durable-utils/sql-migrations";
import { formatAmount } from "../../shared/ledger/assets.ts";
import { type Sql, sqlOver } from "../runtime/sql.ts";

/** The one fees object's name. */
export const FEES_NAME = "fees";

/** A source account's fees so far on one instrument, in minor units of the quote asset. */
export interface FeeTotal {
  instrument: string;
  asset: string;
  /** Integer minor units as a string (negative: rebates exceed fees). */
  total: string;
}

export interface FeesSummary {
  /** Per asset, decimal strings. */
  assets: Array<{ asset: string; collected: string }>;
  instruments: Array<{ instrument: string; asset: string; collected: string }>;
  sources: number;
}

const MIGRATIONS = [
  {
    idMonotonicInc: 1,
    description: "running fee totals per source account, instrument and asset",
    sql: `
      CREATE TABLE sources (account TEXT PRIMARY KEY, version INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE fee_totals (
        account TEXT NOT NULL,
        instrument TEXT NOT NULL,
        asset TEXT NOT NULL,
        total TEXT NOT NULL,
        PRIMARY KEY (account, instrument, asset)
      ) WITHOUT ROWID;
    `,
  },
];

export class FeesCollector extends DurableObject {
  private readonly sql: Sql;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.sql = sqlOver(ctx.storage.sql);
    const migrations = new SQLSchemaMigrations({ doStorage: ctx.storage, migrations: MIGRATIONS });
    void ctx.blockConcurrencyWhile(() => migrations.runAll());
  }

  /** Records `account`'s totals at `version` unless a newer report is in; answers the version kept. */
  async report(account: string, version: number, totals: FeeTotal[]): Promise<{ version: number }> {
    const kept = this.sql.one<{ version: number }>`SELECT version FROM sources WHERE account = ${account}`;
    if (kept && kept.version >= version) return { version: kept.version };
    this.ctx.storage.transactionSync(() => {
      for (const t of totals) {
        this
          .sql`INSERT INTO fee_totals (account, instrument, asset, total) VALUES (${account}, ${t.instrument}, ${t.asset}, ${t.total})
                 ON CONFLICT (account, instrument, asset) DO UPDATE SET total = excluded.total`;
      }
      this.sql`INSERT INTO sources (account, version, updated_at) VALUES (${account}, ${version}, ${Date.now()})
               ON CONFLICT (account) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`;
    });
    return { version };
  }

  /** Fees collected per asset and per instrument. */
  async summary(): Promise<FeesSummary> {
    const byAsset = new Map<string, bigint>();
    const byInstrument = new Map<string, { instrument: string; asset: string; total: bigint }>();
    for (const row of this.sql<{ instrument: string; asset: string; total: string }>`
      SELECT instrument, asset, total FROM fee_totals`) {
      const amount = BigInt(row.total);
      byAsset.set(row.asset, (byAsset.get(row.asset) ?? 0n) + amount);
      const key = `${row.instrument}|${row.asset}`;
      const entry = byInstrument.get(key) ?? { instrument: row.instrument, asset: row.asset, total: 0n };
      entry.total += amount;
      byInstrument.set(key, entry);
    }
    const sources = this.sql.one<{ n: number }>`SELECT count(*) AS n FROM sources`?.n ?? 0;
    return {
      assets: [...byAsset].sort().map(([asset, total]) => ({ asset, collected: formatAmount(total, asset) })),
      instruments: [...byInstrument.values()]
        .sort((a, b) => a.instrument.localeCompare(b.instrument))
        .map((e) => ({ instrument: e.instrument, asset: e.asset, collected: formatAmount(e.total, e.asset) })),
      sources,
    };
  }
}
