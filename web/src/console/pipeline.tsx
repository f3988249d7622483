/** Pipeline: outbox depth and age per book, and the queue, settlement and feed lags, every 5 s. */
import type { RestClient } from "@platform3/client";
import { metricText, seconds } from "./format.ts";
import { useScrapes } from "./metrics.ts";
import { pipeline } from "./pipeline-model.ts";
import { ScrapeStatus } from "./scrape-status.tsx";
import { ScrollBox } from "./scroll-box.tsx";

export function PipelineTab({ rest }: { rest: RestClient }) {
  const scrapes = useScrapes(rest);
  const p = scrapes.current ? pipeline(scrapes.current, scrapes.previous) : undefined;
  return (
    <div class="stack">
      <section class="panel" aria-labelledby="outbox-title">
        <h2 id="outbox-title">Book outboxes</h2>
        <ScrapeStatus scrapes={scrapes} />
        {p && (
          <ScrollBox label="Outbox table">
            <table data-testid="outbox-table">
              <caption class="visually-hidden">Per book: events committed and not yet sent to the queue</caption>
              <thead>
                <tr>
                  <th scope="col">Book</th>
                  <th scope="col">Up</th>
                  <th scope="col" class="num">
                    Outbox depth
                  </th>
                  <th scope="col" class="num">
                    Change
                  </th>
                  <th scope="col" class="num">
                    Oldest age
                  </th>
                  <th scope="col" class="num">
                    Event log rows
                  </th>
                </tr>
              </thead>
              <tbody>
                {p.books.map((b) => (
                  <tr key={b.instrument} data-instrument={b.instrument}>
                    <th scope="row">{b.instrument}</th>
                    <td>
                      <span class={`badge ${b.up === false ? "bad" : b.up ? "good" : "warn"}`}>
                        {b.up === undefined ? "?" : b.up ? "up" : "down"}
                      </span>
                    </td>
                    <td class="num">{metricText(b.outboxDepth, "count")}</td>
                    <td class="num">
                      {b.depthChange === undefined ? "" : b.depthChange > 0 ? `+${b.depthChange}` : b.depthChange}
                    </td>
                    <td class={`num ${b.oldestAgeS && b.oldestAgeS > 5 ? "sell" : ""}`}>{seconds(b.oldestAgeS)}</td>
                    <td class="num">{metricText(b.eventLogRows, "count")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollBox>
        )}
      </section>
      {p && (
        <section class="panel" aria-labelledby="lags-title">
          <h2 id="lags-title">Queue and consumer</h2>
          <ScrollBox label="Lag table">
            <table data-testid="lag-table">
              <thead>
                <tr>
                  <th scope="col">Lag</th>
                  <th scope="col" class="num">
                    p99 last interval
                  </th>
                  <th scope="col" class="num">
                    p99 since start
                  </th>
                  <th scope="col" class="num">
                    Observations
                  </th>
                </tr>
              </thead>
              <tbody>
                {p.lags.map((l) => (
                  <tr key={l.id} data-lag={l.id}>
                    <th scope="row">{l.label}</th>
                    <td class="num">{seconds(l.interval)}</td>
                    <td class="num">{seconds(l.sinceStart)}</td>
                    <td class="num">{metricText(l.observations, "count")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollBox>
          <dl class="facts">
            <dt>Last consumer write</dt>
            <dd>
              {p.consumerLastSuccessAgeS === undefined ? "none reported" : `${seconds(p.consumerLastSuccessAgeS)} ago`}
            </dd>
            <dt>Consumer retries</dt>
            <dd>{p.retries.length === 0 ? "none" : p.retries.map((r) => `${r.sink} ${r.count}`).join(", ")}</dd>
            <dt>Messages dead-lettered</dt>
            <dd>{metricText(p.deadLetters, "count")}</dd>
            <dt>Events refused by schema</dt>
            <dd>{metricText(p.invalidEvents, "count")}</dd>
          </dl>
        </section>
      )}
    </div>
  );
}
