/**
 * One stream (a channel of an instrument) on a feed shard: its subscribed
 * sockets, where each of them is in the sequence, and how a socket is brought
 * in sync (snapshot or replay from the book) without ever seeing a gap.
 *
 * Pushes from the book and the book's answer to `feedSubscribe` travel
 * separately, so pushes may overtake the answer. While any sync is in flight
 * the stream keeps every push in a backlog; when the answer (a snapshot at seq
 * S, or a replay ending at S) arrives, the socket gets it and then the backlog
 * after S. Every delivery checks contiguity: an update that does not start at
 * the socket's last seq + 1 (a push lost when the book crashed between its
 * commit and its push) is repaired from the book's log: the socket gets the
 * missing updates replayed, in order, with no control message, as if nothing
 * had happened. Only when the book no longer has them does it resync with a
 * fresh snapshot; it never passes a gap on.
 */
import type { FeedMessage, PublicChannel, SubscribeReply } from "../../shared/feed/messages.ts";
import type { ResumedMessage, ResyncMessage, StreamErrorMessage, StreamKey } from "../../shared/feed/protocol.ts";
import { trimUpdate } from "../../shared/feed/updates.ts";
import { retryDelayMs } from "../runtime/alarm.ts";

/** What a stream needs from a socket. */
export interface Client {
  readonly open: boolean;
  /** Sends one text frame (counted towards the slow-consumer limits). */
  send(text: string): void;
  /** True while the client has too many messages unacknowledged. */
  slow(): boolean;
  /** An update was held back from this slow client (counted; a conflated snapshot replaces it). */
  skipped(): void;
}

/** One socket's place in one stream. */
export interface Cursor {
  /** Last seq sent; undefined until the first sync, and after the shard woke up without it. */
  last: number | undefined;
  /** Id of the sync in flight for this cursor (0: none); live deliveries wait for it. */
  syncing: number;
  /** Level2 deltas are held back (slow consumer); a conflated snapshot follows once it catches up. */
  suspended: boolean;
}

/** The book side of a stream. */
export interface BookFeed {
  subscribe(channel: PublicChannel, resumeFrom?: number): Promise<SubscribeReply>;
}

export interface SyncOptions {
  /** Replay after this seq if the book still has it. */
  resumeFrom?: number;
  /** Why the client gets a snapshot it did not ask for (sent as a `resync` message). */
  reason?: string;
  /** Mark the snapshot `conflated: true` (it replaces deltas a slow consumer missed). */
  conflated?: boolean;
  /** Repairing a gap: a replay goes out without a `resumed` frame (the client sees contiguous updates). */
  repair?: boolean;
}

interface Target extends SyncOptions {
  client: Client;
  cursor: Cursor;
  id: number;
}

interface Batch {
  resumeFrom: number | undefined;
  targets: Target[];
}

/** A stream that failed to sync this many times in a row gives up on its targets. */
const SYNC_ATTEMPTS = 3;
/** Pushes kept while syncs are in flight; past this the syncs start over. */
const BACKLOG_CAP = 5_000;

const RESTARTED = "the feed shard restarted and lost its place in the stream";
/** Reasons that start with this are gaps, repaired by a replay when the book still has the updates. */
const GAP = "gap: ";

let nextSyncId = 1;

export class Stream {
  readonly key: StreamKey;
  readonly channel: PublicChannel;
  readonly instrument: string;
  readonly cursors = new Map<Client, Cursor>();
  private readonly book: BookFeed;
  private readonly onFailure: (client: Client, stream: Stream, error: StreamErrorMessage) => void;
  private backlog: FeedMessage[] = [];
  private backlogLost = false;
  private inflight = 0;
  /** The snapshot request in flight, which later snapshot syncs join. */
  private sharedSnapshot: Batch | undefined;
  /** When the book last pushed to this stream (or it was last probed). */
  lastPushAt = Date.now();

  constructor(
    key: StreamKey,
    channel: PublicChannel,
    instrument: string,
    book: BookFeed,
    onFailure: (client: Client, stream: Stream, error: StreamErrorMessage) => void,
  ) {
    this.key = key;
    this.channel = channel;
    this.instrument = instrument;
    this.book = book;
    this.onFailure = onFailure;
  }

  /** Adds a socket (not yet in sync); `sync` must follow. */
  add(client: Client): Cursor {
    const cursor: Cursor = { last: undefined, syncing: 0, suspended: false };
    this.cursors.set(client, cursor);
    return cursor;
  }

  remove(client: Client): void {
    this.cursors.delete(client);
  }

  /** True while a socket is subscribed or a sync is in flight. */
  get active(): boolean {
    return this.cursors.size > 0 || this.inflight > 0;
  }

  /** Sends a pushed update to every socket in sync with it. */
  deliver(message: FeedMessage): void {
    this.lastPushAt = Date.now();
    if (this.inflight > 0) this.record(message);
    let text: string | undefined;
    const resync: Target[] = [];
    for (const [client, cursor] of this.cursors) {
      if (cursor.syncing !== 0 || !client.open) continue;
      text ??= JSON.stringify(message);
      const reason = this.deliverTo(client, cursor, message, text);
      if (reason !== undefined) resync.push(this.target(client, cursor, reason));
    }
    if (resync.length > 0) {
      this.restart(resync);
      // The update that revealed the gap may postdate the snapshot: keep it for the catch-up.
      if (this.inflight > 0 && this.backlog[this.backlog.length - 1] !== message) this.record(message);
    }
  }

  /** Brings sockets in sync: snapshot (shared by concurrent requests) or replay. */
  sync(client: Client, cursor: Cursor, options: SyncOptions = {}): void {
    const target: Target = { client, cursor, id: 0, ...options };
    if (options.resumeFrom === undefined && this.sharedSnapshot) {
      // Joining is safe: everything pushed since that request left is in the backlog.
      target.id = nextSyncId++;
      cursor.syncing = target.id;
      this.sharedSnapshot.targets.push(target);
      return;
    }
    this.start([target], options.resumeFrom);
  }

  /**
   * Asks the book where a quiet stream is. Sockets behind it (a push was lost
   * and nothing followed to reveal the gap) resync with the answer. Asking
   * also registers this shard with the book again, in case the book dropped it.
   */
  probe(now: number): void {
    this.lastPushAt = now;
    if (this.inflight > 0 || this.cursors.size === 0) return;
    this.inflight++;
    this.book.subscribe(this.channel).then(
      (reply) => {
        const at = reply.messages[reply.messages.length - 1]?.seq;
        const batch: Batch = { resumeFrom: undefined, targets: [] };
        for (const [client, cursor] of this.cursors) {
          if (at === undefined || cursor.syncing !== 0 || cursor.suspended || !client.open) continue;
          if (cursor.last !== undefined && cursor.last >= at) continue;
          const id = nextSyncId++;
          cursor.syncing = id;
          const reason =
            cursor.last === undefined
              ? RESTARTED
              : `missed updates: the book is at seq ${at}, this stream was at ${cursor.last}`;
          batch.targets.push({ client, cursor, id, reason });
        }
        this.complete(batch, reply);
      },
      (err: unknown) => {
        console.error(
          JSON.stringify({ level: "warn", msg: "feed probe failed", stream: this.key, error: String(err) }),
        );
        this.settle();
      },
    );
  }

  /**
   * Sends one update to one cursor. Returns the reason to resync it, or
   * undefined when it was sent, skipped as already seen, or held back.
   */
  private deliverTo(client: Client, cursor: Cursor, message: FeedMessage, text: string): string | undefined {
    if (message.type !== "update") return undefined;
    if (cursor.suspended) {
      if (client.slow()) {
        client.skipped();
        return undefined;
      }
      cursor.suspended = false;
      return "conflate";
    }
    const last = cursor.last;
    if (last === undefined) return RESTARTED;
    if (message.seq <= last) return undefined;
    if (message.first_seq > last + 1) return `${GAP}expected first_seq ${last + 1}, got ${message.first_seq}`;
    let out = text;
    if (message.first_seq <= last) {
      const trimmed = trimUpdate(message, last);
      if (!trimmed) return `overlap: update ${message.first_seq}..${message.seq} after ${last}`;
      out = JSON.stringify(trimmed);
    }
    if (this.channel === "level2" && client.slow()) {
      cursor.suspended = true;
      client.skipped();
      return undefined;
    }
    client.send(out);
    cursor.last = message.seq;
    return undefined;
  }

  private target(client: Client, cursor: Cursor, reason: string): Target {
    if (reason === "conflate") return { client, cursor, id: 0, conflated: true };
    if (reason.startsWith(GAP) && cursor.last !== undefined) {
      return { client, cursor, id: 0, reason, repair: true, resumeFrom: cursor.last };
    }
    return { client, cursor, id: 0, reason };
  }

  /** Syncs targets again: gaps by a replay from where each socket is (one request per place), the rest by a snapshot. */
  private restart(targets: Target[]): void {
    const snapshot: Target[] = [];
    const replays = new Map<number, Target[]>();
    for (const t of targets) {
      if (t.repair && t.resumeFrom !== undefined) {
        const group = replays.get(t.resumeFrom) ?? [];
        group.push(t);
        replays.set(t.resumeFrom, group);
      } else snapshot.push(t);
    }
    if (snapshot.length > 0) this.start(snapshot, undefined);
    for (const [from, group] of replays) this.start(group, from);
  }

  private record(message: FeedMessage): void {
    if (this.backlog.length >= BACKLOG_CAP) {
      this.backlog = [];
      this.backlogLost = true;
      return;
    }
    if (!this.backlogLost) this.backlog.push(message);
  }

  private start(targets: Target[], resumeFrom: number | undefined, attempt = 1): void {
    const batch: Batch = { resumeFrom, targets };
    for (const t of targets) {
      t.id = nextSyncId++;
      t.cursor.syncing = t.id;
    }
    if (resumeFrom === undefined) this.sharedSnapshot = batch;
    this.inflight++;
    this.book.subscribe(this.channel, resumeFrom).then(
      (reply) => this.complete(batch, reply),
      (err: unknown) => this.failed(batch, err, attempt),
    );
  }

  private current(t: Target): boolean {
    return t.client.open && this.cursors.get(t.client) === t.cursor && t.cursor.syncing === t.id;
  }

  private complete(batch: Batch, reply: SubscribeReply): void {
    if (this.sharedSnapshot === batch) this.sharedSnapshot = undefined;
    const again: Target[] = [];
    for (const t of batch.targets) {
      if (!this.current(t)) continue;
      t.cursor.syncing = 0;
      t.cursor.suspended = false;
      for (const text of this.opening(batch, reply, t)) t.client.send(text);
      const end = reply.messages[reply.messages.length - 1];
      t.cursor.last = end?.seq ?? batch.resumeFrom;
      if (this.backlogLost) {
        again.push({ ...t, resumeFrom: undefined, conflated: false, reason: "the shard fell behind while syncing" });
        continue;
      }
      for (const m of this.backlog) {
        const reason = this.deliverTo(t.client, t.cursor, m, JSON.stringify(m));
        if (reason !== undefined) {
          // A repair that did not close the gap is not tried again: a snapshot ends it.
          again.push(
            t.repair ? { client: t.client, cursor: t.cursor, id: 0, reason } : this.target(t.client, t.cursor, reason),
          );
          break;
        }
      }
    }
    if (again.length > 0) this.restart(again);
    this.settle();
  }

  /** The frames that open a sync: `resumed`/`resync`, then the snapshot or replay. */
  private opening(batch: Batch, reply: SubscribeReply, t: Target): string[] {
    const frames: string[] = [];
    const head = { channel: this.channel, instrument: this.instrument };
    if (batch.resumeFrom !== undefined && reply.resumed) {
      const resumed: ResumedMessage = { type: "resumed", ...head, from_seq: batch.resumeFrom + 1 };
      if (!t.repair) frames.push(JSON.stringify(resumed));
    } else if (batch.resumeFrom !== undefined || t.reason !== undefined) {
      const reason = reply.reason ?? t.reason ?? "resumed with a snapshot";
      const resync: ResyncMessage = { type: "resync", ...head, reason };
      frames.push(JSON.stringify(resync));
    }
    for (const m of reply.messages) {
      frames.push(JSON.stringify(t.conflated && m.type === "snapshot" ? { ...m, conflated: true } : m));
    }
    return frames;
  }

  private failed(batch: Batch, err: unknown, attempt: number): void {
    if (this.sharedSnapshot === batch) this.sharedSnapshot = undefined;
    const alive = batch.targets.filter((t) => this.current(t));
    if (alive.length > 0 && attempt < SYNC_ATTEMPTS) {
      this.inflight++;
      // Keep the backlog alive across the pause; the retry takes over this slot.
      setTimeout(
        () => {
          this.inflight--;
          this.start(alive, batch.resumeFrom, attempt + 1);
        },
        retryDelayMs(attempt, 200, 2_000), // exponential backoff, full jitter: shards do not retry a book together
      );
    } else {
      for (const t of alive) {
        t.cursor.syncing = 0;
        this.onFailure(t.client, this, {
          type: "error",
          channel: this.channel,
          instrument: this.instrument,
          code: "unavailable",
          message: `The ${this.instrument} book did not answer (${String(err)}); the stream is unsubscribed: subscribe again later.`,
        });
      }
    }
    this.settle();
  }

  private settle(): void {
    this.inflight--;
    if (this.inflight === 0) {
      this.backlog = [];
      this.backlogLost = false;
    }
  }
}
