/**
 * A shard's index of public streams: which sockets are on which stream (one `Stream` per
 * channel and instrument, created with its first socket, and the book unsubscribed with
 * the instrument's last), and the fan-out of a book's batch to them, one frame per socket.
 */
import type { FeedMessage } from "../../shared/feed/messages.ts";
import { PUBLIC_CHANNELS } from "../../shared/feed/messages.ts";
import { parseStreamKey, type StreamErrorMessage, type StreamKey, streamKey } from "../../shared/feed/protocol.ts";
import type { Books } from "./books.ts";
import { type Client, type Cursor, Stream } from "./streams.ts";
import type { FeedSocket } from "./subscriptions.ts";
import type { FeedTraffic } from "./traffic.ts";

export class StreamIndex {
  private readonly books: Books;
  private readonly traffic: FeedTraffic;
  private readonly streams = new Map<StreamKey, Stream>();

  constructor(books: Books, traffic: FeedTraffic) {
    this.books = books;
    this.traffic = traffic;
  }

  /** Adds a socket to a stream's index (creating the stream). */
  join(socket: FeedSocket, key: StreamKey): Cursor {
    let stream = this.streams.get(key);
    if (!stream) {
      const parsed = parseStreamKey(key);
      if (!parsed) throw new Error(`not a stream key: ${key}`);
      stream = new Stream(key, parsed.channel, parsed.instrument, this.books.link(parsed.instrument), (c, s, e) =>
        this.failed(c, s, e),
      );
      this.streams.set(key, stream);
    }
    const cursor = stream.add(socket);
    socket.cursors.set(key, cursor);
    return cursor;
  }

  /** Removes a socket from a stream; the last socket of an instrument unsubscribes the shard from its book. */
  leave(socket: FeedSocket, key: StreamKey): void {
    socket.cursors.delete(key);
    const stream = this.streams.get(key);
    if (!stream) return;
    stream.remove(socket);
    if (stream.cursors.size > 0) return;
    this.streams.delete(key);
    const instrument = stream.instrument;
    for (const channel of PUBLIC_CHANNELS) if (this.streams.has(streamKey(channel, instrument))) return;
    this.books.link(instrument).unsubscribe();
  }

  /** Takes a socket off every stream it is on. */
  leaveAll(socket: FeedSocket): void {
    for (const key of [...socket.cursors.keys()]) this.leave(socket, key);
  }

  /** Subscribes a socket to a stream if needed and brings it in sync (snapshot or replay). */
  sync(socket: FeedSocket, key: StreamKey, options: { resumeFrom?: number } = {}): void {
    const cursor = socket.cursors.get(key) ?? this.join(socket, key);
    this.streams.get(key)?.sync(socket, cursor, options);
  }

  /** Sends a conflated snapshot for each level2 stream held back while the socket was slow. */
  drain(socket: FeedSocket): void {
    for (const [key, cursor] of socket.cursors) {
      if (!cursor.suspended || socket.slow()) continue;
      cursor.suspended = false;
      this.streams.get(key)?.sync(socket, cursor, { conflated: true });
    }
  }

  /** Checks streams quiet for `quietMs` against their book (a lost push shows as a gap). */
  probeQuiet(now: number, quietMs: number): void {
    for (const stream of this.streams.values()) {
      if (now - stream.lastPushAt >= quietMs) stream.probe(now);
    }
  }

  /**
   * Fans a book's batch out to the subscribed sockets, one frame per socket (a `batch` frame
   * when a socket gets several messages); false when no socket here wants the instrument.
   */
  publish(instrument: string, messages: FeedMessage[]): boolean {
    const streams: Stream[] = [];
    for (const channel of PUBLIC_CHANNELS) {
      const stream = this.streams.get(streamKey(channel, instrument));
      if (stream) streams.push(stream);
    }
    if (streams.length === 0) return false;
    const committedAt = messages[0]?.time;
    if (committedAt !== undefined) this.traffic.delivered(committedAt, Date.now());
    // One frame per socket for the whole batch (level2 and trades of a commit travel together).
    const held = streams.length > 1 && messages.length > 1 ? new Set<FeedSocket>() : undefined;
    if (held) {
      for (const stream of streams) {
        for (const client of stream.cursors.keys()) {
          const socket = client as FeedSocket;
          if (held.has(socket)) continue;
          held.add(socket);
          socket.hold();
        }
      }
    }
    try {
      for (const message of messages) this.streams.get(streamKey(message.channel, instrument))?.deliver(message);
    } finally {
      if (held) for (const socket of held) socket.release();
    }
    return true;
  }

  private failed(client: Client, stream: Stream, error: StreamErrorMessage): void {
    const socket = client as FeedSocket;
    socket.record([], [stream.key]);
    this.leave(socket, stream.key);
    socket.sendJson(error);
  }
}
