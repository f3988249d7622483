/**
 * The failover's outbox rebuild (shared/replay/outbox-rows.ts): every event an account settles
 * from, taken to the wire as the journal stores it (the book's own `toWireEvent`) and back, is
 * the engine event the book logged; rows are kept only after each account's cursor.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toWireEvent } from "../../durable-objects/order-book/wire.ts";
import type { EngineEvent } from "../../shared/engine/types.ts";
import { InstrumentUnits } from "../../shared/instruments/units.ts";
import { engineEventOf, journalAccounts, rebuildOutbox } from "../../shared/replay/outbox-rows.ts";
import { testInstrument } from "../instrument-spec.ts";

const units = new InstrumentUnits(testInstrument("RB-USD"));
const n = fc.integer({ min: 1, max: 10_000_000 });
const side = fc.constantFrom("buy" as const, "sell" as const);
const account = fc.constantFrom("a1", "a2", "a3");
/** Order ids never spell an account. */
const oid = fc.string({ minLength: 1, maxLength: 8 }).map((s) => `o-${s}`);

const events: fc.Arbitrary<EngineEvent> = fc.oneof(
  fc.record({
    type: fc.constant("accepted" as const),
    id: oid,
    account,
    side,
    kind: fc.constantFrom("limit" as const, "market" as const, "stop_limit" as const),
    tif: fc.constantFrom("gtc" as const, "ioc" as const, "gtd" as const),
    price: n,
    stopPrice: n,
    qty: n,
    expireAt: fc.integer({ min: 1, max: 2 ** 40 }),
    postOnly: fc.boolean(),
    stp: fc.constantFrom("cancel_oldest" as const, "cancel_newest" as const),
  }),
  fc.record({
    type: fc.constant("trade" as const),
    tradeId: n,
    price: n,
    qty: n,
    aggressor: side,
    makerId: oid,
    makerAccount: account,
    takerId: oid,
    takerAccount: account,
    makerRemaining: fc.integer({ min: 0, max: 10_000_000 }),
  }),
  fc.record({
    type: fc.constant("done" as const),
    id: oid,
    account,
    side,
    reason: fc.constantFrom("filled" as const, "cancelled" as const, "expired" as const),
    cause: fc.constantFrom("filled" as const, "user" as const, "gtd" as const),
    remaining: fc.integer({ min: 0, max: 10_000_000 }),
    remainingFunds: fc.integer({ min: 0, max: 10_000_000 }),
  }),
  fc.record({
    type: fc.constant("stop_triggered" as const),
    id: oid,
    account,
    stopPrice: n,
    lastPrice: n,
  }),
  fc.record({
    type: fc.constant("amended" as const),
    id: oid,
    account,
    qty: n,
    remaining: n,
    price: n,
    priorityKept: fc.boolean(),
  }),
  fc.record({
    type: fc.constant("reduced" as const),
    id: oid,
    account,
    by: n,
    remaining: fc.integer({ min: 0, max: 10_000_000 }),
    remainingFunds: fc.integer({ min: 0, max: 10_000_000 }),
    cause: fc.constant("self_trade" as const),
  }),
);

/** As the journal holds it: the wire body, JSON through Postgres. */
const journaled = (event: EngineEvent, seq: number) => ({
  seq,
  type: event.type,
  body: JSON.parse(JSON.stringify(toWireEvent(event, units))) as Record<string, unknown>,
});

describe("outbox rows rebuilt from the journal", () => {
  it("turn every account event back into the engine event the book logged", () => {
    fc.assert(
      fc.property(events, (event) => {
        expect(engineEventOf(journaled(event, 1), units)).toEqual(event);
      }),
    );
  });

  it("keep, per account, exactly the events after its cursor", () => {
    fc.assert(
      fc.property(fc.array(events, { maxLength: 40 }), fc.dictionary(account, fc.nat(40)), (list, cursorsObj) => {
        const journal = list.map((e, i) => journaled(e, i + 1));
        const cursors = new Map(Object.entries(cursorsObj));
        const rows = rebuildOutbox(journal, cursors, units);
        for (const a of journalAccounts(journal)) {
          const expected = journal
            .filter((e) => e.seq > (cursors.get(a) ?? 0))
            .filter((e) => JSON.stringify(e.body).includes(`"${a}"`))
            .map((e) => e.seq);
          expect(rows.filter((r) => r.account === a).map((r) => r.seq)).toEqual(expected);
        }
      }),
    );
  });
});
