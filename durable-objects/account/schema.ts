/**
 * SQLite schema of an Account object, as ordered migrations (durable-utils
 * records which ran). Balances, holds and the ledger arrive with order entry.
 */
import type { SQLSchemaMigration } from "durable-utils/sql-migrations";

export const ACCOUNT_MIGRATIONS: SQLSchemaMigration[] = [
  {
    idMonotonicInc: 1,
    description: "account, API keys, refresh-token families and tokens, signed-request nonces",
    sql: `
      CREATE TABLE account (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        account_id TEXT NOT NULL,
        name TEXT,
        created_at INTEGER NOT NULL
      );

      -- kind 'secret': secret_hash verifies the secret, hmac_key = SHA-256(secret) verifies HMAC signatures.
      -- kind 'ed25519': public_key (JWK) verifies signatures and token assertions. Secrets are never stored.
      CREATE TABLE api_keys (
        key_id TEXT PRIMARY KEY,
        name TEXT,
        kind TEXT NOT NULL CHECK (kind IN ('secret', 'ed25519')),
        scopes TEXT NOT NULL,
        ip_allowlist TEXT,
        expires_at INTEGER,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER,
        secret_hash TEXT,
        hmac_key TEXT,
        public_key TEXT,
        last_used_at INTEGER
      );

      -- A refresh-token family: every token rotated from one grant. Reuse of a rotated token revokes it.
      CREATE TABLE refresh_families (
        family TEXT PRIMARY KEY,
        key_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER,
        revoked_reason TEXT
      );
      CREATE INDEX refresh_families_by_key ON refresh_families (key_id);
      CREATE INDEX refresh_families_by_expiry ON refresh_families (expires_at);

      -- Refresh tokens by SHA-256; a used (rotated) token stays until its family expires, to detect reuse.
      CREATE TABLE refresh_tokens (
        token_hash TEXT PRIMARY KEY,
        family TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      );
      CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family);

      -- Nonces of signed requests and jti of token assertions, each accepted once until it expires.
      CREATE TABLE nonces (
        key_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (key_id, nonce)
      );
      CREATE INDEX nonces_by_expiry ON nonces (expires_at);
    `,
  },
];
