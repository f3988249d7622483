/**
 * Sockets that hold nothing — no session, no public stream, not on the user channel — are
 * closed once they have held nothing for `FEED_IDLE_TIMEOUT_MS` (4001, `idle`): counted
 * from the connection, or from the moment a socket dropped its last subscription. They
 * are looked for at each heartbeat, so one closes within a heartbeat after its timeout.
 * After hibernation, the moment is the connection's (the only time the attachment keeps).
 */
import { CLOSE_CODES } from "../../shared/feed/protocol.ts";
import type { FeedSocket } from "./subscriptions.ts";

export class IdleSockets {
  private readonly timeoutMs: number;
  private readonly emptiedAt = new WeakMap<FeedSocket, number>();

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  /** Whether the socket holds anything that keeps it open. */
  static holds(socket: FeedSocket): boolean {
    return socket.session !== undefined || socket.user || socket.cursors.size > 0;
  }

  /** Call after a socket dropped subscriptions: if it holds nothing now, its idle time starts. */
  dropped(socket: FeedSocket, now: number): void {
    if (!IdleSockets.holds(socket)) this.emptiedAt.set(socket, now);
  }

  /** Closes the sockets idle for the timeout. */
  sweep(sockets: Iterable<FeedSocket>, now: number): void {
    for (const socket of sockets) {
      if (!socket.open || IdleSockets.holds(socket)) continue;
      const since = Math.max(socket.connectedAt, this.emptiedAt.get(socket) ?? 0);
      if (now - since < this.timeoutMs) continue;
      socket.close(
        CLOSE_CODES.idle,
        `idle: no auth and no subscription for ${Math.round(this.timeoutMs / 1000)} s; subscribe or auth after connecting`,
      );
    }
  }
}
