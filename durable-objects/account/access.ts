/**
 * Gateway credentials held by the account: API keys, refresh-token families and signed
 * requests. Secrets and verification keys never leave the object: the edge sends what it
 * was given and gets back a grant or a refusal with a stable reason. Before the account's
 * schema exists (`ready()` false) nothing is known and nothing is written.
 */
import type { FamilyStatus } from "../../shared/auth/revocation.ts";
import type { Scope } from "../../shared/auth/scopes.ts";
import type { Sql } from "../runtime/sql.ts";
import type { AssertionCheck, RevokeKeyResult } from "./contract.ts";
import { grantByAssertion, grantBySecret, verifySignedRequest } from "./credentials.ts";
import { createKey, findKey, listKeys, parseScopes, refusal, revokeKey } from "./keys.ts";
import { familyStatus, revokeByToken, revokeFamily, rotate } from "./tokens.ts";
import type {
  ApiKeyView,
  CreatedKey,
  Grant,
  NewKey,
  Refusal,
  SignedRequestCheck,
  SignedRequestOk,
  TokenLifetimes,
} from "./types.ts";

export class Access {
  private readonly sql: Sql;
  private readonly ready: () => boolean;

  constructor(sql: Sql, ready: () => boolean) {
    this.sql = sql;
    this.ready = ready;
  }

  createKey(account: string, input: NewKey, now: number): Promise<CreatedKey> {
    return createKey(this.sql, account, input, now);
  }

  listKeys(now: number): ApiKeyView[] {
    return this.ready() ? listKeys(this.sql, now) : [];
  }

  /** Revokes a key (and its refresh families) if the caller holds every scope it has. */
  revokeKey(keyId: string, callerScopes: readonly Scope[], now: number): RevokeKeyResult {
    const row = this.ready() ? findKey(this.sql, keyId) : undefined;
    if (!row || row.revoked_at !== null)
      return { ok: false, code: "api_key_not_found", message: `No API key ${keyId}.` };
    const lacking = parseScopes(row).find((s) => !callerScopes.includes(s));
    if (lacking) {
      const message = `Revoking this key needs the '${lacking}' scope it has.`;
      return { ok: false, code: "missing_scope", scope: lacking, message };
    }
    return { ok: true, families: revokeKey(this.sql, keyId, now) ?? [] };
  }

  /** `api_key` + `api_secret` → a refresh grant. Unknown key and wrong secret refuse alike. */
  grantWithSecret(
    account: string,
    input: { key_id: string; secret: string; ip: string | undefined },
    lifetimes: TokenLifetimes,
  ): Promise<Grant | Refusal> {
    const row = this.ready() ? findKey(this.sql, input.key_id) : undefined;
    return grantBySecret(this.sql, account, row, input, lifetimes);
  }

  /** A JWT assertion signed with the key's Ed25519 private key (RFC 7523) → a refresh grant. */
  grantWithAssertion(account: string, input: AssertionCheck, lifetimes: TokenLifetimes): Promise<Grant | Refusal> {
    const row = this.ready() ? findKey(this.sql, input.key_id) : undefined;
    return grantByAssertion(this.sql, account, row, input, lifetimes);
  }

  async refresh(
    account: string,
    input: { token: string; ip: string | undefined },
    lifetimes: TokenLifetimes,
    now: number,
  ): Promise<Grant | Refusal> {
    if (!this.ready()) return refusal("refresh_token_unknown", "Unknown refresh token.");
    return rotate(this.sql, account, input.token, input.ip, lifetimes, now);
  }

  /** Revokes a refresh token's family; the family, or null for an unknown token. */
  async revokeRefreshToken(token: string, now: number): Promise<string | null> {
    if (!this.ready()) return null;
    return (await revokeByToken(this.sql, token, now)) ?? null;
  }

  revokeFamily(family: string, now: number): void {
    if (this.ready()) revokeFamily(this.sql, family, "revoked", now);
  }

  /** Whether this family vouches for access tokens of API key `keyId` (tokens.ts). */
  familyStatus(family: string, keyId: string): FamilyStatus {
    return this.ready() ? familyStatus(this.sql, family, keyId) : "refused";
  }

  /** Verifies a signed request (HMAC-SHA256 or Ed25519 by the key's kind) and spends its nonce. */
  verifySignedRequest(input: SignedRequestCheck): Promise<SignedRequestOk | Refusal> {
    const row = this.ready() ? findKey(this.sql, input.key_id) : undefined;
    return verifySignedRequest(this.sql, row, input);
  }
}
