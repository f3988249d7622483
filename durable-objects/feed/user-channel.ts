/**
 * The `user` channel, shard side: an authenticated socket's private stream of
 * its account's order updates, fills and balances.
 *
 * The Account object keeps the shards subscribed to it and pushes each
 * committed change here (`FeedShard.pushUser`), numbered by a contiguous
 * per-account `seq`. A socket joining gets a snapshot (open orders, balances)
 * at seq S from `Account.userSubscribe`, then only messages after S. Pushes
 * may overtake that reply, so while any sync of an account is in flight its
 * pushes are kept in a backlog and replayed after the snapshot. A socket that
 * would see a gap (a lost push, or a shard that woke from hibernation without
 * its cursors) gets `resync` and a fresh snapshot instead.
 */

import type { ReplyErrorCode } from "../../shared/feed/protocol.ts";
import type { UserMessage, UserSubscribeReply } from "../account/contract.ts";
import type { Account } from "../account/index.ts";
import { retryDelayMs } from "../runtime/alarm.ts";

/** What the user channel needs from a socket. */
export interface UserClient {
  readonly open: boolean;
  send(text: string): void;
  /** Hold what is sent until `release`, which sends it as one frame. */
  hold(): void;
  release(): void;
}

export interface UserCursor {
  /** Last seq sent; undefined until the snapshot, and after the shard woke up. */
  last: number | undefined;
  /** Id of the sync in flight (0: none). */
  syncing: number;
}

/** Before a snapshot the client did not ask for. */
export interface UserResyncMessage {
  type: "resync";
  channel: "user";
  reason: string;
}

/** The user channel could not be served; the socket is no longer on it. */
export interface UserErrorMessage {
  type: "error";
  channel: "user";
  code: ReplyErrorCode;
  message: string;
  /** Why the channel of an authenticated socket ended: `token_expired`, `token_revoked` (user-grants.ts). */
  reason?: string;
}

/** The Account RPCs the channel calls. */
export type UserAccountRpc = Pick<Account, "userSubscribe" | "userUnsubscribe">;

/** Messages kept while syncs are in flight; past this they start over. */
const BACKLOG_CAP = 5_000;
const SYNC_ATTEMPTS = 3;
const RESTARTED = "the feed shard restarted and lost its place in the user channel";

let nextSyncId = 1;

/**
 * The shard's link to one account: orders its `userSubscribe` and
 * `userUnsubscribe` calls so a late unsubscribe never cancels a newer subscription.
 */
class UserLink {
  private unsubscribing: Promise<void> = Promise.resolve();
  /** Unsubscribes not yet answered. */
  pending = 0;

  private readonly account: string;
  private readonly stub: () => UserAccountRpc;
  private readonly shard: () => string;

  constructor(account: string, stub: () => UserAccountRpc, shard: () => string) {
    this.account = account;
    this.stub = stub;
    this.shard = shard;
  }

  async subscribe(): Promise<UserSubscribeReply> {
    await this.unsubscribing;
    return (await this.stub().userSubscribe(this.account, this.shard())) as UserSubscribeReply;
  }

  /** Tells the account this shard has no socket left on its channel; resolves when answered. */
  unsubscribe(): Promise<void> {
    this.pending++;
    this.unsubscribing = this.unsubscribing
      .then(() => this.stub().userUnsubscribe(this.account, this.shard()))
      .catch((err: unknown) => {
        // Harmless: the account drops this shard at its next push ({subscribed: false}).
        console.error(
          JSON.stringify({ level: "warn", msg: "userUnsubscribe failed", account: this.account, error: String(err) }),
        );
      })
      .finally(() => {
        this.pending--;
      });
    return this.unsubscribing;
  }
}

/** One account's user channel on this shard: its sockets and where each is in the sequence. */
class UserStream {
  readonly cursors = new Map<UserClient, UserCursor>();
  private backlog: UserMessage[] = [];
  private inflight = 0;

  private readonly link: UserLink;
  private readonly failed: (client: UserClient, error: UserErrorMessage) => void;

  constructor(link: UserLink, failed: (client: UserClient, error: UserErrorMessage) => void) {
    this.link = link;
    this.failed = failed;
  }

  add(client: UserClient): UserCursor {
    let cursor = this.cursors.get(client);
    if (!cursor) {
      cursor = { last: undefined, syncing: 0 };
      this.cursors.set(client, cursor);
    }
    return cursor;
  }

  /** Sends the client a snapshot (after `resync` with `reason`), then what followed it. */
  sync(client: UserClient, reason?: string, attempt = 1): void {
    const cursor = this.cursors.get(client);
    if (!cursor) return;
    const id = nextSyncId++;
    cursor.syncing = id;
    this.inflight++;
    const current = () => cursor.syncing === id && client.open && this.cursors.get(client) === cursor;
    this.link
      .subscribe()
      .then(
        (reply) => {
          if (!current()) return;
          cursor.syncing = 0;
          if (!reply.ok) {
            this.failed(client, { type: "error", channel: "user", code: reply.code, message: reply.message });
            return;
          }
          client.hold();
          try {
            if (reason !== undefined) {
              const resync: UserResyncMessage = { type: "resync", channel: "user", reason };
              client.send(JSON.stringify(resync));
            }
            client.send(JSON.stringify(reply.snapshot));
            cursor.last = reply.snapshot.seq;
            this.sendAfter(client, cursor, this.backlog);
          } finally {
            client.release();
          }
        },
        (err: unknown) => {
          if (!current()) return;
          cursor.syncing = 0;
          // Again after a backoff with full jitter (sockets of one account that failed together
          // do not all ask again at once); the wait counts as in flight, so the backlog is kept.
          if (attempt < SYNC_ATTEMPTS) {
            return new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt, 200, 2_000))).then(() =>
              this.sync(client, reason, attempt + 1),
            );
          }
          this.failed(client, {
            type: "error",
            channel: "user",
            code: "unavailable",
            message: `The account did not answer (${String(err)}); subscribe to "user" again shortly.`,
          });
        },
      )
      .finally(() => {
        this.inflight--;
        if (this.inflight === 0) this.backlog = [];
      });
  }

  /** A push from the account: each socket gets what follows its last seq, in one frame. */
  deliver(messages: UserMessage[]): void {
    if (this.inflight > 0) {
      this.backlog.push(...messages);
      if (this.backlog.length > BACKLOG_CAP) {
        this.backlog = [];
        for (const [client, cursor] of this.cursors) {
          if (cursor.syncing !== 0) this.sync(client, "too many updates while the snapshot was on its way");
        }
      }
    }
    for (const [client, cursor] of this.cursors) {
      if (!client.open || cursor.syncing !== 0) continue;
      if (cursor.last === undefined) {
        this.sync(client, RESTARTED);
        continue;
      }
      client.hold();
      try {
        this.sendAfter(client, cursor, messages);
      } finally {
        client.release();
      }
    }
  }

  private sendAfter(client: UserClient, cursor: UserCursor, messages: readonly UserMessage[]): void {
    for (const m of messages) {
      const last = cursor.last as number;
      if (m.seq <= last) continue;
      if (m.seq !== last + 1) {
        this.sync(client, `missed user messages ${last + 1}..${m.seq - 1}`);
        return;
      }
      client.send(JSON.stringify(m));
      cursor.last = m.seq;
    }
  }
}

/** Every account's user channel on one shard. */
export class UserChannels {
  private readonly streams = new Map<string, UserStream>();
  private readonly links = new Map<string, UserLink>();

  private readonly stub: (account: string) => UserAccountRpc;
  private readonly shard: () => string;
  private readonly failed: (client: UserClient, account: string, error: UserErrorMessage) => void;

  /** `failed`: the channel failed for a socket; the shard takes it off the channel and tells the client. */
  constructor(
    stub: (account: string) => UserAccountRpc,
    shard: () => string,
    failed: (client: UserClient, account: string, error: UserErrorMessage) => void,
  ) {
    this.stub = stub;
    this.shard = shard;
    this.failed = failed;
  }

  /** Puts a socket on an account's channel (no snapshot yet: `sync` sends one). */
  join(client: UserClient, account: string): void {
    let stream = this.streams.get(account);
    if (!stream) {
      stream = new UserStream(this.link(account), (c, e) => this.failed(c, account, e));
      this.streams.set(account, stream);
    }
    stream.add(client);
  }

  /** Sends the socket a snapshot and the messages after it. */
  sync(client: UserClient, account: string): void {
    this.streams.get(account)?.sync(client);
  }

  /** Takes a socket off; the last socket of an account unsubscribes the shard from it. */
  leave(client: UserClient, account: string): void {
    const stream = this.streams.get(account);
    if (!stream?.cursors.delete(client)) return;
    if (stream.cursors.size > 0) return;
    this.streams.delete(account);
    const link = this.link(account);
    void link.unsubscribe().then(() => {
      // Forget the link once nothing is left to order (the account may come back: a new link then).
      if (link.pending === 0 && !this.streams.has(account) && this.links.get(account) === link) {
        this.links.delete(account);
      }
    });
  }

  /** The sockets on an account's channel here. */
  clients(account: string): UserClient[] {
    return [...(this.streams.get(account)?.cursors.keys() ?? [])];
  }

  /** The last seq sent to a socket (null while unknown or syncing), for heartbeats. */
  last(client: UserClient, account: string): number | null {
    const cursor = this.streams.get(account)?.cursors.get(client);
    return cursor === undefined || cursor.syncing !== 0 ? null : (cursor.last ?? null);
  }

  /** A push from an account; false when no socket here is on its channel any more. */
  push(account: string, messages: UserMessage[]): boolean {
    const stream = this.streams.get(account);
    if (!stream || stream.cursors.size === 0) return false;
    stream.deliver(messages);
    return true;
  }

  private link(account: string): UserLink {
    let link = this.links.get(account);
    if (!link) {
      link = new UserLink(account, () => this.stub(account), this.shard);
      this.links.set(account, link);
    }
    return link;
  }
}
