/**
 * SQLite schema of an OrderBook object, as ordered migrations. durable-utils
 * records which ran, so each runs once per object, before any query.
 */
import type { SQLSchemaMigration } from "durable-utils/sql-migrations";

export const ORDER_BOOK_MIGRATIONS: SQLSchemaMigration[] = [
  {
    idMonotonicInc: 1,
    description: "instrument, engine state, live orders, event log, trades, candles, feed shards",
    sql: `
      -- The instrument this book trades (JSON of shared/instruments Instrument).
      CREATE TABLE instrument (id INTEGER PRIMARY KEY CHECK (id = 1), spec TEXT NOT NULL, updated_at INTEGER NOT NULL);

      -- Engine counters and per-channel feed sequences: one row.
      CREATE TABLE book_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_price INTEGER,
        next_trade_id INTEGER NOT NULL,
        next_priority INTEGER NOT NULL,
        clock INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        level2_seq INTEGER NOT NULL,
        trades_seq INTEGER NOT NULL,
        ticker_seq INTEGER NOT NULL,
        candles_seq INTEGER NOT NULL
      );
      INSERT INTO book_state VALUES (1, NULL, 1, 1, 0, 0, 0, 0, 0, 0);

      -- Mirror of the engine's live orders (resting and untriggered stops): the engine is rebuilt from it.
      CREATE TABLE live_orders (
        order_id TEXT PRIMARY KEY,
        side TEXT NOT NULL,
        state TEXT NOT NULL,
        price INTEGER,
        stop_price INTEGER,
        priority INTEGER NOT NULL,
        view TEXT NOT NULL
      );

      -- Append-only log of every engine event; seq is contiguous per instrument and never reused.
      -- Events that feed a public channel also carry that channel's own contiguous sequence.
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        channel TEXT,
        channel_seq INTEGER,
        body TEXT NOT NULL
      );
      CREATE UNIQUE INDEX events_by_channel ON events (channel, channel_seq) WHERE channel IS NOT NULL;

      CREATE TABLE trades (
        trade_id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        price INTEGER NOT NULL,
        qty INTEGER NOT NULL,
        aggressor TEXT NOT NULL,
        maker_order_id TEXT NOT NULL,
        taker_order_id TEXT NOT NULL,
        seq INTEGER NOT NULL
      );
      CREATE INDEX trades_by_time ON trades (at);

      -- One-minute candles; longer intervals are aggregated from these on read.
      CREATE TABLE candles_1m (
        start INTEGER PRIMARY KEY,
        open INTEGER NOT NULL,
        high INTEGER NOT NULL,
        low INTEGER NOT NULL,
        close INTEGER NOT NULL,
        volume INTEGER NOT NULL,
        trades INTEGER NOT NULL
      );

      -- Feed shards that have subscribers for this instrument.
      CREATE TABLE feed_shards (name TEXT PRIMARY KEY, since INTEGER NOT NULL);
    `,
  },
  {
    idMonotonicInc: 2,
    description: "every order id ever accepted, so ids stay unique after orders are done",
    sql: `CREATE TABLE IF NOT EXISTS order_ids (order_id TEXT PRIMARY KEY, accepted_at INTEGER NOT NULL);
          INSERT OR IGNORE INTO order_ids (order_id, accepted_at) SELECT order_id, 0 FROM live_orders;`,
  },
  {
    idMonotonicInc: 3,
    description: "outbox: each account's events, kept until its Account object acknowledges them",
    sql: `
      -- One row per (account, event) for every event that concerns an account: both sides of a trade,
      -- and each order's accepted, done, amended, reduced and stop_triggered. Deleted once acknowledged.
      CREATE TABLE outbox (
        account TEXT NOT NULL,
        seq INTEGER NOT NULL,
        at INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (account, seq)
      ) WITHOUT ROWID;
      CREATE INDEX outbox_by_time ON outbox (at);
    `,
  },
  {
    idMonotonicInc: 4,
    description: "order ids refused to an Account object, with the reason, so a resend gets the first outcome",
    sql: `
      ALTER TABLE order_ids ADD COLUMN reject_code TEXT;
      ALTER TABLE order_ids ADD COLUMN reject_message TEXT;
    `,
  },
  {
    idMonotonicInc: 5,
    description: "event stream cursor: the last event seq the EVENTS Queue accepted",
    sql: `
      -- Events after this seq are sent to the Queue (and never pruned from the log until they are).
      CREATE TABLE stream_out (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
      INSERT INTO stream_out (id, seq) VALUES (1, 0);
    `,
  },
  {
    idMonotonicInc: 6,
    description: "hand-off to a successor in another region: the fence, then where the book went",
    sql: `
      -- One row while a hand-off holds the book (handoff.ts): fenced, exported, standby (a successor
      -- not yet activated) or moved (commands refused, reads forwarded to the successor).
      CREATE TABLE handoff (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        phase TEXT NOT NULL,
        since INTEGER NOT NULL,
        successor TEXT,
        epoch INTEGER,
        region TEXT
      );
    `,
  },
];
