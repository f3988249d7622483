/**
 * FeedRelay: one Durable Object per instrument and region (`relay-<region>-<symbol>`,
 * created with that region's locationHint), between a book and the feed shards of
 * one region. The book pushes each batch once per region, to its relay; the relay keeps
 * the instrument's public state and recent updates (shared/feed/relay-log.ts) and
 * pushes on to the region's shards, one push in flight per shard. Shards subscribe
 * here exactly as they would at the book (`feedSubscribe`), so snapshots and
 * `resume_from` are answered in the region; a resume older than the relay's log is
 * passed on to the book, whose log reaches further.
 *
 * The state lives in memory only: after an eviction the next push or subscribe
 * syncs it again from the book's snapshots. The shards registered here are in SQLite,
 * so pushes resume after a restart; a shard whose cursor fell behind sees the gap and
 * resumes through the relay (and from there through the book).
 */
import { DurableObject } from "cloudflare:workers";
import { SQLSchemaMigrations } from "durable-utils/sql-migrations";
import {
  type FeedMessage,
  PUBLIC_CHANNELS,
  type PublicChannel,
  type SubscribeReply,
} from "../../shared/feed/messages.ts";
import { RelayLog } from "../../shared/feed/relay-log.ts";
import { parseRelayName } from "../../shared/geo/placement.ts";
import { withTimeout } from "../../shared/resilience/deadline.ts";
import { FEED_SUBSCRIBERS_TABLE, FeedSubscribers } from "../runtime/feed-subscribers.ts";
import { feedTarget } from "../runtime/feed-targets.ts";
import { PushLanes } from "../runtime/push-lanes.ts";
import { type Sql, sqlOver } from "../runtime/sql.ts";
import type { RelayEnv, RelayStatus } from "./contract.ts";
import { type ReplicaAnswer, type ReplicaBody, type ReplicaQuery, ReplicaReads } from "./replica.ts";
import { Upstream } from "./upstream.ts";

export type { RelayEnv, RelayStatus } from "./contract.ts";
export type { ReplicaAnswer, ReplicaQuery } from "./replica.ts";

const MIGRATIONS = [
  { idMonotonicInc: 1, description: "feed shards", sql: FEED_SUBSCRIBERS_TABLE },
  { idMonotonicInc: 2, description: "identity", sql: "CREATE TABLE relay (name TEXT NOT NULL);" },
];

/** A resume at the relay's head while it heard nothing from the book for this long asks the book too (a lost push). */
const QUIET_MS = 5_000;
/** A region's REST readers keep the relay subscribed this long after their last read, ms. */
const READER_LEASE_MS = 60_000;
/** A replica read while the book has been silent this long asks the book whether it is still there, ms. */
const PROBE_AFTER_MS = 2_000;
/** A probe the book does not answer within this long counts as unreachable, ms. */
const PROBE_TIMEOUT_MS = 2_000;
/** Without a word from the book for this long, replica answers are marked stale, ms. */
const STALE_AFTER_MS = PROBE_AFTER_MS + 2 * PROBE_TIMEOUT_MS;

interface Identity {
  name: string;
  region: NonNullable<ReturnType<typeof parseRelayName>>["region"];
  symbol: string;
  upstream: Upstream;
  lanes: PushLanes;
}

export class FeedRelay extends DurableObject<RelayEnv> {
  private readonly sql: Sql;
  private readonly shards: FeedSubscribers;
  private identity: Identity | undefined;
  private log: RelayLog | undefined;
  private syncing: Promise<RelayLog> | undefined;
  private lastHeard = 0;
  /**
   * Each channel's head when the relay last synced: pushes up to it are passed on even though the
   * snapshot already holds them. After an eviction the shards may still lack them, and they skip
   * what they have; without this they would wait for the next update to find the gap.
   */
  private passOnUntil: Record<PublicChannel, number> = { level2: 0, trades: 0, ticker: 0, candles: 0 };
  private readonly counts = { received: 0, forwarded: 0, resumes_local: 0, resumes_upstream: 0, replica_reads: 0 };
  /** REST reads of the region answered from the relay (replica.ts). */
  private readonly replica: ReplicaReads;
  private readersUntil = 0;
  private probing: Promise<void> | undefined;
  private unreachable = false;

  constructor(ctx: DurableObjectState, env: RelayEnv) {
    super(ctx, env);
    this.sql = sqlOver(ctx.storage.sql);
    this.shards = new FeedSubscribers(this.sql);
    this.replica = new ReplicaReads({
      log: () => this.synced(),
      fetch: (query) => (this.identity as Identity).upstream.read(query),
      lastHeard: () => this.lastHeard,
      unreachable: () => this.unreachable,
      staleAfterMs: STALE_AFTER_MS,
    });
    const migrations = new SQLSchemaMigrations({ doStorage: ctx.storage, migrations: MIGRATIONS });
    void ctx.blockConcurrencyWhile(async () => {
      await migrations.runAll();
      this.shards.load();
      const stored = this.sql.one<{ name: string }>`SELECT name FROM relay`;
      if (stored) this.identify(stored.name);
    });
  }

  /**
   * A shard of this relay's region subscribes one channel (`relay` is this object's name):
   * a snapshot, or the updates after `resumeFrom`, as `OrderBook.feedSubscribe` answers.
   */
  async feedSubscribe(
    relay: string,
    shard: string,
    channel: PublicChannel,
    resumeFrom?: number,
  ): Promise<SubscribeReply> {
    const self = this.identify(relay);
    const log = await this.synced();
    this.shards.register(shard);
    const sequenced = channel === "level2" || channel === "trades";
    // A shard's probe of a quiet stream (a snapshot, or a resume at the head) while the relay too
    // heard nothing from the book for a while: a push may be lost between book and relay.
    const probing = resumeFrom === undefined || resumeFrom >= log.head(channel);
    if (sequenced && probing && Date.now() - this.lastHeard >= QUIET_MS) this.fanOut(await this.catchUp(log, channel));
    if (resumeFrom !== undefined && sequenced) {
      const replay = log.replay(channel, resumeFrom);
      if (replay) {
        this.counts.resumes_local++;
        return { messages: replay, resumed: true };
      }
      this.counts.resumes_upstream++;
      return self.upstream.subscribe(channel, resumeFrom);
    }
    const reply: SubscribeReply = { messages: [log.snapshot(channel, Date.now()) as FeedMessage], resumed: false };
    if (resumeFrom !== undefined) reply.reason = `${channel} is a state channel: it always resumes with a snapshot`;
    return reply;
  }

  /** A shard no longer wants the instrument; with the last one gone (and no recent reader) the relay leaves the book too. */
  async feedUnsubscribe(shard: string): Promise<void> {
    this.shards.remove(shard);
    if (!this.wanted()) await this.detach();
  }

  /**
   * A REST read of the region's market data (`relay` is this object's name), answered from the
   * relay (replica.ts) with the time it was last known current; while the book does not answer,
   * the last state known, marked stale. Reading keeps the relay subscribed for a while.
   */
  async replicaRead<Q extends ReplicaQuery>(relay: string, query: Q): Promise<ReplicaAnswer<ReplicaBody<Q>>> {
    this.identify(relay);
    const now = Date.now();
    this.readersUntil = now + READER_LEASE_MS;
    this.counts.replica_reads++;
    if (this.log && now - this.lastHeard >= PROBE_AFTER_MS) this.probe();
    return this.replica.read(query, now);
  }

  /** The book's push: applied in order, the new part passed on to the region's shards. */
  async publish(_instrument: string, messages: FeedMessage[]): Promise<{ subscribed: boolean }> {
    if (!this.wanted() || !this.identity) {
      this.forgetState();
      return { subscribed: false };
    }
    this.lastHeard = Date.now();
    this.unreachable = false;
    this.counts.received++;
    const log = this.log ?? (await this.synced());
    await this.take(log, messages);
    return { subscribed: true };
  }

  async status(): Promise<RelayStatus> {
    const log = this.log;
    const heads = { level2: 0, trades: 0, ticker: 0, candles: 0 };
    if (log) for (const c of PUBLIC_CHANNELS) heads[c] = log.head(c);
    return {
      relay: this.identity?.name ?? "unnamed",
      synced: log !== undefined,
      shards: this.shards.size,
      heads,
      ...this.counts,
    };
  }

  /** Applies the book's messages; a gap is closed from the book before anything after it. */
  private async take(log: RelayLog, messages: readonly FeedMessage[]): Promise<void> {
    let forward: FeedMessage[] = [];
    for (const message of messages) {
      let outcome = log.apply(message);
      if (outcome.kind === "gap" && (message.channel === "level2" || message.channel === "trades")) {
        // What came before the gap goes first, so each shard still gets every channel in order.
        this.fanOut(forward);
        forward = await this.catchUp(log, message.channel);
        outcome = log.apply(message);
      }
      if (outcome.kind === "applied") this.replica.changed(message.channel);
      // Snapshots reset the relay only: shards see the seq jump at the next update and resume.
      if (outcome.kind === "applied" && outcome.message.type === "update") forward.push(outcome.message);
      else if (outcome.kind === "seen" && message.seq <= this.passOnUntil[message.channel]) forward.push(message);
    }
    this.fanOut(forward);
  }

  /** Asks the book for the updates after the relay's head; returns what was new (applied, not yet passed on). */
  private async catchUp(log: RelayLog, channel: "level2" | "trades"): Promise<FeedMessage[]> {
    const reply = await (this.identity as Identity).upstream.subscribe(channel, log.head(channel));
    this.lastHeard = Date.now();
    const fresh: FeedMessage[] = [];
    for (const message of reply.messages) {
      const outcome = log.apply(message);
      if (outcome.kind === "applied") this.replica.changed(message.channel);
      if (outcome.kind === "applied" && outcome.message.type === "update") fresh.push(outcome.message);
    }
    return fresh;
  }

  /**
   * Asks the book for what the relay missed on level2, in the background: a quiet market and a
   * book that cannot be reached look alike until the book answers (or does not, within the timeout).
   */
  private probe(): void {
    if (this.probing || !this.log) return;
    const timeout = () => new Error("the book did not answer the probe");
    this.probing = withTimeout(this.catchUp(this.log, "level2"), PROBE_TIMEOUT_MS, timeout)
      .then((fresh) => {
        this.unreachable = false;
        this.fanOut(fresh);
      })
      .catch(() => {
        this.unreachable = true;
      })
      .finally(() => {
        this.probing = undefined;
      });
  }

  /** Shards, or REST readers within their lease, still want the instrument. */
  private wanted(): boolean {
    return this.shards.size > 0 || Date.now() < this.readersUntil;
  }

  private forgetState(): void {
    this.log = undefined;
    this.replica.forget();
  }

  private fanOut(messages: FeedMessage[]): void {
    if (messages.length === 0 || !this.identity) return;
    for (const { name, generation } of this.shards.list()) {
      this.identity.lanes.send(name, generation, messages);
      this.counts.forwarded++;
    }
  }

  /** The relay's state, synced from the book's four snapshots the first time (or after an eviction). */
  private synced(): Promise<RelayLog> {
    if (this.log) return Promise.resolve(this.log);
    this.syncing ??= this.sync().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async sync(): Promise<RelayLog> {
    const self = this.identity as Identity;
    const log = new RelayLog(self.symbol, Number(this.env.FEED_RELAY_LOG ?? 10_000));
    const replies = await Promise.all(PUBLIC_CHANNELS.map((channel) => self.upstream.subscribe(channel)));
    for (const reply of replies) for (const message of reply.messages) log.apply(message);
    for (const channel of PUBLIC_CHANNELS) this.passOnUntil[channel] = log.head(channel);
    this.lastHeard = Date.now();
    this.unreachable = false;
    this.replica.forget();
    this.log = log;
    return log;
  }

  private async detach(): Promise<void> {
    this.forgetState();
    try {
      await this.identity?.upstream.unsubscribe();
    } catch (err) {
      // Harmless: the book drops the relay at its next push ({subscribed: false}).
      console.error(
        JSON.stringify({
          level: "warn",
          msg: "relay unsubscribe failed",
          relay: this.identity?.name,
          error: String(err),
        }),
      );
    }
  }

  /** Learns (and keeps) the relay's own name: the object cannot always read it from its id. */
  private identify(name: string): Identity {
    if (this.identity) {
      if (this.identity.name !== name) throw new Error(`This relay is ${this.identity.name}, not ${name}.`);
      return this.identity;
    }
    const parsed = parseRelayName(name);
    if (!parsed) throw new Error(`${name} is not a relay name (relay-<region>-<symbol>)`);
    if (!this.sql.one`SELECT name FROM relay`) this.sql`INSERT INTO relay (name) VALUES (${name})`;
    const relay = { name, ...parsed };
    this.identity = {
      ...relay,
      upstream: new Upstream(this.env, relay),
      lanes: new PushLanes({
        instrument: parsed.symbol,
        target: (shard) => feedTarget(this.env, shard, parsed.region),
        unsubscribed: (shard, generation) => {
          this.shards.drop(shard, generation);
          if (!this.wanted()) void this.detach();
        },
      }),
    };
    return this.identity;
  }
}
