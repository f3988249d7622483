/**
 * The `subscribe`, `unsubscribe` and `list` methods of a feed socket: public streams
 * (stream-index.ts) and the account's `user` channel (user-channel.ts), within the
 * socket's subscription limit, recorded in its attachment (subscriptions.ts).
 */
import type { FeedLimits } from "../../shared/feed/limits.ts";
import {
  type FeedErrorCode,
  parseStreamKey,
  type RequestId,
  resumePoint,
  USER_CHANNEL,
} from "../../shared/feed/protocol.ts";
import type { Books } from "./books.ts";
import type { IdleSockets } from "./idle.ts";
import type { Answer, Session, Sessions } from "./session.ts";
import type { StreamIndex } from "./stream-index.ts";
import { type RequestedStreams, requestedStreams } from "./stream-request.ts";
import type { FeedSocket } from "./subscriptions.ts";
import type { UserChannels } from "./user-channel.ts";

export interface SubscribeDeps {
  limits: FeedLimits;
  books: Books;
  streams: StreamIndex;
  users: UserChannels;
  sessions: Sessions;
  idle: IdleSockets;
  answer: Answer;
  /** Answers a limit violation (too many of them close the socket). */
  violation: (socket: FeedSocket, id: RequestId, code: FeedErrorCode, message: string) => void;
}

export class SubscribeRequests {
  private readonly limits: FeedLimits;
  private readonly books: Books;
  private readonly streams: StreamIndex;
  private readonly users: UserChannels;
  private readonly sessions: Sessions;
  private readonly idle: IdleSockets;
  private readonly answer: Answer;
  private readonly violation: SubscribeDeps["violation"];

  constructor(deps: SubscribeDeps) {
    this.limits = deps.limits;
    this.books = deps.books;
    this.streams = deps.streams;
    this.users = deps.users;
    this.sessions = deps.sessions;
    this.idle = deps.idle;
    this.answer = deps.answer;
    this.violation = deps.violation;
  }

  /** `list`. */
  list(socket: FeedSocket, id: RequestId): void {
    this.answer.reply(socket, id, { subscriptions: this.subscriptionsOf(socket) });
  }

  /** `subscribe`: public streams (each synced: snapshot or resume) and `user` (needs a session with `read`). */
  async subscribe(socket: FeedSocket, id: RequestId, raw: unknown): Promise<void> {
    const streams = await this.requestedStreams(socket, id, raw);
    if (!streams || !socket.open) return;
    let session: Session | undefined;
    if (streams.user) {
      session = this.sessions.require(socket, id, "read", "The user channel");
      if (!session || !(await this.sessions.stillValid(socket, id, session)) || !socket.open) return;
    }
    const fresh = streams.keys.filter((k) => !socket.cursors.has(k));
    const freshUser = streams.user && !socket.user ? 1 : 0;
    const held = socket.cursors.size + (socket.user ? 1 : 0);
    if (held + fresh.length + freshUser > this.limits.maxSubscriptions) {
      return this.violation(
        socket,
        id,
        "too_many_subscriptions",
        `A socket may hold ${this.limits.maxSubscriptions} subscriptions; it has ${held} and asked for ${fresh.length + freshUser} more: unsubscribe some or open another socket.`,
      );
    }
    socket.record(fresh, []);
    if (freshUser) socket.recordSession({ user: true });
    this.answer.reply(socket, id, { subscriptions: this.subscriptionsOf(socket) });
    // Already subscribed streams are synced again: the client asked for their state.
    for (const key of streams.keys) {
      const parsed = parseStreamKey(key);
      const resumeFrom = parsed ? resumePoint(streams.params, parsed.channel, parsed.instrument) : undefined;
      this.streams.sync(socket, key, resumeFrom === undefined ? {} : { resumeFrom });
    }
    if (session) {
      this.users.join(socket, session.account);
      this.users.sync(socket, session.account);
    }
  }

  /** `unsubscribe`: a socket left holding nothing starts its idle time (idle.ts). */
  async unsubscribe(socket: FeedSocket, id: RequestId, raw: unknown): Promise<void> {
    const streams = await this.requestedStreams(socket, id, raw);
    if (!streams || !socket.open) return;
    const present = streams.keys.filter((k) => socket.cursors.has(k));
    socket.record([], present);
    for (const key of present) this.streams.leave(socket, key);
    if (streams.user && socket.user) {
      socket.recordSession({ user: false });
      if (socket.session) this.users.leave(socket, socket.session.account);
    }
    this.idle.dropped(socket, Date.now());
    this.answer.reply(socket, id, { subscriptions: this.subscriptionsOf(socket) });
  }

  /** What `list` and `subscribe` answer: the socket's streams, and `user` when it is on that channel. */
  private subscriptionsOf(socket: FeedSocket): string[] {
    const out: string[] = socket.subscriptions();
    if (socket.user) out.push(USER_CHANNEL);
    return out;
  }

  /** Validates `subscribe`/`unsubscribe` params (stream-request.ts); answers the error and returns undefined if invalid. */
  private async requestedStreams(
    socket: FeedSocket,
    id: RequestId,
    raw: unknown,
  ): Promise<RequestedStreams | undefined> {
    const streams = await requestedStreams(raw, this.books);
    if ("keys" in streams) return streams;
    this.answer.fail(socket, id, streams.code, streams.message);
    return undefined;
  }
}
