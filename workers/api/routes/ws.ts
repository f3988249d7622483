/**
 * `GET /v1/ws`: the market-data WebSocket. The Worker validates the upgrade
 * (and the streams named in `?subscribe=`), then hands the socket to a feed
 * shard (feed/shards.ts): the client address's home shard first, the next one
 * whenever a shard is full (503); a shard's refusal of the client (429 per
 * address or account, 401 for a bad bearer token) is answered as a problem.
 * The protocol is in `shared/feed/protocol.ts` (manual: docs/market-data-and-feed.md).
 */
import { Hono } from "hono";
import { parseStreamKey, parseSubscribeParam } from "../../../shared/feed/protocol.ts";
import { clientIp } from "../client-address.ts";
import { liveFeedLimits } from "../config/index.ts";
import type { AppEnv } from "../env.ts";
import { connectToShard } from "../feed/shards.ts";
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
  const limits = await liveFeedLimits(c);
  const parsed = parseSubscribeParam(c.req.query("subscribe"), Math.min(limits.maxUrlStreams, limits.maxSubscriptions));
  if ("error" in parsed) return problem(c, "invalid_request", parsed.error);
  const symbols = [...new Set(parsed.keys.map((k) => parseStreamKey(k)?.instrument ?? k))];
  // Unknown instruments fail the upgrade with a 404 problem (thrown, answered by the app's error handler).
  await Promise.all(symbols.map((s) => instrumentOr404(c.env, s)));
  const res = await connectToShard(c.env, c.req.raw, clientIp(c));
  if (res) return res;
  return problem(c, "feed_capacity", "Every feed shard is at its socket limit: retry shortly.", {
    headers: { "retry-after": "5" },
  });
});
ws.all("/ws", methodNotAllowed(["GET"]));
