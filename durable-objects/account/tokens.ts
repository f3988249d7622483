/**
 * Refresh-token families. A grant opens a family; each refresh rotates its
 * token (the old one is kept, marked used); presenting a used token again is
 * reuse, which revokes the whole family, so a stolen token dies as soon as
 * either party uses it twice. Tokens are stored only as SHA-256.
 *
 * Every await happens before the synchronous SQL of an operation, so two
 * concurrent calls with one token cannot both rotate it.
 */

import { sha256Hex } from "../../shared/auth/crypto.ts";
import { newFamilyId, newRefreshToken } from "../../shared/auth/ids.ts";
import type { FamilyStatus } from "../../shared/auth/revocation.ts";
import type { Sql } from "../runtime/sql.ts";
import { findKey, type KeyRow, parseAllowlist, parseScopes, refusal, touch, unusable } from "./keys.ts";
import type { Grant, Refusal, TokenLifetimes } from "./types.ts";

/** Expired families (and their tokens) are deleted this long after they expire. */
const FAMILY_RETENTION_MS = 24 * 60 * 60 * 1000;

interface TokenRow extends Record<string, string | number | null> {
  token_hash: string;
  family: string;
  expires_at: number;
  used_at: number | null;
}

interface FamilyRow extends Record<string, string | number | null> {
  family: string;
  key_id: string;
  revoked_at: number | null;
}

/** Opens a family for a key that has just proved itself. */
export async function openFamily(
  sql: Sql,
  account: string,
  key: KeyRow,
  lifetimes: TokenLifetimes,
  now: number,
): Promise<Grant> {
  const token = newRefreshToken(account);
  const hash = await sha256Hex(token);
  const family = newFamilyId();
  const expiresAt = refreshExpiry(key, lifetimes, now);
  sql`INSERT INTO refresh_families (family, key_id, created_at, expires_at) VALUES (${family}, ${key.key_id}, ${now}, ${expiresAt})`;
  sql`INSERT INTO refresh_tokens (token_hash, family, created_at, expires_at) VALUES (${hash}, ${family}, ${now}, ${expiresAt})`;
  touch(sql, key, now);
  prune(sql, now);
  return grant(account, key, family, token, expiresAt);
}

/** Rotates a refresh token: a new token in the same family, or a refusal (reuse revokes the family). */
export async function rotate(
  sql: Sql,
  account: string,
  token: string,
  ip: string | undefined,
  lifetimes: TokenLifetimes,
  now: number,
): Promise<Grant | Refusal> {
  const hash = await sha256Hex(token);
  const next = newRefreshToken(account);
  const nextHash = await sha256Hex(next);
  // Synchronous from here on.
  const row = sql.one<TokenRow>`SELECT token_hash, family, expires_at, used_at FROM refresh_tokens WHERE token_hash = ${hash}`;
  if (!row) return refusal("refresh_token_unknown", "Unknown refresh token.");
  const family = sql.one<FamilyRow>`SELECT family, key_id, revoked_at FROM refresh_families WHERE family = ${row.family}`;
  if (!family || family.revoked_at !== null) {
    return refusal("family_revoked", "This refresh token's session has been revoked; sign in again.");
  }
  if (row.used_at !== null) {
    revokeFamily(sql, row.family, "refresh_token_reused", now);
    return {
      ...refusal(
        "refresh_token_reused",
        "This refresh token was already used: the session is revoked (every token of it). Sign in again.",
      ),
      revoked_family: row.family,
    };
  }
  if (row.expires_at <= now) return refusal("refresh_token_expired", "This refresh token has expired; sign in again.");
  const key = findKey(sql, family.key_id);
  const blocked = unusable(key, ip, now);
  if (blocked || !key) {
    if (blocked?.reason === "api_key_revoked" || blocked?.reason === "api_key_expired") {
      revokeFamily(sql, row.family, blocked.reason, now);
    }
    return blocked ?? refusal("invalid_credentials", "Unknown API key.");
  }
  const expiresAt = refreshExpiry(key, lifetimes, now);
  sql`UPDATE refresh_tokens SET used_at = ${now} WHERE token_hash = ${hash}`;
  sql`INSERT INTO refresh_tokens (token_hash, family, created_at, expires_at) VALUES (${nextHash}, ${row.family}, ${now}, ${expiresAt})`;
  sql`UPDATE refresh_families SET expires_at = MAX(expires_at, ${expiresAt}) WHERE family = ${row.family}`;
  touch(sql, key, now);
  return grant(account, key, row.family, next, expiresAt);
}

/** Revokes the family of a refresh token; returns the family, or undefined for an unknown token. */
export async function revokeByToken(sql: Sql, token: string, now: number): Promise<string | undefined> {
  const hash = await sha256Hex(token);
  const row = sql.one<TokenRow>`SELECT family FROM refresh_tokens WHERE token_hash = ${hash}`;
  if (!row) return undefined;
  revokeFamily(sql, row.family, "revoked", now);
  return row.family;
}

export function revokeFamily(sql: Sql, family: string, reason: string, now: number): void {
  sql`UPDATE refresh_families SET revoked_at = ${now}, revoked_reason = ${reason} WHERE family = ${family} AND revoked_at IS NULL`;
}

/**
 * Whether the family vouches for an access token of API key `keyId`: `refused` when it
 * is unknown or was issued for another key (it never vouches), `revoked`, or `live`.
 */
export function familyStatus(sql: Sql, family: string, keyId: string): FamilyStatus {
  const row = sql.one<FamilyRow>`SELECT family, key_id, revoked_at FROM refresh_families WHERE family = ${family}`;
  if (!row || row.key_id !== keyId) return "refused";
  return row.revoked_at === null ? "live" : "revoked";
}

function refreshExpiry(key: KeyRow, lifetimes: TokenLifetimes, now: number): number {
  const end = now + lifetimes.refresh_ms;
  return key.expires_at === null ? end : Math.min(end, key.expires_at);
}

function grant(account: string, key: KeyRow, family: string, token: string, expiresAt: number): Grant {
  return {
    ok: true,
    account,
    key_id: key.key_id,
    scopes: parseScopes(key),
    family,
    refresh_token: token,
    refresh_expires_at: expiresAt,
    key_expires_at: key.expires_at,
    ip_allowlist: parseAllowlist(key),
  };
}

function prune(sql: Sql, now: number): void {
  const before = now - FAMILY_RETENTION_MS;
  sql`DELETE FROM refresh_tokens WHERE family IN (SELECT family FROM refresh_families WHERE expires_at < ${before})`;
  sql`DELETE FROM refresh_families WHERE expires_at < ${before}`;
}
