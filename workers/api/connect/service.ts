/**
 * The `@connectrpc/connect` router of every RPC (methods.ts), Connect protocol
 * (JSON and binary) and gRPC-Web: each unary method runs its operation
 * through `invoke` (scope, the operation's zod schema, `run`) with the
 * request's operation context, which the Hono handler passes in as a context
 * value; each server stream runs its stream operation (streams.ts). Plain gRPC is off: a Worker cannot send its trailers (refusals.ts).
 */
import type { Message } from "@bufbuild/protobuf";
import { Code, ConnectError, createConnectRouter, createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import type { FeedStream } from "../feed/bridge.ts";
import { KEY_PATTERN } from "../openapi/contracts/order-schemas.ts";
import type { OperationContext } from "../operations/context.ts";
import { invoke } from "../operations/define.ts";
import { problemException } from "../problem.ts";
import { protoToRest, restToProto } from "./convert.ts";
import { operationError } from "./errors.ts";
import { isMessage, UNARY_RPCS, type UnaryRpc } from "./methods.ts";
import { STREAM_RPCS, type StreamRpc } from "./streams.ts";

/** The operation context of the call (set by the Hono handler for every request). */
export const OPERATION_CONTEXT = createContextKey<OperationContext | undefined>(undefined, {
  description: "platform3 operation context",
});

/** The context a method runs in: the request's, with its `Idempotency-Key` for mutations only (validated). */
function callContext(rpc: UnaryRpc, context: HandlerContext): OperationContext {
  const base = context.values.get(OPERATION_CONTEXT);
  if (!base) throw new ConnectError("The call has no operation context.", Code.Internal);
  if (rpc.op.idempotency === "read") return { ...base, idempotencyKey: undefined };
  const key = context.requestHeader.get("idempotency-key") ?? undefined;
  if (key !== undefined && !KEY_PATTERN.test(key)) {
    const message = "Idempotency-Key must be 1 to 64 of A-Z a-z 0-9 . _ : -";
    throw problemException("invalid_request", `Invalid request: idempotency-key: ${message}`, {
      extensions: { instance: base.instance, errors: [{ field: "idempotency-key", message }] },
    });
  }
  return { ...base, idempotencyKey: key };
}

function unaryImpl(rpc: UnaryRpc) {
  return async (request: Message, context: HandlerContext): Promise<Message> => {
    let requestId: string | undefined;
    try {
      const ctx = callContext(rpc, context);
      requestId = ctx.requestId;
      const rest = protoToRest(rpc.method.input, request as never);
      const result = await invoke(rpc.op, ctx, rpc.input ? rpc.input(rest, ctx) : rest);
      const out = rpc.output ? rpc.output(result as never) : result;
      return isMessage(out) ? out : restToProto(rpc.method.output, out);
    } catch (err) {
      throw await operationError(err, requestId ?? context.values.get(OPERATION_CONTEXT)?.requestId);
    }
  };
}

/** A server stream: the stream operation's messages, each shaped as the RPC's response, until either side ends it. */
function streamImpl(rpc: StreamRpc) {
  return async function* (request: Message, context: HandlerContext): AsyncGenerator<Message> {
    const base = context.values.get(OPERATION_CONTEXT);
    let stream: FeedStream | undefined;
    try {
      if (!base) throw new ConnectError("The call has no operation context.", Code.Internal);
      // The stream ends with the call (the client went away, or a deadline).
      const ctx: OperationContext = { ...base, idempotencyKey: undefined, signal: context.signal };
      stream = (await invoke(rpc.op, ctx, rpc.input(protoToRest(rpc.method.input, request as never)))) as FeedStream;
      for await (const event of stream) yield restToProto(rpc.method.output, rpc.message(event));
    } catch (err) {
      throw await operationError(err, base?.requestId);
    } finally {
      await stream?.return();
    }
  };
}

let handlers: Map<string, UniversalHandler> | undefined;

/** The universal handler of each RPC path, built once per isolate. */
export function connectHandlers(): Map<string, UniversalHandler> {
  if (handlers) return handlers;
  const router = createConnectRouter({
    grpc: false,
    acceptCompression: [],
    // Keys as REST writes them (`client_order_id`); an unknown field is refused, as REST refuses unknown keys.
    jsonOptions: { useProtoFieldName: true, ignoreUnknownFields: false },
  });
  for (const rpc of UNARY_RPCS) router.rpc(rpc.method as never, unaryImpl(rpc) as never);
  for (const rpc of STREAM_RPCS) router.rpc(rpc.method as never, streamImpl(rpc) as never);
  handlers = new Map(router.handlers.map((h) => [h.requestPath, h]));
  return handlers;
}
