/**
 * GraphQL at `/v1/graphql` (mount at /v1) with graphql-yoga: the schema of
 * schema.ts, whose fields are adapters of the operations (resolvers.ts), the
 * limits of limits.ts and the error codes of errors.ts. The app's chain runs
 * first, as for every /v1 route (request id, trace, body limit, rate limits by
 * the route's class, credentials); credentials that are present must be
 * valid (401 otherwise), and each field checks its operation's scope, so one
 * request may mix public and private fields. GraphiQL only when
 * `ENVIRONMENT=development`. Subscriptions (subscriptions.ts) over SSE (yoga's own:
 * `Accept: text/event-stream`) and over graphql-ws on a WebSocket upgrade (ws.ts).
 */
import { type GraphQLSchema, printSchema } from "graphql";
import type { Env } from "../env.ts";
import { authenticate } from "../middleware/auth/index.ts";
import { createRouter } from "../openapi/router.ts";
import { contextOf } from "../operations/context.ts";
import { problem } from "../problem.ts";
import { GRAPHQL_CONTRACTS } from "./contract.ts";
import { problemCodes } from "./errors.ts";
import { armor, mutationFieldLimit, variablesLimit } from "./limits.ts";
import { type GraphQLContext, RESOLVERS } from "./resolvers.ts";
import { TYPE_DEFS } from "./schema.ts";
import { SUBSCRIPTION_RESOLVERS, SUBSCRIPTION_TYPE_DEFS } from "./subscriptions.ts";
import { graphqlWs, wantsGraphqlWs } from "./ws.ts";
import { buildSchema, createServer, type YogaServer } from "./yoga.js";

/** Where the endpoint is served (the router is mounted at /v1). */
export const GRAPHQL_PATH = "/v1/graphql";

let schema: GraphQLSchema | undefined;

/** The executable schema, built once per isolate. */
export function graphqlSchema(): GraphQLSchema {
  schema ??= buildSchema(TYPE_DEFS + SUBSCRIPTION_TYPE_DEFS, { ...RESOLVERS, Subscription: SUBSCRIPTION_RESOLVERS });
  return schema;
}

const servers = new Map<boolean, YogaServer<GraphQLContext>>();

/** The yoga server of this isolate, with GraphiQL in development only. */
function yogaFor(env: Env): YogaServer<GraphQLContext> {
  const graphiql = env.ENVIRONMENT === "development";
  let server = servers.get(graphiql);
  if (!server) {
    server = createServer<GraphQLContext>({
      schema: graphqlSchema(),
      endpoint: GRAPHQL_PATH,
      graphiql,
      plugins: [variablesLimit(), armor(), mutationFieldLimit(), problemCodes()],
    });
    servers.set(graphiql, server);
  }
  return server;
}

export const graphql = createRouter();

for (const route of GRAPHQL_CONTRACTS) graphql.openAPIRegistry.registerPath(route);

// The route is public, so the app's chain let refused credentials through as anonymous: refuse them here.
graphql.on(["GET", "POST"], "/graphql", authenticate({ optional: true }), async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() === "websocket") {
    if (!wantsGraphqlWs(c)) {
      return problem(
        c,
        "invalid_request",
        "A WebSocket on /v1/graphql speaks graphql-transport-ws: offer that subprotocol.",
      );
    }
    return graphqlWs(c, yogaFor(c.env), graphqlSchema);
  }
  // The body may have been read already (a signed request's digest): hand yoga a fresh request.
  const request =
    c.req.method === "POST"
      ? new Request(c.req.url, { method: "POST", headers: c.req.raw.headers, body: await c.req.arrayBuffer() })
      : c.req.raw;
  // Idempotency keys are per mutation field (`idempotency_key`), never the request's header.
  const operations = contextOf(c, { idempotencyKey: undefined });
  const res = await yogaFor(c.env).fetch(request, { operations });
  // Answers may be private (the caller's orders): never cached.
  res.headers.set("cache-control", "no-store");
  return res;
});

graphql.get("/graphql/schema.graphql", (c) => c.text(printSchema(graphqlSchema())));
