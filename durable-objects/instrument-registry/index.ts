/**
 * InstrumentRegistry: the list of instruments and their status, in one
 * Durable Object (instrument changes are rare; reads are cached at the edge).
 * Every change is pushed to the instrument's OrderBook, which enforces status
 * authoritatively, before the registry answers. It also moves books between regions
 * (moves.ts): by hand, and at the boundaries of an instrument's home schedule (its alarm);
 * and it fails a book over to another region when its home cannot be reached (failover.ts).
 */
import { DurableObject } from "cloudflare:workers";
import { SQLSchemaMigrations } from "durable-utils/sql-migrations";
import type { ConfigIssue } from "../../shared/config/sections.ts";
import {
  HOME_REGIONS,
  type HomeRegion,
  type HomeSchedule,
  HomeScheduleSchema,
  type Instrument,
  InstrumentSchema,
  type InstrumentStatus,
  NewInstrumentSchema,
} from "../../shared/instruments/schema.ts";
import { SEED_INSTRUMENTS } from "../../shared/instruments/seed.ts";
import type { OrderBook } from "../order-book/index.ts";
import { orderBookStub } from "../order-book/stub.ts";
import { type Sql, sqlOver } from "../runtime/sql.ts";
import { type ApplyResult, configureBooks, planChanges } from "./apply-config.ts";
import { BookFailover, FAILOVER_MIGRATION, type FailoverEnv, type FailoverResult } from "./failover.ts";
import { BookMoves, MOVES_MIGRATION, type MoveResult } from "./moves.ts";
import { effective, OVERLAY_MIGRATION, type OverlaySection, OverlayStore } from "./overlays.ts";
import { alarmAt, schedulePlan } from "./schedule.ts";

export type { FailoverResult } from "./failover.ts";
export type { BookMove, MoveResult } from "./moves.ts";

export interface RegistryEnv extends FailoverEnv {
  ORDER_BOOK: DurableObjectNamespace<OrderBook>;
  /** "true" to list the demo instruments on first start (local development and tests). */
  SEED_INSTRUMENTS?: string;
}

/** The registry is a single object with this name. */
export const REGISTRY_NAME = "global";

export type RegistryResult =
  | { ok: true; instrument: Instrument }
  | {
      ok: false;
      code: "instrument_exists" | "instrument_not_found" | "invalid_instrument" | "instrument_failover";
      message: string;
    };

const MIGRATIONS = [
  {
    idMonotonicInc: 1,
    description: "instruments",
    sql: `CREATE TABLE instruments (symbol TEXT PRIMARY KEY, spec TEXT NOT NULL, updated_at INTEGER NOT NULL);`,
  },
  OVERLAY_MIGRATION,
  MOVES_MIGRATION,
  FAILOVER_MIGRATION,
];

/** What an operator may change on a listing after it is listed (PATCH). */
export interface ListingChange {
  status?: InstrumentStatus | undefined;
  /** A new schedule, or null to stop following one. */
  home_schedule?: HomeSchedule | null | undefined;
}

export class InstrumentRegistry extends DurableObject<RegistryEnv> {
  private readonly sql: Sql;
  /** The `instruments` and `fees` configuration laid over each listing (overlays.ts). */
  private readonly overlays: OverlayStore;
  /** Books moving between regions (moves.ts). */
  private readonly moves: BookMoves;
  /** Books whose home cannot be reached, and their restore elsewhere (failover.ts). */
  private readonly failover: BookFailover;

  constructor(ctx: DurableObjectState, env: RegistryEnv) {
    super(ctx, env);
    this.sql = sqlOver(ctx.storage.sql);
    this.overlays = new OverlayStore(this.sql);
    this.moves = new BookMoves({
      sql: this.sql,
      books: env.ORDER_BOOK,
      listing: (symbol) => this.listing(symbol),
      effective: (listing) => effective(listing, this.overlays.overlays),
      store: (listing) => this.writeListing(listing),
    });
    this.failover = new BookFailover({
      sql: this.sql,
      env,
      listing: (symbol) => this.listing(symbol),
      effective: (listing) => effective(listing, this.overlays.overlays),
      store: (listing) => this.writeListing(listing),
    });
    const migrations = new SQLSchemaMigrations({ doStorage: ctx.storage, migrations: MIGRATIONS });
    void ctx.blockConcurrencyWhile(async () => {
      await migrations.runAll();
      if (env.SEED_INSTRUMENTS === "true") await this.seed();
      await this.armAlarm();
    });
  }

  /** Every instrument as it trades: its listing with the configuration laid over it. */
  async list(): Promise<Instrument[]> {
    const overlays = this.overlays.overlays;
    return this.listings().map((listing) => served(effective(listing, overlays)));
  }

  async get(symbol: string): Promise<Instrument | null> {
    const listing = this.listing(symbol);
    return listing ? served(effective(listing, this.overlays.overlays)) : null;
  }

  /**
   * Takes a version of the `instruments` or `fees` section (the ConfigStore pushes it before it
   * writes it): refused if a listing would become invalid or a book refuses; an older version
   * than the one held is ignored.
   */
  async applyConfig(section: OverlaySection, version: number, document: unknown): Promise<ApplyResult> {
    if (version < this.overlays.version(section)) return { ok: true };
    const { issues, changes } = planChanges(this.listings(), this.overlays.overlays, section, document);
    if (issues.length > 0) return invalidConfig(section, issues);
    const applied = await configureBooks(changes, (spec) => orderBookStub(this.env.ORDER_BOOK, spec).configure(spec));
    if (applied.ok) this.overlays.save(section, version, document);
    return applied;
  }

  private listings(): Instrument[] {
    return this.sql<{ spec: string }>`SELECT spec FROM instruments ORDER BY symbol`.map(
      (r) => JSON.parse(r.spec) as Instrument,
    );
  }

  private listing(symbol: string): Instrument | null {
    const row = this.sql.one<{ spec: string }>`SELECT spec FROM instruments WHERE symbol = ${symbol}`;
    return row ? (JSON.parse(row.spec) as Instrument) : null;
  }

  /** Lists a new instrument (status `pre_open` unless given) and configures its book. */
  async create(input: unknown): Promise<RegistryResult> {
    const parsed = NewInstrumentSchema.safeParse(input);
    if (!parsed.success) return { ok: false, code: "invalid_instrument", message: parsed.error.message };
    const instrument = InstrumentSchema.parse(parsed.data);
    if (this.listing(instrument.symbol)) {
      return { ok: false, code: "instrument_exists", message: `${instrument.symbol} is already listed` };
    }
    await this.save(instrument);
    if (instrument.home_schedule) await this.armAlarm();
    return { ok: true, instrument: served(effective(instrument, this.overlays.overlays)) };
  }

  /** Changes an instrument's status; the book applies it before this returns. */
  async setStatus(symbol: string, status: InstrumentStatus): Promise<RegistryResult> {
    return this.update(symbol, { status });
  }

  /**
   * Changes a listing's status and/or home schedule (null: none); the book has it before this returns.
   * A new schedule applies at once (the book moves now if it names another region).
   */
  update(symbol: string, change: ListingChange): Promise<RegistryResult> {
    return this.moves.exclusive(symbol, () => this.updateNow(symbol, change));
  }

  private async updateNow(symbol: string, change: ListingChange): Promise<RegistryResult> {
    const current = this.listing(symbol);
    if (!current) return { ok: false, code: "instrument_not_found", message: `no instrument ${symbol}` };
    if (current.status === "failover") return inFailover(symbol);
    const next: Record<string, unknown> = { ...current };
    if (change.status !== undefined) next.status = change.status;
    if (change.home_schedule === null) delete next.home_schedule;
    else if (change.home_schedule !== undefined) {
      const schedule = HomeScheduleSchema.safeParse(change.home_schedule);
      if (!schedule.success) return { ok: false, code: "invalid_instrument", message: schedule.error.message };
      next.home_schedule = schedule.data;
    }
    const instrument = InstrumentSchema.parse(next);
    await this.save(instrument);
    if (change.home_schedule !== undefined) {
      this.moves.forgetMovedAt(symbol);
      await this.armAlarm();
    }
    return { ok: true, instrument: served(effective(instrument, this.overlays.overlays)) };
  }

  /**
   * Moves the instrument's book to `region` through a fenced hand-off (moves.ts); a move to where
   * it is already answers `moved: false` and does nothing.
   */
  async move(symbol: string, region: string, reason = "operator"): Promise<MoveResult> {
    if (!(HOME_REGIONS as readonly string[]).includes(region)) {
      return {
        ok: false,
        code: "instrument_conflict",
        message: `${region} is not a region (${HOME_REGIONS.join(", ")})`,
      };
    }
    if (this.failover.inFailover(symbol)) return { ...inFailover(symbol), code: "instrument_conflict" };
    try {
      return await this.moves.move(symbol, region as HomeRegion, reason);
    } finally {
      await this.armAlarm();
    }
  }

  /** The edge could not reach this instrument's book (at `epoch`): failover.ts checks again later. */
  async reportUnreachable(symbol: string, epoch: number): Promise<void> {
    this.failover.reportUnreachable(symbol, epoch, Date.now());
    await this.armAlarm();
  }

  /** Restores a book in failover in `region` from the journal, verified, and resumes it (failover.ts). */
  async restoreFailedOver(symbol: string, region: string, reason = "operator"): Promise<FailoverResult> {
    try {
      return await this.moves.exclusive(symbol, () => this.failover.restore(symbol, region, reason));
    } finally {
      await this.armAlarm();
    }
  }

  /** Finishes moves left half-way, then moves every book whose schedule names another region now. */
  override async alarm(): Promise<void> {
    let failed = false;
    for (const symbol of this.moves.pending()) {
      const out = await this.moves.resume(symbol);
      if (out && !out.ok) failed = true;
    }
    await this.failover.check(Date.now());
    for (const { symbol, region } of this.plan(Date.now()).due) {
      const out = await this.moves.move(symbol, region, "schedule");
      if (!out.ok) failed = true;
    }
    await this.armAlarm(failed);
  }

  private plan(now: number) {
    // A book in failover stays where the restore puts it: no scheduled move until then.
    const listings = this.listings().filter((l) => l.status !== "failover");
    return schedulePlan(listings, now, (symbol) => this.moves.movedAt(symbol));
  }

  /** Arms the alarm at the next schedule boundary, or soon while a move is due or unfinished. */
  private async armAlarm(failed = false): Promise<void> {
    const now = Date.now();
    const scheduled = alarmAt(this.plan(now), this.moves.pending().length, now, failed);
    const check = this.failover.nextCheck(now);
    const at = scheduled === undefined ? check : check === undefined ? scheduled : Math.min(scheduled, check);
    if (at === undefined) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(at);
  }

  /** Stores a listing; its book gets it with the configuration laid over it. */
  private async save(instrument: Instrument): Promise<void> {
    // Book first: if it refuses (e.g. a grid change with open orders), the registry keeps the old spec.
    const spec = InstrumentSchema.parse(effective(instrument, this.overlays.overlays));
    await orderBookStub(this.env.ORDER_BOOK, spec).configure(spec);
    this.writeListing(instrument);
  }

  private writeListing(instrument: Instrument): void {
    const listing = JSON.stringify(instrument);
    this.sql`INSERT INTO instruments (symbol, spec, updated_at) VALUES (${instrument.symbol}, ${listing}, ${Date.now()})
             ON CONFLICT (symbol) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`;
  }

  private async seed(): Promise<void> {
    const existing = this.sql.one<{ n: number }>`SELECT count(*) AS n FROM instruments`;
    if ((existing?.n ?? 0) > 0) return;
    for (const instrument of SEED_INSTRUMENTS) await this.save(instrument);
  }
}

/** An instrument as served: its book epoch always shown (0 before its first move). */
function served(instrument: Instrument): Instrument {
  return { ...instrument, book_epoch: instrument.book_epoch ?? 0 };
}

function inFailover(symbol: string) {
  return {
    ok: false as const,
    code: "instrument_failover" as const,
    message: `${symbol} is in failover: restore its book first (POST /v1/admin/instruments/${symbol}/failover).`,
  };
}

/** The registry's stub. */
export function registryStub(ns: DurableObjectNamespace<InstrumentRegistry>): DurableObjectStub<InstrumentRegistry> {
  return ns.get(ns.idFromName(REGISTRY_NAME));
}

function invalidConfig(section: OverlaySection, issues: ConfigIssue[]): ApplyResult {
  const first = issues[0] as ConfigIssue;
  return {
    ok: false,
    code: "invalid_config",
    message: `The ${section} document is invalid at ${first.path}: ${first.message.replace(/\.$/, "")}.`,
    issues,
  };
}
