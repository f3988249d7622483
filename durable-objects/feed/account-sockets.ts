/**
 * Sockets authenticated as each account on this shard, and their claims on the account's
 * cap (`FEED_MAX_SOCKETS_PER_ACCOUNT`, across shards), which the Account object keeps
 * (durable-objects/account/feed-sockets.ts).
 *
 * A socket is counted when it first gets a session (`auth`, or an upgrade with a bearer
 * token): the shard claims its new count at the Account, which refuses a rise past the
 * cap. A socket that closes lowers the count; counts are leases renewed at the heartbeat
 * every {@link RENEW_MS}, so a shard that vanished without closing its sockets stops
 * counting after {@link LEASE_MS}. Calls about one account are made one after another, so
 * the Account sees each shard's counts in order. After hibernation the counts are rebuilt
 * from the sockets' sessions (`restore`) and renewed at the next heartbeat.
 */
import type { FeedSocketsAnswer, FeedSocketsClaim } from "../account/contract.ts";

/** How often a held count is renewed, ms. */
export const RENEW_MS = 20_000;
/** How long the Account keeps a count without renewal, ms. */
export const LEASE_MS = 60_000;

/** The Account RPC this needs. */
export interface AccountClaims {
  claimFeedSockets(account: string, claim: FeedSocketsClaim): Promise<FeedSocketsAnswer>;
}

export type Admitted = { ok: true } | { ok: false; code: "feed_account_limit" | "unavailable"; message: string };

export class AccountSockets {
  private readonly stub: (account: string) => AccountClaims;
  private readonly shard: () => string;
  private readonly limit: number;
  /** Counted sockets (by their WebSocket) and their account. */
  private readonly counted = new Map<object, string>();
  private readonly counts = new Map<string, number>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly renewedAt = new Map<string, number>();

  constructor(stub: (account: string) => AccountClaims, shard: () => string, limit: number) {
    this.stub = stub;
    this.shard = shard;
    this.limit = limit;
  }

  /** Counts a socket newly authenticated as `account`, if the account may hold one more. */
  async admit(key: object, account: string): Promise<Admitted> {
    if (this.counted.has(key)) return { ok: true };
    this.counted.set(key, account);
    this.bump(account, 1);
    let answer: FeedSocketsAnswer;
    try {
      answer = await this.serial(account, () => this.claim(account));
    } catch (err) {
      this.uncount(key, account);
      return { ok: false, code: "unavailable", message: `The account did not answer (${String(err)}); retry shortly.` };
    }
    if (answer.ok) return { ok: true };
    this.uncount(key, account);
    return {
      ok: false,
      code: "feed_account_limit",
      message: `Account ${account} holds ${answer.held} authenticated feed sockets, the most one account may (FEED_MAX_SOCKETS_PER_ACCOUNT = ${this.limit}): close one first.`,
    };
  }

  /** A counted socket is gone: its account's count here falls. */
  release(key: object): void {
    const account = this.counted.get(key);
    if (account === undefined) return;
    this.counted.delete(key);
    this.bump(account, -1);
    this.report(account);
  }

  /** Counts a socket that woke from hibernation with its session (it already holds its slot). */
  restore(key: object, account: string): void {
    if (this.counted.has(key)) return;
    this.counted.set(key, account);
    this.bump(account, 1);
  }

  /** Renews the counts not renewed for {@link RENEW_MS} (at each heartbeat). */
  renew(now: number): void {
    for (const account of this.counts.keys()) {
      if ((this.renewedAt.get(account) ?? 0) + RENEW_MS > now) continue;
      this.renewedAt.set(account, now);
      this.report(account);
    }
  }

  private uncount(key: object, account: string): void {
    if (this.counted.get(key) !== account) return;
    this.counted.delete(key);
    this.bump(account, -1);
  }

  private bump(account: string, by: number): void {
    const n = (this.counts.get(account) ?? 0) + by;
    if (n > 0) this.counts.set(account, n);
    else {
      this.counts.delete(account);
      this.renewedAt.delete(account);
    }
  }

  /** Claims the account's current count here (read when the call goes out, not when it was queued). */
  private async claim(account: string): Promise<FeedSocketsAnswer> {
    const count = this.counts.get(account) ?? 0;
    const claim: FeedSocketsClaim = { shard: this.shard(), count, limit: this.limit, lease_ms: LEASE_MS };
    const answer = await this.stub(account).claimFeedSockets(account, claim);
    if (answer.ok && count > 0) this.renewedAt.set(account, Date.now());
    return answer;
  }

  private report(account: string): void {
    this.serial(account, () => this.claim(account)).catch((err: unknown) => {
      // The lease runs out at the Account if no later report gets through.
      console.error(
        JSON.stringify({ level: "warn", msg: "feed socket count not reported", account, error: String(err) }),
      );
    });
  }

  /** Runs `call` after the account's earlier calls. */
  private serial<T>(account: string, call: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(account) ?? Promise.resolve();
    const next = previous.then(call, call);
    const settled = next.catch(() => undefined);
    this.chains.set(account, settled);
    void settled.then(() => {
      if (this.chains.get(account) === settled) this.chains.delete(account);
    });
    return next;
  }
}
