/**
 * `X-Trading-Session` on every response: the FX sessions open now
 * (`london,new_york`, or `none`), from `shared/sessions`. Sessions open and
 * close on whole minutes, so the label is computed once per minute.
 */
import type { MiddlewareHandler } from "hono";
import { sessionLabel } from "../../../../shared/sessions/index.ts";

export const TRADING_SESSION_HEADER = "X-Trading-Session";

export interface TradingSessionOptions {
  /** Clock, epoch ms (default `Date.now`). */
  now?: () => number;
}

export function tradingSession(options: TradingSessionOptions = {}): MiddlewareHandler {
  const now = options.now ?? Date.now;
  let cached: { minute: number; label: string } | undefined;
  return async (c, next) => {
    await next();
    const at = now();
    const minute = Math.floor(at / 60_000);
    if (cached?.minute !== minute) cached = { minute, label: sessionLabel(at) };
    c.res.headers.set(TRADING_SESSION_HEADER, cached.label);
  };
}
