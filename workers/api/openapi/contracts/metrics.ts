/** Contract of the metrics scrape: Prometheus text of every holder, for operators. */
import { z } from "@hono/zod-openapi";
import { defineRoute } from "../define.ts";
import { COMMON_HEADERS, problems } from "../schemas.ts";

export const getMetrics = defineRoute({
  method: "get",
  path: "/admin/metrics",
  operationId: "getMetrics",
  tags: ["operator"],
  summary: "Metrics in the Prometheus text format",
  description:
    'Every metric of the venue (docs/operations.md "Metrics"), gathered at once: each listed instrument\'s book, ' +
    "each feed shard, each metrics hub shard (where edge isolates, the queue consumer and accounts push theirs) and " +
    "this isolate's own, each within `METRICS_SCRAPE_TIMEOUT_MS` (default 2 s). A source that does not answer " +
    'shows as `p3_component_up{component="book:<symbol>"} 0` (or `feed:<shard>`, `hub:<n>`, `instrument-registry`) ' +
    "and never fails the scrape.",
  scope: "admin",
  routeClass: "admin",
  responses: {
    200: {
      description: "Prometheus text exposition format 0.0.4.",
      headers: COMMON_HEADERS,
      content: {
        "text/plain; version=0.0.4; charset=utf-8": {
          schema: z
            .string()
            .openapi({ example: '# TYPE p3_component_up gauge\np3_component_up{component="hub:0"} 1\n' }),
        },
      },
    },
    ...problems(401, 403),
  },
});
