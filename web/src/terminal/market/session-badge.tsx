/**
 * Whether the selected instrument's market is in session now (its calendar), and the FX
 * sessions open now (`GET /v1/sessions`, refreshed every minute).
 */
import type { components } from "@platform3/client";
import { useEffect, useState } from "preact/hooks";
import { useTerminal } from "../context.ts";
import { calendarOpen } from "./calendar.ts";

type Sessions = components["schemas"]["Sessions"];

const REFRESH_MS = 60_000;

function hhmm(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function SessionBadge() {
  const { rest, instrument } = useTerminal();
  const [sessions, setSessions] = useState<Sessions>();
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    let live = true;
    const load = () => {
      setNow(Date.now());
      rest.api
        .GET("/v1/sessions")
        .then((r) => {
          if (live && r.data) setSessions(r.data);
        })
        .catch(() => {}); // the badge keeps its last answer; the calendar part needs no request
    };
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [rest]);

  const open = calendarOpen(instrument.calendar, now);
  const always = instrument.calendar.kind === "24x7";
  const text = always ? "24/7 market" : open === undefined ? "Session unknown" : open ? "In session" : "Out of session";
  const tone = open === undefined ? "warn" : open ? "good" : "warn";

  const fxOpen = sessions?.open.map((s) => s.city) ?? [];
  const fxNext = sessions?.next[0];
  const fx = !sessions
    ? undefined
    : fxOpen.length > 0
      ? `FX: ${fxOpen.join(", ")}`
      : `FX closed${fxNext ? ` · ${fxNext.city} ${hhmm(fxNext.opens_at_ms)}` : ""}`;

  return (
    <>
      <span
        class={`badge ${tone}`}
        data-testid="session-badge"
        title={`${instrument.symbol} trading calendar: ${instrument.calendar.kind}`}
      >
        {text}
      </span>
      {fx && (
        <span class="fx-sessions muted" data-testid="fx-sessions" title="FX trading sessions open now">
          {fx}
        </span>
      )}
    </>
  );
}
