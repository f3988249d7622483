/**
 * `GET /v1/ws`: the market-data WebSocket. The Worker validates the upgrade
 * (and the streams named in `?subscribe=`), then hands the socket to a feed
 * shard: the client address's home shard first, the next one whenever a shard
 * is full (503); a shard's refusal of the client (429 per address or account,
 * 401 for a bad bearer token) is answered as a problem.
 * The protocol is in `shared/feed/protocol.ts` (manual: docs/market-data-and-feed.md).
 */
import { Hono } from "hono";
import { SHARD_HEADER } from "../../../durable-objects/feed/index.ts";
import { CLIENT_IP_HEADER } from "../../../shared/auth/client-address.ts";
import { isErrorCode } from "../../../shared/errors/codes.ts";
import { ADDRESS_SOCKETS_HEADER, addressGroup, homeShard } from "../../../shared/feed/address.ts";
import { parseStreamKey, parseSubscribeParam } from "../../../shared/feed/protocol.ts";
import { clientIp } from "../client-address.ts";
import { liveFeedLimits } from "../config/index.ts";
import type { AppEnv, Env } from "../env.ts";
import { instrumentOr404 } from "../instruments.ts";
import { problem, problemResponse } from "../problem.ts";
import { methodNotAllowed } from "../routing.ts";

export const ws = new Hono<AppEnv>();

ws.get("/ws", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    return problem(
      c,
      "upgrade_required",
      "GET /v1/ws opens a WebSocket: connect with a WebSocket client (Upgrade: websocket).",
      {
        headers: { upgrade: "websocket" },
      },
    );
  }
  const limits = await liveFeedLimits(c);
  const parsed = parseSubscribeParam(c.req.query("subscribe"), Math.min(limits.maxUrlStreams, limits.maxSubscriptions));
  if ("error" in parsed) return problem(c, "invalid_request", parsed.error);
  const symbols = [...new Set(parsed.keys.map((k) => parseStreamKey(k)?.instrument ?? k))];
  // Unknown instruments fail the upgrade with a 404 problem (thrown, answered by the app's error handler).
  await Promise.all(symbols.map((s) => instrumentOr404(c.env, s)));
  const res = await connect(c.env, c.req.raw, clientIp(c));
  if (res) return res;
  return problem(c, "feed_capacity", "Every feed shard is at its socket limit: retry shortly.", {
    headers: { "retry-after": "5" },
  });
});
ws.all("/ws", methodNotAllowed(["GET"]));

/**
 * Forwards the upgrade to the home shard of the client address (`feed-<hash of the
 * address>`, so one address's sockets sit together and are counted there: see
 * durable-objects/feed/admission.ts), then the next one, … until one accepts;
 * undefined when all of them are full. Each shard passed tells how many sockets the
 * address holds there, and the next is told the sum, so those count too.
 */
export async function connect(env: Env, request: Request, ip: string | undefined): Promise<Response | undefined> {
  const shards = shardCount(env);
  const first = homeShard(addressGroup(ip), shards);
  let heldElsewhere = 0;
  for (let k = 0; k < shards; k++) {
    const name = `feed-${(first + k) % shards}`;
    const headers = new Headers(request.headers);
    headers.set(SHARD_HEADER, name);
    // The shard trusts this header, not CF-Connecting-IP (shared/auth/client-address.ts).
    headers.set(CLIENT_IP_HEADER, ip ?? "unknown");
    headers.set(ADDRESS_SOCKETS_HEADER, String(heldElsewhere));
    const stub = env.FEED_SHARD.get(env.FEED_SHARD.idFromName(name));
    const res = await stub.fetch(request.url, { method: "GET", headers });
    if (res.status === 503) {
      heldElsewhere += Number(res.headers.get(ADDRESS_SOCKETS_HEADER)) || 0;
      continue;
    }
    if (res.status === 401 || res.status === 429) return refused(res, new URL(request.url).pathname);
    return res;
  }
  return undefined;
}

/** A shard's refusal (`{code, detail, …}`, Retry-After) as a problem. */
async function refused(res: Response, instance: string): Promise<Response> {
  const { code, detail, ...extensions } = await res.json<{ code: string; detail: string }>();
  const headers = new Headers();
  const retryAfter = res.headers.get("retry-after");
  if (retryAfter) headers.set("retry-after", retryAfter);
  if (res.status === 401) headers.set("www-authenticate", 'Bearer error="invalid_token"');
  const known = isErrorCode(code) ? code : "internal_error";
  return problemResponse(known, detail, { headers, extensions: { instance, ...extensions } });
}

function shardCount(env: Env): number {
  const n = Number(env.FEED_SHARDS ?? "16");
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new Error(`FEED_SHARDS="${env.FEED_SHARDS}" is not a positive integer: fix it in wrangler.toml [vars].`);
  }
  return n;
}
