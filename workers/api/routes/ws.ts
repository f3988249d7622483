/**
 * `GET /v1/ws`: the market-data WebSocket. The Worker validates the upgrade
 * (and the streams named in `?subscribe=`), then hands the socket to a feed
 * shard: a random one first, the next one whenever a shard is full (503).
 * The protocol is in `shared/feed/protocol.ts` (manual: docs/market-data-and-feed.md).
 */
import { Hono } from "hono";
import { SHARD_HEADER } from "../../../durable-objects/feed/index.ts";
import { CLIENT_IP_HEADER } from "../../../shared/auth/client-address.ts";
import { feedLimits } from "../../../shared/feed/limits.ts";
import { parseStreamKey, parseSubscribeParam } from "../../../shared/feed/protocol.ts";
import { clientIp } from "../client-address.ts";
import type { AppEnv, Env } from "../env.ts";
import { instrumentOr404 } from "../instruments.ts";
import { problem } from "../problem.ts";
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
  const limits = feedLimits(c.env);
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
 * Forwards the upgrade to shard `feed-<i>` for a random i, then i+1, … until
 * one accepts; undefined when all of them are full.
 */
export async function connect(
  env: Env,
  request: Request,
  ip: string | undefined,
  random: () => number = Math.random,
): Promise<Response | undefined> {
  const shards = shardCount(env);
  const first = Math.floor(random() * shards);
  for (let k = 0; k < shards; k++) {
    const name = `feed-${(first + k) % shards}`;
    const headers = new Headers(request.headers);
    headers.set(SHARD_HEADER, name);
    // The shard trusts this header, not CF-Connecting-IP (shared/auth/client-address.ts).
    headers.set(CLIENT_IP_HEADER, ip ?? "unknown");
    const stub = env.FEED_SHARD.get(env.FEED_SHARD.idFromName(name));
    const res = await stub.fetch(request.url, { method: "GET", headers });
    if (res.status !== 503) return res;
  }
  return undefined;
}

function shardCount(env: Env): number {
  const n = Number(env.FEED_SHARDS ?? "16");
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new Error(`FEED_SHARDS="${env.FEED_SHARDS}" is not a positive integer: fix it in wrangler.toml [vars].`);
  }
  return n;
}
