/** The line under a metrics tab's heading: when the last scrape arrived, or why it failed. */
import { errorLine } from "../common/problem.ts";
import { SCRAPE_INTERVAL_MS, type Scrapes } from "./metrics.ts";

export function ScrapeStatus({ scrapes }: { scrapes: Scrapes }) {
  const at = scrapes.current?.at;
  return (
    <p class="muted scrape-status">
      {at ? `Scraped ${new Date(at).toLocaleTimeString("en-GB", { hour12: false })}` : "Scraping…"} · every{" "}
      {SCRAPE_INTERVAL_MS / 1000} s from GET /v1/admin/metrics
      {scrapes.error !== undefined && (
        <span role="alert" class="read-error">
          {" "}
          · last scrape failed: {errorLine(scrapes.error)}
        </span>
      )}
    </p>
  );
}
