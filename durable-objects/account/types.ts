/** What the Account object takes and answers over RPC (auth part). */
import type { TokenGrant } from "../../shared/auth/access-token.ts";
import type { Ed25519PublicJwk } from "../../shared/auth/crypto.ts";
import type { Scope } from "../../shared/auth/scopes.ts";

export type KeyKind = "secret" | "ed25519";

/** An API key as listed: never its secret or verification material. */
export interface ApiKeyView {
  id: string;
  name: string | null;
  kind: KeyKind;
  scopes: Scope[];
  ip_allowlist: string[] | null;
  /** RFC 3339, or null for a key that does not expire. */
  expires_at: string | null;
  created_at: string;
  last_used_at: string | null;
  status: "active" | "expired";
}

/** A key just created: the only time its secret is seen (secret keys only). */
export interface CreatedKey extends ApiKeyView {
  secret?: string;
}

/** A key refused because the account already has its most live keys (`MAX_API_KEYS_PER_ACCOUNT`). */
export interface KeyLimitReached {
  ok: false;
  code: "api_key_limit";
  message: string;
  /** The most live keys an account may have. */
  limit: number;
}

export interface NewKey {
  name?: string | undefined;
  scopes: Scope[];
  ip_allowlist?: string[] | undefined;
  /** Epoch ms. */
  expires_at?: number | undefined;
  /** Makes an Ed25519 key (no secret); already validated. */
  public_key?: Ed25519PublicJwk | undefined;
}

/** Why a credential was refused; the edge turns each into a 401 (or 400 `invalid_grant`). */
export type RefusalReason =
  | "invalid_credentials"
  | "api_key_revoked"
  | "api_key_expired"
  | "ip_not_allowed"
  | "wrong_key_kind"
  | "invalid_signature"
  | "replayed_nonce"
  | "invalid_assertion"
  | "refresh_token_unknown"
  | "refresh_token_expired"
  | "refresh_token_reused"
  | "family_revoked";

export interface Refusal {
  ok: false;
  reason: RefusalReason;
  message: string;
  /** Set when the refusal revoked a refresh family (reuse), so the edge can forget it at once. */
  revoked_family?: string;
}

/** A refresh grant: the edge signs an access token for it. */
export interface Grant extends TokenGrant {
  ok: true;
  scopes: Scope[];
  refresh_token: string;
  /** Epoch ms. */
  refresh_expires_at: number;
}

export interface TokenLifetimes {
  /** Refresh-token lifetime, ms. */
  refresh_ms: number;
}

/** The parts of a signed request the object checks (the edge checked the timestamp window). */
export interface SignedRequestCheck {
  key_id: string;
  ip: string | undefined;
  nonce: string;
  /** The exact string that was signed. */
  payload: string;
  signature: string;
  /** When the nonce may be forgotten, epoch ms. */
  nonce_expires_at: number;
}

export interface SignedRequestOk {
  ok: true;
  key_id: string;
  scopes: Scope[];
}
