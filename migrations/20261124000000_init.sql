-- migrate:up

-- Append-only event journal: every event the Durable Objects emit, exactly once.
-- stream 'book' is keyed by instrument, stream 'account' by account id; seq is the
-- object's own contiguous sequence, so (stream, key, seq) is the idempotency key.
CREATE TABLE journal (
  stream text NOT NULL,
  key text NOT NULL,
  seq bigint NOT NULL,
  at timestamptz NOT NULL,
  type text NOT NULL,
  body jsonb NOT NULL,
  PRIMARY KEY (stream, key, seq)
);

CREATE TABLE instruments (
  symbol text PRIMARY KEY,
  spec jsonb NOT NULL,
  status text NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE accounts (
  account_id text PRIMARY KEY,
  name text,
  created_at timestamptz NOT NULL
);

-- API key metadata only: secrets never leave the Account object.
CREATE TABLE api_keys (
  key_id text PRIMARY KEY,
  account_id text NOT NULL,
  name text,
  scopes text[] NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz
);

CREATE INDEX api_keys_account_idx ON api_keys (account_id);

CREATE TABLE orders (
  order_id text PRIMARY KEY,
  account_id text NOT NULL,
  client_order_id text NOT NULL,
  instrument text NOT NULL,
  status text NOT NULL,
  view jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_seq bigint NOT NULL,
  UNIQUE (account_id, client_order_id)
);

CREATE INDEX orders_account_created_idx ON orders (account_id, created_at DESC, order_id DESC);

CREATE TABLE fills (
  account_id text NOT NULL,
  fill_id text NOT NULL,
  order_id text NOT NULL,
  instrument text NOT NULL,
  side text NOT NULL,
  price numeric NOT NULL,
  size numeric NOT NULL,
  value numeric NOT NULL,
  fee numeric NOT NULL,
  fee_asset text NOT NULL,
  liquidity text NOT NULL,
  at timestamptz NOT NULL,
  view jsonb NOT NULL,
  PRIMARY KEY (account_id, fill_id)
);

CREATE INDEX fills_account_at_idx ON fills (account_id, at DESC, fill_id DESC);

CREATE TABLE trades (
  instrument text NOT NULL,
  trade_id bigint NOT NULL,
  price numeric NOT NULL,
  size numeric NOT NULL,
  aggressor text NOT NULL,
  maker_order_id text NOT NULL,
  taker_order_id text NOT NULL,
  at timestamptz NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (instrument, trade_id)
);

CREATE INDEX trades_instrument_at_idx ON trades (instrument, at DESC, trade_id DESC);

CREATE TABLE ledger_entries (
  account_id text NOT NULL,
  entry_id bigint NOT NULL,
  tx_id bigint NOT NULL,
  at timestamptz NOT NULL,
  type text NOT NULL,
  asset text NOT NULL,
  amount numeric NOT NULL,
  balance numeric NOT NULL,
  hold numeric NOT NULL,
  reference text NOT NULL,
  PRIMARY KEY (account_id, entry_id)
);

-- The primary key already serves (account_id, entry_id) in either direction; this one
-- is explicit so history pages newest-first read an index in its natural order.
CREATE INDEX ledger_entries_account_entry_desc_idx ON ledger_entries (account_id, entry_id DESC);

CREATE TABLE candles_1m (
  instrument text NOT NULL,
  start timestamptz NOT NULL,
  open numeric NOT NULL,
  high numeric NOT NULL,
  low numeric NOT NULL,
  close numeric NOT NULL,
  volume numeric NOT NULL,
  trades int NOT NULL,
  PRIMARY KEY (instrument, start)
);

-- migrate:down

DROP TABLE candles_1m;
DROP TABLE ledger_entries;
DROP TABLE trades;
DROP TABLE fills;
DROP TABLE orders;
DROP TABLE api_keys;
DROP TABLE accounts;
DROP TABLE instruments;
DROP TABLE journal;
