/**
 * A socket's user channel lasts as long as the grant of its token. It ends — the socket
 * leaves the channel and gets `{"type": "error", "channel": "user", "code":
 * "unauthenticated", "reason", "message"}`, while the socket and its public streams stay —
 * when:
 *
 * - the token expires (`session.expires_at`): checked at each heartbeat and before each
 *   push of the account's messages, so nothing private reaches a socket past its token;
 *   the session is in the socket's attachment, so this holds after hibernation too;
 * - its refresh family or API key is revoked: the Account tells the shards holding the
 *   account's sockets (`FeedShard.sessionsRevoked`), and this isolate's revocation cache
 *   learns it at once, so the socket's order methods (which re-check: session.ts) refuse too.
 *
 * `auth` with a fresh token renews the session; the client then subscribes `user` again.
 */
import { markRevoked } from "../../shared/auth/revocation.ts";
import type { RevokedSessions } from "../account/contract.ts";
import type { FeedSocket } from "./subscriptions.ts";
import type { UserChannels, UserClient, UserErrorMessage } from "./user-channel.ts";

export type GrantEnd = "token_expired" | "token_revoked";

const MESSAGES: Record<GrantEnd, string> = {
  token_expired:
    'The session\'s token has expired: send auth with a fresh access token, then subscribe to "user" again.',
  token_revoked: 'The session\'s token has been revoked: sign in again, send auth, then subscribe to "user" again.',
};

export class UserGrants {
  private readonly users: UserChannels;

  constructor(users: UserChannels) {
    this.users = users;
  }

  /** Ends the user channel of every socket among `sockets` whose token has expired by `now`. */
  expire(sockets: Iterable<FeedSocket | UserClient>, now: number): void {
    for (const client of sockets) {
      const socket = client as FeedSocket;
      if (socket.user && socket.session && socket.session.expires_at <= now) this.end(socket, "token_expired");
    }
  }

  /** Ends the user channel of `account`'s sockets authenticated with a revoked family or key; how many there were. */
  revoke(sockets: Iterable<FeedSocket>, account: string, revoked: RevokedSessions): number {
    for (const family of revoked.families) markRevoked({ account, family });
    const families = new Set(revoked.families);
    const keys = new Set(revoked.key_ids);
    let hit = 0;
    for (const socket of sockets) {
      const session = socket.session;
      if (session?.account !== account) continue;
      const matches =
        (session.family !== undefined && families.has(session.family)) ||
        (session.key_id !== undefined && keys.has(session.key_id));
      if (!matches) continue;
      hit++;
      if (socket.user) this.end(socket, "token_revoked");
    }
    return hit;
  }

  /** The channel failed for a socket (user-channel.ts): it leaves it and is told why. */
  failed(client: UserClient, account: string, error: UserErrorMessage): void {
    const socket = client as FeedSocket;
    this.users.leave(socket, account);
    if (!socket.open) return;
    socket.recordSession({ user: false });
    socket.sendJson(error);
  }

  private end(socket: FeedSocket, reason: GrantEnd): void {
    const account = socket.session?.account;
    if (account === undefined) return;
    this.failed(socket, account, {
      type: "error",
      channel: "user",
      code: "unauthenticated",
      reason,
      message: MESSAGES[reason],
    });
  }
}
