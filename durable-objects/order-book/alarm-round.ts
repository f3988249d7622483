/**
 * The book's one alarm (runtime/alarm.ts: armed only ever earlier): how it is armed on
 * start, when it must next run, and what a round does. A round expires due GTD orders
 * (committed as a batch is, writer.ts), deletes acknowledged outbox rows, sweeps
 * unacknowledged ones to their accounts, streams unsent events to the Queue, then re-arms.
 * While a hand-off holds the book, a round does nothing.
 */
import type { EngineEvent, MatchingEngine } from "../../shared/engine/index.ts";
import type { Instrument } from "../../shared/instruments/schema.ts";
import type { EarliestAlarm } from "../runtime/alarm.ts";
import type { StreamOut } from "../runtime/stream-out.ts";
import { type OutboxDelivery, SWEEP_AFTER_MS } from "./delivery.ts";
import type { StreamedEvent } from "./event-stream.ts";
import type { BookHandoff } from "./handoff.ts";
import type { Outbox } from "./outbox.ts";

/** Acknowledged outbox rows are deleted at most this long after their acknowledgement, ms. */
export const ACK_FLUSH_MS = 1_000;

export interface AlarmRoundDeps {
  alarmClock: EarliestAlarm;
  outbox: Outbox;
  delivery: OutboxDelivery;
  stream: StreamOut<StreamedEvent>;
  handoff: BookHandoff;
  /** The book's instrument, if configured (an unconfigured book has no round). */
  spec: () => Instrument | undefined;
  engine: () => MatchingEngine;
  /** Writes events atomically, as a batch does (writer.ts). */
  commit: (events: readonly EngineEvent[], now: number) => void;
}

export class AlarmRound {
  private readonly deps: AlarmRoundDeps;

  constructor(deps: AlarmRoundDeps) {
    this.deps = deps;
  }

  /**
   * When the alarm must next run: the next GTD expiry, the outbox sweep while rows wait,
   * or a stream retry while events wait for the Queue.
   */
  nextWake(now: number): number | undefined {
    const { engine, outbox, stream } = this.deps;
    let at = engine().nextExpiry() ?? Number.POSITIVE_INFINITY;
    if (outbox.hasWaiting()) at = Math.min(at, now + SWEEP_AFTER_MS);
    if (outbox.hasAcks()) at = Math.min(at, now + ACK_FLUSH_MS);
    // Backs off (full jitter) while the Queue keeps refusing.
    if (stream.lag() > 0) at = Math.min(at, now + stream.retryDelayMs());
    return at === Number.POSITIVE_INFINITY ? undefined : at;
  }

  /** On start: reads the armed alarm back, and arms it for rows and events left from before a restart. */
  async start(): Promise<void> {
    const { alarmClock, outbox, stream } = this.deps;
    await alarmClock.load();
    // Rows left from before a restart are swept by the alarm.
    if (outbox.hasWaiting()) await alarmClock.armBy(Date.now() + SWEEP_AFTER_MS);
    // Events not yet streamed before a restart too.
    if (stream.lag() > 0) await alarmClock.armBy(Date.now() + stream.retryDelayMs());
  }

  /** Moves the alarm earlier to the next wake from now, if it must run sooner. */
  rearm(): Promise<void> {
    return this.deps.alarmClock.armBy(this.nextWake(Date.now()));
  }

  /**
   * Expires due GTD orders, deletes acknowledged outbox rows, sweeps unacknowledged ones,
   * streams unsent events, then re-arms.
   */
  async run(): Promise<void> {
    const { alarmClock, handoff, engine, outbox, delivery, stream } = this.deps;
    alarmClock.fired();
    // A hand-off holds the book: its successor (or, aborted, this book again) re-arms.
    if (!this.deps.spec() || handoff.paused) return;
    const now = Date.now();
    const events = engine().execute({ type: "tick" }, now);
    if (events.length > 0) this.deps.commit(events, now);
    outbox.flushAcks();
    await delivery.sweep(now);
    await stream.flush();
    await this.rearm();
  }
}
