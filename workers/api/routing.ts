/**
 * Routing helpers shared by all route modules: the table of declared routes
 * (method + path template → scope, route class, operation id) read from the
 * app's OpenAPI registry, the middleware that puts the matched route on the
 * context, and 404/405 answers.
 *
 * Reading a route's declaration, from any middleware (also one registered
 * before the routers) or handler:
 *
 *   c.get("route")      // DeclaredRoute | undefined, set by declaredRoutes()
 *   declaredScope(c)    // Scope | undefined ("public" and undeclared routes: undefined)
 */
import type { Context, Handler, MiddlewareHandler, NotFoundHandler } from "hono";
import type { RouteClass, Scope } from "./auth-context.ts";
import type { AppEnv } from "./env.ts";
import { type DeclaredRoute, type RouteScope, X_ROUTE_CLASS, X_SCOPE } from "./openapi/define.ts";

export type { DeclaredRoute };

import { problem } from "./problem.ts";

interface Entry {
  route: DeclaredRoute;
  pattern: RegExp;
  params: number;
}

/** A registry definition as `@hono/zod-openapi` keeps it (only route definitions are read). */
interface Definition {
  type: string;
  route?: {
    method: string;
    path: string;
    operationId?: string;
    request?: { query?: unknown; body?: unknown };
    [extension: string]: unknown;
  };
}

/** The keys of a declared query schema (a zod object, refinements included). */
function queryKeys(schema: unknown): string[] {
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape === undefined ? [] : Object.keys(shape);
}

/** The declared routes of an app, matched by method and path. */
export class RouteTable {
  readonly #entries: Entry[];

  constructor(routes: readonly DeclaredRoute[]) {
    this.#entries = routes
      .map((route) => ({ route, pattern: templatePattern(route.path), params: route.path.split("{").length - 1 }))
      // Static segments win over parameters (`/a/b` before `/a/{x}`), as in the router.
      .sort((a, b) => a.params - b.params);
  }

  /** The routes registered in an OpenAPI registry (`app.openAPIRegistry.definitions`). */
  static fromDefinitions(definitions: readonly Definition[]): RouteTable {
    const routes: DeclaredRoute[] = [];
    for (const def of definitions) {
      const r = def.type === "route" ? def.route : undefined;
      if (!r) continue;
      const scope = r[X_SCOPE] as RouteScope | undefined;
      const routeClass = r[X_ROUTE_CLASS] as RouteClass | undefined;
      if (scope === undefined || routeClass === undefined) {
        throw new Error(`${r.method.toUpperCase()} ${r.path} declares no scope: define it with defineRoute().`);
      }
      routes.push({
        method: r.method.toUpperCase(),
        path: r.path,
        operationId: r.operationId ?? "",
        scope,
        routeClass,
        query: queryKeys(r.request?.query),
        body: r.request?.body !== undefined,
      });
    }
    return new RouteTable(routes);
  }

  get routes(): DeclaredRoute[] {
    return this.#entries.map((e) => e.route);
  }

  /** The route declared for `method` (HEAD as GET) at `path`, if any. */
  match(method: string, path: string): DeclaredRoute | undefined {
    const m = method === "HEAD" ? "GET" : method;
    for (const e of this.#entries) if (e.route.method === m && e.pattern.test(path)) return e.route;
    return undefined;
  }

  /** The methods declared at `path` (GET implies HEAD), empty for an unknown path. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const e of this.#entries) if (e.pattern.test(path)) methods.add(e.route.method);
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods];
  }
}

function templatePattern(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith("{") ? "[^/]+" : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`);
}

/**
 * Sets `c.get("route")` to the declared route the request matches, before any
 * later middleware (auth, rate limits, logging) runs. `table` is read on the
 * first request, once every router is mounted.
 */
export function declaredRoutes(table: () => RouteTable): MiddlewareHandler<AppEnv> {
  let resolved: RouteTable | undefined;
  return async (c, next) => {
    resolved ??= table();
    const route = resolved.match(c.req.method, c.req.path);
    if (route) c.set("route", route);
    await next();
  };
}

/** The scope the matched route requires; undefined for public or undeclared routes (for `requireRouteScope`). */
export function declaredScope(c: Context<AppEnv>): Scope | undefined {
  const scope = c.get("route")?.scope;
  return scope === undefined || scope === "public" ? undefined : scope;
}

/** 405 with `Allow` when `table` knows the path under other methods, else 404. */
export function notFoundOrMethodNotAllowed(table: () => RouteTable): NotFoundHandler<AppEnv> {
  return (c) => {
    const allowed = table().allowed(c.req.path);
    if (allowed.length > 0) return methodNotAllowedProblem(c, allowed.join(", "));
    return problem(c, "not_found", `No route for ${c.req.method} ${c.req.path}.`);
  };
}

/**
 * Catch-all for a known path: answers 405 with an `Allow` header. Register it
 * with `router.all(path, methodNotAllowed([...]))` after the path's handlers.
 * GET routes also serve HEAD (Hono does this), so HEAD is added to `Allow`.
 * Routes declared with `defineRoute` need none: the app answers 405 for them.
 */
export function methodNotAllowed(allowed: readonly string[]): Handler<AppEnv> {
  const methods = new Set(allowed.map((m) => m.toUpperCase()));
  if (methods.has("GET")) methods.add("HEAD");
  const allow = [...methods].join(", ");
  return (c) => methodNotAllowedProblem(c, allow);
}

function methodNotAllowedProblem(c: Context, allow: string): Response {
  return problem(c, "method_not_allowed", `Method ${c.req.method} is not allowed on ${c.req.path}; use ${allow}.`, {
    headers: { allow },
  });
}
