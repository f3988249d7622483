/**
 * The protobuf services of `proto/platform3/v1/` over Connect (JSON and
 * binary) and gRPC-Web, at `/platform3.v1.<Service>/<Method>` beside the REST
 * routes (mount at `/`). Each path is declared in the route table
 * (`CONNECT_ROUTES`, POST, with its operation's scope and route class), so the
 * app's chain treats it as the REST route of the same operation: credentials
 * and scope, rate limits by class, body limit, logs and metrics by path.
 * `connectRefusals()` (refusals.ts) turns the chain's refusals into Connect
 * errors and refuses plain gRPC. See docs/grpc.md.
 */
import { createContextValues } from "@connectrpc/connect";
import { universalServerRequestFromFetch, universalServerResponseToFetch } from "@connectrpc/connect/protocol";
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import type { DeclaredRoute } from "../openapi/define.ts";
import { contextOf } from "../operations/context.ts";
import { rpcPath, UNARY_RPCS } from "./methods.ts";
import { connectHandlers, OPERATION_CONTEXT } from "./service.ts";
import { STREAM_RPCS } from "./streams.ts";

export { connectRefusals, RPC_PATH_PREFIX } from "./refusals.ts";

const operationId = (path: string) => `connect${path.replaceAll(/[./]/g, "_")}`;

/** The route table's entries of every RPC path (POST; the body is the message, no query). */
export const CONNECT_ROUTES: readonly DeclaredRoute[] = [...UNARY_RPCS, ...STREAM_RPCS].map(({ method, op }) => ({
  method: "POST",
  path: rpcPath(method),
  operationId: operationId(rpcPath(method)),
  scope: op.scope,
  routeClass: op.routeClass,
  query: [],
  body: true,
}));

export const connect = new Hono<AppEnv>();

for (const route of CONNECT_ROUTES) {
  connect.post(route.path, async (c) => {
    const handler = connectHandlers().get(route.path);
    if (!handler) return c.notFound();
    // The body may have been read already (a signed request's digest): hand Connect a fresh request.
    const request = new Request(c.req.url, {
      method: "POST",
      headers: c.req.raw.headers,
      body: await c.req.arrayBuffer(),
      signal: c.req.raw.signal,
    });
    const contextValues = createContextValues().set(OPERATION_CONTEXT, contextOf(c));
    const answer = await handler({ ...universalServerRequestFromFetch(request, {}), contextValues });
    const res = universalServerResponseToFetch(answer);
    // Answers may be private (the caller's orders): never cached.
    res.headers.set("cache-control", "no-store");
    return res;
  });
}
