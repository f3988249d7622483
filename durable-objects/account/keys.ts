/**
 * API keys of one account in its SQLite: create (at most `MAX_API_KEYS_PER_ACCOUNT` live
 * ones), list, revoke, and check a key can be used now (not revoked, not expired, from an
 * allowed address).
 */

import { type Ed25519PublicJwk, hmacKeyOf, secretVerifier } from "../../shared/auth/crypto.ts";
import { newKeyId, newSecret } from "../../shared/auth/ids.ts";
import { ipAllowed } from "../../shared/auth/ip.ts";
import type { Scope } from "../../shared/auth/scopes.ts";
import type { Sql } from "../runtime/sql.ts";
import type { ApiKeyView, CreatedKey, KeyKind, KeyLimitReached, NewKey, Refusal } from "./types.ts";

export interface KeyRow extends Record<string, string | number | null> {
  key_id: string;
  name: string | null;
  kind: KeyKind;
  scopes: string;
  ip_allowlist: string | null;
  expires_at: number | null;
  created_at: number;
  revoked_at: number | null;
  secret_hash: string | null;
  hmac_key: string | null;
  public_key: string | null;
  last_used_at: number | null;
}

/** Only touch `last_used_at` when it is older than this (one write per minute per key at most). */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Live keys an account may have by default: its budgets are per account, but each key has its own edge limits. */
export const DEFAULT_MAX_KEYS = 20;

/** `MAX_API_KEYS_PER_ACCOUNT`: a positive integer, else the default. */
export function maxKeysOf(text: string | undefined): number {
  const n = Number(text);
  return text !== undefined && Number.isSafeInteger(n) && n >= 1 ? n : DEFAULT_MAX_KEYS;
}

/** Creates a key, unless the account already has `maxKeys` live ones (neither revoked nor expired). */
export async function createKey(
  sql: Sql,
  account: string,
  input: NewKey,
  now: number,
  maxKeys: number,
): Promise<CreatedKey | KeyLimitReached> {
  const id = newKeyId(account);
  const kind: KeyKind = input.public_key ? "ed25519" : "secret";
  const secret = kind === "secret" ? newSecret() : undefined;
  const secretHash = secret ? await secretVerifier(secret) : null;
  const hmacKey = secret ? await hmacKeyOf(secret) : null;
  // Counted after the last await, so the count and the insert are one synchronous step (concurrent creations too).
  const live = sql.one<{ n: number }>`SELECT COUNT(*) AS n FROM api_keys
      WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${now})`;
  if ((live?.n ?? 0) >= maxKeys) {
    const message = `This account has ${maxKeys} live API keys, the most it may have; revoke one first.`;
    return { ok: false, code: "api_key_limit", message, limit: maxKeys };
  }
  const allowlist = input.ip_allowlist && input.ip_allowlist.length > 0 ? JSON.stringify(input.ip_allowlist) : null;
  sql`INSERT INTO api_keys (key_id, name, kind, scopes, ip_allowlist, expires_at, created_at, secret_hash, hmac_key, public_key)
      VALUES (${id}, ${input.name ?? null}, ${kind}, ${JSON.stringify(input.scopes)}, ${allowlist},
              ${input.expires_at ?? null}, ${now}, ${secretHash}, ${hmacKey},
              ${input.public_key ? JSON.stringify(input.public_key) : null})`;
  const row = findKey(sql, id) as KeyRow;
  return secret ? { ...keyView(row, now), secret } : keyView(row, now);
}

export function findKey(sql: Sql, keyId: string): KeyRow | undefined {
  return sql.one<KeyRow>`SELECT * FROM api_keys WHERE key_id = ${keyId}`;
}

/** Keys not revoked, oldest first. */
export function listKeys(sql: Sql, now: number): ApiKeyView[] {
  return sql<KeyRow>`SELECT * FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at, key_id`.map((r) =>
    keyView(r, now),
  );
}

/** Revokes a key and every refresh family issued from it; returns those families (undefined: no such live key). */
export function revokeKey(sql: Sql, keyId: string, now: number): string[] | undefined {
  const row = findKey(sql, keyId);
  if (!row || row.revoked_at !== null) return undefined;
  sql`UPDATE api_keys SET revoked_at = ${now} WHERE key_id = ${keyId}`;
  return sql<{ family: string }>`UPDATE refresh_families SET revoked_at = ${now}, revoked_reason = 'api_key_revoked'
      WHERE key_id = ${keyId} AND revoked_at IS NULL RETURNING family`.map((r) => r.family);
}

/** Why a key cannot be used right now from `ip`, or undefined if it can. */
export function unusable(row: KeyRow | undefined, ip: string | undefined, now: number): Refusal | undefined {
  if (!row) return refusal("invalid_credentials", "Unknown API key or wrong secret.");
  if (row.revoked_at !== null) return refusal("api_key_revoked", "This API key has been revoked.");
  if (row.expires_at !== null && row.expires_at <= now) {
    return refusal("api_key_expired", `This API key expired at ${new Date(row.expires_at).toISOString()}.`);
  }
  const allowlist = parseAllowlist(row);
  if (allowlist && !ipAllowed(allowlist, ip)) {
    return refusal("ip_not_allowed", `This API key may not be used from ${ip ?? "an unknown address"}.`);
  }
  return undefined;
}

export function touch(sql: Sql, row: KeyRow, now: number): void {
  if (row.last_used_at === null || now - row.last_used_at >= LAST_USED_RESOLUTION_MS) {
    sql`UPDATE api_keys SET last_used_at = ${now} WHERE key_id = ${row.key_id}`;
  }
}

export function parseScopes(row: KeyRow): Scope[] {
  return JSON.parse(row.scopes) as Scope[];
}

export function parseAllowlist(row: KeyRow): string[] | null {
  return row.ip_allowlist === null ? null : (JSON.parse(row.ip_allowlist) as string[]);
}

export function parsePublicKey(row: KeyRow): Ed25519PublicJwk | null {
  return row.public_key === null ? null : (JSON.parse(row.public_key) as Ed25519PublicJwk);
}

export function refusal(reason: Refusal["reason"], message: string): Refusal {
  return { ok: false, reason, message };
}

function keyView(row: KeyRow, now: number): ApiKeyView {
  return {
    id: row.key_id,
    name: row.name,
    kind: row.kind,
    scopes: parseScopes(row),
    ip_allowlist: parseAllowlist(row),
    expires_at: row.expires_at === null ? null : new Date(row.expires_at).toISOString(),
    created_at: new Date(row.created_at).toISOString(),
    last_used_at: row.last_used_at === null ? null : new Date(row.last_used_at).toISOString(),
    status: row.expires_at !== null && row.expires_at <= now ? "expired" : "active",
  };
}
