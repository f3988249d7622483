/**
 * The account's feed sockets, Account side: how many sockets are authenticated as this
 * account on each feed shard (so the account holds at most FEED_MAX_SOCKETS_PER_ACCOUNT
 * across all of them), and the revocation notices those shards get.
 *
 * Each shard reports its own count (`claim`): a rise beyond the limit is refused, a fall
 * or a renewal never is. A count is a lease the shard renews while it holds sockets, so a
 * shard that went away without closing them (a deploy) stops counting once its lease runs
 * out. Counts live in memory: after this object restarts they come back with each shard's
 * next renewal, and until then an account may exceed its limit by what it opened meanwhile.
 *
 * When a key or a refresh family of the account is revoked, every shard with a lease here
 * or on the account's user channel is told (`sessionsRevoked`), and ends the user channel
 * of the sockets authenticated with it at once.
 */

/** What a shard reports: it holds `count` sockets of the account; keep that for `lease_ms`. */
export interface FeedSocketsClaim {
  shard: string;
  count: number;
  /** FEED_MAX_SOCKETS_PER_ACCOUNT (the shard's setting: the Account reads no feed vars). */
  limit: number;
  lease_ms: number;
}

/** `held`: the account's sockets over every shard, after the claim when it was granted. */
export type FeedSocketsAnswer = { ok: true; held: number } | { ok: false; held: number };

/** Sessions revoked: access tokens of these refresh families, or of these API keys. */
export interface RevokedSessions {
  families: string[];
  key_ids: string[];
}

/** The part of a feed shard the Account calls about revocations. */
export interface FeedSessionsRpc {
  sessionsRevoked(account: string, revoked: RevokedSessions): Promise<{ sockets: number }>;
}

export interface FeedSocketsDeps {
  /** The account id, once the account exists. */
  account: () => string | undefined;
  /** `FEED_SHARD`, reached as {@link FeedSessionsRpc} (typed by that contract: the shards call back). */
  shards: DurableObjectNamespace;
  /** Shards with sockets on the account's user channel (persisted by the user feed). */
  userShards: () => string[];
}

export class FeedSockets {
  private readonly deps: FeedSocketsDeps;
  private readonly leases = new Map<string, { count: number; until: number }>();

  constructor(deps: FeedSocketsDeps) {
    this.deps = deps;
  }

  /** Records a shard's count; refuses a rise that would take the account past the limit. */
  claim(claim: FeedSocketsClaim, now: number): FeedSocketsAnswer {
    let others = 0;
    for (const [shard, lease] of this.leases) {
      if (lease.until <= now) this.leases.delete(shard);
      else if (shard !== claim.shard) others += lease.count;
    }
    const current = this.leases.get(claim.shard)?.count ?? 0;
    if (claim.count > current && others + claim.count > claim.limit) return { ok: false, held: others + current };
    if (claim.count <= 0) this.leases.delete(claim.shard);
    else this.leases.set(claim.shard, { count: claim.count, until: now + claim.lease_ms });
    return { ok: true, held: others + Math.max(0, claim.count) };
  }

  /** Tells every shard that may hold a socket of these sessions (in the background). */
  revoked(revoked: RevokedSessions): void {
    const account = this.deps.account();
    if (account === undefined || (revoked.families.length === 0 && revoked.key_ids.length === 0)) return;
    const shards = new Set([...this.leases.keys(), ...this.deps.userShards()]);
    for (const name of shards) {
      const shard = this.deps.shards.get(this.deps.shards.idFromName(name)) as unknown as FeedSessionsRpc;
      shard.sessionsRevoked(account, revoked).catch((err: unknown) => {
        // The token's expiry still ends those sockets' grant; order methods re-check revocation anyway.
        console.error(
          JSON.stringify({ level: "warn", msg: "revocation notice failed", account, shard: name, error: String(err) }),
        );
      });
    }
  }
}
