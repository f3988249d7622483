/**
 * Instruments: every listed instrument with its grids, limits, fees and status, a status change
 * per row (PATCH /v1/admin/instruments/{symbol}), and the form to list a new one.
 */
import type { Instrument, RestClient } from "@platform3/client";
import { useState } from "preact/hooks";
import { usePerform } from "./actions.tsx";
import { InstrumentForm } from "./instrument-form.tsx";
import { type OperatorStatus, STATUSES, statusInfo, statusTone } from "./instrument-status.ts";
import { useLoad } from "./loader.ts";
import { ReadError } from "./read-error.tsx";
import { ScrollBox } from "./scroll-box.tsx";

export function InstrumentsTab({ rest }: { rest: RestClient }) {
  const list = useLoad(async () => (await rest.instruments()).instruments, "all");
  return (
    <div class="stack">
      <section class="panel" aria-labelledby="instruments-title">
        <div class="panel-head">
          <h2 id="instruments-title">Listed instruments</h2>
          <button type="button" onClick={() => list.reload()} disabled={list.loading}>
            Refresh
          </button>
        </div>
        <ReadError error={list.error} />
        {list.data && <InstrumentTable instruments={list.data} rest={rest} onChanged={list.reload} />}
        {!list.data && !list.error && <p class="muted">Loading…</p>}
      </section>
      <InstrumentForm rest={rest} onCreated={list.reload} />
    </div>
  );
}

function InstrumentTable({
  instruments,
  rest,
  onChanged,
}: {
  instruments: Instrument[];
  rest: RestClient;
  onChanged: () => Promise<void>;
}) {
  return (
    <ScrollBox label="Instruments table">
      <table>
        <caption class="visually-hidden">Listed instruments and their status</caption>
        <thead>
          <tr>
            <th scope="col">Symbol</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              Tick
            </th>
            <th scope="col" class="num">
              Lot
            </th>
            <th scope="col" class="num">
              Min qty
            </th>
            <th scope="col" class="num">
              Max qty
            </th>
            <th scope="col" class="num">
              Min notional
            </th>
            <th scope="col" class="num">
              Band %
            </th>
            <th scope="col" class="num">
              Maker / taker bps
            </th>
            <th scope="col">Calendar</th>
            <th scope="col">Change status</th>
          </tr>
        </thead>
        <tbody>
          {instruments.map((i) => (
            <InstrumentRow key={i.symbol} instrument={i} rest={rest} onChanged={onChanged} />
          ))}
        </tbody>
      </table>
    </ScrollBox>
  );
}

function InstrumentRow({
  instrument,
  rest,
  onChanged,
}: {
  instrument: Instrument;
  rest: RestClient;
  onChanged: () => Promise<void>;
}) {
  const perform = usePerform();
  // In failover the registry refuses status changes until the book is restored: the choice starts at halted.
  const [wanted, setWanted] = useState<OperatorStatus>(instrument.status === "failover" ? "halted" : instrument.status);
  const symbol = instrument.symbol;
  const selectId = `status-${symbol}`;

  const apply = async () => {
    const to = statusInfo(wanted);
    const from = statusInfo(instrument.status);
    const done = await perform(
      {
        title: `Set ${symbol} to ${to.label}`,
        lines: [
          `${symbol} goes from ${from.label} to ${to.label}.`,
          to.effect,
          "The book applies it before the reply.",
        ],
        request: `PATCH /v1/admin/instruments/${symbol}\n${JSON.stringify({ status: wanted })}`,
        confirmLabel: `Set ${to.label}`,
        danger: wanted !== "open",
      },
      () =>
        rest.api.PATCH("/v1/admin/instruments/{symbol}", { params: { path: { symbol } }, body: { status: wanted } }),
    );
    if (done) await onChanged();
  };

  return (
    <tr data-testid="instrument-row" data-symbol={symbol} data-status={instrument.status}>
      <th scope="row">{symbol}</th>
      <td>
        <span class={`badge ${statusTone(instrument.status)}`}>{instrument.status}</span>
      </td>
      <td class="num">{instrument.tick_size}</td>
      <td class="num">{instrument.lot_size}</td>
      <td class="num">{instrument.min_qty}</td>
      <td class="num">{instrument.max_qty}</td>
      <td class="num">{instrument.min_notional}</td>
      <td class="num">{instrument.price_band_pct}</td>
      <td class="num">
        {instrument.maker_fee_bps} / {instrument.taker_fee_bps}
      </td>
      <td>{calendarText(instrument.calendar)}</td>
      <td>
        <div class="row nowrap">
          <label class="visually-hidden" for={selectId}>
            New status of {symbol}
          </label>
          <select
            id={selectId}
            data-testid="status-select"
            value={wanted}
            onChange={(e) => setWanted(e.currentTarget.value as OperatorStatus)}
          >
            {STATUSES.map((s) => (
              <option key={s.id} value={s.id}>
                {s.id}
              </option>
            ))}
          </select>
          <button
            type="button"
            data-testid="status-apply"
            onClick={apply}
            disabled={wanted === instrument.status}
            aria-label={`Apply the new status of ${symbol}`}
          >
            Apply
          </button>
        </div>
      </td>
    </tr>
  );
}

function calendarText(calendar: Instrument["calendar"]): string {
  if (calendar.kind === "24x7") return "24×7";
  if (calendar.kind === "24x5") return `24×5 ${calendar.tz}`;
  return `${calendar.tz} ${calendar.sessions.map((s) => `${s.open}–${s.close}`).join(", ")}`;
}
