/**
 * Access tokens from an API key and secret (`POST /v1/auth/token`), kept fresh with refresh
 * rotation (`POST /v1/auth/refresh`): the token is renewed shortly before it expires and after a
 * 401 `token_expired` / `token_revoked`, with at most one renewal in flight. The newest refresh
 * token is always the one kept (each is single use: presenting a spent one revokes the whole
 * family); when a refresh fails with `invalid_grant`, or its answer is lost, the session starts
 * over with the key and secret.
 */
import { Platform3Error, RateLimitError, TransportError, UnavailableError } from "../errors.ts";
import type { components } from "../generated/openapi.ts";
import { postJson } from "./http.ts";
import type { AuthContext, Authenticator, AuthProvider, OutgoingRequest } from "./types.ts";

export type TokenResponse = components["schemas"]["TokenResponse"];

export interface ApiKeyAuthOptions {
  /** The API key id (`k_<account>_…`). */
  apiKey: string;
  /** Its secret (`s_…`), shown once when the key was created. */
  apiSecret: string;
  /** Renew the access token when less than this is left, ms (default 30 000). */
  refreshMarginMs?: number;
  /** Called with every new set of tokens (e.g. to persist the refresh token). */
  onTokens?: (tokens: TokenResponse) => void;
}

/** The session's current tokens. */
export interface TokenState {
  accessToken: string | undefined;
  refreshToken: string | undefined;
  /** Epoch ms (client clock) at which the access token expires; 0 when there is none. */
  expiresAt: number;
  accountId: string | undefined;
  scope: string | undefined;
}

/** 401 reasons an access token can recover from by renewing it. */
const RENEWABLE = new Set(["token_expired", "token_revoked"]);

export class TokenSession implements Authenticator {
  readonly kind = "api_key";
  readonly #ctx: AuthContext;
  readonly #apiKey: string;
  readonly #apiSecret: string;
  readonly #margin: number;
  readonly #onTokens: ((tokens: TokenResponse) => void) | undefined;
  #access: string | undefined;
  #expiresAt = 0;
  #refresh: string | undefined;
  #account: string | undefined;
  #scope: string | undefined;
  #inflight: Promise<string> | undefined;

  constructor(options: ApiKeyAuthOptions, context: AuthContext) {
    this.#ctx = context;
    this.#apiKey = options.apiKey;
    this.#apiSecret = options.apiSecret;
    this.#margin = options.refreshMarginMs ?? 30_000;
    this.#onTokens = options.onTokens;
  }

  /** A valid access token: the cached one, or a renewed one (one renewal at a time). */
  accessToken(): Promise<string> {
    if (this.#access && this.#expiresAt - this.#ctx.now() > this.#margin) return Promise.resolve(this.#access);
    if (!this.#inflight) {
      this.#inflight = this.#renew().finally(() => {
        this.#inflight = undefined;
      });
    }
    return this.#inflight;
  }

  /** The current tokens (a copy). */
  tokens(): TokenState {
    return {
      accessToken: this.#access,
      refreshToken: this.#refresh,
      expiresAt: this.#expiresAt,
      accountId: this.#account,
      scope: this.#scope,
    };
  }

  /** Treats `accessToken` (the current one when omitted) as expired: the next request renews it. */
  invalidate(accessToken?: string): void {
    if (accessToken === undefined || accessToken === this.#access) this.#expiresAt = 0;
  }

  /** Renews now (refresh, else key and secret), whatever the current token's expiry. */
  refresh(): Promise<string> {
    this.invalidate();
    return this.accessToken();
  }

  /** Revokes the session's refresh family (`POST /v1/auth/revoke`) and forgets its tokens. */
  async logout(): Promise<void> {
    const token = this.#refresh ?? this.#access;
    this.#access = this.#refresh = undefined;
    this.#expiresAt = 0;
    if (token) await this.#post("/v1/auth/revoke", { token });
  }

  async authorize(request: OutgoingRequest): Promise<void> {
    request.headers.set("authorization", `Bearer ${await this.accessToken()}`);
  }

  async recover(problem: { reason?: unknown }, request: OutgoingRequest): Promise<boolean> {
    if (typeof problem.reason !== "string" || !RENEWABLE.has(problem.reason)) return false;
    const sent = request.headers.get("authorization")?.replace(/^Bearer /, "");
    this.invalidate(sent);
    return true;
  }

  async #renew(): Promise<string> {
    const spent = this.#refresh;
    if (spent) {
      // A refresh token is presented once, whatever happens: a second presentation revokes the family.
      this.#refresh = undefined;
      try {
        return this.#store(await this.#post<TokenResponse>("/v1/auth/refresh", { refresh_token: spent }));
      } catch (err) {
        // Refused before it was looked at (rate limit, unavailable): the token is still good.
        if (err instanceof RateLimitError || err instanceof UnavailableError) {
          this.#refresh = spent;
          throw err;
        }
        // invalid_grant (spent, revoked, expired family), a lost answer, anything else: start over.
        if (!(err instanceof TransportError) && !(err instanceof Platform3Error)) throw err;
      }
    }
    return this.#store(
      await this.#post<TokenResponse>("/v1/auth/token", { api_key: this.#apiKey, api_secret: this.#apiSecret }),
    );
  }

  #store(tokens: TokenResponse): string {
    this.#access = tokens.access_token;
    this.#refresh = tokens.refresh_token;
    this.#expiresAt = this.#ctx.now() + tokens.expires_in * 1000;
    this.#account = tokens.account_id;
    this.#scope = tokens.scope;
    this.#onTokens?.(tokens);
    return tokens.access_token;
  }

  #post<T>(path: string, body: unknown): Promise<T> {
    return postJson<T>(this.#ctx.fetch, `${this.#ctx.baseUrl}${path}`, body, this.#ctx.headers, this.#ctx.now);
  }
}

/** Tokens from an API key and secret, renewed as they expire ({@link TokenSession}). */
export function apiKeyAuth(options: ApiKeyAuthOptions): AuthProvider & { options: ApiKeyAuthOptions } {
  return { options, bind: (context) => new TokenSession(options, context) };
}
