/**
 * Documentation of `GET /v1/ws`, the market-data WebSocket. The route itself
 * is a plain Hono route (`routes/ws.ts`); this contract only describes it.
 */
import { z } from "@hono/zod-openapi";
import { defineRoute } from "../define.ts";
import { COMMON_HEADERS, problems } from "../schemas.ts";

export const openFeed = defineRoute({
  method: "get",
  path: "/ws",
  operationId: "openMarketDataFeed",
  tags: ["market data"],
  summary: "Market-data WebSocket",
  description:
    "Upgrade with `Upgrade: websocket`. Requests are `{id, method, params}` (subscribe, unsubscribe, list); " +
    "snapshots arrive in-stream on subscribe, then sequenced updates; heartbeats; `resume_from=<seq>`. " +
    "An `Authorization: Bearer <access token>` header authenticates the socket at once (as the `auth` method would), " +
    "and such an upgrade may use the slots kept for authenticated sockets. Refused: 401 `unauthorized` (a bad bearer token), " +
    "429 `feed_ip_limit` (FEED_MAX_SOCKETS_PER_IP sockets from this address) or `feed_account_limit` " +
    "(FEED_MAX_SOCKETS_PER_ACCOUNT for the token's account), 503 `feed_capacity` (every shard full), all with Retry-After " +
    "except 401. See docs/market-data-and-feed.md.",
  scope: "public",
  routeClass: "market_data",
  request: {
    query: z.object({
      subscribe: z.string().optional().openapi({
        description: "Streams to subscribe at once, comma-separated.",
        example: "level2:BTC-USD,trades:BTC-USD",
      }),
    }),
  },
  responses: {
    101: { description: "Switching protocols: the socket is open.", headers: COMMON_HEADERS },
    ...problems(400, 401, 404, 426, 429, 503),
  },
});
