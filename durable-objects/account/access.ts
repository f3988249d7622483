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
import type { RevokedSessions } from "./feed-sockets.ts";
import { createKey, findKey, listKeys, parseScopes, refusal, revokeKey } from "./keys.ts";
import { familyStatus, revokeByToken, revokeFamily, rotate } from "./tokens.ts";
import type {
  ApiKeyView,
  CreatedKey,
  Grant,
  KeyLimitReached,
  NewKey,
  Refusal,
  SignedRequestCheck,
  SignedRequestOk,
  TokenLifetimes,
} from "./types.ts";

export class Access {
  private readonly sql: Sql;
  private readonly ready: () => boolean;
  /** Live keys the account may have (`MAX_API_KEYS_PER_ACCOUNT`). */
  private readonly maxKeys: number;
  /** Told of every revocation once it is written (the Account tells the feed shards: feed-sockets.ts). */
  onRevoked: ((revoked: RevokedSessions) => void) | undefined;

  constructor(sql: Sql, ready: () => boolean, maxKeys: number) {
    this.sql = sql;
    this.ready = ready;
    this.maxKeys = maxKeys;
  }

  createKey(account: string, input: NewKey, now: number): Promise<CreatedKey | KeyLimitReached> {
    return createKey(this.sql, account, input, now, this.maxKeys);
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
    const families = revokeKey(this.sql, keyId, now) ?? [];
    this.onRevoked?.({ families, key_ids: [keyId] });
    return { ok: true, families };
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
    const result = await rotate(this.sql, account, input.token, input.ip, lifetimes, now);
    if (!result.ok && result.revoked_family) this.onRevoked?.({ families: [result.revoked_family], key_ids: [] });
    return result;
  }

  /** Revokes a refresh token's family; the family, or null for an unknown token. */
  async revokeRefreshToken(token: string, now: number): Promise<string | null> {
    if (!this.ready()) return null;
    const family = await revokeByToken(this.sql, token, now);
    if (family === undefined) return null;
    this.onRevoked?.({ families: [family], key_ids: [] });
    return family;
  }

  revokeFamily(family: string, now: number): void {
    if (!this.ready()) return;
    revokeFamily(this.sql, family, "revoked", now);
    this.onRevoked?.({ families: [family], key_ids: [] });
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
