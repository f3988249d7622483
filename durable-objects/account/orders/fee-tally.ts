/**
 * The fees an account's fills have paid so far, per instrument and quote asset,
 * kept in the object's synchronous KV (so it commits with the fills that change
 * it) and reported to the fees account (`FeesCollector`) as running totals with
 * a growing version: a lost or repeated report is harmless, the next one carries
 * everything.
 */

import { parseAmount } from "../../../shared/ledger/assets.ts";
import type { FeeTotal } from "../../fees/index.ts";
import type { FillView } from "./settle.ts";

const KEY = "fee_tally";

interface TallyState {
  version: number;
  reported: number;
  /** `instrument|asset` → integer minor units. */
  totals: Record<string, string>;
}

export class FeeTally {
  private readonly kv: SyncKvStorage;
  private state: TallyState;

  constructor(kv: SyncKvStorage) {
    this.kv = kv;
    this.state = this.load();
  }

  reload(): void {
    this.state = this.load();
  }

  /** Adds the fills' fees (call inside the transaction that saves the fills). */
  add(fills: readonly FillView[]): void {
    let changed = false;
    for (const f of fills) {
      const parsed = parseAmount(f.fee.startsWith("-") ? f.fee.slice(1) : f.fee, f.fee_asset);
      if (!parsed.ok || parsed.amount === 0n) continue;
      const amount = f.fee.startsWith("-") ? -parsed.amount : parsed.amount;
      const key = `${f.instrument}|${f.fee_asset}`;
      this.state.totals[key] = `${BigInt(this.state.totals[key] ?? "0") + amount}`;
      changed = true;
    }
    if (!changed) return;
    this.state.version += 1;
    this.kv.put(KEY, this.state);
  }

  /** The report to send, or undefined when the fees account has the latest. */
  unreported(): { version: number; totals: FeeTotal[] } | undefined {
    if (this.state.version <= this.state.reported) return undefined;
    const totals = Object.entries(this.state.totals).map(([key, total]) => {
      const [instrument = "", asset = ""] = key.split("|");
      return { instrument, asset, total };
    });
    return { version: this.state.version, totals };
  }

  /** Notes that the fees account holds `version`. */
  reported(version: number): void {
    if (version <= this.state.reported) return;
    this.state.reported = version;
    this.kv.put(KEY, this.state);
  }

  private load(): TallyState {
    const stored = this.kv.get<TallyState>(KEY);
    return stored ? { ...stored, totals: { ...stored.totals } } : { version: 0, reported: 0, totals: {} };
  }
}
