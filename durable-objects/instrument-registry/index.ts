/**
 * InstrumentRegistry: the list of instruments and their status, in one
 * Durable Object (instrument changes are rare; reads are cached at the edge).
 * Every change is pushed to the instrument's OrderBook, which enforces status
 * authoritatively, before the registry answers.
 */
import { DurableObject } from "cloudflare:workers";
import { SQLSchemaMigrations } from "durable-utils/sql-migrations";
import {
  type Instrument,
  InstrumentSchema,
  type InstrumentStatus,
  NewInstrumentSchema,
} from "../../shared/instruments/schema.ts";
import { SEED_INSTRUMENTS } from "../../shared/instruments/seed.ts";
import type { OrderBook } from "../order-book/index.ts";
import { orderBookStub } from "../order-book/stub.ts";
import { type Sql, sqlOver } from "../runtime/sql.ts";

export interface RegistryEnv {
  ORDER_BOOK: DurableObjectNamespace<OrderBook>;
  /** "true" to list the demo instruments on first start (local development and tests). */
  SEED_INSTRUMENTS?: string;
}

/** The registry is a single object with this name. */
export const REGISTRY_NAME = "global";

export type RegistryResult =
  | { ok: true; instrument: Instrument }
  | { ok: false; code: "instrument_exists" | "instrument_not_found" | "invalid_instrument"; message: string };

const MIGRATIONS = [
  {
    idMonotonicInc: 1,
    description: "instruments",
    sql: `CREATE TABLE instruments (symbol TEXT PRIMARY KEY, spec TEXT NOT NULL, updated_at INTEGER NOT NULL);`,
  },
];

export class InstrumentRegistry extends DurableObject<RegistryEnv> {
  private readonly sql: Sql;

  constructor(ctx: DurableObjectState, env: RegistryEnv) {
    super(ctx, env);
    this.sql = sqlOver(ctx.storage.sql);
    const migrations = new SQLSchemaMigrations({ doStorage: ctx.storage, migrations: MIGRATIONS });
    void ctx.blockConcurrencyWhile(async () => {
      await migrations.runAll();
      if (env.SEED_INSTRUMENTS === "true") await this.seed();
    });
  }

  async list(): Promise<Instrument[]> {
    return this.sql<{ spec: string }>`SELECT spec FROM instruments ORDER BY symbol`.map(
      (r) => JSON.parse(r.spec) as Instrument,
    );
  }

  async get(symbol: string): Promise<Instrument | null> {
    const row = this.sql.one<{ spec: string }>`SELECT spec FROM instruments WHERE symbol = ${symbol}`;
    return row ? (JSON.parse(row.spec) as Instrument) : null;
  }

  /** Lists a new instrument (status `pre_open` unless given) and configures its book. */
  async create(input: unknown): Promise<RegistryResult> {
    const parsed = NewInstrumentSchema.safeParse(input);
    if (!parsed.success) return { ok: false, code: "invalid_instrument", message: parsed.error.message };
    const instrument = InstrumentSchema.parse(parsed.data);
    if (await this.get(instrument.symbol)) {
      return { ok: false, code: "instrument_exists", message: `${instrument.symbol} is already listed` };
    }
    await this.save(instrument);
    return { ok: true, instrument };
  }

  /** Changes an instrument's status; the book applies it before this returns. */
  async setStatus(symbol: string, status: InstrumentStatus): Promise<RegistryResult> {
    const current = await this.get(symbol);
    if (!current) return { ok: false, code: "instrument_not_found", message: `no instrument ${symbol}` };
    const instrument = InstrumentSchema.parse({ ...current, status });
    await this.save(instrument);
    return { ok: true, instrument };
  }

  private async save(instrument: Instrument): Promise<void> {
    // Book first: if it refuses (e.g. a grid change with open orders), the registry keeps the old spec.
    await orderBookStub(this.env.ORDER_BOOK, instrument).configure(instrument);
    const spec = JSON.stringify(instrument);
    this.sql`INSERT INTO instruments (symbol, spec, updated_at) VALUES (${instrument.symbol}, ${spec}, ${Date.now()})
             ON CONFLICT (symbol) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`;
  }

  private async seed(): Promise<void> {
    const existing = this.sql.one<{ n: number }>`SELECT count(*) AS n FROM instruments`;
    if ((existing?.n ?? 0) > 0) return;
    for (const instrument of SEED_INSTRUMENTS) await this.save(instrument);
  }
}

/** The registry's stub. */
export function registryStub(ns: DurableObjectNamespace<InstrumentRegistry>): DurableObjectStub<InstrumentRegistry> {
  return ns.get(ns.idFromName(REGISTRY_NAME));
}
