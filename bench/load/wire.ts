/**
 * Lean clients for the load run: one HTTP call with a JSON answer, and a feed
 * socket that matches replies to requests by id without keeping every message
 * (a long run sends hundreds of thousands). Only public interfaces.
 */
import WebSocket from "ws";

// biome-ignore lint/suspicious/noExplicitAny: wire messages are read field by field.
export type Msg = any;

export interface Answer {
  /** HTTP status, or 0 when the request failed below HTTP (connection reset, timeout). */
  status: number;
  body: Msg;
}

export async function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
  timeoutMs = 30_000,
): Promise<Answer> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        "cache-control": "no-cache",
        ...headers,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: Msg = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = { detail: text.slice(0, 300) };
    }
    return { status: res.status, body: parsed };
  } catch (err) {
    return { status: 0, body: { code: "transport", detail: String(err) } };
  }
}

/** `call` that must answer 2xx (setup steps); returns the body. */
export async function must(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Msg> {
  const a = await call(base, method, path, headers, body);
  if (a.status < 200 || a.status >= 300) throw new Error(`${method} ${path}: ${a.status} ${JSON.stringify(a.body)}`);
  return a.body;
}

/** A socket whose requests resolve with their reply; other messages go to `onMessage`. */
export class RpcSocket {
  private readonly ws: WebSocket;
  private readonly waiting = new Map<number, (reply: Msg) => void>();
  private nextId = 1;
  closed = false;
  closeCode = 0;
  onMessage: (m: Msg, receivedAt: number) => void = () => {};

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data) => {
      const receivedAt = Date.now();
      let value: Msg;
      try {
        value = JSON.parse(data.toString());
      } catch {
        return;
      }
      const messages: Msg[] = value?.type === "batch" && Array.isArray(value.messages) ? value.messages : [value];
      for (const m of messages) {
        if (m && typeof m.id === "number" && ("result" in m || "error" in m)) {
          const resolve = this.waiting.get(m.id);
          this.waiting.delete(m.id);
          resolve?.(m);
        } else this.onMessage(m, receivedAt);
      }
    });
    ws.on("close", (code) => {
      this.closed = true;
      this.closeCode = code;
      for (const resolve of this.waiting.values())
        resolve({ error: { code: "socket_closed", message: `closed ${code}` } });
      this.waiting.clear();
    });
    ws.on("error", () => {});
  }

  static open(url: string, timeoutMs = 30_000): Promise<RpcSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const socket = new RpcSocket(ws);
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`no WebSocket upgrade within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once("open", () => {
        clearTimeout(timer);
        resolve(socket);
      });
      ws.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Sends `{id, method, params}`; resolves with `{id, result}` or `{id, error}` (also on close or timeout). */
  request(method: string, params: unknown, timeoutMs = 30_000): Promise<Msg> {
    if (this.closed) return Promise.resolve({ error: { code: "socket_closed", message: "closed" } });
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve({ error: { code: "timeout", message: `no reply within ${timeoutMs} ms` } });
      }, timeoutMs);
      this.waiting.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    if (!this.closed) this.ws.terminate();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
