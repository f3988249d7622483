/**
 * Request and reply on the feed socket: `{id, method, params}` out, the reply with the
 * same `id` back, within a deadline. An order request whose reply never came (timeout,
 * or the socket closed) fails with `order_status_unknown`: the order may exist.
 */
import { TransportError, UnavailableError } from "../errors.ts";
import type { Connection } from "./connection.ts";
import { replyError, statusUnknown } from "./errors.ts";
import type { EmitFeedEvent } from "./options.ts";
import { SOCKET_OPEN } from "./socket.ts";
import type { ReplyMessage } from "./types.ts";

interface Pending {
  method: string;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const isOrderMethod = (method: string): boolean => method.startsWith("order.");

export class Requests {
  /** How long a request waits for its reply unless told otherwise. */
  readonly timeoutMs: number;
  private readonly connection: Connection;
  private readonly emit: EmitFeedEvent;
  private readonly pending = new Map<number, Pending>();
  /** Errors the client made up because a socket dropped under a request (placements retry on those). */
  private readonly dropped = new WeakSet<Error>();
  private nextId = 1;

  constructor(connection: Connection, emit: EmitFeedEvent, timeoutMs: number) {
    this.connection = connection;
    this.emit = emit;
    this.timeoutMs = timeoutMs;
  }

  /** Sends once the client is ready; `timeoutMs` covers the wait for readiness too. */
  async request<R>(method: string, params?: unknown, timeoutMs = this.timeoutMs): Promise<R> {
    const started = Date.now();
    await this.connection.whenReady(timeoutMs);
    return this.send<R>(method, params, Math.max(1, timeoutMs - (Date.now() - started)));
  }

  /** Sends on the current socket now (the client's own requests, while it is not ready yet). */
  send<R>(method: string, params: unknown, timeoutMs = this.timeoutMs): Promise<R> {
    const ws = this.connection.socket;
    if (!ws || ws.readyState !== SOCKET_OPEN) {
      const error = new TransportError(`not connected: cannot send ${method}`);
      // Nothing was sent: safe to repeat.
      this.dropped.add(error);
      return Promise.reject(error);
    }
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          isOrderMethod(method)
            ? statusUnknown(method, `no reply within ${timeoutMs} ms`)
            : new TransportError(`no reply to ${method} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.pending.set(id, { method, resolve: resolve as (r: unknown) => void, reject, timer });
      try {
        this.connection.sendText(ws, JSON.stringify(params === undefined ? { id, method } : { id, method, params }));
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new TransportError(`cannot send ${method}`, err));
      }
    });
  }

  /** A reply: settles its request. One without a numeric id answers no request of this client; its error is reported. */
  reply(m: ReplyMessage): void {
    if (typeof m.id !== "number") {
      if (m.error) this.emit("error", replyError(m.error));
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.error) p.reject(replyError(m.error));
    else p.resolve(m.result);
  }

  /** True for an error the client made up because the socket dropped under (or before) the request. */
  isDropped(error: unknown): boolean {
    return error instanceof Error && this.dropped.has(error);
  }

  /** The socket closed: every request waiting for a reply fails. */
  socketClosed(code: number, reason: string): void {
    this.failAll((method) =>
      isOrderMethod(method)
        ? statusUnknown(method, `the socket closed (${code})`)
        : new TransportError(`the socket closed (${code} ${reason}) before the reply to ${method}`),
    );
  }

  /** The client closed: every request waiting for a reply fails. */
  clientClosed(): void {
    this.failAll(() => new TransportError("the feed client was closed"));
  }

  private failAll(error: (method: string) => Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      const e = error(p.method);
      if (e instanceof UnavailableError) this.dropped.add(e);
      p.reject(e);
    }
  }
}
