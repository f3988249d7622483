/**
 * Credentials of the REST client: tokens from an API key and secret (renewed with refresh
 * rotation), HMAC-SHA256 or Ed25519 signed requests, or a bearer token of the caller's.
 */
import { type BearerToken, bearerAuth } from "./bearer.ts";
import { type Ed25519AuthOptions, ed25519Auth, type HmacAuthOptions, hmacAuth } from "./signed.ts";
import { type ApiKeyAuthOptions, apiKeyAuth } from "./tokens.ts";
import type { AuthContext, Authenticator, AuthProvider } from "./types.ts";

export { BearerAuth, type BearerToken, bearerAuth } from "./bearer.ts";
export {
  type Ed25519AuthOptions,
  ed25519Auth,
  type HmacAuthOptions,
  hmacAuth,
  RequestSigner,
  ServerClock,
} from "./signed.ts";
export {
  type Ed25519PrivateKey,
  ed25519Sign,
  hmacKey,
  hmacSign,
  importEd25519PrivateKey,
  newNonce,
  type SigningInput,
  sha256Hex,
  signingInputOf,
  signingString,
  toHex,
} from "./signing.ts";
export { type ApiKeyAuthOptions, apiKeyAuth, type TokenResponse, TokenSession, type TokenState } from "./tokens.ts";
export type { AuthContext, Authenticator, AuthProvider, OutgoingRequest } from "./types.ts";

/** The `auth` option of the REST client: one of these shapes, or an {@link AuthProvider}. */
export type AuthOptions =
  | ({ type: "api_key" } & ApiKeyAuthOptions)
  | ({ type: "hmac" } & HmacAuthOptions)
  | ({ type: "ed25519" } & Ed25519AuthOptions)
  | { type: "bearer"; token: BearerToken }
  | AuthProvider;

/** The authenticator of an `auth` option, bound to the client's context. */
export function createAuth(options: AuthOptions, context: AuthContext): Authenticator {
  if ("bind" in options) return options.bind(context);
  switch (options.type) {
    case "api_key":
      return apiKeyAuth(options).bind(context);
    case "hmac":
      return hmacAuth(options).bind(context);
    case "ed25519":
      return ed25519Auth(options).bind(context);
    case "bearer":
      return bearerAuth(options.token).bind(context);
  }
}
