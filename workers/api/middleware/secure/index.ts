/**
 * Security headers for a JSON API (`hono/secure-headers` plus a strict CSP):
 * nothing may be framed, sniffed, or load anything. A route that serves HTML
 * (the docs) sets its own `Content-Security-Policy`, which is kept.
 */
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/** For JSON responses: load nothing, be framed by no one. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export interface SecureOptions {
  /** `Strict-Transport-Security` (default two years, subdomains). */
  hsts?: string;
}

export function secure(options: SecureOptions = {}): MiddlewareHandler {
  const hsts = options.hsts ?? "max-age=63072000; includeSubDomains";
  if (!/^max-age=\d+/.test(hsts))
    throw new Error(`secure(): hsts must start with max-age=<seconds>, got ${JSON.stringify(hsts)}.`);
  const headers = secureHeaders({
    strictTransportSecurity: hsts,
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    crossOriginResourcePolicy: "same-origin",
    crossOriginOpenerPolicy: "same-origin",
    xPermittedCrossDomainPolicies: "none",
    removePoweredBy: true,
  });
  return async (c, next) => {
    await headers(c, next);
    if (!c.res.headers.has("content-security-policy")) c.res.headers.set("content-security-policy", API_CSP);
  };
}
