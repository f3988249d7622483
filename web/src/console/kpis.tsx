/** KPIs: live cards from the metrics endpoint, each with its change since the previous scrape. */
import type { RestClient } from "@platform3/client";
import { changeText, metricText } from "./format.ts";
import { components, type Kpi, kpis } from "./kpi-model.ts";
import { useScrapes } from "./metrics.ts";
import { ScrapeStatus } from "./scrape-status.tsx";

export function KpisTab({ rest }: { rest: RestClient }) {
  const scrapes = useScrapes(rest);
  const current = scrapes.current;
  const cards = current ? kpis(current, scrapes.previous) : [];
  return (
    <div class="stack">
      <section class="panel" aria-labelledby="kpi-title">
        <h2 id="kpi-title">Key numbers</h2>
        <ScrapeStatus scrapes={scrapes} />
        <ul class="cards" aria-live="off">
          {cards.map((k) => (
            <KpiCard key={k.id} kpi={k} />
          ))}
        </ul>
      </section>
      {current && (
        <section class="panel" aria-labelledby="components-title">
          <h2 id="components-title">Components</h2>
          <ul class="components" data-testid="components">
            {components(current).map((c) => (
              <li key={c.component} data-component={c.component} data-up={String(c.up)}>
                <span class={`badge ${c.up ? "good" : "bad"}`}>{c.up ? "up" : "down"}</span> {c.component}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function KpiCard({ kpi }: { kpi: Kpi }) {
  const change = changeText(kpi.change, kpi.unit === "ratio" ? "ratio" : kpi.unit);
  return (
    <li class={`card ${kpi.tone ? `tone-${kpi.tone}` : ""}`} data-testid="kpi-card" data-kpi={kpi.id}>
      <span class="card-label">{kpi.label}</span>
      <span class="card-value num">{metricText(kpi.value, kpi.unit)}</span>
      <span class="card-change muted">
        {change ? `${change} since last scrape` : kpi.value === undefined ? "not reported yet" : "first scrape"}
        {kpi.perSecond !== undefined ? ` · ${kpi.perSecond.toFixed(2)}/s` : ""}
      </span>
      {kpi.note && <span class="card-note muted">{kpi.note}</span>}
    </li>
  );
}
