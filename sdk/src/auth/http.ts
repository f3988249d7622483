import { errorOf, type Platform3Error, type Problem, retryAfterMs, TransportError } from "../errors.ts";

/** The RFC 9457 problem of an error answer, or undefined when the body is not one of the API's. */
export async function readProblem(response: Response): Promise<Problem | undefined> {
  const type = response.headers.get("content-type") ?? "";
  if (!type.includes("json")) return undefined;
  try {
    const body = (await response.json()) as unknown;
    if (body && typeof body === "object" && typeof (body as Problem).code === "string") {
      const problem = body as Problem;
      return typeof problem.status === "number" ? problem : { ...problem, status: response.status };
    }
  } catch {
    // not JSON after all
  }
  return undefined;
}

/** The typed error of an error answer (a {@link TransportError} when it is not the API's problem). */
export async function errorOfResponse(
  response: Response,
  what: string,
  now: () => number = Date.now,
): Promise<Platform3Error | TransportError> {
  const problem = await readProblem(response);
  if (!problem) return new TransportError(`${what}: HTTP ${response.status} without a problem body`);
  return errorOf(problem, retryAfterMs(response.headers.get("retry-after"), now()));
}

/** `POST` JSON to one of the API's own routes (auth); answers the parsed body or throws the typed error. */
export async function postJson<T>(
  fetchFn: typeof globalThis.fetch,
  url: string,
  body: unknown,
  headers: Record<string, string>,
  now: () => number,
): Promise<T> {
  let response: Response;
  try {
    response = await fetchFn(
      new Request(url, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
      }),
    );
  } catch (err) {
    throw new TransportError(`POST ${new URL(url).pathname}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  if (!response.ok) throw await errorOfResponse(response, `POST ${new URL(url).pathname}`, now);
  return (await response.json()) as T;
}
