/**
 * The account's private `user` channel (needs a token): a snapshot, then order, fill and
 * balance messages with contiguous seqs; after a gap or a reconnect, a fresh snapshot.
 * Held by iterators and explicit subscriptions; unsubscribed when the last one lets go.
 */
import { TransportError } from "../errors.ts";
import type { Authenticator } from "./auth.ts";
import type { Connection } from "./connection.ts";
import type { EmitFeedEvent } from "./options.ts";
import { AsyncQueue } from "./queue.ts";
import type { Requests } from "./requests.ts";
import type { HeartbeatMessage, UserEvent } from "./types.ts";

/** What the channel needs of the session: renewing it when the server ends the channel with it. */
type SessionRenewal = Pick<Authenticator, "renewable" | "authenticate">;

export class UserChannel {
  private readonly connection: Connection;
  private readonly requests: Requests;
  private readonly session: SessionRenewal;
  private readonly emit: EmitFeedEvent;
  /** Seq of the last event passed on; undefined before the first snapshot. */
  private last: number | undefined;
  /** Events are passed on only when synced: after a snapshot on the current socket. */
  private synced = false;
  /** When a repair (resubscribe) was requested, while it is pending. */
  private repairing: number | undefined;
  /** Subscription holders: explicit subscribe and iterators. */
  private holders = 0;
  private readonly queues = new Set<AsyncQueue<UserEvent>>();
  /** The `subscribe` sent on the socket of `generation`. */
  private subscribing: { generation: number; promise: Promise<unknown> } | undefined;

  constructor(connection: Connection, requests: Requests, session: SessionRenewal, emit: EmitFeedEvent) {
    this.connection = connection;
    this.requests = requests;
    this.session = session;
    this.emit = emit;
  }

  /** True while something holds the channel. */
  get held(): boolean {
    return this.holders > 0;
  }

  /** The seq of the last event passed on (undefined before the snapshot). */
  get lastSeq(): number | undefined {
    return this.last;
  }

  /** An iterator of the channel's events; it holds the channel until the loop ends. */
  events(): AsyncIterableIterator<UserEvent> {
    this.holders++;
    const queue = new AsyncQueue<UserEvent>(() => {
      this.queues.delete(queue);
      this.release();
    });
    this.queues.add(queue);
    this.subscribeNow().catch((err: Error) => queue.end(err));
    return queue;
  }

  /** Holds the channel (until {@link unsubscribe}); resolves once the server accepted it. */
  async subscribe(): Promise<void> {
    this.holders++;
    await this.subscribeNow();
  }

  /** Drops the channel whoever holds it: its iterators end. */
  async unsubscribe(): Promise<void> {
    this.holders = 0;
    for (const q of [...this.queues]) q.end();
    this.queues.clear();
    this.synced = false;
    this.last = undefined;
    this.subscribing = undefined;
    if (this.connection.ready) await this.requests.send("unsubscribe", { channels: ["user"] });
  }

  /** After a (re)connect: the channel again, if held (failures are retried on the next heartbeats). */
  resubscribe(): void {
    if (this.holders > 0) this.subscribeNow().catch(() => {});
  }

  /** The socket is gone: not in sync until subscribed again on the next one. */
  socketLost(): void {
    this.synced = false;
    this.repairing = undefined;
  }

  /** The client closed: every iterator ends. */
  endIterators(): void {
    for (const q of this.queues) q.end();
  }

  /** A heartbeat carries the channel's last seq: one ahead of ours is a gap; a repair without an answer is retried. */
  checkHeartbeat(m: HeartbeatMessage, now: number, patience: number): void {
    if (this.holders === 0) return;
    if (this.repairing !== undefined) {
      if (now - this.repairing > patience) this.repair();
      return;
    }
    const seq = m.seqs.user;
    if (typeof seq === "number" && this.synced && this.last !== undefined && seq > this.last) {
      this.gap(this.last + 1, seq + 1);
      this.repair();
    }
  }

  /** A `resync` of the channel: a fresh snapshot follows. */
  resync(): void {
    this.synced = false;
    this.repairing ??= Date.now();
  }

  /**
   * The server ended the channel (`error`): the session ended (token expired or revoked).
   * Renew it and come back, if the token can be renewed; else the channel ends here too.
   */
  ended(error: Error): void {
    this.synced = false;
    if (this.session.renewable && this.holders > 0) {
      const ws = this.connection.socket;
      this.session
        .authenticate(true)
        .then((session) => {
          if (session && ws === this.connection.socket) this.repair();
          else this.end(error);
        })
        .catch((err: Error) => this.end(err));
      return;
    }
    this.end(error);
  }

  /** A `user` event: passed on if it continues the channel. */
  message(m: UserEvent): void {
    if (this.holders === 0) return;
    if (m.type === "snapshot") {
      this.last = m.seq;
      this.synced = true;
      this.repairing = undefined;
    } else {
      if (!this.synced) return; // a repair is under way: its snapshot covers this
      if (this.last !== undefined && m.seq <= this.last) return; // seen already
      if (this.last === undefined || m.seq !== this.last + 1) {
        this.gap((this.last ?? -1) + 1, m.seq);
        this.repair();
        return;
      }
      this.last = m.seq;
    }
    for (const q of this.queues) q.push(m);
    this.emit("user", m);
  }

  private async subscribeNow(): Promise<void> {
    await this.connection.whenReady(this.requests.timeoutMs);
    if (this.holders === 0) return;
    if (this.subscribing?.generation !== this.connection.generation) {
      this.repairing = Date.now();
      this.subscribing = {
        generation: this.connection.generation,
        promise: this.requests.send("subscribe", { channels: ["user"] }),
      };
    }
    await this.subscribing.promise;
  }

  /** One holder lets go; the last one unsubscribes the channel. */
  private release(): void {
    this.holders--;
    if (this.holders > 0) return;
    this.holders = 0;
    this.synced = false;
    this.last = undefined;
    this.subscribing = undefined;
    if (this.connection.ready) this.requests.send("unsubscribe", { channels: ["user"] }).catch(() => {});
  }

  /** Subscribes again on the current socket, for a fresh snapshot. */
  private repair(): void {
    this.synced = false;
    this.repairing = Date.now();
    if (!this.connection.socket || this.holders === 0) return;
    this.requests.send("subscribe", { channels: ["user"] }).catch((err: Error) => {
      if (!(err instanceof TransportError)) this.emit("error", err);
    });
  }

  /** Ends the channel here (its iterators end with `error`). */
  private end(error: Error): void {
    this.emit("error", error);
    for (const q of [...this.queues]) q.end(error);
    this.queues.clear();
    this.holders = 0;
    this.last = undefined;
    this.subscribing = undefined;
  }

  private gap(expected: number, got: number): void {
    this.emit("gap", { stream: "user", expected, got });
  }
}
