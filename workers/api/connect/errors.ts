/**
 * Connect errors of the API's problems. A refusal keeps the REST problem:
 * its Connect code follows the HTTP status REST answers (CODE_OF_STATUS), the
 * message is the problem's `detail`, the `platform3.v1.Problem` message rides
 * in the error details, and the stable code is also in the `p3-error-code`
 * header (Connect unary) or trailer (gRPC-Web, Connect streams), with
 * `Retry-After` and `WWW-Authenticate` beside it when REST sends them.
 * Anything that is not a problem is `internal`, without internals, logged with
 * the request id.
 */
import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type ErrorCode, ErrorCodeSchema, ProblemSchema } from "../../../shared/proto/gen/platform3/v1/common_pb.ts";
import { problemOf } from "../operations/errors.ts";
import type { Problem } from "../problem.ts";

/** The response header and trailer carrying the REST problem code. */
export const ERROR_CODE_HEADER = "p3-error-code";

/** Headers of a problem response that a Connect error carries on as metadata. */
const CARRIED_HEADERS = ["retry-after", "www-authenticate"];

/** The Connect code of each HTTP status the API's problems carry (shared/errors/codes.ts). */
const CODE_OF_STATUS: Record<number, Code> = {
  400: Code.InvalidArgument,
  401: Code.Unauthenticated,
  403: Code.PermissionDenied,
  404: Code.NotFound,
  405: Code.Unimplemented,
  // Conflicts (a reused key or client_order_id, a request in progress): aborted, which Connect answers with 409.
  409: Code.Aborted,
  412: Code.FailedPrecondition,
  413: Code.ResourceExhausted,
  415: Code.InvalidArgument,
  422: Code.FailedPrecondition,
  426: Code.FailedPrecondition,
  428: Code.FailedPrecondition,
  429: Code.ResourceExhausted,
  500: Code.Internal,
  501: Code.Unimplemented,
  503: Code.Unavailable,
  504: Code.DeadlineExceeded,
};

/** The Connect code of a problem's HTTP status. */
export function codeOfStatus(status: number): Code {
  return CODE_OF_STATUS[status] ?? (status >= 500 ? Code.Internal : Code.FailedPrecondition);
}

/** Problem members with a field of their own in `platform3.v1.Problem`; the rest go in `extensions`. */
const OWN_FIELDS = new Set(["type", "title", "status", "detail", "code", "reason"]);

/** The `platform3.v1.Problem` init of a REST problem (`error_code` the code's enum value, 0 when unknown). */
export function problemMessage(problem: Problem): MessageInitShape<typeof ProblemSchema> {
  const extensions: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(problem)) if (!OWN_FIELDS.has(k) && v !== undefined) extensions[k] = v;
  const errorCode = ErrorCodeSchema.values.find((v) => v.name === `ERROR_CODE_${problem.code.toUpperCase()}`);
  return {
    type: problem.type,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    code: problem.code,
    errorCode: (errorCode?.number ?? 0) as ErrorCode,
    ...(typeof problem.reason === "string" && { reason: problem.reason }),
    // JSON round trip: Struct holds JSON values only (no undefined).
    extensions: JSON.parse(JSON.stringify(extensions)) as JsonObject,
  };
}

/** The Connect error of a REST problem and the headers it came with (`code`: instead of the status's). */
export function problemError(problem: Problem, headers: Record<string, string> = {}, code?: Code): ConnectError {
  const metadata = new Headers({ [ERROR_CODE_HEADER]: problem.code });
  for (const name of CARRIED_HEADERS) {
    const value = headers[name];
    if (value !== undefined) metadata.set(name, value);
  }
  return new ConnectError(problem.detail, code ?? codeOfStatus(problem.status), metadata, [
    { desc: ProblemSchema, value: problemMessage(problem) },
  ]);
}

/** The Connect error of anything an operation threw: its problem, or `internal` (logged). */
export async function operationError(err: unknown, requestId: string | undefined): Promise<ConnectError> {
  if (err instanceof ConnectError) return err;
  const raised = await problemOf(err);
  if (raised) return problemError(raised.problem, raised.headers);
  console.error(
    JSON.stringify({
      level: "error",
      msg: "connect method failed",
      request_id: requestId ?? null,
      error: String(err),
      stack: err instanceof Error ? err.stack : undefined,
    }),
  );
  const detail = requestId
    ? `An unexpected error occurred; quote request id ${requestId} to support.`
    : "An unexpected error occurred.";
  return new ConnectError(detail, Code.Internal, { [ERROR_CODE_HEADER]: "internal_error" });
}
