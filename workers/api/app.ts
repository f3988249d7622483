/**
 * Builds the edge API: observability and hygiene middleware, the routers
 * (OpenAPI contracts are their validation), the generated document and docs,
 * and problem+json for every error (404/405 from the declared routes, 500
 * without internals).
 */
import { env } from "cloudflare:workers";
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { liveRateLimits } from "./config/index.ts";
import { CONNECT_ROUTES, connect, connectRefusals } from "./connect/index.ts";
import type { AppEnv } from "./env.ts";
import { graphql } from "./graphql/index.ts";
import { authorizeRoute } from "./middleware/auth/index.ts";
import { bodyLimit } from "./middleware/body-limit/index.ts";
import { corsAllowlist } from "./middleware/cors/index.ts";
import { requestLogger } from "./middleware/logger/index.ts";
import { httpMetrics } from "./middleware/metrics/index.ts";
import { rateLimit } from "./middleware/rate-limit/index.ts";
import { limitsFromJson } from "./middleware/rate-limit/policy.ts";
import { requestId } from "./middleware/request-id/index.ts";
import { requestShape } from "./middleware/request-shape/index.ts";
import { secure } from "./middleware/secure/index.ts";
import { traceContext } from "./middleware/trace/index.ts";
import { tradingSession } from "./middleware/trading-session/index.ts";
import { writableHeaders } from "./middleware/writable-headers/index.ts";
import { guardObjects } from "./objects/guard.ts";
import { openFeed } from "./openapi/contracts/feed.ts";
import { API_PREFIX, mountDocs } from "./openapi/index.ts";
import { validationHook } from "./openapi/router.ts";
import { ERROR_CODES, type ErrorCode, problem } from "./problem.ts";
import { accounts, adminAccounts } from "./routes/accounts.ts";
import { admin } from "./routes/admin.ts";
import { asyncapi } from "./routes/asyncapi.ts";
import { auth, wellKnown } from "./routes/auth.ts";
import { balances } from "./routes/balances.ts";
import { mountBenchRoutes } from "./routes/bench.ts";
import { config } from "./routes/config.ts";
import { deadLetters } from "./routes/dead-letters.ts";
import { mountFaultRoutes } from "./routes/faults.ts";
import { history } from "./routes/history.ts";
import { instruments } from "./routes/instruments.ts";
import { metrics } from "./routes/metrics.ts";
import { orders } from "./routes/orders.ts";
import { recoveryRoutes } from "./routes/recovery.ts";
import { replayRoutes } from "./routes/replay.ts";
import { requests } from "./routes/requests.ts";
import { schemas } from "./routes/schemas.ts";
import { sessions } from "./routes/sessions.ts";
import { statements } from "./routes/statements.ts";
import { system } from "./routes/system.ts";
import { ws } from "./routes/ws.ts";
import { declaredRoutes, notFoundOrMethodNotAllowed, RouteTable } from "./routing.ts";

/** The generic code of a status that a library's exception carries without saying more. */
const CODE_OF_STATUS: Partial<Record<number, ErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "rate_limited",
  500: "internal_error",
};

function codeForStatus(status: number): ErrorCode | undefined {
  return CODE_OF_STATUS[status];
}

/** Details for exceptions raised by libraries (validators) that only say their status. */
const LIBRARY_DETAIL: Partial<Record<ErrorCode, string>> = {
  bad_request: "The body is not valid JSON.",
  unsupported_media_type: "Send the body as application/json.",
};

/** A fresh app with all routes; the Worker entry uses one, tests may build their own. */
export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  let table: RouteTable | undefined;
  const routes = () => {
    // The RPC paths (Connect, gRPC-Web) are declared beside the REST routes, outside the OpenAPI document.
    table ??= new RouteTable([
      ...RouteTable.fromDefinitions(app.openAPIRegistry.definitions).routes,
      ...CONNECT_ROUTES,
    ]);
    return table;
  };

  // Outermost first: every response, errors included, is counted and timed, and gets an id, a trace,
  // a log line and these headers.
  app.use("*", httpMetrics());
  app.use("*", requestId());
  app.use("*", traceContext());
  // On /platform3.v1.* paths: plain gRPC refused at once, the refusals below answered as Connect errors.
  app.use("*", connectRefusals());
  // Calls into objects from here on go through their circuit breakers (503 while one is open).
  app.use("*", guardObjects());
  app.use("*", requestLogger());
  app.use("*", secure());
  app.use("*", corsAllowlist());
  app.use("*", tradingSession());
  app.use("*", declaredRoutes(routes));
  app.use("*", bodyLimit());
  // Rate limits run twice with one instance: per IP before authentication (failed credentials
  // count too), per API key after it; each limit is checked once per request.
  const limits = rateLimit({ limits: limitsFromJson(env.RATE_LIMITS), live: liveRateLimits });
  app.use("*", limits);
  // Credentials, then the scope the matched route declares (c.get("route")); 401/403 problems.
  app.use("*", authorizeRoute({ operatorToken: true }));
  app.use("*", limits);
  // The query and body are what the route declares (unknown keys, bodies on DELETE, charsets, encodings).
  app.use("*", requestShape());
  // Keep writableHeaders() last, so every middleware above may decorate forwarded responses.
  app.use("*", writableHeaders());

  app.route("/", wellKnown);
  app.route(API_PREFIX, system);
  app.route(API_PREFIX, auth);
  app.route(API_PREFIX, accounts);
  // Before `admin`: both live under /admin.
  app.route(API_PREFIX, adminAccounts);
  app.route(API_PREFIX, balances);
  app.route(API_PREFIX, statements);
  app.route(API_PREFIX, orders);
  app.route(API_PREFIX, requests);
  app.route(API_PREFIX, sessions);
  app.route(API_PREFIX, instruments);
  app.route(API_PREFIX, history);
  app.route(API_PREFIX, admin);
  app.route(API_PREFIX, config);
  app.route(API_PREFIX, metrics);
  app.route(API_PREFIX, replayRoutes);
  app.route(API_PREFIX, schemas);
  app.route(API_PREFIX, asyncapi);
  app.route(API_PREFIX, deadLetters);
  app.route(API_PREFIX, recoveryRoutes);
  app.route(API_PREFIX, ws);
  app.route(API_PREFIX, graphql); // GraphQL over the operations (docs/graphql.md)
  app.route("/", connect); // Connect and gRPC-Web at /platform3.v1.<Service>/<Method> (docs/grpc.md)
  mountBenchRoutes(app, API_PREFIX); // only with BENCH_ROUTES="true" (npm run bench:orders)
  mountFaultRoutes(app, API_PREFIX); // only with FAULT_ROUTES="true" (npm run bench:load -- --faults)
  app.openAPIRegistry.registerPath({ ...openFeed, path: `${API_PREFIX}${openFeed.path}` });
  mountDocs(app);

  app.notFound(notFoundOrMethodNotAllowed(routes));

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      if (err.res) return err.getResponse();
      const code = codeForStatus(err.status);
      if (code !== undefined && code !== "internal_error") {
        const libraryMessage = !err.message || err.message === ERROR_CODES[code].title || code === "bad_request";
        return problem(c, code, (libraryMessage && LIBRARY_DETAIL[code]) || err.message || ERROR_CODES[code].title);
      }
    }
    const requestId = c.get("requestId");
    // Log for observability; never leak internals to the client.
    console.error(
      JSON.stringify({
        level: "error",
        msg: "unhandled error",
        method: c.req.method,
        path: c.req.path,
        route: c.get("route")?.path ?? null,
        request_id: requestId ?? null,
        trace_id: c.get("trace")?.traceId ?? null,
        error: String(err),
        stack: err instanceof Error ? err.stack : undefined,
      }),
    );
    const detail = requestId
      ? `An unexpected error occurred; quote request id ${requestId} to support.`
      : "An unexpected error occurred.";
    return problem(c, "internal_error", detail, requestId ? { extensions: { request_id: requestId } } : {});
  });

  return app;
}
