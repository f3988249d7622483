/**
 * Refusals on the RPC paths in the caller's protocol. The app's chain (rate
 * limits, credentials, body limit, circuit breakers, unknown methods) answers
 * REST problems; on `/platform3.v1.*` paths `connectRefusals()` rewrites each
 * into the error of the request's protocol, with the problem in the details
 * and `p3-error-code` (errors.ts):
 * - gRPC-Web: HTTP 200 with the status in the headers (a "trailers-only" answer);
 * - Connect streams (`application/connect+…`): HTTP 200 and one end-of-stream message;
 * - Connect unary (and anything else): the Connect HTTP status and a JSON error body.
 * Plain gRPC (`application/grpc…`) is answered at once, before the chain, with
 * `grpc-status: 12` (unimplemented): its answers end with HTTP trailers, which a
 * Worker cannot send, so the client is told to use gRPC-Web or Connect.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  endStreamFlag,
  endStreamToJson,
  errorToJsonBytes,
} from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";
import { PROBLEM_CONTENT_TYPE, type Problem } from "../problem.ts";
import { problemError } from "./errors.ts";

/** Every RPC path starts so: `/platform3.v1.<Service>/<Method>`. */
export const RPC_PATH_PREFIX = "/platform3.v1.";

/** The message a plain gRPC client gets. */
export const PLAIN_GRPC_MESSAGE =
  "Plain gRPC (HTTP/2 trailers) is not served: a Cloudflare Worker cannot send response trailers. " +
  "Use a gRPC-Web transport (application/grpc-web+proto) or the Connect protocol (application/proto, " +
  "application/json) at the same path.";

/** Whether a request content type is plain gRPC (`application/grpc`, `+proto`, `+json`; not gRPC-Web). */
export function isPlainGrpc(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/grpc(\+[a-z]+)?\s*(;|$)/i.test(contentType.trim());
}

/** A trailers-only gRPC answer: HTTP 200 with `grpc-status` and `grpc-message` in the headers, no body. */
function trailersOnly(contentType: string, error: ConnectError): Response {
  // setTrailerStatus writes the error's metadata too (p3-error-code …).
  const headers = setTrailerStatus(new Headers({ "content-type": contentType }), error);
  return new Response(null, { status: 200, headers });
}

/** The plain gRPC refusal (unimplemented). */
export function plainGrpcRefusal(contentType: string): Response {
  return trailersOnly(
    contentType.split(";")[0]?.trim() || "application/grpc",
    new ConnectError(PLAIN_GRPC_MESSAGE, Code.Unimplemented),
  );
}

/** `error` as the protocol of a request with `contentType` answers errors. */
export function errorResponse(contentType: string | undefined, error: ConnectError): Response {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type.startsWith("application/grpc-web")) return trailersOnly(type, error);
  if (type.startsWith("application/connect+")) {
    // endStreamToJson merges the error's metadata into the trailers it is given: start from none.
    const end = endStreamToJson(new Headers(), error, undefined);
    const body = encodeEnvelope(endStreamFlag, new TextEncoder().encode(JSON.stringify(end)));
    return new Response(body, { status: 200, headers: { "content-type": type } });
  }
  const headers = new Headers({ "content-type": "application/json" });
  for (const [name, value] of error.metadata) headers.set(name, value);
  return new Response(errorToJsonBytes(error, undefined), { status: codeToHttpStatus(error.code), headers });
}

/** Headers of the chain's answer that stay on the rewritten one (rate limits, request id …). */
const DROPPED = new Set(["content-type", "content-length", "content-encoding"]);

/**
 * On RPC paths: plain gRPC refused at once; a problem the chain answered rewritten into the request's
 * protocol (module comment). Mount early in the app's chain, outside the middleware whose refusals it rewrites.
 */
export function connectRefusals(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!c.req.path.startsWith(RPC_PATH_PREFIX)) return next();
    const contentType = c.req.header("content-type");
    if (isPlainGrpc(contentType)) return plainGrpcRefusal(contentType as string);
    await next();
    const answered = c.res;
    if (!answered.headers.get("content-type")?.startsWith(PROBLEM_CONTENT_TYPE)) return;
    let problem: Problem;
    try {
      problem = (await answered.clone().json()) as Problem;
    } catch {
      return;
    }
    const headers: Record<string, string> = {};
    answered.headers.forEach((value, name) => {
      headers[name] = value;
    });
    // No route at the path: an RPC this server does not have.
    const code = problem.code === "not_found" ? Code.Unimplemented : undefined;
    const res = errorResponse(contentType, problemError(problem, headers, code));
    answered.headers.forEach((value, name) => {
      if (!DROPPED.has(name) && !res.headers.has(name)) res.headers.set(name, value);
    });
    c.res = undefined;
    c.res = res;
  };
}
