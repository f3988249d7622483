import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildStatement, fromScaled, type StatementEntry, statementCsv, toScaled } from "./statement.ts";

/** Entries with running balances, as an account's ledger writes them, from an opening balance. */
function ledger(asset: string, opening: bigint, amounts: bigint[], firstId: number): StatementEntry[] {
  let balance = opening;
  return amounts.map((amount, i) => {
    balance += amount;
    return {
      entry_id: firstId + i,
      tx_id: firstId + i,
      time: new Date(1_700_000_000_000 + i).toISOString(),
      time_ms: 1_700_000_000_000 + i,
      type: "trade",
      asset,
      amount: fromScaled(amount * 10n ** 10n, 8),
      balance: fromScaled(balance * 10n ** 10n, 8),
      hold: "0.00000000",
      reference: `r,${i}`,
    };
  });
}

const amounts = fc.array(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), { maxLength: 40 });

describe("statements", () => {
  it("scaled decimals round-trip exactly, signs included", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), (n) => {
        expect(toScaled(fromScaled(n * 10n ** 10n, 8))).toBe(n * 10n ** 10n);
      }),
    );
  });

  it("reconcile: opening + every amount = the last entry's running balance = closing, per asset", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 14n }), amounts, amounts, (open, usd, btc) => {
        const entries = [...ledger("USD", open, usd, 1), ...ledger("BTC", 0n, btc, 1000)];
        const opening = new Map([["USD", fromScaled(open * 10n ** 10n, 8)]]);
        const s = buildStatement({ start: 0, end: 1 }, opening, entries.reverse());
        expect(s.reconciled).toBe(true);
        const usdLine = s.assets.find((a) => a.asset === "USD");
        const last = usd.reduce((a, b) => a + b, open);
        expect(usdLine?.closing).toBe(fromScaled(last * 10n ** 10n, 8));
        // Oldest first, whatever order the ledger gave them in.
        expect(s.entries.map((e) => e.entry_id)).toEqual([...s.entries.map((e) => e.entry_id)].sort((a, b) => a - b));
        const csv = statementCsv(s).trimEnd().split("\r\n");
        expect(csv.length).toBe(1 + 2 * s.assets.length + entries.length);
      }),
    );
  });

  it("does not reconcile when an entry's amount disagrees with the running balances", () => {
    const entries = ledger("USD", 0n, [100n, -30n, 5n], 1);
    (entries[1] as StatementEntry).amount = "-0.00000029";
    const s = buildStatement({ start: 0, end: 1 }, new Map(), entries);
    expect(s.reconciled).toBe(false);
    expect(s.assets[0]).toMatchObject({ asset: "USD", reconciled: false, entries: 3 });
  });

  it("sums credits, debits and fees as positive figures, and quotes CSV fields that need it", () => {
    const entries = ledger("USD", 0n, [100n, -30n, -3n], 1);
    (entries[2] as StatementEntry).type = "fee";
    const s = buildStatement({ start: 0, end: 1 }, new Map(), entries);
    expect(s.assets[0]).toMatchObject({
      credits: "0.00000100",
      debits: "0.00000033",
      fees: "0.00000003",
      closing: "0.00000067",
      reconciled: true,
    });
    expect(statementCsv(s)).toContain('"r,0"');
  });
});
