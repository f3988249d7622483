/**
 * A shard's onConnect: an upgrade forwarded by the Worker becomes a socket, or is refused.
 *
 * The upgrade may authenticate at once with `Authorization: Bearer <access token>`
 * (verified as `auth` verifies it), or carry the session the edge verified (its own
 * stream bridge, `EDGE_SESSION_HEADER`): such a socket starts with its session, may take the
 * slots kept for authenticated sockets, and counts against its account's cap. Then the
 * admission rules (admission.ts) decide; an accepted socket gets `welcome` (shard,
 * heartbeat, limits, and the session when it has one) and the snapshots of the streams
 * named in `?subscribe=`.
 */
import { CLIENT_IP_HEADER, forwardedAddress } from "../../shared/auth/client-address.ts";
import type { FeedLimits } from "../../shared/feed/limits.ts";
import { parseSubscribeParam, type WelcomeMessage } from "../../shared/feed/protocol.ts";
import type { AccountSockets } from "./account-sockets.ts";
import { heldElsewhere, type Occupancy, type Refusal, refusal, refusalResponse } from "./admission.ts";
import { EDGE_SESSION_HEADER, edgeSession } from "./identity.ts";
import { type Session, type SessionEnv, verifySessionToken } from "./session.ts";
import type { StreamIndex } from "./stream-index.ts";
import { FeedSocket, type SocketHooks } from "./subscriptions.ts";

export interface ConnectionsDeps {
  ctx: DurableObjectState;
  env: SessionEnv;
  limits: FeedLimits;
  hooks: SocketHooks;
  sockets: Map<WebSocket, FeedSocket>;
  occupancy: Occupancy<WebSocket>;
  accounts: AccountSockets;
  streams: StreamIndex;
  shardName: () => string;
}

export class Connections {
  private readonly d: ConnectionsDeps;

  constructor(deps: ConnectionsDeps) {
    this.d = deps;
  }

  /** Accepts the upgrade (101) or answers why not: 400, 401, 429, or 503 (the edge tries the next shard). */
  async accept(request: Request): Promise<Response> {
    const { ctx, limits, occupancy } = this.d;
    const url = new URL(request.url);
    const max = Math.min(limits.maxUrlStreams, limits.maxSubscriptions);
    const parsed = parseSubscribeParam(url.searchParams.get("subscribe"), max);
    if ("error" in parsed) return new Response(parsed.error, { status: 400 });
    const { ip } = forwardedAddress(request.headers.get(CLIENT_IP_HEADER));
    const elsewhere = heldElsewhere(request);

    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
    const verified = edgeSession(request.headers.get(EDGE_SESSION_HEADER));
    if (verified instanceof Error) return new Response(verified.message, { status: 400 });
    let session: Session | undefined = verified;
    if (session === undefined && bearer !== undefined) {
      const checked = await verifySessionToken(this.d.env, bearer, ip);
      if (!checked.ok) {
        const refused: Refusal = {
          status: 401,
          code: "unauthorized",
          detail: `The upgrade's bearer token was refused: ${checked.message}`,
          extensions: { reason: checked.reason },
        };
        return refusalResponse(refused, occupancy, ip);
      }
      session = checked.session;
    }
    const upgrade = { ip, elsewhere, authenticated: session !== undefined };
    const early = refusal(occupancy, limits, upgrade);
    if (early) return refusalResponse(early, occupancy, ip);

    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    if (session) {
      const admitted = await this.d.accounts.admit(server, session.account);
      if (!admitted.ok) {
        const status = admitted.code === "feed_account_limit" ? 429 : 503;
        return refusalResponse({ status, code: admitted.code, detail: admitted.message }, occupancy, ip);
      }
      // The shard may have filled up while the account answered.
      const late = refusal(occupancy, limits, upgrade);
      if (late) {
        this.d.accounts.release(server);
        return refusalResponse(late, occupancy, ip);
      }
    }
    const socket = FeedSocket.accept(ctx, server, parsed.keys, limits, this.d.hooks, ip);
    if (session) socket.recordSession({ session });
    this.d.sockets.set(server, socket);
    occupancy.add(server, ip, session !== undefined);
    socket.sendJson(this.welcome(session));
    for (const key of parsed.keys) this.d.streams.sync(socket, key);
    if ((await ctx.storage.getAlarm()) === null) await ctx.storage.setAlarm(Date.now() + limits.heartbeatMs);
    return new Response(null, { status: 101, webSocket: client });
  }

  private welcome(session: Session | undefined): WelcomeMessage {
    const { limits } = this.d;
    const welcome: WelcomeMessage = {
      type: "welcome",
      shard: this.d.shardName(),
      heartbeat_ms: limits.heartbeatMs,
      limits: {
        max_subscriptions: limits.maxSubscriptions,
        messages_per_second: limits.messagesPerSecond,
        orders_per_second: limits.ordersPerSecond,
        unacknowledged: { soft: limits.slowSoft, hard: limits.slowHard },
        idle_timeout_ms: limits.idleTimeoutMs,
      },
    };
    if (session) {
      welcome.session = { account: session.account, scopes: session.scopes, expires_at_ms: session.expires_at };
    }
    return welcome;
  }
}
