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
import {
  createAsyncIterable,
  type UniversalServerRequest,
  type UniversalServerResponse,
  universalServerResponseToFetch,
} from "@connectrpc/connect/protocol";
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

const UNARY_PATHS = new Set(UNARY_RPCS.map(({ method }) => rpcPath(method)));

for (const route of CONNECT_ROUTES) {
  const unary = UNARY_PATHS.has(route.path);
  connect.post(route.path, async (c) => {
    const handler = connectHandlers().get(route.path);
    if (!handler) return c.notFound();
    // The body may have been read already (a signed request's digest): Hono keeps it, and
    // Connect gets it as bytes (cheaper than a stream to read again).
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const request: UniversalServerRequest = {
      httpVersion: "1.1",
      method: "POST",
      url: c.req.url,
      header: c.req.raw.headers,
      body: createAsyncIterable([bytes]),
      signal: c.req.raw.signal,
      contextValues: createContextValues().set(OPERATION_CONTEXT, contextOf(c)),
    };
    const answer = await handler(request);
    // A unary answer is one message: sent as bytes; a stream's answer streams.
    const res = unary ? await unaryResponse(answer) : universalServerResponseToFetch(answer);
    // Answers may be private (the caller's orders): never cached.
    res.headers.set("cache-control", "no-store");
    return res;
  });
}

/** A unary answer as a Response with its whole body (gRPC-Web's trailers are in the body). */
async function unaryResponse(answer: UniversalServerResponse): Promise<Response> {
  const chunks: Uint8Array[] = [];
  if (answer.body && Symbol.asyncIterator in answer.body) {
    for await (const chunk of answer.body as AsyncIterable<Uint8Array>) chunks.push(chunk);
  }
  const body = chunks.length === 1 ? (chunks[0] as Uint8Array) : concat(chunks);
  return new Response(body, { status: answer.status, headers: answer.header });
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
