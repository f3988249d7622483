/**
 * REST calls against a base URL, through any `fetch` (Node's global one, workerd's
 * `exports.default.fetch` or a stub's). An answer is `{ok, status, headers, body}`:
 * on 2xx `body` is the JSON the caller names (`T`, e.g. a type of api.ts), else the
 * problem details (RFC 9457) the API answers errors with. Nothing is validated.
 */
import type { Problem } from "../../workers/api/problem.ts";

export type { ErrorCode, Problem } from "../../workers/api/problem.ts";

/** What the client passes to `fetch`. */
export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** A `fetch`: Node's and workerd's global one, `exports.default.fetch`, a Durable Object stub's. */
export type Fetch = (url: string, init: FetchInit) => Promise<Response>;

interface Answered {
  /** The HTTP status; 0 when no HTTP answer came (connection refused or reset, timeout). */
  status: number;
  headers: Headers;
  /** The body as received (on status 0: the transport error). */
  text: string;
}
/** A 2xx answer: its JSON body (null when empty), typed as the caller says. */
export interface Ok<T> extends Answered {
  ok: true;
  body: T;
}
/** Any other answer: problem details when the body is JSON, else undefined (see `text`). */
export interface Refused extends Answered {
  ok: false;
  body: Problem | undefined;
}
export type Answer<T> = Ok<T> | Refused;

/** The body of an answer that must be 2xx (throws with the answer otherwise). */
export function bodyOf<T>(a: Answer<T>): T {
  if (a.ok) return a.body;
  throw new Error(`expected a 2xx answer, got ${a.status}: ${a.text.slice(0, 500)}`);
}

export interface HttpOptions {
  /** e.g. `http://127.0.0.1:8787`; paths are appended as they are. */
  base: string;
  /** Default: the global `fetch`. */
  fetch?: Fetch;
  /** Sent with every request (a request's own headers win). */
  headers?: Record<string, string>;
  /** Aborts a request after this long (its answer is then status 0); default: never. */
  timeoutMs?: number;
}

export class Http {
  readonly base: string;
  private readonly options: HttpOptions;
  private readonly fetch: Fetch;
  private readonly headers: Record<string, string>;

  constructor(options: HttpOptions) {
    this.options = options;
    this.base = options.base;
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.headers = options.headers ?? {};
  }

  /** The same client with more headers on every request. */
  with(headers: Record<string, string>): Http {
    return new Http({ ...this.options, headers: { ...this.headers, ...headers } });
  }

  /** The same client with `authorization: Bearer <token>`. */
  withBearer(token: string): Http {
    return this.with({ authorization: `Bearer ${token}` });
  }

  /** The request as it is: the Response, body unread (callers that read only what they need). */
  send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response> {
    return this.fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...this.headers,
        ...headers,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: this.options.timeoutMs === undefined ? undefined : AbortSignal.timeout(this.options.timeoutMs),
    });
  }

  /** One request and its answer; a transport failure is an answer of status 0, never a throw. */
  async call<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer<T>> {
    let res: Response;
    let text: string;
    try {
      res = await this.send(method, path, body, headers);
      text = await res.text();
    } catch (err) {
      return { ok: false, status: 0, headers: new Headers(), text: String(err), body: undefined };
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = undefined;
    }
    const ok = res.status >= 200 && res.status < 300;
    // The caller's T (on 2xx) and the API's problem details (else) are trusted, not checked.
    if (ok) return { ok, status: res.status, headers: res.headers, text, body: json as T };
    return { ok, status: res.status, headers: res.headers, text, body: (json ?? undefined) as Problem | undefined };
  }

  /** `method path` must answer `status` (default any 2xx); returns the body, else throws with the answer. */
  async expect<T>(method: string, path: string, body?: unknown, status?: number): Promise<T> {
    const a = await this.call<T>(method, path, body);
    if (a.ok && (status === undefined || a.status === status)) return a.body;
    throw new Error(`${method} ${path} answered ${a.status}, expected ${status ?? "2xx"}: ${a.text.slice(0, 500)}`);
  }

  /** `method path` must be refused (with `status`, if given); returns the problem details. */
  async refused(method: string, path: string, body?: unknown, status?: number): Promise<Problem> {
    const a = await this.call<unknown>(method, path, body);
    if (!a.ok && a.body !== undefined && (status === undefined || a.status === status)) return a.body;
    throw new Error(
      `${method} ${path} answered ${a.status}, expected ${status ?? "a problem"}: ${a.text.slice(0, 500)}`,
    );
  }

  get<T>(path: string): Promise<T> {
    return this.expect<T>("GET", path);
  }

  post<T>(path: string, body: unknown, status?: number): Promise<T> {
    return this.expect<T>("POST", path, body, status);
  }
}
