/**
 * The feed socket's protocol (shared/feed/protocol.ts), whatever the WebSocket is:
 * requests `{id, method, params}` matched to their reply by id, and every other
 * message handed on as it comes (`batch` frames unpacked).
 *
 * The WebSocket comes from a {@link Connect}: `upgrade` here (a `fetch` answering
 * 101 with `response.webSocket`, as inside workerd), or node.ts in Node (the `ws`
 * package, Node's global WebSocket). Two sockets on top:
 * - {@link FeedSocket}: lean, keeps nothing (load generators: one `JSON.parse` per
 *   frame, no checks, a callback per frame);
 * - {@link RecordingSocket}: keeps every message and waits on predicates (tests).
 */

import {
  type ErrorReply,
  type Frame,
  isReply,
  type MarketMessage,
  type Message,
  type Reply,
  type Results,
} from "./frames.ts";
import type { Fetch } from "./http.ts";

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An open WebSocket, as the client drives it. */
export interface Conn {
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** Drops the connection without the closing handshake where the runtime can (the `ws` package); else nothing. */
  terminate(): void;
}

/** What a {@link Connect} reports; `open` comes before any `frame`. */
export interface SocketEvents {
  open(conn: Conn): void;
  /** A text frame (a binary one decoded as UTF-8). */
  frame(text: string): void;
  close(code: number, reason: string): void;
}

/** Opens a WebSocket reporting to `events`: resolves once it is open, rejects if it never opens. */
export type Connect = (events: SocketEvents) => Promise<void>;

/** A standard WebSocket (workerd's, Node's global one), as far as the client uses it. */
export interface StandardWebSocket {
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(type: "close", listener: (event: { code: number; reason: string }) => void): void;
}

const decoder = new TextDecoder();
const text = (data: unknown): string =>
  typeof data === "string" ? data : data instanceof ArrayBuffer ? decoder.decode(data) : String(data);

/** Reports a standard WebSocket's frames and close to `events` (call before it can receive). */
export function listen(ws: StandardWebSocket, events: SocketEvents): Conn {
  ws.addEventListener("message", (e) => events.frame(text(e.data)));
  ws.addEventListener("close", (e) => events.close(e.code, e.reason));
  return {
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
    terminate: () => {},
  };
}

/** What `upgrade` needs of the Response: workerd's `webSocket`. */
interface Upgraded {
  webSocket?: (StandardWebSocket & { accept(): void }) | null;
}

/**
 * Connects through `fetch` with `Upgrade: websocket` (inside workerd: `exports.default.fetch`,
 * a Durable Object stub's `fetch`): a 101 with `response.webSocket`, accepted here; any
 * other answer rejects with its status and body.
 */
export function upgrade(fetch: Fetch, url: string, headers: Record<string, string> = {}): Connect {
  return async (events) => {
    const res: Response & Upgraded = await fetch(url, { headers: { Upgrade: "websocket", ...headers } });
    const ws = res.webSocket;
    if (res.status !== 101 || !ws) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
    ws.accept();
    events.open(listen(ws, events));
  };
}

export interface SocketOptions {
  /** How long a request waits for its reply (default 10 s). */
  timeoutMs?: number;
  /** How long `close` waits for the closing handshake before it terminates (default 2 s). */
  closeTimeoutMs?: number;
  /**
   * Every JSON frame: its messages (a batch unpacked, replies included), the epoch ms it
   * arrived (taken before parsing) and its text. Set before the socket opens, so the
   * first frames are not missed.
   */
  onFrame?: (messages: readonly Message[], at: number, text: string) => void;
}

/** A local error reply. */
const local = (code: ErrorReply["error"]["code"], message: string): ErrorReply => ({
  id: null,
  error: { code, message },
});

/** The feed socket, lean: replies to its requests by id, everything else to `onFrame`; nothing kept. */
export class FeedSocket {
  isClosed = false;
  closeCode = 0;
  closeReason = "";
  /** Resolves when the socket has closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  protected readonly timeoutMs: number;
  private readonly closeTimeoutMs: number;
  private readonly onFrame: SocketOptions["onFrame"];
  private conn: Conn | undefined;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  protected nextId = 1;
  private closedResolve: (c: { code: number; reason: string }) => void = () => {};
  private readonly events: SocketEvents = {
    open: (conn) => {
      this.conn = conn;
    },
    frame: (text) => this.frame(text),
    close: (code, reason) => this.onClose(code, reason),
  };

  constructor(options: SocketOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 2_000;
    this.onFrame = options.onFrame;
    this.closed = new Promise((resolve) => {
      this.closedResolve = resolve;
    });
  }

  /** Opens the socket through `connect`; resolves with it once open. */
  async connect(connect: Connect): Promise<this> {
    await connect(this.events);
    return this;
  }

  /** Sends a frame as it is (a request the client does not track, "ping", garbage). */
  send(data: string | Uint8Array): void {
    if (!this.conn) throw new Error("the socket is not open");
    this.conn.send(data);
  }

  /** The text frame `ping`, answered `pong` by the runtime: shows the shard the client keeps up. */
  ping(): void {
    this.send("ping");
  }

  /**
   * Sends `{id, method, params}` and resolves with its reply, or with a local error
   * reply (`timeout` after `timeoutMs`, `socket_closed`): it never rejects.
   */
  request<M extends keyof Results>(method: M, params?: unknown, timeoutMs?: number): Promise<Reply<Results[M]>>;
  request<R = unknown>(method: string, params?: unknown, timeoutMs?: number): Promise<Reply<R>>;
  request(method: string, params?: unknown, timeoutMs = this.timeoutMs): Promise<Reply> {
    if (this.isClosed) return Promise.resolve(local("socket_closed", `closed ${this.closeCode}`));
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(local("timeout", `no reply to ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      try {
        this.send(JSON.stringify({ id, method, params }));
      } catch (err) {
        this.pending.delete(id);
        clearTimeout(timer);
        resolve(local("socket_closed", String(err)));
      }
    });
  }

  /** Like `request`, but throws on an error reply; returns the `result`. */
  async call<M extends keyof Results>(method: M, params?: unknown): Promise<Results[M]>;
  async call<R = unknown>(method: string, params?: unknown): Promise<R>;
  async call(method: string, params?: unknown): Promise<unknown> {
    const reply = await this.request(method, params);
    if (reply.error) throw new Error(`${method} failed: ${JSON.stringify(reply.error)}`);
    return reply.result;
  }

  /** Closes with the handshake; after `closeTimeoutMs` without it, terminates. */
  close(code = 1000, reason = ""): Promise<void> {
    const conn = this.conn;
    if (this.isClosed || !conn) return Promise.resolve();
    conn.close(code, reason);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        conn.terminate();
        resolve();
      }, this.closeTimeoutMs);
      void this.closed.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Drops the connection at once (see {@link Conn.terminate}). */
  terminate(): void {
    if (!this.isClosed) this.conn?.terminate();
  }

  private frame(text: string): void {
    const at = Date.now();
    if (text === "pong") return this.onText(text, at);
    let frame: Frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return this.onText(text, at);
    }
    if (typeof frame !== "object" || frame === null) return this.onText(text, at);
    const messages = frame.type === "batch" ? frame.messages : [frame];
    if (this.pending.size > 0) {
      for (const m of messages) {
        if (!isReply(m) || typeof m.id !== "number") continue;
        const resolve = this.pending.get(m.id);
        if (!resolve) continue;
        this.pending.delete(m.id);
        resolve(m);
      }
    }
    this.onMessages(messages, frame.type === "batch", at, text);
  }

  /** The messages of one JSON frame (`batched`: it was a `batch`). */
  protected onMessages(messages: readonly Message[], _batched: boolean, at: number, text: string): void {
    this.onFrame?.(messages, at, text);
  }

  /** A frame that is not JSON (`pong`). */
  protected onText(_text: string, _at: number): void {}

  protected onClose(code: number, reason: string): void {
    this.isClosed = true;
    this.closeCode = code;
    this.closeReason = reason;
    for (const resolve of this.pending.values()) resolve(local("socket_closed", `closed ${code}`));
    this.pending.clear();
    this.closedResolve({ code, reason });
  }
}

/**
 * The feed socket for tests: keeps every message in arrival order (`received`, batches
 * unpacked; `batches`: each batch frame's messages; `texts`: frames that are not JSON,
 * such as `pong`) and waits on predicates. `next` consumes what it returns, so waiting
 * twice for the same kind of message gets two of them. Its `request` waits through
 * `next` and throws on a timeout or a close, with the tail of what was received.
 */
export class RecordingSocket extends FeedSocket {
  readonly received: Message[] = [];
  readonly batches: Message[][] = [];
  readonly texts: string[] = [];
  private readonly consumed = new Set<number>();
  private waiters: (() => void)[] = [];

  /** The first message from index `from` not consumed yet that matches, waiting up to `ms`; consumed. */
  next<T extends Message>(match: (m: Message) => m is T, ms?: number, what?: string, from?: number): Promise<T>;
  next(match: (m: Message) => boolean, ms?: number, what?: string, from?: number): Promise<Message>;
  next(match: (m: Message) => boolean, ms = this.timeoutMs, what = "a matching message", from = 0): Promise<Message> {
    return this.waitFor(
      () => {
        for (let i = from; i < this.received.length; i++) {
          const m = this.received[i] as Message;
          if (!this.consumed.has(i) && match(m)) {
            this.consumed.add(i);
            return m;
          }
        }
        return undefined;
      },
      ms,
      what,
    );
  }

  /** The first text frame (not JSON) equal to `text`, waiting up to `ms`. */
  nextText(text: string, ms = this.timeoutMs): Promise<string> {
    return this.waitFor(() => this.texts.find((t) => t === text), ms, `the text frame ${JSON.stringify(text)}`);
  }

  override request<M extends keyof Results>(
    method: M,
    params?: unknown,
    timeoutMs?: number,
  ): Promise<Reply<Results[M]>>;
  override request<R = unknown>(method: string, params?: unknown, timeoutMs?: number): Promise<Reply<R>>;
  override request(method: string, params?: unknown, timeoutMs = this.timeoutMs): Promise<Reply> {
    const id = this.nextId++;
    this.send(JSON.stringify({ id, method, params }));
    return this.next((m): m is Reply => isReply(m) && m.id === id, timeoutMs, `reply to ${method} #${id}`);
  }

  /** Sends `text` as it is and waits for the error reply with `id: null` it gets. */
  raw(text: string): Promise<Reply> {
    this.send(text);
    return this.next((m): m is Reply => isReply(m) && m.id === null, this.timeoutMs, "error reply");
  }

  /** Market-data messages of one stream received so far (consumed or not); of `type` only if given. */
  stream<C extends MarketMessage["channel"]>(
    channel: C,
    instrument: string,
    type?: "snapshot" | "update",
  ): Extract<MarketMessage, { channel: C }>[] {
    return this.received.filter(
      (m): m is Extract<MarketMessage, { channel: C }> =>
        (m.type === "snapshot" || m.type === "update") &&
        m.channel === channel &&
        m.instrument === instrument &&
        (type === undefined || m.type === type),
    );
  }

  /** Waits until a stream's latest update or snapshot reaches `seq`. */
  async until(channel: MarketMessage["channel"], instrument: string, seq: number, ms = this.timeoutMs): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.stream(channel, instrument).some((m) => m.seq >= seq)) {
      if (Date.now() > deadline) {
        throw new Error(`${channel}:${instrument} never reached seq ${seq}: ${this.tail()}`);
      }
      await sleep(5);
    }
  }

  protected override onMessages(messages: readonly Message[], batched: boolean, at: number, text: string): void {
    if (batched) this.batches.push([...messages]);
    this.received.push(...messages);
    super.onMessages(messages, batched, at, text);
    this.wake();
  }

  protected override onText(text: string, _at: number): void {
    this.texts.push(text);
    this.wake();
  }

  protected override onClose(code: number, reason: string): void {
    super.onClose(code, reason);
    this.wake();
  }

  private tail(): string {
    return `received: ${JSON.stringify(this.received).slice(-1500)}`;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async waitFor<T>(find: () => T | undefined, ms: number, what: string): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (this.isClosed) throw new Error(`socket closed (${this.closeCode}) while waiting for ${what}; ${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${ms} ms; ${this.tail()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}
