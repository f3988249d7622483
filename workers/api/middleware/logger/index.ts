/**
 * One structured JSON log line per request, after the response is ready:
 * `{level, msg: "request", method, route, status, duration_ms, account,
 * request_id, trace_id}`. `route` is the declared path template
 * (`/v1/instruments/{symbol}`), never the raw path, so logs group by route
 * without leaking identifiers; unmatched requests log `route: null`.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env.ts";

export interface RequestLog {
  level: "info" | "warn" | "error";
  msg: "request";
  method: string;
  route: string | null;
  status: number;
  duration_ms: number;
  account: string | null;
  request_id: string | null;
  trace_id: string | null;
}

export interface LoggerOptions {
  /** Where lines go (default `console.log`). */
  write?: (line: string) => void;
  /** Clock in ms (default `performance.now()`; in Workers it advances with I/O only). */
  now?: () => number;
}

export function requestLogger(options: LoggerOptions = {}): MiddlewareHandler<AppEnv> {
  const write = options.write ?? ((line: string) => console.log(line));
  const now = options.now ?? (() => performance.now());
  return async (c, next) => {
    const start = now();
    await next();
    const status = c.res.status;
    const record: RequestLog = {
      level: status >= 500 ? "error" : status >= 400 ? "warn" : "info",
      msg: "request",
      method: c.req.method,
      route: c.get("route")?.path ?? null,
      status,
      duration_ms: Math.round((now() - start) * 1000) / 1000,
      account: c.get("auth")?.account ?? null,
      request_id: c.get("requestId") ?? null,
      trace_id: c.get("trace")?.traceId ?? null,
    };
    write(JSON.stringify(record));
  };
}
