/**
 * GraphQL subscriptions over WebSocket with the `graphql-transport-ws`
 * protocol (graphql-ws's `makeServer` on a `WebSocketPair`): a `GET
 * /v1/graphql` with `Upgrade: websocket`. The Worker holds the client's socket
 * (it is not hibernated: use the WebSocket feed for thousands of idle
 * subscribers); each subscription opens its own stream (subscriptions.ts).
 *
 * - Credentials: those of the upgrade (as on every route), or, since browsers
 *   cannot set headers on a WebSocket, `connectionParams.authorization`
 *   (`Bearer <access or OIDC token>`) in `connection_init`; a refused token closes
 *   the socket with 4403 Forbidden.
 * - Only subscriptions: queries and mutations go over HTTP, where each request
 *   meets the rate limits of its route class (an error with `invalid_request`).
 * - The HTTP endpoint's limits apply (graphql-armor's depth, cost and alias rules,
 *   the variables' size), at most MAX_SUBSCRIPTIONS per connection.
 */

import { type ExecutionArgs, GraphQLError, type GraphQLSchema } from "graphql";
import { makeServer, type OperationResult } from "graphql-ws";
import type { Context as HonoContext } from "hono";
import { verifySessionToken } from "../../../durable-objects/feed/contract.ts";
import type { AuthContext } from "../auth-context.ts";
import type { AppEnv } from "../env.ts";
import { contextOf, type OperationContext } from "../operations/context.ts";
import { codedErrors, graphqlError } from "./errors.ts";
import { LIMITS } from "./limits.ts";
import type { GraphQLContext } from "./resolvers.ts";
import type { YogaServer } from "./yoga.js";

/** The WebSocket subprotocol of graphql-ws. */
export const GRAPHQL_WS_PROTOCOL = "graphql-transport-ws";

/** Subscriptions one connection may hold at once. */
export const MAX_SUBSCRIPTIONS = 20;

interface Extra {
  operations: OperationContext;
  active: Set<string>;
}

/** Whether the request asks for the graphql-ws subprotocol. */
export function wantsGraphqlWs(c: HonoContext<AppEnv>): boolean {
  const offered = c.req.header("sec-websocket-protocol") ?? "";
  return offered.split(",").some((p) => p.trim() === GRAPHQL_WS_PROTOCOL);
}

/** Accepts the upgrade and serves graphql-ws on it. */
export function graphqlWs(
  c: HonoContext<AppEnv>,
  yoga: YogaServer<GraphQLContext>,
  graphqlSchema: () => GraphQLSchema,
): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  // Idempotency keys are per mutation field; mutations are not served here anyway.
  const extra: Extra = {
    operations: contextOf(c, { idempotencyKey: undefined, signal: undefined }),
    active: new Set(),
  };
  const ws = makeServer<Record<string, unknown> | undefined, Extra>({
    schema: graphqlSchema(),
    connectionInitWaitTimeout: 10_000,
    onConnect: (ctx) => authenticateConnection(ctx.extra, ctx.connectionParams),
    onSubscribe: (ctx, id, payload) => subscribe(yoga, ctx.extra, id, payload),
    onNext: (_ctx, _id, _payload, _args, result) =>
      result.errors?.length ? { ...result, errors: codedErrors(result.errors).map((e) => e.toJSON()) } : undefined,
    onComplete: (ctx, id) => {
      ctx.extra.active.delete(id);
    },
    execute: (args) => (args.rootValue as Enveloped).execute(args),
    subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
  });
  const closed = ws.opened(
    {
      protocol: GRAPHQL_WS_PROTOCOL,
      send: (data) => server.send(data),
      close: (code, reason) => server.close(code, reason),
      // A message graphql-ws could not handle closes the socket (4500) instead of leaving the client waiting.
      onMessage: (cb) =>
        server.addEventListener("message", (e) => {
          cb(String(e.data)).catch((err: unknown) => {
            console.error(JSON.stringify({ level: "error", msg: "graphql-ws message failed", error: String(err) }));
            server.close(4500, "Internal server error");
          });
        }),
    },
    extra,
  );
  server.addEventListener("close", (e) => void closed(e.code, e.reason));
  return new Response(null, {
    status: 101,
    webSocket: client,
    headers: { "sec-websocket-protocol": GRAPHQL_WS_PROTOCOL },
  });
}

/** What yoga's envelop gives an operation: its schema, execute and subscribe, with our plugins' rules. */
interface Enveloped {
  execute: (args: ExecutionArgs) => OperationResult;
  subscribe: (args: ExecutionArgs) => OperationResult;
}

/** `connection_init`: a token in `authorization` authenticates the connection (when the upgrade did not). */
async function authenticateConnection(extra: Extra, params: Record<string, unknown> | undefined): Promise<boolean> {
  const header = params?.authorization;
  if (header === undefined || extra.operations.caller) return true;
  const token = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
  if (token === undefined) return false;
  const checked = await verifySessionToken(extra.operations.env, token, extra.operations.ip);
  if (!checked.ok) return false;
  const { account, scopes, via, family, key_id, expires_at } = checked.session;
  const caller: AuthContext = { account, scopes, via, expiresAt: expires_at };
  if (family !== undefined) caller.family = family;
  if (key_id !== undefined) caller.keyId = key_id;
  extra.operations = { ...extra.operations, caller };
  return true;
}

/** `subscribe`: the document parsed and validated as on HTTP, subscriptions only, within the connection's limit. */
async function subscribe(
  yoga: YogaServer<GraphQLContext>,
  extra: Extra,
  id: string,
  payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
): Promise<ExecutionArgs | readonly GraphQLError[]> {
  const size = new TextEncoder().encode(JSON.stringify(payload.variables ?? null)).byteLength;
  if (size > LIMITS.maxVariablesBytes) {
    return [
      graphqlError(
        "payload_too_large",
        `The variables are ${size} bytes of JSON; at most ${LIMITS.maxVariablesBytes} are accepted.`,
      ),
    ];
  }
  if (extra.active.size >= MAX_SUBSCRIPTIONS) {
    return [
      graphqlError(
        "too_many_subscriptions",
        `A connection may hold ${MAX_SUBSCRIPTIONS} subscriptions: complete some or open another connection.`,
      ),
    ];
  }
  const { schema, execute, subscribe, parse, validate } = yoga.getEnveloped({});
  let document: ExecutionArgs["document"];
  try {
    // graphql-armor's rules throw their refusal (propagateOnRejection) rather than report it.
    document = parse(payload.query);
    const errors = validate(schema, document);
    if (errors.length > 0) return codedErrors(errors);
  } catch (err) {
    return codedErrors([err instanceof GraphQLError ? err : new GraphQLError(String(err))]);
  }
  const operation = document.definitions.find(
    (d) => d.kind === "OperationDefinition" && (!payload.operationName || d.name?.value === payload.operationName),
  );
  if (operation?.kind !== "OperationDefinition" || operation.operation !== "subscription") {
    return [
      graphqlError(
        "invalid_request",
        "Only subscriptions are served over the WebSocket: send queries and mutations to POST /v1/graphql.",
      ),
    ];
  }
  extra.active.add(id);
  const contextValue: GraphQLContext = { operations: extra.operations };
  return {
    schema,
    document,
    operationName: payload.operationName ?? null,
    variableValues: payload.variables ?? null,
    contextValue,
    rootValue: { execute, subscribe } as Enveloped,
  };
}
