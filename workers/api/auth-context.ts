/**
 * What authentication leaves on the request (`c.get("auth")`), shared by the
 * auth middleware, the rate limiter (per key) and every route (ownership).
 */
import type { Scope } from "../../shared/auth/scopes.ts";

export { SCOPES, type Scope } from "../../shared/auth/scopes.ts";

export interface AuthContext {
  /** The authenticated account id. */
  account: string;
  scopes: readonly Scope[];
  /** How the caller proved who it is. */
  via: "access_token" | "oidc" | "signature" | "operator_token";
  /** The API key behind the credential, when there is one (rate limits are per key). */
  keyId?: string;
  /** Refresh-token family of an access token (revocation). */
  family?: string;
  /** Epoch ms when the credential expires (access and OIDC tokens; a signed request has no lifetime). */
  expiresAt?: number;
}

/** Route classes weigh differently in rate limiting. */
export type RouteClass = "order_entry" | "cancel" | "market_data" | "auth" | "account" | "admin" | "system";
