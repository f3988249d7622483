import type { Authenticator, AuthProvider, OutgoingRequest } from "./types.ts";

/** A bearer token supplied by the caller: a string, or a function asked for every request (e.g. an OIDC client's). */
export type BearerToken = string | (() => string | Promise<string>);

export class BearerAuth implements Authenticator {
  readonly kind = "bearer";
  readonly #token: BearerToken;

  constructor(token: BearerToken) {
    this.#token = token;
  }

  async authorize(request: OutgoingRequest): Promise<void> {
    const token = typeof this.#token === "function" ? await this.#token() : this.#token;
    request.headers.set("authorization", `Bearer ${token}`);
  }

  /** A function may give a fresh token after a 401; a fixed string cannot. */
  async recover(): Promise<boolean> {
    return typeof this.#token === "function";
  }
}

export function bearerAuth(token: BearerToken): AuthProvider {
  return { bind: () => new BearerAuth(token) };
}
