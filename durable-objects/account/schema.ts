/**
 * SQLite schema of an Account object, as ordered migrations (durable-utils
 * records which ran). Migration 2 adds balances, the ledger journal (append-only),
 * order holds, applied fills, idempotent transfers and the trading kill switch.
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
  {
    idMonotonicInc: 2,
    description: "balances, ledger journal and transactions, holds, fills, transfers, kill switch",
    sql: `
      ALTER TABLE account ADD COLUMN trading_enabled INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE account ADD COLUMN trading_changed_at INTEGER;

      -- Per asset, in minor units (decimal integer text: bigint-exact). Rewritten only for assets a change touches.
      CREATE TABLE ledger_balances (
        asset TEXT PRIMARY KEY,
        total TEXT NOT NULL,
        hold TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );

      -- Append-only: every double-entry transaction with all its legs (JSON, amounts as integer strings).
      CREATE TABLE ledger_transactions (
        tx_id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        ref TEXT NOT NULL,
        order_ref TEXT,
        legs TEXT NOT NULL
      );

      -- Append-only: the account's own legs with running balances after each (the journal).
      CREATE TABLE ledger_entries (
        entry_id INTEGER PRIMARY KEY,
        tx_id INTEGER NOT NULL,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        asset TEXT NOT NULL,
        ledger_account TEXT NOT NULL CHECK (ledger_account IN ('available', 'hold')),
        amount TEXT NOT NULL,
        total_after TEXT NOT NULL,
        hold_after TEXT NOT NULL,
        ref TEXT NOT NULL
      );
      CREATE INDEX ledger_entries_by_asset ON ledger_entries (asset, entry_id);
      CREATE INDEX ledger_entries_by_time ON ledger_entries (at);

      -- What each open order still has on hold; fills applied (exactly once, by fill id).
      CREATE TABLE ledger_holds (
        order_ref TEXT PRIMARY KEY,
        asset TEXT NOT NULL,
        amount TEXT NOT NULL
      );
      CREATE TABLE ledger_fills (
        fill_id TEXT PRIMARY KEY
      );

      -- Deposits and withdrawals by reference (idempotency): the first outcome, returned to every retry.
      CREATE TABLE transfers (
        reference TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('deposit', 'withdrawal')),
        asset TEXT NOT NULL,
        amount TEXT NOT NULL,
        tx_id INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    idMonotonicInc: 3,
    description: "orders, fills, book cursors, idempotency records, dead-man timer",
    sql: `
      -- Every order the account placed; seq orders them by creation for cursors. record: JSON of OrderRecord.
      CREATE TABLE orders (
        seq INTEGER PRIMARY KEY,
        order_id TEXT NOT NULL UNIQUE,
        client_order_id TEXT NOT NULL UNIQUE,
        instrument TEXT NOT NULL,
        status TEXT NOT NULL,
        open INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        record TEXT NOT NULL
      );
      CREATE INDEX orders_open ON orders (open, instrument);
      CREATE INDEX orders_by_time ON orders (created_at);

      -- Every fill of the account's orders (view: JSON of FillView); rowid orders them for cursors.
      CREATE TABLE fills (
        fill_id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        instrument TEXT NOT NULL,
        seq INTEGER NOT NULL,
        at INTEGER NOT NULL,
        view TEXT NOT NULL
      );
      CREATE INDEX fills_by_order ON fills (order_id);
      CREATE INDEX fills_by_time ON fills (at);

      -- Per book, the last outbox seq applied: each book event is applied once, in order.
      CREATE TABLE book_cursors (instrument TEXT PRIMARY KEY, seq INTEGER NOT NULL);

      -- Outcomes of mutations sent with an Idempotency-Key, returned to every retry (kept 24 h).
      CREATE TABLE requests (
        key TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        operation TEXT NOT NULL,
        outcome TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX requests_by_time ON requests (created_at);

      -- The dead-man timer: when set, every open order is cancelled at this instant unless refreshed.
      ALTER TABLE account ADD COLUMN cancel_after_at INTEGER;
    `,
  },
  {
    idMonotonicInc: 4,
    description: "user channel: feed shards subscribed to the account, and its message sequence",
    sql: `
      -- Feed shards with sockets on this account's user channel; since = registration generation.
      CREATE TABLE user_subscribers (shard TEXT PRIMARY KEY, since INTEGER NOT NULL);

      -- The last seq given to a user-channel message (contiguous per account).
      CREATE TABLE user_feed (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
    `,
  },
  {
    idMonotonicInc: 5,
    description: "event stream: the account's journal of its changes, and the Queue cursor",
    sql: `
      -- Append-only, written in the transaction of each change: order views, fills, ledger entries.
      -- seq is contiguous per account; rows the Queue accepted are pruned later (never the newest).
      CREATE TABLE account_events (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL
      );

      -- The last account_events seq the EVENTS Queue accepted.
      CREATE TABLE stream_out (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
      INSERT INTO stream_out (id, seq) VALUES (1, 0);
    `,
  },
];
