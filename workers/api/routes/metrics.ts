/** `GET /v1/admin/metrics`: every holder's metrics as Prometheus text (metrics/scrape.ts), operators only. */
import { PROMETHEUS_CONTENT_TYPE } from "../../../shared/metrics/exposition.ts";
import { gatherMetrics } from "../metrics/scrape.ts";
import { getMetrics } from "../openapi/contracts/metrics.ts";
import { createRouter } from "../openapi/router.ts";

export const metrics = createRouter();

metrics.openapi(getMetrics, async (c) => {
  const text = await gatherMetrics(c.env);
  return c.text(text, 200, { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" });
});
