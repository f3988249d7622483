/**
 * bench:geo's hand-off under load: an operator moves an instrument's book to another region
 * (`POST /v1/admin/instruments/{symbol}/move`, `{"region", "reason": "bench"}`) while the
 * traders run. The registry fences the old book, copies it, flips the listing and
 * activates the successor (docs/geography.md); its answer carries `pause_ms`, from the fence
 * to the successor's activation, the time orders were refused with `instrument_moving`.
 * A move the registry could not finish (503 `instrument_moving`) is asked again, as the
 * route's `Retry-After` says; the registry resumes it.
 */
import { client, OPERATOR } from "../load/setup.ts";

export interface HandoffOutcome {
  moved: boolean;
  from: string | null;
  to: string;
  /** The successor's book epoch. */
  epoch: number | null;
  /** The registry's pause: fence → successor active, ms. */
  pause_ms: number | null;
  /** The move request's round trip as the operator saw it, ms (every try). */
  route_ms: number;
  /** The book's last event before the successor's first. */
  seq: number | null;
  attempts: number;
  error: string | null;
}

interface MoveAnswer {
  moved: boolean;
  from: string;
  to: string;
  epoch: number;
  pause_ms: number;
  seq: number;
}

export async function moveBook(base: string, symbol: string, to: string): Promise<HandoffOutcome> {
  const admin = client(base, OPERATOR);
  const started = performance.now();
  let error: string | null = null;
  for (let attempt = 1; attempt <= 5; attempt++) {
    const a = await admin.call<MoveAnswer>("POST", `/v1/admin/instruments/${symbol}/move`, {
      region: to,
      reason: "bench",
    });
    if (a.ok) {
      return {
        moved: a.body.moved,
        from: a.body.from,
        to: a.body.to,
        epoch: a.body.epoch,
        pause_ms: a.body.pause_ms,
        route_ms: Math.round(performance.now() - started),
        seq: a.body.seq,
        attempts: attempt,
        error: null,
      };
    }
    error = `${a.status} ${a.ok ? "" : (a.body?.code ?? a.text.slice(0, 200))}`;
    if (a.status !== 503 && a.status !== 0) break;
    const retryAfter = Number(a.headers.get("retry-after")) || 1;
    await new Promise((r) => setTimeout(r, retryAfter * 1000));
  }
  return {
    moved: false,
    from: null,
    to,
    epoch: null,
    pause_ms: null,
    route_ms: Math.round(performance.now() - started),
    seq: null,
    attempts: 5,
    error: `the move did not finish: ${error}`,
  };
}
