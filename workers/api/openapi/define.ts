/**
 * `defineRoute`: `createRoute` from `@hono/zod-openapi` plus what the gateway
 * needs to know about every operation: the scope it requires and its route
 * class (rate-limit weight). Both land in the operation as `x-scope` and
 * `x-route-class`, and the scope also as the operation's `security`, so the
 * OpenAPI document is the single declaration that auth, rate limits and the
 * docs all read (see `route-table.ts`).
 *
 * Pure: imports no runtime bindings, so the document can be built in Node.
 */
import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import type { RouteClass, Scope } from "../auth-context.ts";

/** A scope the caller's credential must carry, or `public`: no credential needed. */
export type RouteScope = Scope | "public";

/** Operation extensions carrying the declarations. */
export const X_SCOPE = "x-scope";
export const X_ROUTE_CLASS = "x-route-class";

/** What every route declares besides its OpenAPI operation. */
export interface RouteAccess {
  scope: RouteScope;
  routeClass: RouteClass;
}

/** Names of the security schemes (see `security.ts`); a signed request needs all four `signature*` headers. */
export const SECURITY = {
  bearer: "bearer",
  oidc: "oidc",
  signature: "signature",
  signatureTimestamp: "signatureTimestamp",
  signatureNonce: "signatureNonce",
  signatureValue: "signatureValue",
} as const;

/** Any of the three credentials carrying `scope`; none for public routes. */
export function securityFor(scope: RouteScope): Array<Record<string, string[]>> {
  if (scope === "public") return [];
  const signed = {
    [SECURITY.signature]: [scope],
    [SECURITY.signatureTimestamp]: [],
    [SECURITY.signatureNonce]: [],
    [SECURITY.signatureValue]: [],
  };
  return [{ [SECURITY.bearer]: [scope] }, signed, { [SECURITY.oidc]: [scope] }];
}

/**
 * Declares an operation: `createRoute(config)` with `security`, `x-scope` and
 * `x-route-class` added. Register it with `router.openapi(route, handler)`.
 *
 * @example
 * const getBook = defineRoute({
 *   method: "get", path: "/instruments/{symbol}/book", scope: "public", routeClass: "market_data",
 *   request: { params, query }, responses: { 200: json(BookSchema, "The book") },
 * });
 */
export function defineRoute<const R extends RouteConfig>(config: R & RouteAccess) {
  const { scope, routeClass, ...route } = config;
  if (!route.operationId) throw new Error(`defineRoute: ${route.method} ${route.path} needs an operationId.`);
  return createRoute({
    ...(route as unknown as R),
    security: securityFor(scope),
    [X_SCOPE]: scope,
    [X_ROUTE_CLASS]: routeClass,
  });
}

/** What a route declared (see `defineRoute`), with its full path template. */
export interface DeclaredRoute {
  /** Upper case: GET, POST, … (HEAD requests match GET routes). */
  method: string;
  /** OpenAPI path template, e.g. `/v1/instruments/{symbol}/book`. */
  path: string;
  operationId: string;
  scope: RouteScope;
  routeClass: RouteClass;
  /** The query parameters it declares (none: any query parameter is refused). */
  query: readonly string[];
  /** Whether it takes a request body (none: a request with one is refused). */
  body: boolean;
}
