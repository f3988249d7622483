/**
 * Real clients for the end-to-end journey: `fetch` for HTTP and the `ws`
 * package for the feed socket. Nothing here reaches inside the Worker.
 */
import WebSocket from "ws";

// biome-ignore lint/suspicious/noExplicitAny: wire messages are checked field by field.
export type Msg = any;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One HTTP answer: status, parsed JSON body (or null) and headers. */
export interface Answer {
  status: number;
  body: Msg;
  headers: Headers;
}

/** A small HTTP client bound to a base URL and an optional bearer credential. */
export class Http {
  readonly base: string;
  private readonly bearer: string | undefined;

  constructor(base: string, bearer?: string) {
    this.base = base;
    this.bearer = bearer;
  }

  withBearer(bearer: string): Http {
    return new Http(this.base, bearer);
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        // Public market data is cached at the edge for a second: always read through.
        "cache-control": "no-cache",
        ...(this.bearer ? { authorization: `Bearer ${this.bearer}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: Msg = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  /** `method path` must answer `expected` (default any 2xx); returns the body. */
  async expect(method: string, path: string, body?: unknown, expected?: number): Promise<Msg> {
    const a = await this.call(method, path, body);
    const ok = expected === undefined ? a.status >= 200 && a.status < 300 : a.status === expected;
    if (!ok) {
      throw new Error(
        `${method} ${path} answered ${a.status}, expected ${expected ?? "2xx"}: ${JSON.stringify(a.body)}`,
      );
    }
    return a.body;
  }

  get = (path: string): Promise<Msg> => this.expect("GET", path);
  post = (path: string, body: unknown, expected?: number): Promise<Msg> => this.expect("POST", path, body, expected);
}

/**
 * A feed socket: every message kept in arrival order (`batch` frames unpacked),
 * requests matched to replies by id, and waits on predicates.
 */
export class FeedSocket {
  readonly received: Msg[] = [];
  /** Frames received (a `batch` frame is one). */
  frames = 0;
  private waiters: (() => void)[] = [];
  private nextId = 1;
  closed = false;

  readonly ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString("utf8") : data.toString();
      let value: Msg;
      try {
        value = JSON.parse(text);
      } catch {
        value = text;
      }
      this.frames++;
      if (value?.type === "batch" && Array.isArray(value.messages)) this.received.push(...value.messages);
      else this.received.push(value);
      this.wake();
    });
    ws.on("close", () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(url: string): Promise<FeedSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const socket = new FeedSocket(ws);
      ws.once("open", () => resolve(socket));
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** The first message (from index `from`) matching `match`, waiting up to `ms`. */
  async next(match: (m: Msg) => boolean, ms = 10_000, what = "a message", from = 0): Promise<Msg> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.received.slice(from).find((m) => m !== null && typeof m === "object" && match(m));
      if (found !== undefined) return found;
      if (this.closed) throw new Error(`socket closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${ms} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Sends `{id, method, params}` and resolves with the reply `{id, result}` or `{id, error}`. */
  async request(method: string, params?: unknown, ms = 10_000): Promise<Msg> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return this.next((m) => m.id === id && ("result" in m || "error" in m), ms, `reply to ${method} #${id}`);
  }

  /** Like `request`, but throws on an error reply; returns `result`. */
  async call(method: string, params?: unknown): Promise<Msg> {
    const reply = await this.request(method, params);
    if (reply.error) throw new Error(`${method} failed: ${JSON.stringify(reply.error)}`);
    return reply.result;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((r) => {
      this.ws.once("close", () => r());
      this.ws.close(1000);
      setTimeout(() => {
        this.ws.terminate();
        r();
      }, 2000).unref();
    });
  }
}

/** Polls `check` until it stops throwing, or rethrows its last error after `ms`. */
export async function eventually<T>(check: () => Promise<T>, ms: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(intervalMs);
    }
  }
}
