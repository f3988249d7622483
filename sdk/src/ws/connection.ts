/**
 * The feed socket, one at a time, replaced after each loss:
 *
 * - opens lazily ({@link Connection.start}), with a deadline for the `welcome`;
 * - after an unexpected close, reconnects with exponential backoff and full jitter,
 *   never after {@link Connection.close};
 * - a watchdog treats a socket without any frame for ~2.5 heartbeat intervals as dead;
 * - keeps the shard's slow-consumer count low: every frame the client sends resets it,
 *   and a `ping` text frame goes out well before the soft limit;
 * - the readiness gate requests wait on, opened by {@link Connection.markReady}.
 *
 * It does not interpret messages: each one goes to {@link ConnectionHooks.message}.
 */
import { TransportError } from "../errors.ts";
import { parseFrame } from "./frames.ts";
import type { EmitFeedEvent, FeedClientOptions } from "./options.ts";
import { CLIENT_DROP, SOCKET_OPEN, textOf, type WebSocketConstructor, type WebSocketLike } from "./socket.ts";
import type { Message, WelcomeMessage } from "./types.ts";

/** What the connection tells the rest of the client. */
export interface ConnectionHooks {
  /** Each message of the current socket, in order. */
  message(ws: WebSocketLike, message: Message): void;
  /** The current socket is gone: reset what lived on it. Called before `close` is emitted. */
  socketLost(code: number, reason: string): void;
  /** {@link Connection.close}: the socket is shut; end whatever waits on the client. */
  clientClosed(): void;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export class Connection {
  readonly url: string;
  /** The welcome of the current socket; undefined while disconnected. */
  welcome: WelcomeMessage | undefined;
  /** Sockets opened so far (1 after the first connect; each reconnect adds one). */
  connections = 0;

  private readonly options: FeedClientOptions;
  private readonly WS: WebSocketConstructor;
  private readonly emit: EmitFeedEvent;
  private readonly hooks: ConnectionHooks;
  private ws: WebSocketLike | undefined;
  /** Bumped for each socket: events of an older socket are ignored. */
  private socketGeneration = 0;
  private started = false;
  private isClosed = false;
  /** Failed attempts since the client was last ready: the backoff's exponent. */
  private attempt = 0;
  private readyGate: Deferred = deferred();
  private isReady = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private watchdogTimeoutMs = 0;
  /** Messages received since the client last sent a frame (the shard's slow-consumer count, seen from here). */
  private unacknowledged = 0;

  constructor(options: FeedClientOptions, WS: WebSocketConstructor, emit: EmitFeedEvent, hooks: ConnectionHooks) {
    this.options = options;
    this.url = options.url;
    this.WS = WS;
    this.emit = emit;
    this.hooks = hooks;
  }

  /** The current socket; undefined between sockets and after close. */
  get socket(): WebSocketLike | undefined {
    return this.ws;
  }

  /** Which socket this is: a request or subscription made on an older one is stale. */
  get generation(): number {
    return this.socketGeneration;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** True while a socket is open and ready (welcomed, authenticated, resubscribed). */
  get ready(): boolean {
    return this.isReady;
  }

  /** No frame for this long drops the socket (0: no watchdog yet). */
  get watchdogMs(): number {
    return this.watchdogTimeoutMs;
  }

  /** Opens the first socket, once; later ones are opened by the reconnects. */
  start(): void {
    if (this.started || this.isClosed) return;
    this.started = true;
    this.open();
  }

  /** Closes for good: no reconnect. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.clearTimers();
    clearTimeout(this.reconnectTimer);
    const ws = this.ws;
    this.ws = undefined;
    this.socketGeneration++;
    if (ws) {
      try {
        ws.close(1000, "client closed");
      } catch {
        // already closing
      }
    }
    this.hooks.clientClosed();
    this.isReady = false;
    this.readyGate.resolve();
  }

  /** Drops the current socket as if the network had failed (a reconnect follows). */
  drop(reason: string): void {
    const ws = this.ws;
    if (ws) this.lost(ws, 1006, reason);
  }

  /** Resolves when the client is ready (or closed); rejects after `ms`. */
  whenReady(ms: number): Promise<void> {
    if (this.isClosed) return Promise.reject(new TransportError("the feed client is closed"));
    if (this.isReady) return Promise.resolve();
    this.start();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new TransportError(`not connected to ${this.url} within ${ms} ms`)), ms);
      void this.readyGate.promise.then(() => {
        clearTimeout(timer);
        if (this.isClosed) reject(new TransportError("the feed client is closed"));
        else resolve();
      });
    });
  }

  /** A new socket's welcome: it is alive, and from now on watched. */
  welcomed(ws: WebSocketLike, welcome: WelcomeMessage): void {
    clearTimeout(this.connectTimer);
    this.welcome = welcome;
    this.watchdogTimeoutMs = this.options.heartbeatTimeoutMs ?? Math.round(welcome.heartbeat_ms * 2.5);
    this.armWatchdog(ws);
  }

  /** The client is set up on the current socket: release the requests waiting for it. */
  markReady(): void {
    this.attempt = 0;
    this.isReady = true;
    this.readyGate.resolve();
  }

  /** Sends a frame; any frame counts as keeping up, for the shard. */
  sendText(ws: WebSocketLike, text: string): void {
    ws.send(text);
    this.unacknowledged = 0;
  }

  private open(): void {
    if (this.isClosed) return;
    const generation = ++this.socketGeneration;
    let ws: WebSocketLike;
    try {
      ws = new this.WS(this.url);
    } catch (err) {
      this.emit("error", new TransportError(`cannot open ${this.url}`, err));
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.connections++;
    try {
      ws.binaryType = "arraybuffer";
    } catch {
      // not settable here
    }
    const current = () => generation === this.socketGeneration && !this.isClosed;
    ws.addEventListener("message", (e: { data: unknown }) => {
      if (current()) this.frame(ws, textOf(e.data));
    });
    ws.addEventListener("close", (e: { code?: number; reason?: string }) => {
      if (current()) this.lost(ws, e.code ?? 1006, e.reason ?? "");
    });
    ws.addEventListener("error", () => {
      // A close follows; nothing to do here.
    });
    this.connectTimer = setTimeout(() => {
      if (current()) this.lost(ws, 1006, "no welcome in time");
    }, this.options.connectTimeoutMs ?? 10_000);
  }

  /** The socket is gone (closed, failed, or declared dead): clean up and reconnect unless closed. */
  private lost(ws: WebSocketLike, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.socketGeneration++;
    this.ws = undefined;
    this.clearTimers();
    try {
      if (ws.readyState <= SOCKET_OPEN) ws.close(CLIENT_DROP, reason.slice(0, 100));
    } catch {
      // already closed
    }
    this.welcome = undefined;
    if (this.isReady) {
      this.isReady = false;
      this.readyGate = deferred();
    }
    this.hooks.socketLost(code, reason);
    const reconnect = !this.isClosed && this.options.reconnect !== false;
    this.emit("close", { code, reason, reconnect });
    if (reconnect) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.isClosed || this.options.reconnect === false) return;
    const base = this.options.reconnect?.baseMs ?? 250;
    const max = this.options.reconnect?.maxMs ?? 30_000;
    const cap = Math.min(max, base * 2 ** Math.min(this.attempt, 30));
    // Full jitter: clients dropped together do not come back together.
    const delayMs = Math.floor(Math.random() * cap);
    this.attempt++;
    this.emit("reconnecting", { attempt: this.attempt, delayMs });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.open(), delayMs);
  }

  private clearTimers(): void {
    clearTimeout(this.connectTimer);
    clearTimeout(this.watchdog);
    this.connectTimer = undefined;
    this.watchdog = undefined;
  }

  private armWatchdog(ws: WebSocketLike): void {
    if (this.watchdogTimeoutMs <= 0) return;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(
      () => this.lost(ws, 1006, `no frame for ${this.watchdogTimeoutMs} ms`),
      this.watchdogTimeoutMs,
    );
  }

  private frame(ws: WebSocketLike, text: string): void {
    this.armWatchdog(ws);
    if (text === "pong") return;
    const messages = parseFrame(text);
    if (!messages) return;
    this.unacknowledged += messages.length;
    for (const m of messages) {
      if (ws !== this.ws) return;
      this.hooks.message(ws, m);
    }
    // Show the shard the client keeps up well before its soft limit.
    const soft = this.welcome?.limits.unacknowledged.soft ?? 2000;
    if (this.unacknowledged >= soft / 4 && ws === this.ws && ws.readyState === SOCKET_OPEN) this.sendText(ws, "ping");
  }
}
