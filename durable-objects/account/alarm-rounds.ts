/**
 * What an Account's alarm does each time it fires, and when it must fire next: the dead-man
 * timer's cancel-all, orders whose book answer was lost, fees not yet reported, events not yet
 * sent, old idempotency records. Work that keeps failing backs off with full jitter, so
 * accounts that failed together (a book or the fees object down) do not all come back at once.
 */
import { retryDelayMs } from "../runtime/alarm.ts";
import { PENDING_RESOLVE_MS } from "./orders/desk.ts";
import type { AccountParts } from "./parts.ts";

/** Longest extra wait of the alarm's backoff while work keeps failing, ms. */
const MAX_ALARM_BACKOFF_MS = 60_000;

export class AlarmRounds {
  private readonly parts: AccountParts;
  private readonly storage: DurableObjectStorage;
  /** Rounds in a row that left work waiting, and dead-man cancels in a row that failed. */
  private retries = 0;
  private deadManFailures = 0;

  constructor(parts: AccountParts, storage: DurableObjectStorage) {
    this.parts = parts;
    this.storage = storage;
  }

  /** One round: fires the dead-man timer when due, then retries what waits. */
  async fire(): Promise<void> {
    const { record, stored } = this.parts;
    const desk = this.parts.trading?.desk;
    if (!record.row || !desk) return;
    const now = Date.now();
    const deadline = record.cancelAfterAt;
    if (deadline !== null && deadline <= now) {
      const outcome = await desk.cancelAll();
      // Disarmed once everything is cancelled; a book that did not answer is tried again after
      // a backoff with full jitter (about a second at first, at most 30 s).
      this.deadManFailures = outcome.ok ? 0 : this.deadManFailures + 1;
      record.cancelAfterAt = outcome.ok ? null : Date.now() + retryDelayMs(this.deadManFailures, 1_000, 30_000);
    }
    await desk.resolvePending(now - PENDING_RESOLVE_MS);
    await desk.reportFees();
    await stored?.journal.flush();
    stored?.keyed.prune(now);
    this.retries = this.parts.retriesPending() ? this.retries + 1 : 0;
    await this.arm();
  }

  /** Sets the alarm to the dead-man deadline, or soon while work waits (later while it keeps failing). */
  async arm(): Promise<void> {
    const deadline = this.parts.record.cancelAfterAt;
    const backoff = this.retries > 0 ? retryDelayMs(this.retries, PENDING_RESOLVE_MS, MAX_ALARM_BACKOFF_MS) : 0;
    const resolveAt = this.parts.retriesPending() ? Date.now() + PENDING_RESOLVE_MS + backoff : null;
    const next = deadline === null ? resolveAt : resolveAt === null ? deadline : Math.min(deadline, resolveAt);
    if (next === null) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(next);
  }
}
