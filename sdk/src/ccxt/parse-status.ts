/** `GET /v1/health` as ccxt's `Status`: `ok`, or `maintenance` for anything else. */
import type { Dict, Exchange, Status } from "ccxt";

export function parseStatus(exchange: Exchange, health: Dict): Status {
  return {
    status: exchange.safeString(health, "status") === "ok" ? "ok" : "maintenance",
    updated: exchange.milliseconds(),
    eta: undefined,
    url: undefined,
    info: health,
  } as Status;
}
