/**
 * The header's market strip: the instrument picker, its status (polled: status changes are not on
 * the feed), whether its market is in session (its calendar, and the FX sessions open now), and
 * the ticker with the 24 h figures.
 */
import type { Instrument } from "@platform3/client";
import { useEffect } from "preact/hooks";
import { useTerminal } from "../context.ts";
import "./market.css";
import { SessionBadge } from "./session-badge.tsx";
import { TickerStats } from "./ticker-stats.tsx";

/** How often the instruments are refetched, so an operator's halt shows within seconds. */
const STATUS_POLL_MS = 5000;

const STATUS_TONE: Record<Instrument["status"], "good" | "bad" | "warn"> = {
  open: "good",
  halted: "bad",
  closed: "bad",
  pre_open: "warn",
  post_only: "warn",
  cancel_only: "warn",
  failover: "bad",
};

export function InstrumentBar() {
  const { instrument, instruments, selectInstrument, reloadInstruments } = useTerminal();

  useEffect(() => {
    const timer = setInterval(() => {
      if (!document.hidden) void reloadInstruments();
    }, STATUS_POLL_MS);
    return () => clearInterval(timer);
  }, [reloadInstruments]);

  return (
    <div class="instrument-bar">
      <label class="instrument-picker">
        <span class="visually-hidden">Instrument</span>
        <select
          data-testid="instrument-picker"
          value={instrument.symbol}
          onChange={(e) => selectInstrument((e.currentTarget as HTMLSelectElement).value)}
        >
          {instruments.map((i) => (
            <option key={i.symbol} value={i.symbol}>
              {i.symbol}
            </option>
          ))}
        </select>
      </label>
      <span
        class={`badge ${STATUS_TONE[instrument.status] ?? "warn"}`}
        data-testid="instrument-status"
        title="Instrument status"
      >
        {instrument.status}
      </span>
      <SessionBadge />
      <TickerStats />
    </div>
  );
}
