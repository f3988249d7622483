/**
 * `auth` on each socket with the current token, and again before the session expires
 * when the token comes from a function that gives a new one.
 */
import type { Connection } from "./connection.ts";
import type { EmitFeedEvent, FeedClientOptions } from "./options.ts";
import type { Requests } from "./requests.ts";
import type { WebSocketLike } from "./socket.ts";
import type { AuthResult } from "./types.ts";

export class Authenticator {
  /** The session of the current socket after `auth`. */
  session: AuthResult | undefined;
  private readonly options: FeedClientOptions;
  private readonly connection: Connection;
  private readonly requests: Requests;
  private readonly emit: EmitFeedEvent;
  /** The token of the last successful `auth` (a renewal is skipped while the token function gives the same one). */
  private token: string | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: FeedClientOptions, connection: Connection, requests: Requests, emit: EmitFeedEvent) {
    this.options = options;
    this.connection = connection;
    this.requests = requests;
    this.emit = emit;
  }

  /** True when the client has a token: each socket authenticates before it is ready. */
  get configured(): boolean {
    return this.options.token !== undefined;
  }

  /** True when the token comes from a function, which may give a new one. */
  get renewable(): boolean {
    return typeof this.options.token === "function";
  }

  /** `auth` on the current socket with the current token (`onlyIfNew`: skipped when the token did not change). */
  async authenticate(onlyIfNew: boolean): Promise<AuthResult | undefined> {
    const ws = this.connection.socket;
    const token = await this.currentToken();
    if (token === undefined || ws !== this.connection.socket) return undefined;
    if (onlyIfNew && token === this.token) return undefined;
    const params: Record<string, unknown> = { token };
    if (this.options.cancelOnDisconnect !== undefined) params.cancel_on_disconnect = this.options.cancelOnDisconnect;
    const session = await this.requests.send<AuthResult>("auth", params);
    if (ws !== this.connection.socket) return undefined;
    this.token = token;
    this.session = session;
    this.emit("auth", session);
    this.scheduleRefresh(session.expires_at_ms);
    return session;
  }

  /** The socket is gone, and its session with it. */
  socketLost(): void {
    this.stopRefresh();
    this.session = undefined;
  }

  stopRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  private async currentToken(): Promise<string | undefined> {
    const source = this.options.token;
    return typeof source === "function" ? await source() : source;
  }

  private scheduleRefresh(expiresAtMs: number): void {
    clearTimeout(this.refreshTimer);
    if (typeof this.options.token !== "function") return;
    const left = expiresAtMs - Date.now();
    const before = this.options.refreshBeforeMs ?? Math.min(60_000, left / 5);
    const ws = this.connection.socket;
    const at = Math.max(1000, left - before);
    this.refreshTimer = setTimeout(() => void this.refresh(ws, expiresAtMs), at);
  }

  /** Before expiry: `auth` again if the token function gives a new token; else look again shortly. */
  private async refresh(ws: WebSocketLike | undefined, expiresAtMs: number): Promise<void> {
    if (ws !== this.connection.socket || this.connection.closed) return;
    try {
      const renewed = await this.authenticate(true);
      if (!renewed && ws === this.connection.socket && Date.now() < expiresAtMs) {
        this.refreshTimer = setTimeout(
          () => void this.refresh(ws, expiresAtMs),
          Math.max(250, Math.min(5000, (expiresAtMs - Date.now()) / 2)),
        );
      }
    } catch (err) {
      if (ws === this.connection.socket) this.emit("error", err as Error);
    }
  }
}
