/**
 * Applying a pushed `instruments` or `fees` version: every listing with the new overlays must be
 * a valid instrument, then each book whose spec changes is configured (grid changes first, as
 * only those can be refused: a book with open orders keeps its tick and lot size), and only
 * then is the version stored. A refusal part-way configures the books already changed back.
 */
import type { ConfigIssue } from "../../shared/config/sections.ts";
import { type Instrument, InstrumentSchema } from "../../shared/instruments/schema.ts";
import { effective, type OverlaySection, type Overlays } from "./overlays.ts";

export type ApplyResult =
  | { ok: true }
  | { ok: false; code: "invalid_config" | "instrument_conflict"; message: string; issues: ConfigIssue[] };

interface Change {
  before: Instrument;
  after: Instrument;
  gridChanged: boolean;
}

/** Symbols the document names, with the path each one is named at. */
function namedSymbols(section: OverlaySection, document: unknown): Array<[string, string]> {
  const doc = (document ?? {}) as Record<string, unknown>;
  if (section === "instruments") return Object.keys(doc).map((s) => [s, s]);
  const perSymbol = (doc.instruments ?? {}) as Record<string, unknown>;
  return Object.keys(perSymbol).map((s) => [s, `instruments.${s}`]);
}

/** What applying the document would change; the issues when some listing would become invalid. */
export function planChanges(
  listings: Instrument[],
  current: Overlays,
  section: OverlaySection,
  document: unknown,
): { issues: ConfigIssue[]; changes: Change[] } {
  const next: Overlays = { ...current, [section]: document };
  const listed = new Set(listings.map((i) => i.symbol));
  const issues: ConfigIssue[] = [];
  for (const [symbol, path] of namedSymbols(section, document)) {
    if (!listed.has(symbol)) issues.push({ path, message: `${symbol} is not listed` });
  }
  const changes: Change[] = [];
  for (const listing of listings) {
    const before = effective(listing, current);
    const parsed = InstrumentSchema.safeParse(effective(listing, next));
    if (!parsed.success) {
      const prefix = section === "instruments" ? listing.symbol : `instruments.${listing.symbol}`;
      for (const issue of parsed.error.issues) {
        issues.push({ path: [prefix, ...issue.path.map(String)].join("."), message: issue.message });
      }
      continue;
    }
    const after = parsed.data;
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    const gridChanged = before.tick_size !== after.tick_size || before.lot_size !== after.lot_size;
    changes.push({ before, after, gridChanged });
  }
  changes.sort((a, b) => Number(b.gridChanged) - Number(a.gridChanged));
  return { issues, changes };
}

/** Configures each changed book; on a refusal, puts back the ones already changed. */
export async function configureBooks(
  changes: Change[],
  configure: (spec: Instrument) => Promise<unknown>,
): Promise<ApplyResult> {
  const done: Change[] = [];
  for (const change of changes) {
    try {
      await configure(change.after);
      done.push(change);
    } catch (err) {
      for (const back of done.reverse()) await configure(back.before).catch(() => undefined);
      const symbol = change.after.symbol;
      const message = err instanceof Error ? err.message : String(err);
      const path = change.gridChanged ? `${symbol}.tick_size` : symbol;
      return {
        ok: false,
        code: "instrument_conflict",
        message: `The ${symbol} book refused the change: ${message} See docs/configuration.md "Changing tick or lot size".`,
        issues: [{ path, message }],
      };
    }
  }
  return { ok: true };
}
