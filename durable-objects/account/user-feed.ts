/**
 * The account's `user` channel, Account side: which feed shards have sockets
 * on it (persisted, so pushes resume after a restart), and the messages each
 * committed change of the order desk becomes — `order`, `fill` and `balance`,
 * numbered by one contiguous per-account `seq` (persisted too).
 *
 * A shard registers with `subscribe` and gets a snapshot (open orders and
 * balances) at the current seq, computed in the same turn as the registration,
 * so every message after it has a larger seq. Pushes to one shard are chained
 * so it receives them in seq order; a shard that answers `subscribed: false`
 * (no socket of this account left there) is forgotten, unless it registered
 * again meanwhile (each registration gets a newer generation).
 */
import type { Sql } from "../runtime/sql.ts";
import type { BalanceView } from "./funds.ts";
import type { DeskUpdates } from "./orders/desk.ts";
import type { OrderView } from "./orders/record.ts";
import type { FillView } from "./orders/settle.ts";

interface UserBase {
  channel: "user";
  /** Contiguous per account: a client that sees seq ≠ last seq + 1 missed something. */
  seq: number;
  /** Epoch ms when the message was made. */
  time: number;
}

/** One message of the user channel. */
export type UserMessage =
  | (UserBase & { type: "order"; order: OrderView })
  | (UserBase & { type: "fill"; fill: FillView })
  | (UserBase & { type: "balance"; balances: BalanceView[] });

/** The account's state at `seq`: open orders and every balance. */
export interface UserSnapshot extends UserBase {
  type: "snapshot";
  orders: OrderView[];
  balances: BalanceView[];
}

export type UserSubscribeReply =
  | { ok: true; snapshot: UserSnapshot }
  | { ok: false; code: "account_not_found"; message: string };

/** The part of a feed shard the Account calls. */
export interface UserShardRpc {
  /** Delivers messages; `subscribed: false` tells the account to stop pushing there. */
  pushUser(account: string, messages: UserMessage[]): Promise<{ subscribed: boolean }>;
}

export interface UserFeedDeps {
  sql: Sql;
  account: string;
  shard: (name: string) => UserShardRpc;
  openOrders: () => OrderView[];
  balances: () => BalanceView[];
}

export class UserFeed {
  private readonly deps: UserFeedDeps;
  private seq: number;
  /** Subscribed shards by name, with their registration generation. */
  private readonly shards = new Map<string, number>();
  private readonly chains = new Map<string, Promise<void>>();
  /** Balances as last sent, by asset (JSON): a change not reported by the desk (a hold) is still noticed. */
  private baseline = new Map<string, string>();

  constructor(deps: UserFeedDeps) {
    this.deps = deps;
    this.seq = deps.sql.one<{ seq: number }>`SELECT seq FROM user_feed WHERE id = 1`?.seq ?? 0;
    for (const row of deps.sql<{ shard: string; since: number }>`SELECT shard, since FROM user_subscribers`) {
      this.shards.set(row.shard, row.since);
    }
  }

  /** Registers a shard (again) and returns the snapshot its sockets start from. */
  subscribe(shard: string): UserSnapshot {
    let top = 0;
    for (const since of this.shards.values()) top = Math.max(top, since);
    const generation = Math.max(top, Date.now()) + 1;
    const balances = this.deps.balances();
    // First subscriber: balance changes are measured from this snapshot.
    if (this.shards.size === 0) this.baseline = new Map(balances.map((b) => [b.asset, JSON.stringify(b)]));
    this.shards.set(shard, generation);
    this.deps.sql`INSERT INTO user_subscribers (shard, since) VALUES (${shard}, ${generation})
                  ON CONFLICT (shard) DO UPDATE SET since = excluded.since`;
    return {
      type: "snapshot",
      channel: "user",
      seq: this.seq,
      time: Date.now(),
      orders: this.deps.openOrders(),
      balances,
    };
  }

  unsubscribe(shard: string): void {
    if (!this.shards.delete(shard)) return;
    this.deps.sql`DELETE FROM user_subscribers WHERE shard = ${shard}`;
  }

  /** Shards currently subscribed (tests, operators). */
  subscribers(): string[] {
    return [...this.shards.keys()].sort();
  }

  /** Turns a committed change into messages and pushes them to every subscribed shard. */
  publish(updates: DeskUpdates): void {
    if (this.shards.size === 0) return;
    const time = Date.now();
    const messages: UserMessage[] = [];
    for (const order of updates.orders) messages.push({ type: "order", channel: "user", seq: 0, time, order });
    for (const fill of updates.fills) messages.push({ type: "fill", channel: "user", seq: 0, time, fill });
    const reported = new Set(updates.assets);
    const changed: BalanceView[] = [];
    for (const balance of this.deps.balances()) {
      const text = JSON.stringify(balance);
      if (reported.has(balance.asset) || this.baseline.get(balance.asset) !== text) changed.push(balance);
      this.baseline.set(balance.asset, text);
    }
    if (changed.length > 0) messages.push({ type: "balance", channel: "user", seq: 0, time, balances: changed });
    if (messages.length === 0) return;
    for (const m of messages) m.seq = ++this.seq;
    this.deps.sql`INSERT INTO user_feed (id, seq) VALUES (1, ${this.seq})
                  ON CONFLICT (id) DO UPDATE SET seq = excluded.seq`;
    for (const [name, generation] of this.shards) this.send(name, generation, messages);
  }

  private send(name: string, generation: number, messages: UserMessage[]): void {
    const previous = this.chains.get(name) ?? Promise.resolve();
    const next = previous
      .then(() => this.deps.shard(name).pushUser(this.deps.account, messages))
      .then((reply) => {
        if (!reply.subscribed) this.drop(name, generation);
      })
      .catch((err: unknown) => {
        // The shard sees the gap at its next message and resyncs its sockets with a snapshot.
        console.error(
          JSON.stringify({
            level: "warn",
            msg: "user push failed",
            account: this.deps.account,
            shard: name,
            error: String(err),
          }),
        );
      });
    this.chains.set(name, next);
    void next.finally(() => {
      if (this.chains.get(name) === next) this.chains.delete(name);
    });
  }

  /** Forgets a shard unless it registered again after `generation`. */
  private drop(name: string, generation: number): void {
    const since = this.shards.get(name);
    if (since === undefined || since > generation) return;
    this.shards.delete(name);
    this.deps.sql`DELETE FROM user_subscribers WHERE shard = ${name} AND since <= ${generation}`;
  }
}
