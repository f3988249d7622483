/**
 * Loads a book rebuilt from the journal (`shared/replay/restore.ts` `replaySnapshot`) into an
 * object that has never traded (no event logged, no live order): the instrument, the engine
 * restored from the snapshot, the live-order mirror and counters. The sequences are the
 * journal's (its last seq and the level2/trades channel counts); the stream cursor starts
 * there, so nothing already journaled is sent again. A failover's restore also brings the
 * settlement rows the accounts have not applied (shared/replay/outbox-rows.ts). Operators
 * (`POST /v1/admin/replay`) and the registry's failover only.
 */
import { type EngineSnapshot, MatchingEngine } from "../../shared/engine/index.ts";
import { type Instrument, InstrumentSchema } from "../../shared/instruments/schema.ts";
import { ENGINE_OPTIONS } from "../../shared/instruments/units.ts";
import type { LogTail } from "../../shared/replay/log-tail.ts";
import type { RebuiltRow } from "../../shared/replay/outbox-rows.ts";
import type { Outbox } from "./outbox.ts";
import type { BookStore, Sequences } from "./store.ts";

export type JournalSequences = Pick<Sequences, "seq" | "level2" | "trades">;

export type RestoreResult =
  | { ok: true; resting: number; stops: number }
  | { ok: false; code: "book_not_fresh"; message: string };

export function restoreFromJournal(
  storage: DurableObjectStorage,
  store: BookStore,
  outbox: Outbox,
  current: Sequences,
  journal: {
    input: Instrument;
    snapshot: EngineSnapshot;
    seqs?: JournalSequences | undefined;
    /** A failover's settlement rows, rebuilt from the journal after each account's cursor. */
    outbox?: RebuiltRow[] | undefined;
    /** A failover's journal tail (log and trades) and the feed subscribers to push to. */
    tail?: (LogTail & { subscribers: string[] }) | undefined;
  },
): RestoreResult {
  const spec = InstrumentSchema.parse(journal.input);
  if (!store.isPristine(current)) {
    return {
      ok: false,
      code: "book_not_fresh",
      message: "This book has traded: replay restores only into a fresh object.",
    };
  }
  const { snapshot } = journal;
  const engine = MatchingEngine.restore({ ...snapshot, options: ENGINE_OPTIONS });
  const seqs = journal.seqs ?? { seq: 0, level2: 0, trades: 0 };
  const now = Date.now();
  storage.transactionSync(() => {
    store.saveInstrument(spec, now);
    store.restoreState(engine, { ...current, ...seqs }, now);
    outbox.restore(journal.outbox ?? [], now);
    if (journal.tail) store.restoreLog(journal.tail, journal.tail.subscribers, now);
  });
  return { ok: true, resting: snapshot.resting.length, stops: snapshot.stops.length };
}
