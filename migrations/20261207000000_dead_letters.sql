-- migrate:up

-- Events the consumer could not write, one row per event (workers/consumer/dead-letters.ts):
-- rejected by their schema (reason from shared/events/validate.ts) or given up by the Queue
-- after max_retries (reason 'max_retries'). `dedup_key` makes a redelivered dead letter
-- change nothing; `body` is what was received (an envelope, or whatever the message held).
-- Replay (POST /v1/admin/dead-letters/replay) sets replayed_at once.
CREATE TABLE dead_letters (
  id bigserial PRIMARY KEY,
  dedup_key text NOT NULL UNIQUE,
  queue text NOT NULL,
  received_at timestamptz NOT NULL,
  reason text NOT NULL,
  detail text NOT NULL,
  schema text,
  version integer,
  stream text,
  type text,
  key text,
  seq bigint,
  body jsonb NOT NULL,
  attempts integer NOT NULL,
  replayed_at timestamptz,
  replay_count integer NOT NULL DEFAULT 0
);

CREATE INDEX dead_letters_reason_idx ON dead_letters (reason, id DESC);
CREATE INDEX dead_letters_type_idx ON dead_letters (stream, type, id DESC);

-- migrate:down

DROP TABLE dead_letters;
