/**
 * Instrument specs as an Account object sees them: fetched from the registry and
 * kept for a few seconds. Order entry reads tick, lot, limits and fee rates from
 * here; the book checks grid, status and calendar again with its own spec, so a
 * briefly stale copy can only make the Account hold a little more or less than
 * the order needs at the rates fixed on the order.
 */
import type { Instrument } from "../../../shared/instruments/schema.ts";

export class InstrumentCache {
  private readonly fetchSpec: (symbol: string) => Promise<Instrument | null>;
  private readonly ttlMs: number;
  private readonly entries = new Map<string, { spec: Instrument | null; until: number }>();

  constructor(fetchSpec: (symbol: string) => Promise<Instrument | null>, ttlMs = 5_000) {
    this.fetchSpec = fetchSpec;
    this.ttlMs = ttlMs;
  }

  async get(symbol: string): Promise<Instrument | null> {
    const now = Date.now();
    const hit = this.entries.get(symbol);
    if (hit && hit.until > now) return hit.spec;
    const spec = await this.fetchSpec(symbol);
    this.entries.set(symbol, { spec, until: now + (spec ? this.ttlMs : 1_000) });
    return spec;
  }
}
