import type { Problem } from "../errors.ts";

/** What an authenticator may use: the client's base URL, fetch, clock and default headers. */
export interface AuthContext {
  /** The API's origin (paths start with `/v1`), without a trailing slash. */
  baseUrl: string;
  fetch: typeof globalThis.fetch;
  /** The client's clock, epoch ms (token expiry, signature timestamps). */
  now: () => number;
  /** Headers every request of the client carries (its own calls to `/v1/auth/…` and `/v1/time` included). */
  headers: Record<string, string>;
}

/** A request about to be sent, for {@link Authenticator.authorize} to add its credential to. */
export interface OutgoingRequest {
  method: string;
  url: URL;
  /** Mutable: the authenticator sets its headers here. */
  headers: Headers;
  /** The exact body bytes that will be sent (undefined for none). */
  body: Uint8Array<ArrayBuffer> | undefined;
}

/** A credential of the REST client: it authorizes every attempt of every request. */
export interface Authenticator {
  /** `api_key` (tokens from a key and secret), `bearer`, `hmac` or `ed25519`. */
  readonly kind: string;
  /** Sets the credential's headers on a request (called again for every attempt, so signatures are fresh). */
  authorize(request: OutgoingRequest): Promise<void>;
  /**
   * The API refused `request` with a 401 `problem`: renew what can be renewed (refresh an expired token,
   * correct the clock) and answer true when sending the request again may succeed. Called at most once per request.
   */
  recover?(problem: Problem, request: OutgoingRequest): Promise<boolean>;
}

/** Builds an {@link Authenticator} once the client knows its base URL, fetch and clock. */
export interface AuthProvider {
  bind(context: AuthContext): Authenticator;
}
