/**
 * The configuration the registry lays over each listing: the `instruments` parameters and the
 * `fees` schedules (shared/config/), one stored version of each, pushed by the ConfigStore.
 * An instrument as served and as its book trades it is its listing with both laid over.
 */
import { type FeesDocument, withFees } from "../../shared/config/fees.ts";
import { type InstrumentsDocument, withParameters } from "../../shared/config/instruments.ts";
import type { Instrument } from "../../shared/instruments/schema.ts";
import type { Sql } from "../runtime/sql.ts";

export type OverlaySection = "instruments" | "fees";

export const OVERLAY_MIGRATION = {
  idMonotonicInc: 2,
  description: "configuration laid over the listings (instruments, fees)",
  sql: `CREATE TABLE config_overlays (section TEXT PRIMARY KEY, version INTEGER NOT NULL, document TEXT NOT NULL);`,
};

export interface Overlays {
  instruments?: InstrumentsDocument | undefined;
  fees?: FeesDocument | undefined;
}

export class OverlayStore {
  private readonly sql: Sql;
  private cached: { overlays: Overlays; versions: Record<OverlaySection, number> } | undefined;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  private load() {
    if (this.cached) return this.cached;
    const overlays: Overlays = {};
    const versions: Record<OverlaySection, number> = { instruments: 0, fees: 0 };
    for (const row of this.sql<{ section: string; version: number; document: string }>`
      SELECT section, version, document FROM config_overlays`) {
      const section = row.section as OverlaySection;
      versions[section] = row.version;
      overlays[section] = JSON.parse(row.document);
    }
    this.cached = { overlays, versions };
    return this.cached;
  }

  get overlays(): Overlays {
    return this.load().overlays;
  }

  version(section: OverlaySection): number {
    return this.load().versions[section];
  }

  save(section: OverlaySection, version: number, document: unknown): void {
    this
      .sql`INSERT INTO config_overlays (section, version, document) VALUES (${section}, ${version}, ${JSON.stringify(document)})
             ON CONFLICT (section) DO UPDATE SET version = excluded.version, document = excluded.document`;
    this.cached = undefined;
  }
}

/** The listing with the overlays laid over it (validate it before a book gets it). */
export function effective(listed: Instrument, overlays: Overlays): Instrument {
  return withFees(withParameters(listed, overlays.instruments), overlays.fees);
}
