/**
 * Pushes outbox rows to the Account objects they concern: soon after a commit for
 * accounts that did not make the call (makers, expiries, cancels by others), and
 * from the alarm's sweep for any row left unacknowledged (a caller that crashed
 * before applying its reply, a failed push). A push is acknowledged by the
 * Account's answer; a failure leaves the rows for a later sweep, after a backoff
 * that grows with each failure (exponential, full jitter), so an account that
 * cannot take its rows costs a bounded number of attempts, not one per sweep.
 */
import type { OutboxReceiver } from "./contract.ts";
import { DELIVERY_BATCH, type Outbox } from "./outbox.ts";

export interface DeliveryOptions {
  outbox: Outbox;
  instrument: () => string;
  receiver: (account: string) => OutboxReceiver;
  /** How long pushes wait to coalesce, ms. */
  delayMs: number;
  /** Random in [0, 1) for the backoff's jitter (default Math.random). */
  random?: () => number;
}

/** Rows older than this are swept to their accounts even if the caller should have acked them. */
export const SWEEP_AFTER_MS = 2_000;

/** Backoff after failed pushes: doubling from SWEEP_AFTER_MS, at most this, ms. */
export const MAX_BACKOFF_MS = 60_000;

/**
 * How long to hold an account's pushes back after `failures` failures in a row: none after
 * the first (the next sweep retries, as after a crash), then full jitter, uniform in
 * [0, min(cap, base × 2^(failures − 2))).
 */
export function backoffMs(failures: number, random: () => number, base = SWEEP_AFTER_MS, cap = MAX_BACKOFF_MS): number {
  if (failures < 2) return 0;
  return Math.floor(random() * Math.min(cap, base * 2 ** (failures - 2)));
}

export class OutboxDelivery {
  private readonly options: DeliveryOptions;
  private readonly queued = new Set<string>();
  private readonly inFlight = new Set<string>();
  /** Accounts whose pushes failed: how often, and not before when to try again. */
  private readonly failing = new Map<string, { failures: number; notBefore: number }>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: DeliveryOptions) {
    this.options = options;
  }

  /** Pushes these accounts' rows after the coalescing delay. */
  soon(accounts: Iterable<string>): void {
    for (const a of accounts) this.queued.add(a);
    if (this.queued.size === 0 || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const batch = [...this.queued];
      this.queued.clear();
      const now = Date.now();
      for (const account of batch) if (!this.backingOff(account, now)) void this.deliver(account);
    }, this.options.delayMs);
  }

  /** Delivers to every account with a row logged at or before `before` that is not backing off; resolves when all tries end. */
  async sweep(before: number, now = Date.now()): Promise<void> {
    const accounts = this.options.outbox.accountsWaitingSince(before).filter((a) => !this.backingOff(a, now));
    await Promise.all(accounts.map((a) => this.deliver(a, now)));
  }

  /** Holds `account`'s pushes back until `until` (epoch ms), as after that many failures. */
  holdOff(account: string, until: number, failures = 1): void {
    this.failing.set(account, { failures, notBefore: until });
  }

  /** Sends `account` its rows until none are left or a push fails (backing off from `now`). True when none are left. */
  async deliver(account: string, now = Date.now()): Promise<boolean> {
    if (this.inFlight.has(account)) return false;
    this.inFlight.add(account);
    const { outbox } = this.options;
    try {
      for (;;) {
        const rows = outbox.pending(account);
        if (rows.length === 0) break;
        const ack = await this.options.receiver(account).applyBookEvents(account, this.options.instrument(), rows);
        outbox.ack(account, ack.through);
        if (rows.length < DELIVERY_BATCH) break;
      }
      this.failing.delete(account);
      return true;
    } catch (err) {
      const failures = (this.failing.get(account)?.failures ?? 0) + 1;
      const wait = backoffMs(failures, this.options.random ?? Math.random);
      this.failing.set(account, { failures, notBefore: wait > 0 ? now + wait : 0 });
      console.warn(
        JSON.stringify({
          level: "warn",
          msg: "outbox delivery failed; retried after a backoff",
          instrument: this.options.instrument(),
          account,
          failures,
          retry_in_ms: wait,
          error: String(err),
        }),
      );
      return false;
    } finally {
      this.inFlight.delete(account);
    }
  }

  private backingOff(account: string, now: number): boolean {
    const f = this.failing.get(account);
    return f !== undefined && f.notBefore > now;
  }
}
